"""`storywire worker`: one of several processes sharing one PostgreSQL database.

Every worker checks feeds, fetches and extracts pages, dedupes and embeds. It claims each feed and
each article before it works on it (`repo.claim_feeds`, `repo.claim_articles`: `FOR UPDATE SKIP
LOCKED` with a lease), so no two workers do one job, and the job of a worker that died is free
again when its lease ends.

Assigning articles to stories and writing them is one process's job at a time: the worker that
holds the story lock (`db.Leadership`, a PostgreSQL advisory lock) does it. When that worker dies
its connection closes, the lock is free, and the next worker to ask takes over, rebuilding the
clusterer from the database; articles assigned but not written are written by it.

The story worker assigns once the other workers have finished what they hold, as one process's
round would, so N workers make the stories one process makes from the same coverage. On a stream
that never pauses it waits at most `patience` seconds and then assigns what is ready.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from storywire.models import Stage
from storywire.pipeline import Pipeline, RoundReport
from storywire.store import db, repo
from storywire.stories.detect import StoryReport

log = logging.getLogger(__name__)

BEFORE_EMBEDDING = (Stage.FETCHED, Stage.EXTRACTED, Stage.DEDUPED)
UNASSIGNED = (Stage.EMBEDDED, Stage.CLUSTERED)


def ingesting(backlog: repo.Backlog) -> bool:
    """Whether feeds or articles are still on their way to being embedded."""
    return bool(
        backlog.due_feeds
        or backlog.claimed_feeds
        or any(backlog.articles.get(stage, 0) for stage in BEFORE_EMBEDDING)
    )


def ready_to_assign(backlog: repo.Backlog, waited: float, patience: float) -> bool:
    """Whether the story worker should assign now: there are embedded (or assigned but
    unwritten) articles, and either nothing else is in flight or it has waited long enough."""
    if not any(backlog.articles.get(stage, 0) for stage in UNASSIGNED):
        return False
    return not ingesting(backlog) or waited >= patience


def drained(backlog: repo.Backlog) -> bool:
    """Whether nothing is left to do: no feed due or held, every article written."""
    return not ingesting(backlog) and not any(backlog.articles.values())


@dataclass
class Step:
    """What one pass of a worker did."""

    feeds: RoundReport
    embedded: int
    leading: bool
    stories: StoryReport | None
    backlog: repo.Backlog

    @property
    def idle(self) -> bool:
        return not (self.feeds.feeds or self.embedded or self.stories)


class Worker:
    """One worker process: a pass checks due feeds, finishes claimed articles, embeds, and, when
    this worker holds the story lock and the others are done, assigns and writes."""

    def __init__(
        self,
        pipeline: Pipeline,
        leadership: db.Leadership,
        patience: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not pipeline.shared:
            raise ValueError("a worker's pipeline must be shared (Pipeline(shared=True))")
        self.pipeline = pipeline
        self.leadership = leadership
        self.patience = patience
        self.clock = clock
        self._leading = False
        self._waiting_since: float | None = None

    async def step(self) -> Step:
        feeds = await self.pipeline.fetch_round()
        embedded = self.pipeline.stories.embed_pending()
        leading = self.leadership.held()
        if leading and not self._leading:
            self.pipeline.stories.forget()  # someone else may have assigned since
        self._leading = leading
        stories = None
        backlog = self.backlog()
        if leading and any(backlog.articles.get(stage, 0) for stage in UNASSIGNED):
            if self._waiting_since is None:
                self._waiting_since = self.clock()
            if ready_to_assign(backlog, self.clock() - self._waiting_since, self.patience):
                stories = self.pipeline.stories.detect()
                self._waiting_since = None
                backlog = self.backlog()
                log.info(
                    "assigned stories",
                    extra={
                        "articles": stories.clustered,
                        "new": stories.new_stories,
                        "merged": stories.merged,
                        "split": stories.split,
                        "revised": stories.revised,
                    },
                )
        return Step(feeds, embedded, leading, stories, backlog)

    def backlog(self) -> repo.Backlog:
        with db.transaction(self.pipeline.sessions) as session:
            return repo.backlog(session, self.pipeline.now(), datetime.now(UTC))
