"""Stories: their rows, memberships, links and threads, and the lists pages show."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Row,
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
from sqlalchemy.orm import Session

from storywire.errors import NotFoundError
from storywire.models import (
    Article,
    JoinReason,
    LinkKind,
    Membership,
    NewStory,
    Stage,
    Story,
    StoryStatus,
    StorySummary,
)
from storywire.store.repo._sql import all_columns, id_chunks, insert_ignoring, read_rows, write_row
from storywire.store.repo.articles import article_of, in_a_queue
from storywire.store.tables import (
    ArticleRow,
    StoryArticleRow,
    StoryLinkRow,
    StoryRow,
    StoryTopicRow,
)

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


def story_of(row: StoryRow | Row[Any]) -> Story:
    return Story(
        id=row.id,
        status=StoryStatus(row.status),
        **{name: getattr(row, name) for name in _STORY_FIELDS},
    )


def _story_values(story: NewStory) -> dict[str, Any]:
    return {"status": story.status.value, **{name: getattr(story, name) for name in _STORY_FIELDS}}


_STORIES: Table = StoryRow.__table__  # type: ignore[assignment]


_INSERT_STORY = _STORIES.insert().returning(_STORIES.c.id)


_LEVEL_STORY_SEQUENCE = text(
    "SELECT setval(pg_get_serial_sequence('stories', 'id'), (SELECT max(id) FROM stories))"
)


_UPDATE_STORY = _STORIES.update().where(_STORIES.c.id == bindparam("row_id"))


def add_story(session: Session, story: NewStory) -> Story:
    """Insert a story; under its id when it has one (the clusterer hands ids out), else a new
    one."""
    values = {"search_text": story.headline, **_story_values(story)}
    if isinstance(story, Story):
        values["id"] = story.id
    stored = story.saved(write_row(session, _INSERT_STORY, values).scalar_one())
    if "id" in values and session.get_bind().dialect.name == "postgresql":
        # An id given explicitly leaves the column's sequence behind: bring it level, so a
        # story added without one never takes an id already used.
        write_row(session, _LEVEL_STORY_SEQUENCE, {})
    return stored


def last_story_id(session: Session) -> int:
    """The largest story id stored (merged stories included), or 0."""
    return session.scalar(select(func.max(StoryRow.id))) or 0


def save_story(session: Session, story: Story) -> Story:
    done = write_row(session, _UPDATE_STORY, {**_story_values(story), "row_id": story.id})
    if not done.rowcount:
        raise NotFoundError(f"no story {story.id!r}")
    if story.merged_into_id is not None:
        join_threads(session, story.id, story.merged_into_id)
    return story


_STORY_BY_ID = all_columns(StoryRow).where(StoryRow.id == bindparam("key"))


_STORY_BY_SLUG = all_columns(StoryRow).where(StoryRow.slug == bindparam("key"))


_STORY_ROWS = all_columns(StoryRow).where(StoryRow.id.in_(bindparam("ids", expanding=True)))


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
    row = next(iter(read_rows(session, _STORY_BY_ID if by_id else _STORY_BY_SLUG, key=key)), None)
    if row is None:
        raise NotFoundError(f"no story {key!r}")
    seen = {row.id}
    while row.merged_into_id is not None and row.merged_into_id not in seen:
        seen.add(row.merged_into_id)
        found = read_rows(session, _STORY_BY_ID, key=row.merged_into_id)
        if not found:
            raise NotFoundError(f"no story {row.merged_into_id!r}")
        row = found[0]
    return story_of(row)


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
    per_thread: int | None = None,
) -> list[StorySummary]:
    """Stories by importance (top) or last update (latest), with their coverage counts.

    `featured` keeps the stories that pass the publishing threshold: at least two articles
    from at least two outlets; the others are stored and reachable, just not put forward.
    `per_thread` keeps only the first that many stories of each thread in this order, so one
    saga cannot fill a page; it is applied before `offset`, so every page agrees.
    """
    query = all_columns(StoryRow)
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
    if per_thread is None:
        rows = read_rows(session, query.limit(limit).offset(offset))
    else:
        rows = _first_of_each_thread(session, query, per_thread, offset + limit)[offset:]
    return [
        StorySummary(
            story=story_of(row), article_count=row.article_count, outlet_count=row.outlet_count
        )
        for row in rows
    ]


def _first_of_each_thread(session: Session, query: Any, per_thread: int, wanted: int) -> list[Any]:
    """The first `wanted` rows of an ordered listing, leaving out a thread's stories past its
    first `per_thread`. Read in growing batches down the listing's index: a window function
    over every story (SQL's way) ranked the whole store on each page view, some forty times
    slower on 10,000 stories in SQLite (bench/README.md, sixteenth session)."""
    kept: list[Any] = []
    shown: dict[int, int] = {}
    read, batch = 0, wanted + wanted // 2
    while len(kept) < wanted:
        rows = read_rows(session, query.limit(batch).offset(read))
        for row in rows:
            thread = row.thread_id if row.thread_id is not None else row.id
            shown[thread] = shown.get(thread, 0) + 1
            if shown[thread] <= per_thread:
                kept.append(row)
        if len(rows) < batch:
            break
        read, batch = read + batch, batch * 2
    return kept[:wanted]


def story_summaries(session: Session, stories: list[Story]) -> list[StorySummary]:
    """These stories with their stored coverage counts, in the order given."""
    ids = [story.id for story in stories]
    if not ids:
        return []
    rows = read_rows(session, all_columns(StoryRow).where(StoryRow.id.in_(ids)))
    found = {row.id: row for row in rows}
    return [
        StorySummary(story_of(found[i]), found[i].article_count, found[i].outlet_count)
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
    return sorted(c for (c,) in read_rows(session, query) if c)


def recount(session: Session, story_ids: Iterable[int]) -> None:
    """Refresh the stored article and outlet counts of these stories: one grouped count and one
    batched update per chunk of stories."""
    for chunk in id_chunks(story_ids):
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
    for chunk in id_chunks(by_article):
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
    all_columns(ArticleRow)
    .add_columns(StoryArticleRow.story_id, StoryArticleRow.joined_at)
    .add_columns(StoryArticleRow.reason, StoryArticleRow.score, StoryArticleRow.moved_from)
    .join(StoryArticleRow, StoryArticleRow.article_id == ArticleRow.id)
    .where(StoryArticleRow.story_id == bindparam("story_id"))
    .order_by(ArticleRow.published_at, ArticleRow.id)
)


def story_articles(session: Session, story_id: int) -> list[tuple[Article, Membership]]:
    return [
        (
            article_of(row),
            Membership(
                story_id=row.story_id,
                article_id=row.id,
                joined_at=row.joined_at,
                reason=JoinReason(row.reason),
                score=row.score,
                moved_from=row.moved_from,
            ),
        )
        for row in read_rows(session, _STORY_ARTICLES, story_id=story_id)
    ]


_MEMBERS = (
    all_columns(ArticleRow)
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
    for chunk in id_chunks(story_ids):
        stories = {row.id: story_of(row) for row in read_rows(session, _STORY_ROWS, ids=chunk)}
        members: dict[int, list[Article]] = {story_id: [] for story_id in stories}
        for row in read_rows(session, _MEMBERS, ids=chunk):
            members[row.story_id].append(article_of(row))
        found.update((i, (stories[i], members[i])) for i in chunk if i in stories)
    return found


def move_memberships(session: Session, gone: int, keep: int, when: datetime) -> None:
    """After a merge: every article of `gone` now belongs to `keep`; `gone` keeps resolving."""
    members = session.scalars(
        select(StoryArticleRow.article_id).where(StoryArticleRow.story_id == gone)
    )
    move_articles(session, list(members), gone, keep, when, JoinReason.MERGED)
    done = write_row(
        session,
        update(StoryRow).where(StoryRow.id == bindparam("row_id")),
        {"row_id": gone, "status": StoryStatus.MERGED.value, "merged_into_id": keep},
    )
    if not done.rowcount:
        raise NotFoundError(f"no story {gone!r}")
    join_threads(session, gone, keep)


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
    for chunk in id_chunks(article_ids):
        members = read_rows(session, _MOVED, story_id=source, ids=chunk)
        already = {row.article_id for row in read_rows(session, _MOVED, story_id=target, ids=chunk)}
        session.execute(
            delete(StoryArticleRow).where(
                StoryArticleRow.story_id == source, StoryArticleRow.article_id.in_(chunk)
            )
        )
        moved = [
            {
                "story_id": target,
                "article_id": row.article_id,
                "joined_at": when,
                "reason": reason,
                "score": row.score,
                "moved_from": source,
            }
            for row in members
            if row.article_id not in already
        ]
        if moved:
            session.execute(insert(StoryArticleRow), moved)
    recount(session, [source, target])


_MOVED = select(StoryArticleRow.article_id, StoryArticleRow.score).where(
    StoryArticleRow.story_id == bindparam("story_id"),
    StoryArticleRow.article_id.in_(bindparam("ids", expanding=True)),
)


def stories_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(StoryRow.status, func.count()).group_by(StoryRow.status))
    return {status: count for status, count in rows}


def stories_at_stage(session: Session, stage: Stage) -> set[int]:
    """Stories with a member at `stage`: after a crash, the stories a stage left unfinished."""
    rows = session.execute(
        select(StoryArticleRow.story_id)
        .join(ArticleRow, ArticleRow.id == StoryArticleRow.article_id)
        .where(ArticleRow.stage == stage.value, in_a_queue())
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


_THREAD_KEYS = select(StoryRow.id, func.coalesce(StoryRow.thread_id, StoryRow.id)).where(
    StoryRow.id.in_(bindparam("ids", expanding=True))
)
_RELABEL_THREADS = (
    update(StoryRow)
    .where(
        or_(
            StoryRow.thread_id.in_(bindparam("keys", expanding=True)),
            StoryRow.id.in_(bindparam("keys", expanding=True)),
        )
    )
    .values(thread_id=bindparam("keep"))
)


def join_threads(session: Session, story_id: int, other_id: int) -> None:
    """Put two stories, and every story of their threads, in one thread: the one with the
    smaller id. Called on every link and merge, so `stories.thread_id` always holds the
    smallest story id that a story's links and merges reach (migration 0014). A story a
    thread's id names is always in that thread, so relabelling by id as well catches it."""
    keys = {story: key for story, key in read_rows(session, _THREAD_KEYS, ids=[story_id, other_id])}
    if story_id == other_id or len(keys) < 2:
        return
    found = {keys[story_id], keys[other_id]}
    write_row(session, _RELABEL_THREADS, {"keys": sorted(found), "keep": min(found)})


_THREADED = select(StoryRow.id, StoryRow.thread_id, StoryRow.status).where(
    StoryRow.thread_id.is_not(None)
)


def story_threads(session: Session) -> dict[int, int]:
    """The thread of every story in one: the smallest id of a live (unmerged) story of its
    thread. Merged stories are listed too, under the thread of the story they went into; a
    story in no thread is left out, and so is a thread with no live story."""
    rows = read_rows(session, _THREADED)
    first_live: dict[int, int] = {}
    for story, key, status in rows:
        if status != StoryStatus.MERGED.value:
            first_live[key] = min(story, first_live.get(key, story))
    return {story: first_live[key] for story, key, _ in rows if key in first_live}


_THREADS_OF = _THREADED.with_only_columns(StoryRow.id, StoryRow.thread_id).where(
    StoryRow.id.in_(bindparam("ids", expanding=True))
)
_THREAD_SIZES = (
    select(StoryRow.thread_id, func.min(StoryRow.id), func.count())
    .where(
        StoryRow.thread_id.in_(bindparam("keys", expanding=True)),
        StoryRow.status != StoryStatus.MERGED.value,
    )
    .group_by(StoryRow.thread_id)
)


def thread_sizes(session: Session, story_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """For each of these stories whose thread has another live story: (the thread's id, its
    number of live stories), the thread's id being its smallest live story id as
    `story_threads` gives it (a story that only absorbed merged ones is in no thread, as on
    its page). Two queries, however many stories: a listing page shows this on its cards."""
    keys: dict[int, int] = {}
    for chunk in id_chunks(story_ids):
        keys.update((story, key) for story, key in read_rows(session, _THREADS_OF, ids=chunk))
    sizes: dict[int, tuple[int, int]] = {}
    for chunk in id_chunks(keys.values()):
        rows = read_rows(session, _THREAD_SIZES, keys=chunk)
        sizes.update((key, (first, count)) for key, first, count in rows if count > 1)
    return {story: sizes[key] for story, key in keys.items() if key in sizes}


THREAD_LIMIT = 500

_THREAD_OF = (
    select(func.coalesce(StoryRow.thread_id, StoryRow.id))
    .where(StoryRow.id == bindparam("story_id"))
    .scalar_subquery()
)
_LIVE_THREAD_IDS = (
    select(StoryRow.id)
    .where(
        or_(StoryRow.thread_id == _THREAD_OF, StoryRow.id == _THREAD_OF),
        StoryRow.status != StoryStatus.MERGED.value,
    )
    .order_by(StoryRow.published_at, StoryRow.id)
)
_LIVE_STORIES_IN_ORDER = (
    all_columns(StoryRow)
    .where(
        StoryRow.id.in_(bindparam("ids", expanding=True)),
        StoryRow.status != StoryStatus.MERGED.value,
    )
    .order_by(StoryRow.published_at, StoryRow.id)
)


def thread_stories(session: Session, story: Story) -> tuple[int, list[Story]]:
    """A live story's thread: its id (the smallest live story id, as `story_threads` gives
    it) and its live stories, oldest first: one query for a story in no thread (most pages),
    two for the others. Past THREAD_LIMIT stories, the THREAD_LIMIT around this story."""
    ids = [story_id for (story_id,) in read_rows(session, _LIVE_THREAD_IDS, story_id=story.id)]
    if len(ids) < 2:
        return story.id, [story]
    if len(ids) > THREAD_LIMIT:
        at = ids.index(story.id)
        start = max(0, min(at - THREAD_LIMIT // 2, len(ids) - THREAD_LIMIT))
        shown = ids[start : start + THREAD_LIMIT]
    else:
        shown = ids
    rows = read_rows(session, _LIVE_STORIES_IN_ORDER, ids=shown)
    return min(ids), [story_of(row) for row in rows]


def link_stories(
    session: Session, story_id: int, related_id: int, kind: LinkKind, when: datetime
) -> None:
    write_row(
        session,
        insert_ignoring(session, StoryLinkRow, ["story_id", "related_id"]),
        {"story_id": story_id, "related_id": related_id, "kind": kind, "created_at": when},
    )
    join_threads(session, story_id, related_id)


def linked_pairs(session: Session, kind: LinkKind) -> list[tuple[int, int]]:
    """(story, related story) for every link of one kind, e.g. the splits to keep apart."""
    rows = session.execute(
        select(StoryLinkRow.story_id, StoryLinkRow.related_id).where(StoryLinkRow.kind == kind)
    )
    return [(story_id, related_id) for story_id, related_id in rows]


_STORY_LINKS = all_columns(StoryLinkRow).where(
    or_(
        StoryLinkRow.story_id == bindparam("story_id"),
        StoryLinkRow.related_id == bindparam("story_id"),
    )
)


def related_stories(session: Session, story_id: int) -> list[tuple[Story, LinkKind]]:
    """Stories linked to this one in either direction, with the kind of link; one query for
    the stories, and one more for each that was merged away."""
    links = read_rows(session, _STORY_LINKS, story_id=story_id)
    others = [link.related_id if link.story_id == story_id else link.story_id for link in links]
    if not others:
        return []
    rows = {row.id: row for row in read_rows(session, _STORY_ROWS, ids=others)}
    found = []
    for link, other in zip(links, others, strict=True):
        row = rows.get(other)
        story = get_story(session, other) if row is None or row.merged_into_id else story_of(row)
        found.append((story, LinkKind(link.kind)))
    return found


def stories_active_since(session: Session, since: datetime) -> list[tuple[Story, list[int]]]:
    """Unmerged stories with coverage after `since`, with their member article ids: two
    queries, however many stories."""
    active = (StoryRow.status != StoryStatus.MERGED.value, StoryRow.updated_at >= since)
    stories = {
        row.id: story_of(row)
        for row in read_rows(session, all_columns(StoryRow).where(*active).order_by(StoryRow.id))
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
