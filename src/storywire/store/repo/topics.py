"""Story topics: the names a story's coverage is about."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.orm import Session

from storywire.errors import NotFoundError
from storywire.models import StoryStatus, Topic
from storywire.store.repo._sql import all_columns, read_rows, write_row
from storywire.store.tables import StoryRow, StoryTopicRow


def save_topics(session: Session, story_id: int, topics: list[Topic]) -> None:
    """Replace a story's topics with these; of two with one slug (names that differ only in
    an apostrophe, as real headlines write them) the first, best supported, is kept."""
    write_row(session, _DELETE_TOPICS, {"story_id": story_id})
    rows: dict[str, dict[str, object]] = {}
    for topic in topics:
        rows.setdefault(
            topic.slug,
            {"story_id": story_id, "slug": topic.slug, "name": topic.name, "weight": topic.weight},
        )
    if rows:
        write_row(session, _INSERT_TOPIC, list(rows.values()))


_DELETE_TOPICS = delete(StoryTopicRow).where(StoryTopicRow.story_id == bindparam("story_id"))
_INSERT_TOPIC = insert(StoryTopicRow)


_TOPICS = (
    all_columns(StoryTopicRow)
    .where(StoryTopicRow.story_id == bindparam("story_id"))
    .order_by(StoryTopicRow.weight.desc(), StoryTopicRow.slug)
)


def story_topics(session: Session, story_id: int) -> list[Topic]:
    rows = read_rows(session, _TOPICS, story_id=story_id)
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
    return [(Topic(slug=slug, name=name), count) for slug, name, count in read_rows(session, query)]


def get_topic(session: Session, slug: str) -> Topic:
    name = session.scalar(select(StoryTopicRow.name).where(StoryTopicRow.slug == slug).limit(1))
    if name is None:
        raise NotFoundError(f"no topic {slug!r}")
    return Topic(slug=slug, name=name)
