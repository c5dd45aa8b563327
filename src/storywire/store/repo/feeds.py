"""Feeds: their settings, fetch state and health."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, Table, bindparam, delete, func, select
from sqlalchemy.orm import Session

from storywire.errors import NotFoundError
from storywire.models import Feed, NewFeed
from storywire.store.repo._sql import (
    all_columns,
    find_or_insert,
    fit_lengths,
    get_row,
    read_rows,
    write_row,
)
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


_FEEDS: Table = FeedRow.__table__  # type: ignore[assignment]
_UPDATE_FEED = _FEEDS.update().where(_FEEDS.c.id == bindparam("row_id"))


def feed_of(row: FeedRow | Row[Any]) -> Feed:
    return Feed(id=row.id, **{name: getattr(row, name) for name in _FEED_FIELDS})


def add_feed(session: Session, feed: NewFeed) -> tuple[Feed, bool]:
    """Add a feed by URL; an existing feed with that URL is returned unchanged (created=False),
    also when two workers add it at once."""
    values = fit_lengths(FeedRow, {name: getattr(feed, name) for name in _FEED_FIELDS})
    return find_or_insert(
        session,
        FeedRow,
        values,
        "url",
        lambda: get_feed_by_url(session, values["url"]),
        lambda new_id: Feed(id=new_id, **values),
    )


def save_feed_state(session: Session, feed: Feed) -> Feed:
    """Store a feed's fetch state (ETag, schedule, failures, error) after a check, which ends
    the checking worker's claim on it."""
    values = fit_lengths(FeedRow, {n: getattr(feed, n) for n in _FEED_FIELDS})
    done = write_row(session, _UPDATE_FEED, {**values, "claimed_until": None, "row_id": feed.id})
    if not done.rowcount:
        raise NotFoundError(f"no feed {feed.id!r}")
    return Feed(id=feed.id, **values)


def list_feeds(session: Session) -> list[Feed]:
    return [feed_of(row) for row in read_rows(session, all_columns(FeedRow).order_by(FeedRow.id))]


def feed_categories(session: Session) -> dict[int | None, str]:
    """Feed id to category, for the feeds that have one: what a story's category is read from,
    at every round, without reading every feed's state."""
    query = select(FeedRow.id, FeedRow.category).where(FeedRow.category.is_not(None))
    return {row.id: row.category for row in read_rows(session, query)}


def due_feeds(session: Session, now: datetime, ignore_schedule: bool = False) -> list[Feed]:
    """Enabled feeds whose next check is due (never-checked feeds first)."""
    query = (
        all_columns(FeedRow)
        .where(FeedRow.disabled.is_(False))
        .order_by(FeedRow.next_due_at.is_not(None), FeedRow.next_due_at, FeedRow.id)
    )
    if not ignore_schedule:
        query = query.where((FeedRow.next_due_at.is_(None)) | (FeedRow.next_due_at <= now))
    return [feed_of(row) for row in read_rows(session, query)]


def get_feed(session: Session, feed_id: int) -> Feed:
    return feed_of(get_row(session, FeedRow, feed_id, "feed"))


def remove_feed(session: Session, feed_id: int) -> None:
    done = write_row(
        session, delete(FeedRow).where(FeedRow.id == bindparam("row_id")), {"row_id": feed_id}
    )
    if not done.rowcount:
        raise NotFoundError(f"no feed {feed_id!r}")


def get_feed_by_url(session: Session, url: str) -> Feed | None:
    rows = read_rows(session, all_columns(FeedRow).where(FeedRow.url == bindparam("url")), url=url)
    return feed_of(rows[0]) if rows else None


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
