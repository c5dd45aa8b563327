"""Rubrics: an article keeps its title without the segments its outlet puts on many headlines
("… - de Volkskrant", "Guerre en Ukraine, en direct : …"), which the models compare instead
of the title; the dedupe stage reads the outlet's latest headlines for them, by an index.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("core_title", sa.Text(), nullable=True))
    op.create_index("ix_articles_outlet_latest", "articles", ["outlet_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_articles_outlet_latest", table_name="articles")
    op.execute("ALTER TABLE articles DROP COLUMN core_title")
