"""Claims: which worker holds which feed or article for how long, and the backlog."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storywire.models import Article, Feed, Stage
from storywire.store.repo._sql import all_columns, id_chunks, read_rows
from storywire.store.repo.articles import articles_by_ids, in_a_queue
from storywire.store.repo.feeds import feed_of
from storywire.store.tables import ArticleRow, FeedRow


@dataclass(frozen=True)
class Lease:
    """A claim's window in wall-clock time: a row whose claim ended before `now` is free again
    (its worker died holding it)."""

    now: datetime
    until: datetime

    @classmethod
    def of(cls, seconds: float) -> Lease:
        now = datetime.now(UTC)
        return cls(now, now + timedelta(seconds=seconds))


def _unclaimed(table: Any, lease: Lease) -> Any:
    return table.claimed_until.is_(None) | (table.claimed_until < lease.now)


def claim_feeds(
    session: Session,
    due: datetime,
    lease: Lease,
    limit: int = 1,
    ignore_schedule: bool = False,
    exclude: Iterable[int] = (),
) -> list[Feed]:
    """Claim up to `limit` enabled, unclaimed feeds due at `due` (any, ignoring the schedule),
    never-checked feeds first. `FOR UPDATE SKIP LOCKED` passes over the rows another worker is
    claiming at this moment, so no two workers claim one feed (SQLite has one writer anyway)."""
    query = (
        select(FeedRow.id)
        .where(FeedRow.disabled.is_(False), _unclaimed(FeedRow, lease))
        .order_by(FeedRow.next_due_at.is_not(None), FeedRow.next_due_at, FeedRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if not ignore_schedule:
        query = query.where(FeedRow.next_due_at.is_(None) | (FeedRow.next_due_at <= due))
    skip = list(exclude)
    if skip:
        query = query.where(FeedRow.id.not_in(skip))
    ids = list(session.scalars(query))
    if not ids:
        return []
    session.execute(update(FeedRow).where(FeedRow.id.in_(ids)).values(claimed_until=lease.until))
    rows = {
        row.id: row for row in read_rows(session, all_columns(FeedRow).where(FeedRow.id.in_(ids)))
    }
    return [feed_of(rows[i]) for i in ids]


def claim_articles(session: Session, stage: Stage, lease: Lease, limit: int) -> list[Article]:
    """Claim up to `limit` unclaimed articles at `stage`, oldest first: the next stage's work
    for one worker (see `claim_feeds`)."""
    query = (
        select(ArticleRow.id)
        .where(ArticleRow.stage == stage.value, _unclaimed(ArticleRow, lease), in_a_queue())
        .order_by(ArticleRow.published_at, ArticleRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.scalars(query))
    for chunk in id_chunks(ids):
        session.execute(
            update(ArticleRow).where(ArticleRow.id.in_(chunk)).values(claimed_until=lease.until)
        )
    found = {article.id: article for article in articles_by_ids(session, ids)}
    return [found[i] for i in ids]


# Stages whose articles are being ingested: the only ones a claim can be left on.
_IN_FLIGHT = [Stage.FETCHED.value, Stage.EXTRACTED.value, Stage.DEDUPED.value]


def release_all_claims(session: Session) -> None:
    """Free every claim: what a process that knows it is the only one does with the claims a
    killed run left behind, instead of waiting for them to lapse. Only articles before
    EMBEDDED can hold one (a stage change ends a claim), so the stage index keeps this from
    reading the whole history each round."""
    session.execute(
        update(FeedRow).where(FeedRow.claimed_until.is_not(None)).values(claimed_until=None)
    )
    session.execute(
        update(ArticleRow)
        .where(ArticleRow.stage.in_(_IN_FLIGHT), ArticleRow.claimed_until.is_not(None))
        .values(claimed_until=None)
    )


@dataclass(frozen=True)
class Backlog:
    """Work not yet done: feeds due or being checked, and articles by stage (below WRITTEN;
    quarantined articles are no work)."""

    due_feeds: int
    claimed_feeds: int
    articles: dict[Stage, int]


def backlog(session: Session, due: datetime, now: datetime) -> Backlog:
    """Counted through the stage index (`IN`, not `!=`): the story worker asks every pass, and
    the written articles are all of history."""
    enabled = select(func.count()).select_from(FeedRow).where(FeedRow.disabled.is_(False))
    due_feeds = session.scalar(
        enabled.where(FeedRow.next_due_at.is_(None) | (FeedRow.next_due_at <= due))
    )
    claimed = session.scalar(enabled.where(FeedRow.claimed_until >= now))
    rows = session.execute(
        select(ArticleRow.stage, func.count())
        .where(
            ArticleRow.stage.in_([s.value for s in Stage if s is not Stage.WRITTEN]),
            in_a_queue(),
        )
        .group_by(ArticleRow.stage)
    )
    return Backlog(due_feeds or 0, claimed or 0, {Stage(stage): n for stage, n in rows})
