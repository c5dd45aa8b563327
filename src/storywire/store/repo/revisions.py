"""Story revisions: each written version of a story."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from sqlalchemy import Row, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from storywire.models import CitedText, NewStoryRevision, OpinionItem, Story, StoryRevision
from storywire.store.repo._sql import all_columns, get_row, read_rows, write_row
from storywire.store.tables import StoryRevisionRow, StoryRow


def _cited_json(item: CitedText) -> dict[str, Any]:
    return {"text": item.text, "citations": list(item.citations)}


def _revision_content(revision: NewStoryRevision) -> dict[str, Any]:
    return {
        "highlights": [_cited_json(highlight) for highlight in revision.highlights],
        "story": [_cited_json(sentence) for sentence in revision.story],
        "opinions": [asdict(o) for o in revision.opinions],
    }


def revision_of(row: StoryRevisionRow | Row[Any]) -> StoryRevision:
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


def add_revision(session: Session, revision: NewStoryRevision) -> StoryRevision:
    """Store a new revision and make it the story's current text; `updated_at` moves to it."""
    get_row(session, StoryRow, revision.story_id, "story")
    latest = session.scalar(
        select(func.max(StoryRevisionRow.number)).where(
            StoryRevisionRow.story_id == revision.story_id
        )
    )
    number = (latest or 0) + 1
    values = {
        "story_id": revision.story_id,
        "number": number,
        "created_at": revision.created_at,
        "headline": revision.headline,
        "content": _revision_content(revision),
        "changes": revision.changes,
        "text": revision.text,
    }
    new_id = write_row(
        session, insert(StoryRevisionRow).returning(StoryRevisionRow.id), values
    ).scalar_one()
    write_row(
        session,
        update(StoryRow).where(StoryRow.id == bindparam("row_id")),
        {
            "row_id": revision.story_id,
            "current_revision_id": new_id,
            "headline": revision.headline,
            "updated_at": revision.created_at,
            "search_text": " ".join(
                [revision.text, *(highlight.text for highlight in revision.highlights)]
            ),
        },
    )
    return replace(revision.saved(new_id), number=number)


_REVISIONS = (
    all_columns(StoryRevisionRow)
    .where(StoryRevisionRow.story_id == bindparam("story_id"))
    .order_by(StoryRevisionRow.number)
)


def revisions(session: Session, story_id: int) -> list[StoryRevision]:
    return [revision_of(row) for row in read_rows(session, _REVISIONS, story_id=story_id)]


def current_revision(session: Session, story: Story) -> StoryRevision | None:
    if story.current_revision_id is None:
        return None
    return revision_of(get_row(session, StoryRevisionRow, story.current_revision_id, "revision"))


def current_revisions(session: Session, stories: list[Story]) -> dict[int, StoryRevision]:
    """The current revision of many stories in one query (story id to revision)."""
    ids = [s.current_revision_id for s in stories if s.current_revision_id is not None]
    if not ids:
        return {}
    rows = read_rows(session, all_columns(StoryRevisionRow).where(StoryRevisionRow.id.in_(ids)))
    return {row.story_id: revision_of(row) for row in rows}
