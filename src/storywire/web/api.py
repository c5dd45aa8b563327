"""The JSON API under /api/v1: typed response models, so the OpenAPI schema at /openapi.json is the
contract that the tests check every route against. Feed management needs the admin token."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AnyHttpUrl, BaseModel, Field, StrictBool

from storywire.models import Article, Feed, NewFeed, Story
from storywire.store import repo
from storywire.stories.importance import importance
from storywire.web.deps import SessionDep
from storywire.web.views import Card, StoryView, cards, story_cards, story_view, thread_view

# The server answers 400 to a NUL byte anywhere in a request (web.app.RejectNulBytes); the
# schema says so, so that clients and schemathesis know.
NO_NUL = r"^[^\x00]*$"
BAD_REQUEST: dict[int | str, dict[str, Any]] = {400: {"description": "A NUL byte in the request"}}
router = APIRouter(prefix="/api/v1", tags=["api"], responses=BAD_REQUEST)
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such item"}}


class StoryOut(BaseModel):
    id: int
    slug: str
    headline: str
    category: str | None
    importance: float = Field(
        description="How prominent the story is now: outlets, wire pickup and growth, halved "
        "for every day since its latest article"
    )
    published: datetime
    updated: datetime
    image: str | None
    outlets: int
    articles: int
    first_highlight: str
    thread: int | None = Field(
        default=None,
        description="The thread (ongoing saga) this story belongs to, at /api/v1/threads/{id}; "
        "null when it is in none",
    )
    thread_stories: int = Field(
        default=1,
        description="Stories in that thread, this one included; the top listing shows at most "
        "two stories of one thread",
    )


class StoryList(BaseModel):
    stories: list[StoryOut]
    more: bool = Field(description="Whether the next offset has more stories")


class CitedOut(BaseModel):
    text: str
    citations: list[int] = Field(description="Ids of the articles this sentence came from")


class OpinionOut(BaseModel):
    article_id: int
    outlet: str
    author: str | None
    title: str
    gist: str


class ArticleOut(BaseModel):
    id: int
    url: str
    title: str
    outlet: str | None
    kind: str
    language: str | None
    published: datetime | None
    image: str | None
    story: int | None = None
    wire_copy: bool = False


class RevisionOut(BaseModel):
    number: int
    created: datetime
    changes: dict[str, list[str]]


class TopicOut(BaseModel):
    slug: str
    name: str
    stories: int | None = None


class StoryDetail(StoryOut):
    highlights: list[CitedOut]
    story: list[CitedOut]
    opinions: list[OpinionOut]
    sources: list[ArticleOut]
    revisions: list[RevisionOut]
    topics: list[TopicOut]
    related: list[StoryOut] = Field(description="Stories linked to this one directly")


class ThreadOut(BaseModel):
    id: int
    stories: list[StoryOut] = Field(description="The thread's stories, oldest first")


class ArticleDetail(ArticleOut):
    authors: list[str]
    section: str | None
    text: str


class OutletOut(BaseModel):
    slug: str
    name: str
    homepage: str
    language: str | None
    articles: int


class SearchOut(BaseModel):
    stories: list[StoryOut]
    articles: list[ArticleOut]


class FeedOut(BaseModel):
    id: int
    url: str
    title: str | None
    category: str | None
    disabled: bool
    consecutive_failures: int
    last_error: str | None
    last_fetched: datetime | None
    next_due: datetime | None


class FeedIn(BaseModel):
    url: AnyHttpUrl
    category: str | None = Field(default=None, max_length=100, pattern=NO_NUL)


class FeedPatch(BaseModel):
    category: str | None = Field(default=None, max_length=100, pattern=NO_NUL)
    disabled: StrictBool | None = None


def _story_out(
    story: Story,
    outlets: int,
    articles: int,
    first: str,
    thread: int | None = None,
    thread_stories: int = 1,
) -> StoryOut:
    return StoryOut(
        id=story.id,
        slug=story.slug,
        headline=story.headline,
        category=story.category,
        importance=importance(story.front_rank, datetime.now(UTC)),
        published=story.published_at,
        updated=story.updated_at,
        image=story.image_url,
        outlets=outlets,
        articles=articles,
        first_highlight=first,
        thread=thread,
        thread_stories=thread_stories,
    )


def _card_out(card: Card) -> StoryOut:
    return _story_out(
        card.story,
        card.outlets,
        card.articles,
        card.first_highlight,
        card.thread_id,
        card.thread_size,
    )


def _article_out(
    article: Article, outlet: str | None, story: int | None = None, wire: bool = False
) -> ArticleOut:
    return ArticleOut(
        id=article.id,
        url=article.url,
        title=article.title,
        outlet=outlet,
        kind=article.kind.value,
        language=article.language,
        published=article.published_at,
        image=article.image_url,
        story=story,
        wire_copy=wire,
    )


def _detail(view: StoryView, related: list[Card]) -> StoryDetail:
    revision = view.revision
    sources = sorted(view.sources.values(), key=lambda s: s.number)
    return StoryDetail(
        **_story_out(
            view.story,
            len(view.outlets),
            len(sources),
            revision.highlights[0].text if revision and revision.highlights else "",
            view.thread.id if view.thread else None,
            view.thread.size if view.thread else 1,
        ).model_dump(),
        highlights=[
            CitedOut(text=h.text, citations=list(h.citations))
            for h in (revision.highlights if revision else [])
        ],
        story=[
            CitedOut(text=s.text, citations=list(s.citations))
            for s in (revision.story if revision else [])
        ],
        opinions=[
            OpinionOut(
                article_id=o.article_id,
                outlet=o.outlet,
                author=o.author,
                title=o.title,
                gist=o.gist,
            )
            for o in (revision.opinions if revision else [])
        ],
        sources=[_article_out(s.article, s.outlet, view.story.id, s.wire_copy) for s in sources],
        revisions=[
            RevisionOut(number=r.number, created=r.created_at, changes=r.changes)
            for r in view.history
        ],
        topics=[TopicOut(slug=t.slug, name=t.name) for t in view.topics],
        related=[_card_out(card) for card in related],
    )


@router.get("/stories", response_model=StoryList, responses=NOT_FOUND)
async def stories(
    store: SessionDep,
    tab: repo.Order = repo.Order.TOP,
    section: Annotated[str | None, Query(max_length=100, pattern=NO_NUL)] = None,
    topic: Annotated[str | None, Query(max_length=120, pattern=NO_NUL)] = None,
    outlet: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> StoryList:
    """Featured stories by importance (`top`) or last update (`latest`); a topic or outlet
    filter lists every story of that topic or outlet."""
    found, more = story_cards(
        store,
        order=tab,
        limit=limit,
        offset=offset,
        category=section,
        topic=topic,
        outlet=outlet,
    )
    return StoryList(stories=[_card_out(c) for c in found], more=more)


@router.get("/stories/{key}", response_model=StoryDetail, responses=NOT_FOUND)
async def story(key: Annotated[str, Path(pattern=NO_NUL)], store: SessionDep) -> StoryDetail:
    """A story by id or slug, with citations that are article ids of its `sources`."""
    view = story_view(store, key)
    related = cards(store, repo.story_summaries(store, [story for story, _ in view.related]))
    return _detail(view, related)


@router.get("/threads/{key}", response_model=ThreadOut, responses=NOT_FOUND)
async def thread(key: Annotated[str, Path(pattern=NO_NUL)], store: SessionDep) -> ThreadOut:
    """The thread of a story (by the thread's id or any of its stories' ids or slugs): the
    stories of one ongoing saga, oldest first. 404 when the story is in no thread."""
    found = thread_view(store, key)
    return ThreadOut(id=found.id, stories=[_card_out(card) for card in found.cards])


@router.get("/articles", response_model=list[ArticleOut], responses=NOT_FOUND)
async def articles(
    store: SessionDep,
    outlet: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[ArticleOut]:
    outlet_id = repo.get_outlet(store, outlet).id if outlet else None
    names = repo.outlet_names(store)
    rows = repo.recent_articles(store, limit=limit, offset=offset, outlet_id=outlet_id)
    return [_article_out(a, names.get(a.outlet_id), story) for a, story in rows]


@router.get("/articles/{article_id}", response_model=ArticleDetail, responses=NOT_FOUND)
async def article(article_id: RowId, store: SessionDep) -> ArticleDetail:
    found = repo.get_article(store, article_id)
    outlet = repo.outlet_names(store).get(found.outlet_id)
    story_id = repo.story_of_article(store, article_id)
    return ArticleDetail(
        **_article_out(found, outlet, story_id).model_dump(),
        authors=found.authors,
        section=found.section,
        text=found.text,
    )


@router.get("/outlets", response_model=list[OutletOut])
async def outlets(store: SessionDep) -> list[OutletOut]:
    counts = repo.outlet_article_counts(store)
    return [
        OutletOut(
            slug=o.slug,
            name=o.name,
            homepage=o.homepage,
            language=o.language,
            articles=counts.get(o.id, 0),
        )
        for o in repo.list_outlets(store)
    ]


@router.get("/topics", response_model=list[TopicOut])
async def topics(store: SessionDep) -> list[TopicOut]:
    """Names that recur across stories: people, places, organisations."""
    return [
        TopicOut(slug=t.slug, name=t.name, stories=count) for t, count in repo.list_topics(store)
    ]


@router.get("/search", response_model=SearchOut)
async def search(
    store: SessionDep,
    q: Annotated[str, Query(min_length=1, max_length=200, pattern=NO_NUL)],
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> SearchOut:
    names = repo.outlet_names(store)
    return SearchOut(
        stories=[
            _card_out(card)
            for card in cards(
                store, repo.story_summaries(store, repo.search_stories(store, q, limit))
            )
        ],
        articles=[
            _article_out(a, names.get(a.outlet_id)) for a in repo.search_articles(store, q, limit)
        ],
    )


# ----------------------------------------------------------------------------- feed management

_bearer = HTTPBearer(auto_error=False, description="STORYWIRE_ADMIN_TOKEN")
ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "A request body that is not JSON"},
    401: {"description": "Missing or wrong admin token"},
    403: {"description": "The admin API is off: no admin token is configured"},
}


async def require_admin(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    token: str | None = request.app.state.admin_token
    if not token:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admin API disabled: set admin_token")
    given = credentials.credentials if credentials else ""
    if not secrets.compare_digest(given.encode(), token.encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "a valid admin token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )


admin = APIRouter(
    prefix="/api/v1/feeds",
    tags=["admin"],
    dependencies=[Depends(require_admin)],
    responses=ADMIN_ERRORS,
)


def _feed_out(feed: Feed) -> FeedOut:
    return FeedOut(
        id=feed.id,
        url=feed.url,
        title=feed.title,
        category=feed.category,
        disabled=feed.disabled,
        consecutive_failures=feed.consecutive_failures,
        last_error=feed.last_error,
        last_fetched=feed.last_fetched_at,
        next_due=feed.next_due_at,
    )


@admin.get("", response_model=list[FeedOut])
async def list_feeds(store: SessionDep) -> list[FeedOut]:
    return [_feed_out(f) for f in repo.list_feeds(store)]


@admin.post(
    "",
    response_model=FeedOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": FeedOut, "description": "Already subscribed"}},
)
async def add_feed(body: FeedIn, store: SessionDep, response: Response) -> FeedOut:
    """Subscribe to a feed; an already subscribed URL answers 200 with the existing feed."""
    feed, created = repo.add_feed(store, NewFeed(url=str(body.url), category=body.category))
    if not created:
        response.status_code = status.HTTP_200_OK
    return _feed_out(feed)


@admin.patch("/{feed_id}", response_model=FeedOut, responses=NOT_FOUND)
async def update_feed(feed_id: RowId, body: FeedPatch, store: SessionDep) -> FeedOut:
    feed = repo.get_feed(store, feed_id)
    if "category" in body.model_fields_set:
        feed.category = body.category
    if body.disabled is not None:
        feed.disabled = body.disabled
        feed.consecutive_failures = 0 if not body.disabled else feed.consecutive_failures
    return _feed_out(repo.save_feed_state(store, feed))


@admin.delete("/{feed_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def remove_feed(feed_id: RowId, store: SessionDep) -> None:
    repo.remove_feed(store, feed_id)
