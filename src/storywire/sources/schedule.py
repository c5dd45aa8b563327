"""When to check a feed next: a pure decision over the feed's state and the last outcome.

A feed that keeps publishing is checked more often (down to `min_interval`), a quiet one less
often (up to `max_interval`); errors back off exponentially; after `max_failures` consecutive
failures, or a 410 Gone, the feed is disabled with the reason kept in `last_error`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from storywire.models import Feed


@dataclass(frozen=True, slots=True)
class SchedulePolicy:
    min_interval: timedelta = timedelta(minutes=5)
    default_interval: timedelta = timedelta(minutes=30)
    max_interval: timedelta = timedelta(hours=6)
    error_backoff: timedelta = timedelta(minutes=5)
    max_failures: int = 10


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one check of a feed found."""

    new_items: int = 0
    error: str | None = None
    gone: bool = False


def next_check(feed: Feed, outcome: Outcome, now: datetime, policy: SchedulePolicy) -> Feed:
    current = (
        timedelta(seconds=feed.check_interval_seconds)
        if feed.check_interval_seconds
        else policy.default_interval
    )
    if outcome.error is not None:
        failures = feed.consecutive_failures + 1
        wait = min(policy.max_interval, policy.error_backoff * 2 ** (failures - 1))
        disabled = outcome.gone or failures >= policy.max_failures
        error = outcome.error
        if disabled:
            why = "gone (HTTP 410)" if outcome.gone else f"{failures} consecutive failures"
            error = f"disabled after {why}: {outcome.error}"
        return replace(
            feed,
            last_fetched_at=now,
            consecutive_failures=failures,
            last_error=error,
            disabled=disabled,
            next_due_at=now + wait,
        )
    if outcome.new_items > 0:
        interval = max(policy.min_interval, current / 2)
    else:
        interval = min(policy.max_interval, current * 1.5)
    return replace(
        feed,
        last_fetched_at=now,
        consecutive_failures=0,
        last_error=None,
        check_interval_seconds=int(interval.total_seconds()),
        next_due_at=now + interval,
    )
