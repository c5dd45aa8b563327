"""Retention: how long article text, near-duplicate bands and vectors are kept.

They are most of the database and are needed only while a story can still change. Past the
retention period, `prune` removes them from written articles of stories that have had no
coverage since, and keeps what pages show: titles, links, outlets, stories, revisions and the
cited sentences in them. `retention_days` sets the period (0 keeps everything); `storywire run`
and the story worker prune once a day with it, and `storywire db prune` does it on demand.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from storywire import metrics
from storywire.errors import ConfigError
from storywire.store import db, repo

log = logging.getLogger(__name__)

BATCH = 1000  # articles per transaction
EVERY = 24 * 3600.0  # seconds between the service's prunes


def cutoff(now: datetime, days: int, window: timedelta) -> datetime:
    """The time before which articles lose their text. A period shorter than what the clusterer
    remembers (twice its window, plus a day) would take vectors it still uses: refused."""
    shortest = 2 * window + timedelta(days=1)
    if timedelta(days=days) < shortest:
        raise ConfigError(
            f"retention of {days} days is shorter than the {shortest.days} days stories "
            "can still change"
        )
    return now - timedelta(days=days)


def prune(sessions: db.Sessions, before: datetime) -> int:
    """Prune every article `repo.prune_articles` allows, a batch per transaction; returns how
    many. Interrupted, it loses nothing: the next run goes on where it stopped."""
    total = 0
    while True:
        with db.transaction(sessions) as session:
            pruned = repo.prune_articles(session, before, BATCH)
        total += len(pruned)
        metrics.PRUNED.inc(len(pruned))
        if len(pruned) < BATCH:
            log.info("pruned articles", extra={"articles": total, "before": before.isoformat()})
            return total


class Schedule:
    """Prune once every `EVERY` seconds in a long-running process (not at all with 0 days)."""

    def __init__(
        self,
        sessions: db.Sessions,
        days: int,
        window: timedelta,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if days:
            cutoff(datetime.now(UTC), days, window)  # refuse a bad setting at start
        self.sessions, self.days, self.window, self.clock = sessions, days, window, clock
        self._last: float | None = None

    def maybe(self) -> int:
        if not self.days or (self._last is not None and self.clock() - self._last < EVERY):
            return 0
        self._last = self.clock()
        return prune(self.sessions, cutoff(datetime.now(UTC), self.days, self.window))
