"""Stored threads: each story keeps its thread's id, so that the front page can show a saga
once or twice, not eight times, in the query that lists it.

A thread is a set of stories joined by links of any kind and by merges (a merged story stands
for the one it went into). Until now it was found by walking those links on every page view
and by reading every link for the whole store. `stories.thread_id` holds the smallest story id
(merged stories included) of the story's thread; it is NULL for a story no link or merge has
reached, which is a thread of its own. The repository keeps it on every link and merge; this
fills it for the stories already stored.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _threads(pairs: list[tuple[int, int]]) -> dict[int, int]:
    """Every story of a pair, mapped to the smallest id its pairs reach (union-find)."""
    parent: dict[int, int] = {}

    def root(story: int) -> int:
        while parent.setdefault(story, story) != story:
            parent[story] = parent[parent[story]]
            story = parent[story]
        return story

    for a, b in pairs:
        first, second = root(a), root(b)
        parent[max(first, second)] = min(first, second)
    return {story: root(story) for story in parent}


def upgrade() -> None:
    # ADD/DROP COLUMN only: a batch "recreate" of stories would drop the stories_fts triggers.
    op.add_column("stories", sa.Column("thread_id", sa.Integer(), nullable=True))
    op.create_index("ix_stories_thread_id", "stories", ["thread_id"])
    connection = op.get_bind()
    links = connection.execute(sa.text("SELECT story_id, related_id FROM story_links")).all()
    merges = connection.execute(
        sa.text("SELECT id, merged_into_id FROM stories WHERE merged_into_id IS NOT NULL")
    ).all()
    threads = _threads([(a, b) for a, b in links] + [(a, b) for a, b in merges])
    if threads:
        connection.execute(
            sa.text("UPDATE stories SET thread_id = :thread WHERE id = :story"),
            [{"story": story, "thread": thread} for story, thread in threads.items()],
        )


def downgrade() -> None:
    op.drop_index("ix_stories_thread_id", table_name="stories")
    op.execute("ALTER TABLE stories DROP COLUMN thread_id")
