"""Repository functions: the only way the rest of storywire reads and writes the database.

Each function takes an open `Session` and neither commits nor rolls back: the caller owns the
transaction (`store.db.transaction`), so one unit of work can span several calls.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import (
    Row,
    String,
    Table,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storywire.errors import NotFoundError
from storywire.models import (
    Article,
    ArticleKind,
    CitedText,
    Feed,
    JoinReason,
    LinkKind,
    Membership,
    OpinionItem,
    Outlet,
    Stage,
    Story,
    StoryRevision,
    StoryStatus,
    StorySummary,
    TextSource,
    Topic,
)
from storywire.store.tables import (
    ArticleBandRow,
    ArticleRow,
    ArticleVectorRow,
    FeedRow,
    OutletRow,
    StoryArticleRow,
    StoryLinkRow,
    StoryRevisionRow,
    StoryRow,
    StoryTopicRow,
)

RowT = TypeVar("RowT")


def _read(session: Session, query: Any, **params: Any) -> Sequence[Any]:
    """Plain rows through the session's connection, for the reads that pages make.

    A page makes half a dozen small queries; through `Session.execute` each one costs several
    times the query itself in ORM bookkeeping. Pending changes are flushed first, as autoflush
    would, so a read inside a unit of work still sees its own writes.
    """
    session.flush()
    return session.connection().execute(query, params).all()


def _write(session: Session, statement: Any, params: dict[str, Any]) -> Any:
    """One prepared INSERT or UPDATE through the session's connection, flushing pending ORM
    changes first. The statements are built once with bound parameters, so each call reuses
    the compiled SQL: through the ORM, a replay spent more time in bookkeeping than in SQLite.
    Rows written this way are read back with `_read`, never as mapped objects."""
    session.flush()
    return session.connection().execute(statement, params)


@cache
def _columns(table: Any) -> Any:
    """SELECT of every column of a mapped class, whose rows the `_story`-style converters read
    by attribute just like mapped objects. Built once: statements are immutable, and coercing
    two dozen columns on every call cost more than the query."""
    return select(*table.__table__.c)


# Identifiers that mean nothing cut short: stored as absent when too long.
_DROPPED_WHEN_TOO_LONG = frozenset({"etag", "last_modified", "image_url"})


@cache
def _lengths(table: Any) -> dict[str, int]:
    return {
        column.name: column.type.length
        for column in table.__table__.c
        if isinstance(column.type, String) and column.type.length
    }


def _fit(table: Any, values: dict[str, Any]) -> dict[str, Any]:
    """`values` cut to their columns' lengths. SQLite ignores a VARCHAR's length and
    PostgreSQL refuses the whole row, so one page with a 500-character section, or one server
    with a 1,000-character ETag, would fail every round on PostgreSQL: text is cut, and an
    identifier that means nothing cut short is dropped."""
    lengths = _lengths(table)
    for name, value in values.items():
        limit = lengths.get(name)
        if isinstance(value, str) and limit is not None and len(value) > limit:
            values[name] = None if name in _DROPPED_WHEN_TOO_LONG else value[:limit]
    return values


# ---------------------------------------------------------------------------------------- outlets


def _outlet(row: OutletRow | Row[Any]) -> Outlet:
    return Outlet(
        id=row.id, slug=row.slug, name=row.name, homepage=row.homepage, language=row.language
    )


def ensure_outlet(session: Session, outlet: Outlet) -> Outlet:
    """The outlet with this slug as stored, or this one inserted. What a feed or a file says
    about itself never renames an outlet another source created, and two workers adding one
    outlet at once both get the one row."""
    values = _fit(
        OutletRow,
        {
            "slug": outlet.slug,
            "name": outlet.name,
            "homepage": outlet.homepage,
            "language": outlet.language,
        },
    )
    _insert_new(session, OutletRow, values, "slug")
    row = session.scalar(select(OutletRow).where(OutletRow.slug == values["slug"]))
    assert row is not None
    return _outlet(row)


def _insert_new(session: Session, table: type[Any], values: dict[str, Any], key: str) -> Any:
    """INSERT ... ON CONFLICT (key) DO NOTHING, returning the new id or None: the one insert
    that is safe when several processes add the same row at once."""
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        module.insert(table).values(values).on_conflict_do_nothing(index_elements=[key])
    ).returning(table.id)
    return _write(session, statement, {}).scalar_one_or_none()


def upsert_outlet(session: Session, outlet: Outlet) -> Outlet:
    """Insert the outlet, or update the one with the same slug (an operator's own word)."""
    values = _fit(OutletRow, {"name": outlet.name, "homepage": outlet.homepage})
    row = session.scalar(select(OutletRow).where(OutletRow.slug == outlet.slug))
    if row is None:
        row = OutletRow(slug=outlet.slug)
        session.add(row)
    row.name, row.homepage, row.language = values["name"], values["homepage"], outlet.language
    session.flush()
    return _outlet(row)


def list_outlets(session: Session) -> list[Outlet]:
    return [_outlet(row) for row in _read(session, _columns(OutletRow).order_by(OutletRow.name))]


def get_outlet(session: Session, slug: str) -> Outlet:
    row = next(iter(_read(session, _columns(OutletRow).where(OutletRow.slug == slug))), None)
    if row is None:
        raise NotFoundError(f"no outlet {slug!r}")
    return _outlet(row)


def outlet_article_counts(session: Session) -> dict[int, int]:
    """How many stored articles each outlet has, for the outlets page."""
    query = select(ArticleRow.outlet_id, func.count()).group_by(ArticleRow.outlet_id)
    return {outlet: count for outlet, count in _read(session, query) if outlet is not None}


_OUTLETS_BY_ID = _columns(OutletRow).where(OutletRow.id.in_(bindparam("ids", expanding=True)))


def outlets_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, Outlet]:
    """Just the outlets named, for pages that show a few of many."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = _read(session, _OUTLETS_BY_ID, ids=sorted(wanted))
    return {row.id: _outlet(row) for row in rows}


def outlet_names(session: Session) -> dict[int | None, str]:
    """Outlet id to name, for labelling articles in bulk."""
    return {row.id: row.name for row in _read(session, select(OutletRow.id, OutletRow.name))}


# ------------------------------------------------------------------------------------------ feeds

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


def _feed(row: FeedRow | Row[Any]) -> Feed:
    return Feed(id=row.id, **{name: getattr(row, name) for name in _FEED_FIELDS})


def add_feed(session: Session, feed: Feed) -> tuple[Feed, bool]:
    """Add a feed by URL; an existing feed with that URL is returned unchanged (created=False)."""
    row = session.scalar(select(FeedRow).where(FeedRow.url == feed.url))
    if row is not None:
        return _feed(row), False
    row = FeedRow(**_fit(FeedRow, {name: getattr(feed, name) for name in _FEED_FIELDS}))
    session.add(row)
    session.flush()
    return _feed(row), True


def save_feed_state(session: Session, feed: Feed) -> Feed:
    """Store a feed's fetch state (ETag, schedule, failures, error) after a check, which ends
    the checking worker's claim on it."""
    row = _get(session, FeedRow, feed.id, "feed")
    for name, value in _fit(FeedRow, {n: getattr(feed, n) for n in _FEED_FIELDS}).items():
        setattr(row, name, value)
    row.claimed_until = None
    session.flush()
    return _feed(row)


def list_feeds(session: Session) -> list[Feed]:
    return [_feed(row) for row in _read(session, _columns(FeedRow).order_by(FeedRow.id))]


def due_feeds(session: Session, now: datetime, ignore_schedule: bool = False) -> list[Feed]:
    """Enabled feeds whose next check is due (never-checked feeds first)."""
    query = (
        select(FeedRow)
        .where(FeedRow.disabled.is_(False))
        .order_by(FeedRow.next_due_at.is_not(None), FeedRow.next_due_at, FeedRow.id)
    )
    if not ignore_schedule:
        query = query.where((FeedRow.next_due_at.is_(None)) | (FeedRow.next_due_at <= now))
    return [_feed(row) for row in session.scalars(query)]


def get_feed(session: Session, feed_id: int) -> Feed:
    return _feed(_get(session, FeedRow, feed_id, "feed"))


def remove_feed(session: Session, feed_id: int) -> None:
    session.delete(_get(session, FeedRow, feed_id, "feed"))
    session.flush()


# --------------------------------------------------------------------------------------- articles

_ARTICLE_FIELDS = (
    "url",
    "canonical_url",
    "outlet_id",
    "feed_id",
    "title",
    "authors",
    "published_at",
    "updated_at",
    "fetched_at",
    "language",
    "section",
    "kind_reason",
    "summary",
    "image_url",
    "text",
    "content_hash",
    "near_dup_group",
    "error",
)


def _article(row: ArticleRow | Row[Any]) -> Article:
    return Article(
        id=row.id,
        kind=ArticleKind(row.kind),
        stage=Stage(row.stage),
        text_source=TextSource(row.text_source),
        **{name: getattr(row, name) for name in _ARTICLE_FIELDS},
    )


def _article_values(article: Article) -> dict[str, Any]:
    values = {name: getattr(article, name) for name in _ARTICLE_FIELDS}
    return {
        "kind": article.kind.value,
        "stage": article.stage.value,
        "text_source": article.text_source.value,
        **_fit(ArticleRow, values),
    }


# Articles and stories are written with single statements, not loaded, changed and flushed:
# a replay writes each several times, and the unit of work cost more than the SQL.


_ARTICLES: Table = ArticleRow.__table__  # type: ignore[assignment]
_UPDATE_ARTICLE = _ARTICLES.update().where(_ARTICLES.c.id == bindparam("row_id"))


def add_article(
    session: Session, article: Article, claim: datetime | None = None
) -> tuple[Article, bool]:
    """Store an article once per canonical URL; re-adding it returns the stored one (idempotent,
    also when two workers add it at once). A new article is claimed until `claim` by the
    worker that adds it, which carries it through the next stages itself."""
    found = get_article_by_url(session, article.canonical_url)
    if found is not None:
        return found, False
    values = {**_article_values(article), "claimed_until": claim}
    new_id = _insert_new(session, ArticleRow, values, "canonical_url")
    if new_id is None:  # another worker stored it between our read and our insert
        found = get_article_by_url(session, article.canonical_url)
        assert found is not None
        return found, False
    return replace(article, id=new_id), True


def save_article(session: Session, article: Article, release: bool = False) -> Article:
    """Store the article's fields; with `release`, also end this worker's claim on it (what
    `release_articles` does), in the same statement."""
    values = {**_article_values(article), "row_id": article.id}
    if release:
        values["claimed_until"] = None
    done = _write(session, _UPDATE_ARTICLE, values)
    if not done.rowcount:
        raise NotFoundError(f"no article {article.id!r}")
    return article


# Ids per IN (...) list: well under SQLite's 32,766 bound parameters.
CHUNK = 500


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def set_stage(session: Session, article_ids: Iterable[int], stage: Stage) -> None:
    """Move these articles to `stage`, which ends any claim on them (the claimed work is
    done): one statement per chunk, where a round would otherwise load and flush hundreds of
    rows one by one."""
    for chunk in _chunks(article_ids):
        session.execute(
            update(ArticleRow)
            .where(ArticleRow.id.in_(chunk))
            .values(stage=stage.value, claimed_until=None)
        )


def get_article(session: Session, article_id: int) -> Article:
    found = articles_by_ids(session, [article_id])
    if not found:
        raise NotFoundError(f"no article {article_id!r}")
    return found[0]


def find_articles_by_hash(
    session: Session, content_hash: str, exclude: int | None = None, limit: int = 20
) -> list[Article]:
    """The first `limit` articles (oldest first) whose normalised text has this hash."""
    rows = _read(session, _BY_HASH, content_hash=content_hash, row_id=exclude or 0, limit=limit)
    return [_article(row) for row in rows]


_BY_HASH = (
    _columns(ArticleRow)
    .where(ArticleRow.content_hash == bindparam("content_hash"))
    .where(ArticleRow.id != bindparam("row_id"))
    .order_by(ArticleRow.id)
    .limit(bindparam("limit"))
)


def articles_at_stage(session: Session, stage: Stage, limit: int = 1000) -> list[Article]:
    """Articles that reached `stage` and no further: the work queue of the next stage."""
    query = (
        _columns(ArticleRow)
        .where(ArticleRow.stage == stage.value)
        .order_by(ArticleRow.published_at, ArticleRow.id)
        .limit(limit)
    )
    return [_article(row) for row in _read(session, query)]


# ----------------------------------------------------------------------------------------- claims


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
    rows = {row.id: row for row in _read(session, _columns(FeedRow).where(FeedRow.id.in_(ids)))}
    return [_feed(rows[i]) for i in ids]


def claim_articles(session: Session, stage: Stage, lease: Lease, limit: int) -> list[Article]:
    """Claim up to `limit` unclaimed articles at `stage`, oldest first: the next stage's work
    for one worker (see `claim_feeds`)."""
    query = (
        select(ArticleRow.id)
        .where(ArticleRow.stage == stage.value, _unclaimed(ArticleRow, lease))
        .order_by(ArticleRow.published_at, ArticleRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.scalars(query))
    for chunk in _chunks(ids):
        session.execute(
            update(ArticleRow).where(ArticleRow.id.in_(chunk)).values(claimed_until=lease.until)
        )
    found = {article.id: article for article in articles_by_ids(session, ids)}
    return [found[i] for i in ids]


def release_articles(session: Session, article_ids: Iterable[int]) -> None:
    """End this worker's claims on these articles: their next stage is anyone's."""
    for chunk in _chunks(article_ids):
        session.execute(
            update(ArticleRow).where(ArticleRow.id.in_(chunk)).values(claimed_until=None)
        )


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


def serialise(session: Session, key: int) -> None:
    """Hold a PostgreSQL advisory lock on `key` until this transaction ends, so that units of
    work that must see each other's results (deduplication) run one at a time across workers.
    SQLite has a single writer, so there it does nothing."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def prune_articles(session: Session, before: datetime, limit: int = 1000) -> list[int]:
    """Remove the text, near-duplicate bands and vectors of up to `limit` written articles
    published before `before` whose stories have had no coverage since; returns their ids.

    Titles, summaries, links and outlets stay, and so do the stories, their revisions and the
    cited sentences in them (a revision keeps its own copy), so every page still reads as it
    did. A story with coverage after `before` keeps all its members' text: a rewrite needs it.
    """
    recent = (
        select(StoryArticleRow.article_id)
        .join(StoryRow, StoryRow.id == StoryArticleRow.story_id)
        .where(StoryRow.updated_at >= before)
    )
    published = func.coalesce(ArticleRow.published_at, ArticleRow.fetched_at)
    ids = list(
        session.scalars(
            select(ArticleRow.id)
            .where(
                ArticleRow.stage == Stage.WRITTEN.value,
                ArticleRow.text_source != TextSource.PRUNED.value,
                published < before,
                ArticleRow.id.not_in(recent),
            )
            .order_by(ArticleRow.id)
            .limit(limit)
        )
    )
    for chunk in _chunks(ids):
        session.execute(delete(ArticleBandRow).where(ArticleBandRow.article_id.in_(chunk)))
        session.execute(delete(ArticleVectorRow).where(ArticleVectorRow.article_id.in_(chunk)))
        session.execute(
            update(ArticleRow)
            .where(ArticleRow.id.in_(chunk))
            .values(text="", content_hash=None, text_source=TextSource.PRUNED.value)
        )
    return ids


@dataclass(frozen=True)
class Backlog:
    """Work not yet done: feeds due or being checked, and articles by stage (below WRITTEN)."""

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
        .where(ArticleRow.stage.in_([s.value for s in Stage if s is not Stage.WRITTEN]))
        .group_by(ArticleRow.stage)
    )
    return Backlog(due_feeds or 0, claimed or 0, {Stage(stage): n for stage, n in rows})


def recent_articles(
    session: Session, limit: int = 50, offset: int = 0, outlet_id: int | None = None
) -> list[tuple[Article, int | None]]:
    """Newest articles first, each with the story it belongs to (None before clustering)."""
    story = (
        select(StoryArticleRow.story_id)
        .where(StoryArticleRow.article_id == ArticleRow.id)
        .limit(1)
        .scalar_subquery()
    )
    query = select(ArticleRow, story).order_by(
        ArticleRow.published_at.desc().nulls_last(), ArticleRow.id.desc()
    )
    if outlet_id is not None:
        query = query.where(ArticleRow.outlet_id == outlet_id)
    rows = session.execute(query.limit(limit).offset(offset))
    return [(_article(row), story_id) for row, story_id in rows]


def count_articles(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ArticleRow)) or 0


def latest_article_time(session: Session) -> datetime | None:
    return session.scalar(select(func.max(ArticleRow.published_at)))


def get_feed_by_url(session: Session, url: str) -> Feed | None:
    row = session.scalar(select(FeedRow).where(FeedRow.url == url))
    return _feed(row) if row is not None else None


def get_article_by_url(session: Session, canonical_url: str) -> Article | None:
    rows = _read(session, _ARTICLE_BY_URL, url=canonical_url)
    return _article(rows[0]) if rows else None


_ARTICLE_BY_URL = _columns(ArticleRow).where(ArticleRow.canonical_url == bindparam("url"))


def articles_by_ids(session: Session, ids: list[int]) -> list[Article]:
    found: list[Article] = []
    for chunk in _chunks(ids):
        query = _columns(ArticleRow).where(ArticleRow.id.in_(chunk))
        found += [_article(row) for row in _read(session, query)]
    return sorted(found, key=lambda a: a.id or 0)


_BANDS: Table = ArticleBandRow.__table__  # type: ignore[assignment]
_DELETE_BANDS = _BANDS.delete().where(_BANDS.c.article_id == bindparam("row_id"))
_BAND_MATCHES = select(_BANDS.c.article_id, _BANDS.c.band, _BANDS.c.key).where(
    _BANDS.c.key.in_(bindparam("keys", expanding=True)), _BANDS.c.article_id != bindparam("row_id")
)


def save_bands(session: Session, article_id: int, keys: list[int]) -> None:
    """Replace an article's LSH band keys (band number = position in `keys`), in bulk."""
    _write(session, _DELETE_BANDS, {"row_id": article_id})
    if keys:
        session.connection().execute(
            _BANDS.insert(),
            [{"article_id": article_id, "band": b, "key": k} for b, k in enumerate(keys)],
        )


def articles_sharing_bands(session: Session, keys: list[int], exclude: int) -> list[int]:
    """Ids of articles with at least one identical band: the near-duplicate candidates.

    Keys are 64-bit hashes, so matching on the key alone all but finds the band too; the band is
    checked in Python, which keeps the SQL one IN over an indexed column.
    """
    if not keys:
        return []
    wanted = set(enumerate(keys))
    rows = _read(session, _BAND_MATCHES, keys=sorted(set(keys)), row_id=exclude)
    return sorted({article for article, band, key in rows if (band, key) in wanted})


# ---------------------------------------------------------------------------------------- stories

_STORY_FIELDS = (
    "slug",
    "headline",
    "front_rank",
    "category",
    "published_at",
    "updated_at",
    "current_revision_id",
    "merged_into_id",
    "image_url",
    "image_alt",
    "timeline_svg",
)


def _story(row: StoryRow | Row[Any]) -> Story:
    return Story(
        id=row.id,
        status=StoryStatus(row.status),
        **{name: getattr(row, name) for name in _STORY_FIELDS},
    )


def _story_values(story: Story) -> dict[str, Any]:
    return {"status": story.status.value, **{name: getattr(story, name) for name in _STORY_FIELDS}}


_STORIES: Table = StoryRow.__table__  # type: ignore[assignment]
_INSERT_STORY = _STORIES.insert().returning(_STORIES.c.id)
_LEVEL_STORY_SEQUENCE = text(
    "SELECT setval(pg_get_serial_sequence('stories', 'id'), (SELECT max(id) FROM stories))"
)
_UPDATE_STORY = _STORIES.update().where(_STORIES.c.id == bindparam("row_id"))


def add_story(session: Session, story: Story) -> Story:
    """Insert a story; under the id it carries (the clusterer hands ids out), else a new one."""
    values = {"search_text": story.headline, **_story_values(story)}
    if story.id is not None:
        values["id"] = story.id
    story = replace(story, id=_write(session, _INSERT_STORY, values).scalar_one())
    if "id" in values and session.get_bind().dialect.name == "postgresql":
        # An id given explicitly leaves the column's sequence behind: bring it level, so a
        # story added without one never takes an id already used.
        _write(session, _LEVEL_STORY_SEQUENCE, {})
    return story


def last_story_id(session: Session) -> int:
    """The largest story id stored (merged stories included), or 0."""
    return session.scalar(select(func.max(StoryRow.id))) or 0


def save_story(session: Session, story: Story) -> Story:
    done = _write(session, _UPDATE_STORY, {**_story_values(story), "row_id": story.id})
    if not done.rowcount:
        raise NotFoundError(f"no story {story.id!r}")
    return story


_STORY_BY_ID = _columns(StoryRow).where(StoryRow.id == bindparam("key"))
_STORY_BY_SLUG = _columns(StoryRow).where(StoryRow.slug == bindparam("key"))
_STORY_ROWS = _columns(StoryRow).where(StoryRow.id.in_(bindparam("ids", expanding=True)))


def is_id(key: str) -> bool:
    """A row id rather than a slug or URL: ASCII digits only (str.isdigit() also passes "¹",
    which int() refuses)."""
    return key.isascii() and key.isdigit()


def get_story(session: Session, key: int | str) -> Story:
    """A story by id or slug; a merged story resolves to the one it was merged into."""
    by_id = isinstance(key, int) or is_id(key)
    if by_id:
        key = int(key)
        if key > 2**63 - 1:
            raise NotFoundError(f"no story {key!r}")
    row = next(iter(_read(session, _STORY_BY_ID if by_id else _STORY_BY_SLUG, key=key)), None)
    if row is None:
        raise NotFoundError(f"no story {key!r}")
    seen = {row.id}
    while row.merged_into_id is not None and row.merged_into_id not in seen:
        seen.add(row.merged_into_id)
        found = _read(session, _STORY_BY_ID, key=row.merged_into_id)
        if not found:
            raise NotFoundError(f"no story {row.merged_into_id!r}")
        row = found[0]
    return _story(row)


class Order(StrEnum):
    TOP = "top"
    LATEST = "latest"


def list_stories(
    session: Session,
    limit: int = 50,
    offset: int = 0,
    *,
    order: Order = Order.TOP,
    category: str | None = None,
    outlet_id: int | None = None,
    topic: str | None = None,
    featured: bool = False,
    include_merged: bool = False,
) -> list[StorySummary]:
    """Stories by importance (top) or last update (latest), with their coverage counts.

    `featured` keeps the stories that pass the publishing threshold: at least two articles
    from at least two outlets; the others are stored and reachable, just not put forward.
    """
    query = _columns(StoryRow)
    if order is Order.TOP:
        query = query.order_by(
            StoryRow.front_rank.desc(), StoryRow.updated_at.desc(), StoryRow.id.desc()
        )
    else:
        query = query.order_by(StoryRow.updated_at.desc(), StoryRow.id.desc())
    if not include_merged:
        query = query.where(StoryRow.status != StoryStatus.MERGED.value)
    if featured:
        query = query.where(StoryRow.article_count >= 2, StoryRow.outlet_count >= 2)
    if category is not None:
        query = query.where(StoryRow.category == category)
    if topic is not None:
        query = query.where(
            StoryRow.id.in_(select(StoryTopicRow.story_id).where(StoryTopicRow.slug == topic))
        )
    if outlet_id is not None:
        members = (
            select(StoryArticleRow.story_id)
            .join(ArticleRow, ArticleRow.id == StoryArticleRow.article_id)
            .where(ArticleRow.outlet_id == outlet_id)
        )
        query = query.where(StoryRow.id.in_(members))
    rows = _read(session, query.limit(limit).offset(offset))
    return [
        StorySummary(
            story=_story(row), article_count=row.article_count, outlet_count=row.outlet_count
        )
        for row in rows
    ]


def story_summaries(session: Session, stories: list[Story]) -> list[StorySummary]:
    """These stories with their stored coverage counts, in the order given."""
    ids = [story.id for story in stories if story.id is not None]
    if not ids:
        return []
    rows = _read(session, _columns(StoryRow).where(StoryRow.id.in_(ids)))
    found = {row.id: row for row in rows}
    return [
        StorySummary(_story(found[i]), found[i].article_count, found[i].outlet_count)
        for i in ids
        if i in found
    ]


def categories(session: Session) -> list[str]:
    """Categories that have at least one featured story, for the home page's section tabs."""
    query = (
        select(StoryRow.category)
        .where(StoryRow.category.is_not(None), StoryRow.status != StoryStatus.MERGED.value)
        .where(StoryRow.article_count >= 2, StoryRow.outlet_count >= 2)
        .distinct()
    )
    return sorted(c for (c,) in _read(session, query) if c)


def recount(session: Session, story_ids: Iterable[int]) -> None:
    """Refresh the stored article and outlet counts of these stories: one grouped count and one
    batched update per chunk of stories."""
    for chunk in _chunks(story_ids):
        counted = {
            story_id: (articles, outlets)
            for story_id, articles, outlets in session.execute(
                select(
                    StoryArticleRow.story_id,
                    func.count(StoryArticleRow.article_id),
                    func.count(func.distinct(ArticleRow.outlet_id)),
                )
                .join(ArticleRow, ArticleRow.id == StoryArticleRow.article_id)
                .where(StoryArticleRow.story_id.in_(chunk))
                .group_by(StoryArticleRow.story_id)
            )
        }
        session.execute(
            update(StoryRow),
            [
                {
                    "id": story_id,
                    "article_count": counted.get(story_id, (0, 0))[0],
                    "outlet_count": counted.get(story_id, (0, 0))[1],
                }
                for story_id in chunk
            ],
        )


def add_membership(session: Session, membership: Membership, refresh_counts: bool = True) -> None:
    """Put an article in a story; an article already in that story keeps its first record."""
    add_memberships(session, [membership])
    if refresh_counts:
        recount(session, [membership.story_id])


def add_memberships(session: Session, memberships: Sequence[Membership]) -> None:
    """Put articles in stories in one batched insert (a round assigns hundreds); a pair already
    stored keeps its first record. The stories' counts wait for `recount`."""
    by_article = {m.article_id: m for m in memberships}
    for chunk in _chunks(by_article):
        stored = {
            (story_id, article_id)
            for story_id, article_id in session.execute(
                select(StoryArticleRow.story_id, StoryArticleRow.article_id).where(
                    StoryArticleRow.article_id.in_(chunk)
                )
            )
        }
        new = [
            asdict(by_article[i])
            for i in chunk
            if (by_article[i].story_id, by_article[i].article_id) not in stored
        ]
        if new:
            session.execute(insert(StoryArticleRow), new)


_STORY_ARTICLES = (
    _columns(ArticleRow)
    .add_columns(StoryArticleRow.story_id, StoryArticleRow.joined_at)
    .add_columns(StoryArticleRow.reason, StoryArticleRow.score, StoryArticleRow.moved_from)
    .join(StoryArticleRow, StoryArticleRow.article_id == ArticleRow.id)
    .where(StoryArticleRow.story_id == bindparam("story_id"))
    .order_by(ArticleRow.published_at, ArticleRow.id)
)


def story_articles(session: Session, story_id: int) -> list[tuple[Article, Membership]]:
    return [
        (
            _article(row),
            Membership(
                story_id=row.story_id,
                article_id=row.id,
                joined_at=row.joined_at,
                reason=JoinReason(row.reason),
                score=row.score,
                moved_from=row.moved_from,
            ),
        )
        for row in _read(session, _STORY_ARTICLES, story_id=story_id)
    ]


_MEMBERS = (
    _columns(ArticleRow)
    .add_columns(StoryArticleRow.story_id)
    .join(StoryArticleRow, StoryArticleRow.article_id == ArticleRow.id)
    .where(StoryArticleRow.story_id.in_(bindparam("ids", expanding=True)))
    .order_by(StoryArticleRow.story_id, ArticleRow.published_at, ArticleRow.id)
)


def stories_and_members(
    session: Session, story_ids: Iterable[int]
) -> dict[int, tuple[Story, list[Article]]]:
    """The stories with these ids (as stored: a merged one is not resolved) and each one's
    articles in publication order, by id: two queries per chunk of ids, for a round that
    refreshes hundreds of stories."""
    found: dict[int, tuple[Story, list[Article]]] = {}
    for chunk in _chunks(story_ids):
        stories = {row.id: _story(row) for row in _read(session, _STORY_ROWS, ids=chunk)}
        members: dict[int, list[Article]] = {story_id: [] for story_id in stories}
        for row in _read(session, _MEMBERS, ids=chunk):
            members[row.story_id].append(_article(row))
        found.update((i, (stories[i], members[i])) for i in chunk if i in stories)
    return found


def move_memberships(session: Session, gone: int, keep: int, when: datetime) -> None:
    """After a merge: every article of `gone` now belongs to `keep`; `gone` keeps resolving."""
    members = session.scalars(
        select(StoryArticleRow.article_id).where(StoryArticleRow.story_id == gone)
    )
    move_articles(session, list(members), gone, keep, when, JoinReason.MERGED)
    row = _get(session, StoryRow, gone, "story")
    row.status, row.merged_into_id = StoryStatus.MERGED.value, keep
    session.flush()


def move_articles(
    session: Session,
    article_ids: list[int],
    source: int,
    target: int,
    when: datetime,
    reason: JoinReason,
) -> None:
    """These articles of story `source` now belong to story `target` (a merge or a split); each
    keeps the score it joined with."""
    for article_id in article_ids:
        member = session.get(StoryArticleRow, (source, article_id))
        if member is None:
            continue
        session.delete(member)
        session.flush()
        if session.get(StoryArticleRow, (target, article_id)) is None:
            session.add(
                StoryArticleRow(
                    story_id=target,
                    article_id=article_id,
                    joined_at=when,
                    reason=reason,
                    score=member.score,
                    moved_from=source,
                )
            )
    session.flush()
    recount(session, [source, target])


def ping(session: Session) -> None:
    """A round trip to the database (raises when it does not answer)."""
    session.execute(text("SELECT 1"))


def articles_by_stage(session: Session) -> dict[str, int]:
    """How many articles stopped at each stage: each stage's queue, and the finished ones."""
    rows = session.execute(select(ArticleRow.stage, func.count()).group_by(ArticleRow.stage))
    return {stage: count for stage, count in rows}


def stories_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(StoryRow.status, func.count()).group_by(StoryRow.status))
    return {status: count for status, count in rows}


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


def stories_at_stage(session: Session, stage: Stage) -> set[int]:
    """Stories with a member at `stage`: after a crash, the stories a stage left unfinished."""
    rows = session.execute(
        select(StoryArticleRow.story_id)
        .join(ArticleRow, ArticleRow.id == StoryArticleRow.article_id)
        .where(ArticleRow.stage == stage.value)
        .distinct()
    )
    return {story_id for (story_id,) in rows}


def story_of_article(session: Session, article_id: int) -> int | None:
    return session.scalar(
        select(StoryArticleRow.story_id).where(StoryArticleRow.article_id == article_id).limit(1)
    )


def article_stories(session: Session) -> dict[int, int]:
    """Every clustered article's story."""
    rows = session.execute(select(StoryArticleRow.article_id, StoryArticleRow.story_id))
    return {article_id: story_id for article_id, story_id in rows}


def story_threads(session: Session) -> dict[int, int]:
    """The thread of every linked story: the smallest id of a live (unmerged) story among the
    stories its links reach, in either direction. A merged story counts as linked to the
    story it was merged into, so a link to it still reaches that story. A story without links
    is its own thread and is left out."""
    parent: dict[int, int] = {}

    def root(story: int) -> int:
        while parent.setdefault(story, story) != story:
            parent[story] = parent[parent[story]]
            story = parent[story]
        return story

    links = [
        (a, b) for a, b in session.execute(select(StoryLinkRow.story_id, StoryLinkRow.related_id))
    ]
    merged = [
        (a, b)
        for a, b in session.execute(select(StoryRow.id, StoryRow.merged_into_id))
        if b is not None
    ]
    for a, b in links + merged:
        first, second = root(a), root(b)
        parent[max(first, second)] = min(first, second)
    gone = {story for story, _ in merged}
    threads: dict[int, int] = {}
    for story in sorted(parent):
        if story not in gone:
            threads.setdefault(root(story), story)
    return {story: threads[root(story)] for story in parent if root(story) in threads}


THREAD_LIMIT = 500


def thread_stories(session: Session, story_id: int) -> list[Story]:
    """The live stories of a story's thread, oldest first: every story its links reach, in
    either direction, a merged story standing for the one it went into (the same relation as
    `story_threads`, walked from one story, so a page view reads only its own thread). A
    story without links is a thread of one. The walk stops past THREAD_LIMIT stories."""
    seen = {story_id}
    frontier = [story_id]
    while frontier and len(seen) < THREAD_LIMIT:
        links = session.execute(
            select(StoryLinkRow.story_id, StoryLinkRow.related_id).where(
                or_(StoryLinkRow.story_id.in_(frontier), StoryLinkRow.related_id.in_(frontier))
            )
        )
        merges = session.execute(
            select(StoryRow.id, StoryRow.merged_into_id).where(
                or_(StoryRow.id.in_(frontier), StoryRow.merged_into_id.in_(frontier))
            )
        )
        reached = {story for pair in [*links, *merges] for story in pair if story is not None}
        frontier = sorted(reached - seen)
        seen |= reached
    rows = _read(
        session,
        _columns(StoryRow)
        .where(StoryRow.id.in_(seen), StoryRow.status != StoryStatus.MERGED.value)
        .order_by(StoryRow.published_at, StoryRow.id),
    )
    return [_story(row) for row in rows]


def link_stories(
    session: Session, story_id: int, related_id: int, kind: LinkKind, when: datetime
) -> None:
    if session.get(StoryLinkRow, (story_id, related_id)) is None:
        session.add(
            StoryLinkRow(story_id=story_id, related_id=related_id, kind=kind, created_at=when)
        )
        session.flush()


def linked_pairs(session: Session, kind: LinkKind) -> list[tuple[int, int]]:
    """(story, related story) for every link of one kind, e.g. the splits to keep apart."""
    rows = session.execute(
        select(StoryLinkRow.story_id, StoryLinkRow.related_id).where(StoryLinkRow.kind == kind)
    )
    return [(story_id, related_id) for story_id, related_id in rows]


_STORY_LINKS = _columns(StoryLinkRow).where(
    or_(
        StoryLinkRow.story_id == bindparam("story_id"),
        StoryLinkRow.related_id == bindparam("story_id"),
    )
)


def related_stories(session: Session, story_id: int) -> list[tuple[Story, LinkKind]]:
    """Stories linked to this one in either direction, with the kind of link; one query for
    the stories, and one more for each that was merged away."""
    links = _read(session, _STORY_LINKS, story_id=story_id)
    others = [link.related_id if link.story_id == story_id else link.story_id for link in links]
    rows = {row.id: row for row in _read(session, _STORY_ROWS, ids=others)}
    found = []
    for link, other in zip(links, others, strict=True):
        row = rows.get(other)
        story = get_story(session, other) if row is None or row.merged_into_id else _story(row)
        found.append((story, LinkKind(link.kind)))
    return found


def stories_active_since(session: Session, since: datetime) -> list[tuple[Story, list[int]]]:
    """Unmerged stories with coverage after `since`, with their member article ids: two
    queries, however many stories."""
    active = (StoryRow.status != StoryStatus.MERGED.value, StoryRow.updated_at >= since)
    stories = {
        row.id: _story(row)
        for row in session.scalars(select(StoryRow).where(*active).order_by(StoryRow.id))
    }
    members: dict[int, list[int]] = {story_id: [] for story_id in stories}
    rows = session.execute(
        select(StoryArticleRow.story_id, StoryArticleRow.article_id)
        .join(StoryRow, StoryRow.id == StoryArticleRow.story_id)
        .where(*active)
        .order_by(StoryArticleRow.story_id, StoryArticleRow.article_id)
    )
    for story_id, article_id in rows:
        if story_id in members:
            members[story_id].append(article_id)
    return [(story, members[story_id]) for story_id, story in stories.items()]


# ---------------------------------------------------------------------------------------- vectors


def save_vectors(session: Session, model: str, vectors: dict[int, bytes]) -> None:
    """Store (or replace) these articles' vectors, a chunk per statement."""
    for chunk in _chunks(vectors):
        session.execute(delete(ArticleVectorRow).where(ArticleVectorRow.article_id.in_(chunk)))
        session.execute(
            insert(ArticleVectorRow),
            [{"article_id": i, "model": model, "vector": vectors[i]} for i in chunk],
        )


def vectors(session: Session, article_ids: list[int], model: str) -> dict[int, bytes]:
    found: dict[int, bytes] = {}
    for chunk in _chunks(article_ids):
        rows = session.scalars(
            select(ArticleVectorRow)
            .where(ArticleVectorRow.article_id.in_(chunk))
            .where(ArticleVectorRow.model == model)
        )
        found.update((row.article_id, row.vector) for row in rows)
    return found


# -------------------------------------------------------------------------------------- revisions


def _cited_json(item: CitedText) -> dict[str, Any]:
    return {"text": item.text, "citations": list(item.citations)}


def _revision_content(revision: StoryRevision) -> dict[str, Any]:
    return {
        "highlights": [_cited_json(highlight) for highlight in revision.highlights],
        "story": [_cited_json(sentence) for sentence in revision.story],
        "opinions": [asdict(o) for o in revision.opinions],
    }


def _revision(row: StoryRevisionRow | Row[Any]) -> StoryRevision:
    def cited(items: list[dict[str, Any]]) -> list[CitedText]:
        return [CitedText(text=i["text"], citations=tuple(i["citations"])) for i in items]

    return StoryRevision(
        id=row.id,
        story_id=row.story_id,
        number=row.number,
        created_at=row.created_at,
        headline=row.headline,
        highlights=cited(row.content.get("highlights", [])),
        story=cited(row.content.get("story", [])),
        opinions=[OpinionItem(**o) for o in row.content.get("opinions", [])],
        changes=row.changes,
    )


def add_revision(session: Session, revision: StoryRevision) -> StoryRevision:
    """Store a new revision and make it the story's current text; `updated_at` moves to it."""
    story = _get(session, StoryRow, revision.story_id, "story")
    latest = session.scalar(
        select(func.max(StoryRevisionRow.number)).where(
            StoryRevisionRow.story_id == revision.story_id
        )
    )
    row = StoryRevisionRow(
        story_id=revision.story_id,
        number=(latest or 0) + 1,
        created_at=revision.created_at,
        headline=revision.headline,
        content=_revision_content(revision),
        changes=revision.changes,
        text=revision.text,
    )
    session.add(row)
    session.flush()
    story.current_revision_id = row.id
    story.headline = revision.headline
    story.updated_at = revision.created_at
    story.search_text = " ".join(
        [revision.text, *(highlight.text for highlight in revision.highlights)]
    )
    session.flush()
    return _revision(row)


_REVISIONS = (
    _columns(StoryRevisionRow)
    .where(StoryRevisionRow.story_id == bindparam("story_id"))
    .order_by(StoryRevisionRow.number)
)


def revisions(session: Session, story_id: int) -> list[StoryRevision]:
    return [_revision(row) for row in _read(session, _REVISIONS, story_id=story_id)]


def current_revision(session: Session, story: Story) -> StoryRevision | None:
    if story.current_revision_id is None:
        return None
    return _revision(_get(session, StoryRevisionRow, story.current_revision_id, "revision"))


def current_revisions(session: Session, stories: list[Story]) -> dict[int, StoryRevision]:
    """The current revision of many stories in one query (story id to revision)."""
    ids = [s.current_revision_id for s in stories if s.current_revision_id is not None]
    if not ids:
        return {}
    rows = _read(session, _columns(StoryRevisionRow).where(StoryRevisionRow.id.in_(ids)))
    return {row.story_id: _revision(row) for row in rows}


# ----------------------------------------------------------------------------------------- topics


def save_topics(session: Session, story_id: int, topics: list[Topic]) -> None:
    """Replace a story's topics with these; of two with one slug (names that differ only in
    an apostrophe, as real headlines write them) the first, best supported, is kept."""
    session.execute(delete(StoryTopicRow).where(StoryTopicRow.story_id == story_id))
    saved: set[str] = set()
    for topic in topics:
        if topic.slug in saved:
            continue
        saved.add(topic.slug)
        session.add(
            StoryTopicRow(story_id=story_id, slug=topic.slug, name=topic.name, weight=topic.weight)
        )
    session.flush()


_TOPICS = (
    _columns(StoryTopicRow)
    .where(StoryTopicRow.story_id == bindparam("story_id"))
    .order_by(StoryTopicRow.weight.desc(), StoryTopicRow.slug)
)


def story_topics(session: Session, story_id: int) -> list[Topic]:
    rows = _read(session, _TOPICS, story_id=story_id)
    return [Topic(slug=r.slug, name=r.name, weight=r.weight) for r in rows]


def list_topics(
    session: Session, min_stories: int = 2, limit: int = 100
) -> list[tuple[Topic, int]]:
    """Topics that recur across stories, most stories first, with their story counts."""
    live = select(StoryRow.id).where(StoryRow.status != StoryStatus.MERGED.value)
    query = (
        select(StoryTopicRow.slug, func.min(StoryTopicRow.name), func.count())
        .where(StoryTopicRow.story_id.in_(live))
        .group_by(StoryTopicRow.slug)
        .having(func.count() >= min_stories)
        .order_by(func.count().desc(), StoryTopicRow.slug)
        .limit(limit)
    )
    return [(Topic(slug=slug, name=name), count) for slug, name, count in _read(session, query)]


def get_topic(session: Session, slug: str) -> Topic:
    name = session.scalar(select(StoryTopicRow.name).where(StoryTopicRow.slug == slug).limit(1))
    if name is None:
        raise NotFoundError(f"no topic {slug!r}")
    return Topic(slug=slug, name=name)


# ----------------------------------------------------------------------------------------- search

_WORD = re.compile(r"\w+", re.UNICODE)


def _fts5_query(query: str) -> str:
    """User words as quoted FTS5 terms, so punctuation in a search box is never query syntax."""
    return " ".join(f'"{word}"' for word in _WORD.findall(query))


def _search_ids(session: Session, table: str, query: str, limit: int) -> list[int]:
    first, second = {"articles": ("title", "text"), "stories": ("headline", "search_text")}[table]
    if not _WORD.search(query):
        return []
    if session.get_bind().dialect.name == "sqlite":
        sql = text(
            f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH :q ORDER BY rank LIMIT :n"
        )
        params: dict[str, Any] = {"q": _fts5_query(query), "n": limit}
    else:
        vector = f"to_tsvector('english', coalesce({first}, '') || ' ' || coalesce({second}, ''))"
        sql = text(
            f"SELECT id FROM {table}, websearch_to_tsquery('english', :q) AS q "
            f"WHERE {vector} @@ q ORDER BY ts_rank({vector}, q) DESC, id LIMIT :n"
        )
        params = {"q": query, "n": limit}
    return [row[0] for row in session.execute(sql, params)]


def search_articles(session: Session, query: str, limit: int = 20) -> list[Article]:
    ids = _search_ids(session, "articles", query, limit)
    rows_query = select(ArticleRow).where(ArticleRow.id.in_(ids))
    rows = {row.id: row for row in session.scalars(rows_query)}
    return [_article(rows[i]) for i in ids if i in rows]


def search_stories(session: Session, query: str, limit: int = 20) -> list[Story]:
    ids = _search_ids(session, "stories", query, limit)
    rows_query = select(StoryRow).where(StoryRow.id.in_(ids))
    rows = {row.id: row for row in session.scalars(rows_query)}
    return [_story(rows[i]) for i in ids if i in rows]


# --------------------------------------------------------------------------------------- internal


def _get(session: Session, table: type[RowT], key: int | None, what: str) -> RowT:
    row = session.get(table, key) if key is not None else None
    if row is None:
        raise NotFoundError(f"no {what} {key!r}")
    return row
