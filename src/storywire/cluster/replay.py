"""Offline replay: a stream of feed items through the service's own stages.

This is the evaluation entry point (`storywire cluster`, `bench/stream.py`). It runs no
clusterer of its own: each item becomes a feed entry of its outlet's feed in a scratch
database, and rounds of arrivals (by publication time) go through exactly what a fetch round
does when a page can't be read: the feed item's cleaning, language and kind, dedupe, then the
story stages (embedding, assignment, the merge and split passes and, if asked, the writer).
Only the clock and the network are simulated.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from storywire.cluster.config import ClusterConfig
from storywire.ingest.outlets import ensure_outlet
from storywire.models import Feed, NewFeed
from storywire.nlp.embed import Embedder, default_bridge
from storywire.pipeline import Pipeline
from storywire.slugs import outlet_slug
from storywire.sources.feeds import FeedEntry, clean_description
from storywire.sources.fetch import FetchPolicy
from storywire.store import db, repo
from storywire.stories.detect import StoryReport

ROUND = timedelta(minutes=30)  # how often the replayed service checks its feeds


@dataclass(frozen=True, slots=True)
class StreamItem:
    """One feed item as the streams and `storywire cluster` give it."""

    id: str
    title: str
    text: str
    published: datetime | None = None
    source: str | None = None
    url: str | None = None
    language: str | None = None


@dataclass
class Replayed:
    """Where each item ended up: (item id, story id, thread id), in input order."""

    rows: list[tuple[str, int, int]]
    rounds: int = 0
    report: StoryReport = field(default_factory=StoryReport)


def replay(
    items: Sequence[StreamItem],
    embedder: Embedder,
    config: ClusterConfig | None = None,
    write: bool = False,
    every: timedelta = ROUND,
    after_round: Callable[[db.Sessions, datetime], None] | None = None,
    bridge: Callable[[], Embedder | None] = default_bridge,
    ahead_threads: int | None = None,
) -> Replayed:
    """Replay `items` in time order (input order breaks ties), a round per `every` of
    publication time; the writer runs after each round only when `write` is set.
    `after_round` sees the database and the clock after every round (a front page then);
    `ahead_threads`: see `StoryDetector` (0 to time the replay without embedding ahead)."""
    with _scratch_database() as sessions:
        clock = [datetime.now(UTC)]
        pipeline = Pipeline(
            sessions,
            FetchPolicy(),
            now=lambda: clock[0],
            embedder=lambda: embedder,
            cluster_config=config,
            bridge=bridge,
            ahead_threads=ahead_threads,
        )
        feeds = _feeds(sessions, items)
        article_of: dict[int, int] = {}
        total = StoryReport()
        batches = _rounds(items, every)
        for end, batch in batches:
            clock[0] = end
            for index in batch:
                item = items[index]
                article, created = pipeline.store_entry(
                    feeds[item.source or ""], _entry(item), item.language
                )
                if created:
                    article = pipeline.finish_from_feed(article)
                article_of[index] = article.id
            report = pipeline.stories.detect(write=write)
            for name in ("embedded", "clustered", "new_stories", "merged", "split", "revised"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
            if after_round:
                after_round(sessions, end)
        with db.transaction(sessions) as session:
            story_of = repo.article_stories(session)
            thread_of = repo.story_threads(session)
        rows = []
        for index, item in enumerate(items):
            story = story_of[article_of[index]]
            rows.append((item.id, story, thread_of.get(story, story)))
        return Replayed(rows, len(batches), total)


@contextmanager
def _scratch_database() -> Iterator[db.Sessions]:
    with tempfile.TemporaryDirectory(prefix="storywire-replay-") as folder:
        url = f"sqlite:///{Path(folder) / 'replay.db'}"
        with db.engine_for(url) as engine:
            db.upgrade(engine)
        with db.connect(url) as sessions:
            yield sessions


def _feeds(sessions: db.Sessions, items: Sequence[StreamItem]) -> dict[str, Feed]:
    """One outlet and one feed per source, as `storywire feeds add` would make them."""
    feeds: dict[str, Feed] = {}
    with db.transaction(sessions) as session:
        for item in items:
            source = item.source or ""
            if source in feeds:
                continue
            # Each source is an outlet of its own, as the aggregator names them (two may share
            # a host): it gets a made-up site, and its one feed lives there.
            host = urlsplit(item.url or "").netloc or "unknown.invalid"
            homepage = (
                f"https://{outlet_slug(source)}.replay.invalid/" if source else f"https://{host}/"
            )
            outlet = ensure_outlet(session, source or host, homepage)
            feed, _ = repo.add_feed(
                session, NewFeed(url=f"{homepage}replay-feed/{outlet.slug}", outlet_id=outlet.id)
            )
            feeds[source] = feed
    return feeds


def _entry(item: StreamItem) -> FeedEntry:
    return FeedEntry(
        guid=item.id,
        url=item.url or f"https://replay.invalid/{item.id}",
        title=clean_description(item.title),
        summary=clean_description(item.text) or None,
        content_html=None,
        authors=(),
        published=item.published,
        updated=None,
        categories=(),
        image=None,
    )


def _rounds(items: Sequence[StreamItem], every: timedelta) -> list[tuple[datetime, list[int]]]:
    """The fetch rounds that would see the items: (the round's clock, item positions), in
    time order with input order breaking ties. A round starts at its first item and lasts
    `every`; an item without a date arrives in the first round, as a fetch would find it."""
    dated = [item.published for item in items if item.published is not None]
    start = min(dated) if dated else datetime.now(UTC)
    arrival = [item.published or start for item in items]
    rounds: list[tuple[datetime, list[int]]] = []
    for index in sorted(range(len(items)), key=lambda i: (arrival[i], i)):
        if not rounds or arrival[index] >= rounds[-1][0]:
            rounds.append((arrival[index] + every, []))
        rounds[-1][1].append(index)
    return rounds
