"""Outgoing feeds: top and latest stories, and one per section, topic and outlet, each in Atom,
RSS 2.0 and JSON Feed. Last-Modified is the newest story's update, so pollers get 304s."""

from __future__ import annotations

from email.utils import format_datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from storywire.store import repo
from storywire.web import syndication
from storywire.web.api import NO_NUL
from storywire.web.deps import SessionDep
from storywire.web.pages import section_name
from storywire.web.views import Card, story_cards, thread_view

FEED_SIZE = 30
_DOCUMENTED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The feed",
        "content": {
            media_type.split(";")[0]: {} for media_type in syndication.MEDIA_TYPES.values()
        },
    },
    400: {"description": "A NUL byte in the request"},
    404: {"description": "No such section, topic, outlet or thread"},
}
Slug = Annotated[str, Path(pattern=NO_NUL)]
router = APIRouter(
    prefix="/feeds", tags=["feeds"], default_response_class=Response, responses=_DOCUMENTED
)


class Format(StrEnum):
    ATOM = "atom"
    RSS = "rss"
    JSON = "json"


_RENDER = {
    Format.ATOM: syndication.atom,
    Format.RSS: syndication.rss,
    Format.JSON: syndication.json_feed,
}


def _respond(
    request: Request, fmt: Format, path: str, title: str, html_path: str, found: list[Card]
) -> Response:
    base = request.app.state.public_url or str(request.base_url).rstrip("/")
    items = [
        syndication.FeedItem(
            id=f"{base}/stories/{card.story.id}",
            url=f"{base}/stories/{card.story.slug}",
            title=card.story.headline,
            summary=card.summary,
            published=card.story.published_at,
            updated=card.story.updated_at,
            categories=(card.story.category,) if card.story.category else (),
            image=card.story.image_url,
        )
        for card in found
    ]
    meta = syndication.FeedMeta(
        id=f"{base}{path}.{fmt.value}",
        title=f"storywire: {title}",
        home_url=f"{base}{html_path}",
        self_url=f"{base}{path}.{fmt.value}",
        description=f"{title}, each with highlights and sources cited sentence by sentence.",
    )
    modified = syndication.last_updated(items, syndication.EPOCH)
    return Response(
        _RENDER[fmt](meta, items),
        media_type=syndication.MEDIA_TYPES[fmt.value],
        headers={"Last-Modified": format_datetime(modified, usegmt=True)},
    )


@router.get("/top.{fmt}")
async def top(request: Request, fmt: Format, store: SessionDep) -> Response:
    found, _ = story_cards(store, order=repo.Order.TOP, limit=FEED_SIZE)
    return _respond(request, fmt, "/feeds/top", "top stories", "/", found)


@router.get("/latest.{fmt}")
async def latest(request: Request, fmt: Format, store: SessionDep) -> Response:
    found, _ = story_cards(store, order=repo.Order.LATEST, limit=FEED_SIZE)
    return _respond(request, fmt, "/feeds/latest", "latest stories", "/latest", found)


@router.get("/sections/{slug}.{fmt}")
async def section(request: Request, slug: Slug, fmt: Format, store: SessionDep) -> Response:
    name = section_name(slug)
    found, _ = story_cards(store, order=repo.Order.LATEST, limit=FEED_SIZE, category=name)
    path = f"/feeds/sections/{name.lower()}"
    return _respond(request, fmt, path, name, f"/section/{name.lower()}", found)


@router.get("/topics/{slug}.{fmt}")
async def topic(request: Request, slug: Slug, fmt: Format, store: SessionDep) -> Response:
    found_topic = repo.get_topic(store, slug)
    found, _ = story_cards(store, order=repo.Order.LATEST, limit=FEED_SIZE, topic=slug)
    title = f"stories about {found_topic.name}"
    return _respond(request, fmt, f"/feeds/topics/{slug}", title, f"/topics/{slug}", found)


@router.get("/outlets/{slug}.{fmt}")
async def outlet(request: Request, slug: Slug, fmt: Format, store: SessionDep) -> Response:
    found_outlet = repo.get_outlet(store, slug)
    found, _ = story_cards(store, order=repo.Order.LATEST, limit=FEED_SIZE, outlet=slug)
    title = f"stories covered by {found_outlet.name}"
    return _respond(request, fmt, f"/feeds/outlets/{slug}", title, f"/outlets/{slug}", found)


@router.get("/threads/{key}.{fmt}")
async def thread(request: Request, key: Slug, fmt: Format, store: SessionDep) -> Response:
    """Follow one ongoing saga: a new story in the thread is a new entry."""
    found = thread_view(store, key)
    newest_first = sorted(found.cards, key=lambda c: c.story.updated_at, reverse=True)
    title = f"the thread of {found.cards[-1].story.headline}"
    path = f"/feeds/threads/{found.id}"
    return _respond(request, fmt, path, title, f"/threads/{found.id}", newest_first[:FEED_SIZE])
