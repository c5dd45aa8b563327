"""The database schema as SQLAlchemy 2 mapped classes, portable across SQLite and PostgreSQL.

Rows never leave the store: `repo/` turns them into the dataclasses of `storywire.models`.
The full-text indexes (SQLite FTS5 tables, PostgreSQL GIN expression indexes) are created by the
migrations only, because they are backend-specific; see `FTS_OBJECTS`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Names the migrations create outside the mapped schema; the schema check ignores them.
FTS_OBJECTS = ("articles_fts", "stories_fts", "ix_articles_fts", "ix_stories_fts")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite too (which stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: storywire stores aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}


class OutletRow(Base):
    __tablename__ = "outlets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    homepage: Mapped[str] = mapped_column(String(2000))
    language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeedRow(Base):
    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id", ondelete="SET NULL"))
    title: Mapped[str | None] = mapped_column(String(500))
    category: Mapped[str | None] = mapped_column(String(100))
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    last_fetched_at: Mapped[datetime | None]
    next_due_at: Mapped[datetime | None] = mapped_column(index=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    check_interval_seconds: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]  # a worker's lease on the next fetch (0009)


class ArticleRow(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    canonical_url: Mapped[str] = mapped_column(String(2000), unique=True)
    outlet_id: Mapped[int | None] = mapped_column(
        ForeignKey("outlets.id", ondelete="SET NULL"), index=True
    )
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("feeds.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    updated_at: Mapped[datetime | None]
    fetched_at: Mapped[datetime | None]
    language: Mapped[str | None] = mapped_column(String(16))
    section: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="news")
    kind_reason: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(String(2000))
    text: Mapped[str] = mapped_column(Text)
    core_title: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    near_dup_group: Mapped[int | None] = mapped_column(Integer, index=True)
    stage: Mapped[str] = mapped_column(String(16), default="fetched", index=True)
    text_source: Mapped[str] = mapped_column(String(16), default="page", server_default="page")
    error: Mapped[str | None] = mapped_column(Text)
    claimed_until: Mapped[datetime | None]  # a worker's lease on the next stage (0009)
    # Times the next stage failed on it; at repo.QUARANTINE_AFTER no stage takes it (0012).
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    # An outlet's latest headlines, read by the dedupe stage for its rubrics (0013).
    __table_args__ = (Index("ix_articles_outlet_latest", "outlet_id", "id"),)


class ArticleBandRow(Base):
    """Locality-sensitive hashing bands of an article's MinHash, for near-duplicate lookup."""

    __tablename__ = "article_bands"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    band: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_article_bands_key", "key"),)


class ArticleVectorRow(Base):
    """An article's embedding by one model, stored so that nothing is embedded twice."""

    __tablename__ = "article_vectors"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(100), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class StoryLinkRow(Base):
    """A relation between stories, e.g. a follow-up that developed from a dormant story. Every
    kind of link joins the two stories' thread."""

    __tablename__ = "story_links"

    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    related_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]

    # A thread is walked from a story page in both directions.
    __table_args__ = (Index("ix_story_links_related_id", "related_id"),)


class StoryRow(Base):
    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    headline: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    front_rank: Mapped[float] = mapped_column(Float, default=0.0)
    category: Mapped[str | None] = mapped_column(String(100))
    published_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(index=True)
    # No foreign key: stories and revisions would reference each other in a cycle.
    current_revision_id: Mapped[int | None] = mapped_column(Integer)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id"))
    # The smallest story id of this story's thread (links and merges); NULL for a story in
    # none. Kept by the repository (repo.stories.join_threads), never written by callers.
    thread_id: Mapped[int | None] = mapped_column(Integer)
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Kept by the repository on every membership change, so listing pages never count rows.
    article_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    outlet_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    image_url: Mapped[str | None] = mapped_column(String(2000))
    image_alt: Mapped[str | None] = mapped_column(Text)
    # Drawn when coverage changes (a story page is read far more often than it changes).
    timeline_svg: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_stories_front_rank", "front_rank"),
        Index("ix_stories_category", "category"),
        Index("ix_stories_merged_into_id", "merged_into_id"),
        Index("ix_stories_thread_id", "thread_id"),
    )


class StoryTopicRow(Base):
    """A name a story is about (person, place, organisation), for topic pages and feeds."""

    __tablename__ = "story_topics"

    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    slug: Mapped[str] = mapped_column(String(120), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[float] = mapped_column(Float, default=0.0)

    __table_args__ = (Index("ix_story_topics_slug", "slug"),)


class StoryArticleRow(Base):
    """Membership: which story an article belongs to, since when and why."""

    __tablename__ = "story_articles"

    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    joined_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(200))
    score: Mapped[float | None] = mapped_column(Float)
    moved_from: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_story_articles_article_id", "article_id"),)


class StoryRevisionRow(Base):
    __tablename__ = "story_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    headline: Mapped[str] = mapped_column(Text)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    text: Mapped[str] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("story_id", "number"),)
