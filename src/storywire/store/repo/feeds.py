"""Feeds: their settings, fetch state and health."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from storywire.models import Feed
from storywire.store.repo._sql import all_columns, fit_lengths, get_row, read_rows
from storywire.store.tables import ArticleRow, FeedRow

_FEED_FIELDS = (
    "url",
    "outlet_id",
    "title",
    "category",
    "etag",
    "last_modified",
    "last_fetched_at",
    "next_due_at",
    "consecutive_failures",
    "last_error",
    "disabled",
    "check_interval_seconds",
)


def feed_of(row: FeedRow | Row[Any]) -> Feed:
    return Feed(id=row.id, **{name: getattr(row, name) for name in _FEED_FIELDS})


def add_feed(session: Session, feed: Feed) -> tuple[Feed, bool]:
    """Add a feed by URL; an existing feed with that URL is returned unchanged (created=False)."""
    row = session.scalar(select(FeedRow).where(FeedRow.url == feed.url))
    if row is not None:
        return feed_of(row), False
    row = FeedRow(**fit_lengths(FeedRow, {name: getattr(feed, name) for name in _FEED_FIELDS}))
    session.add(row)
    session.flush()
    return feed_of(row), True


def save_feed_state(session: Session, feed: Feed) -> Feed:
    """Store a feed's fetch state (ETag, schedule, failures, error) after a check, which ends
    the checking worker's claim on it."""
    row = get_row(session, FeedRow, feed.id, "feed")
    for name, value in fit_lengths(FeedRow, {n: getattr(feed, n) for n in _FEED_FIELDS}).items():
        setattr(row, name, value)
    row.claimed_until = None
    session.flush()
    return feed_of(row)


def list_feeds(session: Session) -> list[Feed]:
    return [feed_of(row) for row in read_rows(session, all_columns(FeedRow).order_by(FeedRow.id))]


def due_feeds(session: Session, now: datetime, ignore_schedule: bool = False) -> list[Feed]:
    """Enabled feeds whose next check is due (never-checked feeds first)."""
    query = (
        select(FeedRow)
        .where(FeedRow.disabled.is_(False))
        .order_by(FeedRow.next_due_at.is_not(None), FeedRow.next_due_at, FeedRow.id)
    )
    if not ignore_schedule:
        query = query.where((FeedRow.next_due_at.is_(None)) | (FeedRow.next_due_at <= now))
    return [feed_of(row) for row in session.scalars(query)]


def get_feed(session: Session, feed_id: int) -> Feed:
    return feed_of(get_row(session, FeedRow, feed_id, "feed"))


def remove_feed(session: Session, feed_id: int) -> None:
    session.delete(get_row(session, FeedRow, feed_id, "feed"))
    session.flush()


def get_feed_by_url(session: Session, url: str) -> Feed | None:
    row = session.scalar(select(FeedRow).where(FeedRow.url == url))
    return feed_of(row) if row is not None else None


def feed_health(session: Session) -> dict[str, int]:
    """Feeds that are ok, failing (retrying) or disabled."""
    states = dict.fromkeys(("ok", "failing", "disabled"), 0)
    rows = session.execute(
        select(FeedRow.disabled, FeedRow.consecutive_failures > 0, func.count()).group_by(
            FeedRow.disabled, FeedRow.consecutive_failures > 0
        )
    )
    for disabled, failing, count in rows:
        states["disabled" if disabled else "failing" if failing else "ok"] += count
    return states


def latest_fetch_time(session: Session) -> datetime | None:
    return session.scalar(select(func.max(ArticleRow.fetched_at)))
