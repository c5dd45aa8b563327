"""Ingestion state: adaptive feed intervals, article text source and errors, LSH bands.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Only ADD COLUMN here: SQLite does that in place, whereas a batch "recreate" of articles
    # would drop the triggers that keep articles_fts in step.
    with op.batch_alter_table("feeds") as batch:
        batch.add_column(sa.Column("check_interval_seconds", sa.Integer(), nullable=True))
    with op.batch_alter_table("articles") as batch:
        batch.add_column(
            sa.Column("text_source", sa.String(length=16), nullable=False, server_default="page")
        )
        batch.add_column(sa.Column("error", sa.Text(), nullable=True))
    op.create_table(
        "article_bands",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.Integer(), nullable=False),
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_bands_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "band", name=op.f("pk_article_bands")),
    )
    op.create_index("ix_article_bands_key", "article_bands", ["key"])


def downgrade() -> None:
    op.drop_table("article_bands")
    # Plain DROP COLUMN (SQLite >= 3.35 and PostgreSQL) keeps the articles_fts triggers.
    for table, column in (
        ("articles", "error"),
        ("articles", "text_source"),
        ("feeds", "check_interval_seconds"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
