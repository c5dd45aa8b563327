"""Initial schema: outlets, feeds, articles, stories, membership, revisions, full-text search.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)

# PostgreSQL: GIN indexes over the same expression that the repository's search queries.
_PG_FTS = (
    "CREATE INDEX ix_{table}_fts ON {table} USING gin "
    "(to_tsvector('english', coalesce({first}, '') || ' ' || coalesce({second}, '')))"
)

_FTS_TABLES = {"articles": ("title", "text"), "stories": ("headline", "search_text")}


def _sqlite_fts(table: str, first: str, second: str) -> list[str]:
    """An external-content FTS5 table kept in step with its base table by triggers."""
    fts, columns = f"{table}_fts", f"{first}, {second}"
    new, old = f"new.id, new.{first}, new.{second}", f"old.id, old.{first}, old.{second}"
    insert = f"INSERT INTO {fts}(rowid, {columns}) VALUES ({new});"
    delete = f"INSERT INTO {fts}({fts}, rowid, {columns}) VALUES ('delete', {old});"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({columns}, content='{table}', "
        "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {delete} END",
        # Only when indexed text changes: stage and hash updates must not re-index the article.
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {columns} ON {table} BEGIN {delete} {insert} END",
    ]


def _create_fts() -> None:
    dialect = op.get_bind().dialect.name
    for table, (first, second) in _FTS_TABLES.items():
        if dialect == "sqlite":
            for statement in _sqlite_fts(table, first, second):
                op.execute(statement)
        elif dialect == "postgresql":
            op.execute(_PG_FTS.format(table=table, first=first, second=second))


def _drop_fts() -> None:
    dialect = op.get_bind().dialect.name
    for table in _FTS_TABLES:
        if dialect == "sqlite":
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {table}_fts")
        elif dialect == "postgresql":
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_fts")


def upgrade() -> None:
    op.create_table(
        "outlets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("homepage", sa.String(length=2000), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outlets")),
        sa.UniqueConstraint("slug", name=op.f("uq_outlets_slug")),
    )
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("headline", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("importance", sa.Float(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("published_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.Column("current_revision_id", sa.Integer(), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["stories.id"], name=op.f("fk_stories_merged_into_id_stories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stories")),
        sa.UniqueConstraint("slug", name=op.f("uq_stories_slug")),
    )
    op.create_index(op.f("ix_stories_status"), "stories", ["status"])
    op.create_index(op.f("ix_stories_updated_at"), "stories", ["updated_at"])
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("last_fetched_at", UTC_TIME, nullable=True),
        sa.Column("next_due_at", UTC_TIME, nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["outlet_id"],
            ["outlets.id"],
            name=op.f("fk_feeds_outlet_id_outlets"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feeds")),
        sa.UniqueConstraint("url", name=op.f("uq_feeds_url")),
    )
    op.create_index(op.f("ix_feeds_next_due_at"), "feeds", ["next_due_at"])
    op.create_table(
        "story_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("headline", sa.Text(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_story_revisions_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_story_revisions")),
        sa.UniqueConstraint("story_id", "number", name=op.f("uq_story_revisions_story_id_number")),
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("canonical_url", sa.String(length=2000), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=True),
        sa.Column("feed_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("published_at", UTC_TIME, nullable=True),
        sa.Column("updated_at", UTC_TIME, nullable=True),
        sa.Column("fetched_at", UTC_TIME, nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("section", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("kind_reason", sa.String(length=200), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("image_url", sa.String(length=2000), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("near_dup_group", sa.Integer(), nullable=True),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["feeds.id"], name=op.f("fk_articles_feed_id_feeds"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["outlet_id"],
            ["outlets.id"],
            name=op.f("fk_articles_outlet_id_outlets"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("canonical_url", name=op.f("uq_articles_canonical_url")),
    )
    for column in ("content_hash", "near_dup_group", "outlet_id", "published_at", "stage"):
        op.create_index(op.f(f"ix_articles_{column}"), "articles", [column])
    op.create_table(
        "story_articles",
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", UTC_TIME, nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_story_articles_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_story_articles_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("story_id", "article_id", name=op.f("pk_story_articles")),
    )
    op.create_index("ix_story_articles_article_id", "story_articles", ["article_id"])
    _create_fts()


def downgrade() -> None:
    _drop_fts()
    op.drop_table("story_articles")
    op.drop_table("articles")
    op.drop_table("story_revisions")
    op.drop_table("feeds")
    op.drop_table("stories")
    op.drop_table("outlets")
