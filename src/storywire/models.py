"""Typed domain objects that cross module boundaries.

These are plain dataclasses: the store turns rows into them and back, the stages compute on them,
and nothing here knows about SQL, HTTP or files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum


class ArticleKind(StrEnum):
    NEWS = "news"
    OPINION = "opinion"


class Stage(StrEnum):
    """How far an article has gone through the pipeline; each stage commits before the next."""

    FETCHED = "fetched"
    EXTRACTED = "extracted"
    DEDUPED = "deduped"
    EMBEDDED = "embedded"
    CLUSTERED = "clustered"
    WRITTEN = "written"

    @property
    def rank(self) -> int:
        return list(Stage).index(self)


class StoryStatus(StrEnum):
    ACTIVE = "active"
    DORMANT = "dormant"
    MERGED = "merged"


class TextSource(StrEnum):
    """Where an article's text came from: its page, or only the feed when the page failed;
    PRUNED when retention removed it (`storywire db prune`)."""

    PAGE = "page"
    FEED = "feed"
    IMPORT = "import"
    PRUNED = "pruned"


class FeedFormat(StrEnum):
    RSS = "rss"
    ATOM = "atom"
    JSON = "json"
    UNKNOWN = "unknown"


class Stored:
    """An entity with a database row. `id` is None until the store saves it; `saved_id` is the
    id where a stored one is meant, so an unsaved entity there fails loudly instead of
    standing for a row 0."""

    __slots__ = ()
    id: int | None

    @property
    def saved_id(self) -> int:
        if self.id is None:
            raise ValueError(f"this {type(self).__name__} has not been stored")
        return self.id


@dataclass(slots=True)
class Outlet(Stored):
    name: str
    homepage: str
    slug: str
    language: str | None = None
    id: int | None = None


@dataclass(slots=True)
class Feed(Stored):
    url: str
    outlet_id: int | None = None
    title: str | None = None
    category: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_fetched_at: datetime | None = None
    next_due_at: datetime | None = None
    consecutive_failures: int = 0
    last_error: str | None = None
    disabled: bool = False
    check_interval_seconds: int | None = None
    id: int | None = None


@dataclass(slots=True)
class Article(Stored):
    url: str
    canonical_url: str
    title: str
    text: str
    outlet_id: int | None = None
    feed_id: int | None = None
    authors: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    updated_at: datetime | None = None
    fetched_at: datetime | None = None
    language: str | None = None
    section: str | None = None
    kind: ArticleKind = ArticleKind.NEWS
    kind_reason: str | None = None
    summary: str | None = None
    image_url: str | None = None
    content_hash: str | None = None
    near_dup_group: int | None = None
    stage: Stage = Stage.FETCHED
    text_source: TextSource = TextSource.PAGE
    error: str | None = None
    id: int | None = None

    @property
    def when(self) -> datetime:
        """The article's time for ordering and story times: published, else fetched."""
        return self.published_at or self.fetched_at or datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class RawDocument:
    """An article as an importer hands it over, before extraction: HTML, text or both."""

    url: str
    html: str | None = None
    text: str | None = None
    title: str | None = None
    published: datetime | None = None
    outlet: str | None = None
    authors: tuple[str, ...] = ()
    summary: str | None = None


@dataclass(slots=True, frozen=True)
class CitedText:
    """One sentence or highlight of a written story and the article ids it came from."""

    text: str
    citations: tuple[int, ...]


@dataclass(slots=True, frozen=True)
class OpinionItem:
    article_id: int
    outlet: str
    author: str | None
    title: str
    gist: str


@dataclass(slots=True)
class StoryRevision(Stored):
    story_id: int
    number: int
    created_at: datetime
    headline: str
    highlights: list[CitedText]
    story: list[CitedText]
    opinions: list[OpinionItem] = field(default_factory=list)
    changes: dict[str, list[str]] = field(default_factory=dict)
    id: int | None = None

    @property
    def text(self) -> str:
        return " ".join(sentence.text for sentence in self.story)


@dataclass(slots=True)
class Story(Stored):
    slug: str
    headline: str
    published_at: datetime
    updated_at: datetime
    status: StoryStatus = StoryStatus.ACTIVE
    # The front page's order, which never goes stale: stories/importance.py.
    front_rank: float = 0.0
    category: str | None = None
    current_revision_id: int | None = None
    merged_into_id: int | None = None
    image_url: str | None = None
    image_alt: str | None = None
    timeline_svg: str | None = None
    id: int | None = None


@dataclass(slots=True, frozen=True)
class Topic:
    """A person, place or organisation that a story is about; `slug` names its page."""

    slug: str
    name: str
    weight: float = 0.0


class JoinReason(StrEnum):
    """Why an article is in its story, stored with its membership."""

    NEW_STORY = "new story"
    SYNDICATED_COPY = "syndicated copy"
    SIMILAR_COVERAGE = "similar coverage"
    NAMES_AND_NUMBERS = "names and numbers"
    REVIVED = "revived"
    MERGED = "merged"  # moved with its story into another (`moved_from`: that story)
    SPLIT = "split"  # moved to a story split off its story (`moved_from`: that story)


class LinkKind(StrEnum):
    """How one story is linked to another."""

    FOLLOW_UP = "follow-up"  # a new story that follows an earlier one
    RELATED_EVENT = "related-event"  # split off it: a related event, never merged again
    SAME_THREAD = "same-thread"  # a later story of the same ongoing saga


@dataclass(slots=True, frozen=True)
class Membership:
    story_id: int
    article_id: int
    joined_at: datetime
    reason: JoinReason
    score: float | None = None
    moved_from: int | None = None


@dataclass(slots=True, frozen=True)
class StorySummary:
    """A row of `stories list`: the story and its coverage counts."""

    story: Story
    article_count: int
    outlet_count: int
