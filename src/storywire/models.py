"""Typed domain objects that cross module boundaries.

These are plain dataclasses: the store turns rows into them and back, the stages compute on them,
and nothing here knows about SQL, HTTP or files. Each stored entity has two types: `NewArticle`
(and `NewOutlet`, `NewFeed`, `NewStory`, `NewStoryRevision`) is what a stage builds before the
store has seen it, and `Article` is what the store hands back, with an `id` that is never None.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


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


def _draft_fields(draft: Any) -> dict[str, Any]:
    """A draft's fields, to build its stored type from once the store gives it an id."""
    return {f.name: getattr(draft, f.name) for f in fields(draft) if f.name != "id"}


@dataclass(slots=True, kw_only=True)
class NewOutlet:
    """An outlet about to be stored."""

    name: str
    homepage: str
    slug: str
    language: str | None = None


@dataclass(slots=True, kw_only=True)
class Outlet(NewOutlet):
    """An outlet with its database row."""

    id: int


@dataclass(slots=True, kw_only=True)
class NewFeed:
    """A feed about to be stored."""

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


@dataclass(slots=True, kw_only=True)
class Feed(NewFeed):
    """A feed with its database row."""

    id: int


@dataclass(slots=True, kw_only=True)
class NewArticle:
    """An article as ingestion builds it, before the store gives it an id."""

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
    core_title: str | None = None  # the title without its outlet's rubrics, where it has some

    @property
    def when(self) -> datetime:
        """The article's time for ordering and story times: published, else fetched."""
        return self.published_at or self.fetched_at or datetime.now(UTC)

    @property
    def matched_title(self) -> str:
        """The headline the models compare: without the rubrics the dedupe stage found
        (`nlp.features.rubrics`), else as published. Readers see `title`."""
        return self.core_title or self.title

    def saved(self, id: int) -> Article:
        return Article(id=id, **_draft_fields(self))


@dataclass(slots=True, kw_only=True)
class Article(NewArticle):
    """An article with its database row: what every stage after storing works on."""

    id: int


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


@dataclass(slots=True, kw_only=True)
class NewStoryRevision:
    """A written revision about to be stored."""

    story_id: int
    number: int
    created_at: datetime
    headline: str
    highlights: list[CitedText]
    story: list[CitedText]
    opinions: list[OpinionItem] = field(default_factory=list)
    changes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return " ".join(sentence.text for sentence in self.story)

    def saved(self, id: int) -> StoryRevision:
        return StoryRevision(id=id, **_draft_fields(self))


@dataclass(slots=True, kw_only=True)
class StoryRevision(NewStoryRevision):
    """A stored revision of a story."""

    id: int


@dataclass(slots=True, kw_only=True)
class NewStory:
    """A story the clusterer has opened, before its row exists."""

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

    def saved(self, id: int) -> Story:
        return Story(id=id, **_draft_fields(self))


@dataclass(slots=True, kw_only=True)
class Story(NewStory):
    """A story with its database row."""

    id: int


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
    OTHER_LANGUAGE = "multilingual similarity"  # joined a story in another language
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
