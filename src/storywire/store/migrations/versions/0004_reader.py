"""Reader: stored coverage counts, a lead image per story and story topics.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_BACKFILL_COUNTS = """
UPDATE stories SET
  article_count = (SELECT count(*) FROM story_articles m WHERE m.story_id = stories.id),
  outlet_count = (
    SELECT count(DISTINCT a.outlet_id) FROM story_articles m
    JOIN articles a ON a.id = m.article_id WHERE m.story_id = stories.id
  )
"""


def upgrade() -> None:
    # ADD COLUMN only (in place on SQLite): a batch "recreate" of stories would drop the
    # triggers that keep stories_fts in step.
    op.add_column(
        "stories", sa.Column("article_count", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column(
        "stories", sa.Column("outlet_count", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column("stories", sa.Column("image_url", sa.String(length=2000), nullable=True))
    op.add_column("stories", sa.Column("image_alt", sa.Text(), nullable=True))
    op.create_index("ix_stories_importance", "stories", ["importance"])
    op.create_index("ix_stories_category", "stories", ["category"])
    op.execute(_BACKFILL_COUNTS)
    op.create_table(
        "story_topics",
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_story_topics_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("story_id", "slug", name=op.f("pk_story_topics")),
    )
    op.create_index("ix_story_topics_slug", "story_topics", ["slug"])


def downgrade() -> None:
    op.drop_index("ix_story_topics_slug", table_name="story_topics")
    op.drop_table("story_topics")
    op.drop_index("ix_stories_category", table_name="stories")
    op.drop_index("ix_stories_importance", table_name="stories")
    # Plain DROP COLUMN (SQLite >= 3.35 and PostgreSQL) keeps the stories_fts triggers.
    for column in ("image_alt", "image_url", "outlet_count", "article_count"):
        op.execute(f"ALTER TABLE stories DROP COLUMN {column}")
