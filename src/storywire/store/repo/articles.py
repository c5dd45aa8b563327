"""Articles: stored once per canonical URL, with their stage, dedupe bands and retention."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Table, bindparam, case, delete, func, literal, select, update
from sqlalchemy.orm import Session

from storywire.errors import NotFoundError
from storywire.models import Article, ArticleKind, NewArticle, Stage, TextSource
from storywire.store.repo._sql import (
    all_columns,
    find_or_insert,
    fit_lengths,
    id_chunks,
    read_rows,
    write_row,
)
from storywire.store.tables import (
    ArticleBandRow,
    ArticleRow,
    ArticleVectorRow,
    StoryArticleRow,
    StoryRow,
)

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
    "core_title",
)


# Failures of a stage on one article, for reasons not the database's, after which no stage
# takes the article again until an operator releases it (`storywire db quarantine`).
QUARANTINE_AFTER = 3


def in_a_queue() -> Any:
    """The condition that keeps quarantined articles out of every stage's queue."""
    return ArticleRow.failures < QUARANTINE_AFTER


def record_failures(session: Session, article_ids: list[int], error: str) -> int:
    """Count a failure of the next stage on these articles, note why and end their claims;
    returns the most failures any of them has now (at QUARANTINE_AFTER it is quarantined)."""
    for chunk in id_chunks(article_ids):
        session.execute(
            update(ArticleRow)
            .where(ArticleRow.id.in_(chunk))
            .values(failures=ArticleRow.failures + 1, error=error[:2000], claimed_until=None)
        )
    failures = select(func.max(ArticleRow.failures)).where(ArticleRow.id.in_(article_ids))
    return session.scalar(failures) or 0


def quarantined(
    session: Session, article_ids: Iterable[int] | None = None, limit: int = 100
) -> list[tuple[Article, int]]:
    """Quarantined articles (these, or any), the most recent first, with their failures."""
    query = all_columns(ArticleRow).where(ArticleRow.failures >= QUARANTINE_AFTER)
    if article_ids is not None:
        query = query.where(ArticleRow.id.in_(list(article_ids)))
    rows = read_rows(session, query.order_by(ArticleRow.id.desc()).limit(limit))
    return [(article_of(row), row.failures) for row in rows]


def release_quarantine(session: Session, article_ids: Iterable[int] | None = None) -> int:
    """Give quarantined articles (these, or all) their queues back, to be tried again after
    the bug that stopped them is fixed; returns how many."""
    query = select(ArticleRow.id).where(ArticleRow.failures >= QUARANTINE_AFTER)
    if article_ids is not None:
        query = query.where(ArticleRow.id.in_(list(article_ids)))
    ids = list(session.scalars(query))
    for chunk in id_chunks(ids):
        session.execute(update(ArticleRow).where(ArticleRow.id.in_(chunk)).values(failures=0))
    return len(ids)


def article_of(row: ArticleRow | Row[Any]) -> Article:
    return Article(
        id=row.id,
        kind=ArticleKind(row.kind),
        stage=Stage(row.stage),
        text_source=TextSource(row.text_source),
        **{name: getattr(row, name) for name in _ARTICLE_FIELDS},
    )


def _article_values(article: NewArticle) -> dict[str, Any]:
    values = {name: getattr(article, name) for name in _ARTICLE_FIELDS}
    return {
        "kind": article.kind.value,
        "stage": article.stage.value,
        "text_source": article.text_source.value,
        **fit_lengths(ArticleRow, values),
    }


# Articles and stories are written with single statements, not loaded, changed and flushed:
# a replay writes each several times, and the unit of work cost more than the SQL.


_ARTICLES: Table = ArticleRow.__table__  # type: ignore[assignment]


_UPDATE_ARTICLE = _ARTICLES.update().where(_ARTICLES.c.id == bindparam("row_id"))


def add_article(
    session: Session, article: NewArticle, claim: datetime | None = None
) -> tuple[Article, bool]:
    """Store an article once per canonical URL; re-adding it returns the stored one (idempotent,
    also when two workers add it at once). A new article is claimed until `claim` by the
    worker that adds it, which carries it through the next stages itself."""
    values = {**_article_values(article), "claimed_until": claim}
    return find_or_insert(
        session,
        ArticleRow,
        values,
        "canonical_url",
        lambda: get_article_by_url(session, article.canonical_url),
        article.saved,
    )


def save_article(session: Session, article: Article, release: bool = False) -> Article:
    """Store the article's fields; with `release`, also end this worker's claim on it, so its
    next stage is anyone's."""
    values = {**_article_values(article), "row_id": article.id}
    if release:
        values["claimed_until"] = None
    done = write_row(session, _UPDATE_ARTICLE, values)
    if not done.rowcount:
        raise NotFoundError(f"no article {article.id!r}")
    return article


def set_stage(session: Session, article_ids: Iterable[int], stage: Stage) -> None:
    """Move these articles to `stage`, which ends any claim on them (the claimed work is
    done): one statement per chunk, where a round would otherwise load and flush hundreds of
    rows one by one."""
    for chunk in id_chunks(article_ids):
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
    rows = read_rows(session, _BY_HASH, content_hash=content_hash, row_id=exclude or 0, limit=limit)
    return [article_of(row) for row in rows]


_BY_HASH = (
    all_columns(ArticleRow)
    .where(ArticleRow.content_hash == bindparam("content_hash"))
    .where(ArticleRow.id != bindparam("row_id"))
    .order_by(ArticleRow.id)
    .limit(bindparam("limit"))
)


def outlet_titles(session: Session, outlet_id: int, before: int, limit: int) -> list[str]:
    """The titles of the outlet's latest `limit` articles stored before article `before`."""
    rows = session.execute(
        _OUTLET_TITLES, {"outlet_id": outlet_id, "row_id": before, "limit": limit}
    )
    return [title for (title,) in rows]


_OUTLET_TITLES = (
    select(ArticleRow.title)
    .where(ArticleRow.outlet_id == bindparam("outlet_id"), ArticleRow.id < bindparam("row_id"))
    .order_by(ArticleRow.id.desc())
    .limit(bindparam("limit"))
)


def articles_at_stage(session: Session, stage: Stage, limit: int = 1000) -> list[Article]:
    """Articles that reached `stage` and no further: the work queue of the next stage."""
    query = (
        all_columns(ArticleRow)
        .where(ArticleRow.stage == stage.value)
        .order_by(ArticleRow.published_at, ArticleRow.id)
        .limit(limit)
    )
    return [article_of(row) for row in read_rows(session, query)]


def arrivals_at_stage(session: Session, stage: Stage) -> list[tuple[int, datetime | None]]:
    """Ids and times (published, else fetched) of the articles at `stage`, without their text,
    so a long queue can be read a part at a time in arrival order."""
    query = select(ArticleRow.id, ArticleRow.published_at, ArticleRow.fetched_at).where(
        ArticleRow.stage == stage.value, in_a_queue()
    )
    return [(row.id, row.published_at or row.fetched_at) for row in session.execute(query)]


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
    for chunk in id_chunks(ids):
        session.execute(delete(ArticleBandRow).where(ArticleBandRow.article_id.in_(chunk)))
        session.execute(delete(ArticleVectorRow).where(ArticleVectorRow.article_id.in_(chunk)))
        session.execute(
            update(ArticleRow)
            .where(ArticleRow.id.in_(chunk))
            .values(text="", content_hash=None, text_source=TextSource.PRUNED.value)
        )
    return ids


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
    return [(article_of(row), story_id) for row, story_id in rows]


def count_articles(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ArticleRow)) or 0


def latest_article_time(session: Session) -> datetime | None:
    return session.scalar(select(func.max(ArticleRow.published_at)))


def get_article_by_url(session: Session, canonical_url: str) -> Article | None:
    rows = read_rows(session, _ARTICLE_BY_URL, url=canonical_url)
    return article_of(rows[0]) if rows else None


_ARTICLE_BY_URL = all_columns(ArticleRow).where(ArticleRow.canonical_url == bindparam("url"))


def articles_by_ids(session: Session, ids: list[int]) -> list[Article]:
    found: list[Article] = []
    for chunk in id_chunks(ids):
        query = all_columns(ArticleRow).where(ArticleRow.id.in_(chunk))
        found += [article_of(row) for row in read_rows(session, query)]
    return sorted(found, key=lambda a: a.id)


_BANDS: Table = ArticleBandRow.__table__  # type: ignore[assignment]


_DELETE_BANDS = _BANDS.delete().where(_BANDS.c.article_id == bindparam("row_id"))


_BAND_MATCHES = select(_BANDS.c.article_id, _BANDS.c.band, _BANDS.c.key).where(
    _BANDS.c.key.in_(bindparam("keys", expanding=True)), _BANDS.c.article_id != bindparam("row_id")
)


def save_bands(session: Session, article_id: int, keys: list[int]) -> None:
    """Replace an article's LSH band keys (band number = position in `keys`), in bulk."""
    write_row(session, _DELETE_BANDS, {"row_id": article_id})
    if keys:
        session.connection().execute(
            _BANDS.insert(),
            [{"article_id": article_id, "band": b, "key": k} for b, k in enumerate(keys)],
        )


def articles_sharing_bands(session: Session, keys: list[int], exclude: int) -> list[int]:
    """Ids of articles with at least one identical band: the near-duplicate candidates, those
    sharing the most bands (the likeliest copies) first, then by id.

    Keys are 64-bit hashes, so matching on the key alone all but finds the band too; the band is
    checked in Python, which keeps the SQL one IN over an indexed column.
    """
    if not keys:
        return []
    wanted = set(enumerate(keys))
    rows = read_rows(session, _BAND_MATCHES, keys=sorted(set(keys)), row_id=exclude)
    shared = Counter(article for article, band, key in rows if (band, key) in wanted)
    return sorted(shared, key=lambda article: (-shared[article], article))


def articles_by_stage(session: Session) -> dict[str, int]:
    """How many articles stopped at each stage: each stage's queue, and the finished ones;
    quarantined articles under "quarantined", whatever stage they stopped at."""
    quarantine = case((in_a_queue(), ArticleRow.stage), else_=literal("quarantined"))
    rows = session.execute(select(quarantine, func.count()).group_by(quarantine))
    return {stage: count for stage, count in rows}
