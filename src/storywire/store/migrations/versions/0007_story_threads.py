"""Story threads: indexes to walk a story's links and merges from either end on a page view.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_story_links_related_id", "story_links", ["related_id"])
    op.create_index("ix_stories_merged_into_id", "stories", ["merged_into_id"])


def downgrade() -> None:
    op.drop_index("ix_stories_merged_into_id", table_name="stories")
    op.drop_index("ix_story_links_related_id", table_name="story_links")
