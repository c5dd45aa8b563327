"""The reader's HTML pages: server-rendered, complete without JavaScript (the little there is only
appends the next page in place and switches the theme without a reload)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from storywire.errors import NotFoundError
from storywire.extract.urls import redact_url, redact_urls_in
from storywire.store import repo
from storywire.stories.category import CATEGORIES
from storywire.web.deps import SessionDep
from storywire.web.views import (
    highlight,
    relative,
    safe_url,
    story_cards,
    story_view,
    thread_view,
)
from storywire.write.page import format_time

PAGE_SIZE = 20
THEMES = ("light", "dark", "system")
# Templates ship with the package: no reason to stat them for changes on every render.
templates = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True,
        auto_reload=False,
    )
)
templates.env.globals.update(format_time=format_time, relative=relative)
templates.env.filters.update(
    safe_url=safe_url, redact_url=redact_url, redact_urls_in=redact_urls_in
)
router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)
Page = Annotated[int, Query(ge=1, le=10_000)]


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    theme = request.cookies.get("theme")
    context.update(now=datetime.now(UTC), theme=theme if theme in THEMES else "system")
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def _next_page(request: Request, page: int, more: bool) -> str | None:
    return f"{request.url.path}?{urlencode({'page': page + 1})}" if more else None


def section_name(slug: str) -> str:
    """The section a URL names ("world" -> "World"); NotFoundError for any other."""
    for name in CATEGORIES:
        if name.lower() == slug.lower():
            return name
    raise NotFoundError(f"no section {slug!r}")


def _listing(
    request: Request,
    store: SessionDep,
    page: int,
    *,
    title: str,
    tab: str,
    order: repo.Order = repo.Order.TOP,
    feed: str = "/feeds/top",
    **filters: str,
) -> Response:
    found, more = story_cards(
        store, order=order, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, **filters
    )
    return render(
        request,
        "home.html",
        title=title,
        tab=tab,
        sections=repo.categories(store),
        cards=found,
        page=page,
        next_url=_next_page(request, page, more),
        feed=feed,
    )


@router.get("/")
async def home(request: Request, store: SessionDep, page: Page = 1) -> Response:
    return _listing(request, store, page, title="Top stories", tab="top")


@router.get("/latest")
async def latest(request: Request, store: SessionDep, page: Page = 1) -> Response:
    return _listing(
        request,
        store,
        page,
        title="Latest stories",
        tab="latest",
        order=repo.Order.LATEST,
        feed="/feeds/latest",
    )


@router.get("/section/{slug}")
async def section(request: Request, slug: str, store: SessionDep, page: Page = 1) -> Response:
    name = section_name(slug)
    return _listing(
        request,
        store,
        page,
        title=name,
        tab=name,
        category=name,
        feed=f"/feeds/sections/{name.lower()}",
    )


@router.get("/stories/{key}")
async def story(request: Request, key: str, store: SessionDep) -> Response:
    view = story_view(store, key)
    if key != view.story.slug and not repo.is_id(key):
        # A merged story's old slug: send readers (and search engines) to where it lives now.
        return RedirectResponse(f"/stories/{view.story.slug}", status_code=301)
    return render(request, "story.html", view=view, story=view.story, revision=view.revision)


@router.get("/threads/{key}")
async def thread(request: Request, key: str, store: SessionDep) -> Response:
    found = thread_view(store, key)
    if key != str(found.id):
        # Any story of the thread finds it; the thread lives at its first story's id.
        return RedirectResponse(f"/threads/{found.id}", status_code=301)
    return render(request, "thread.html", thread=found)


@router.get("/outlets")
async def outlets(request: Request, store: SessionDep) -> Response:
    counts = repo.outlet_article_counts(store)
    listed = [(o, counts.get(o.id, 0)) for o in repo.list_outlets(store)]
    return render(request, "outlets.html", outlets=listed)


@router.get("/outlets/{slug}")
async def outlet(request: Request, slug: str, store: SessionDep, page: Page = 1) -> Response:
    found = repo.get_outlet(store, slug)
    cards, more = story_cards(
        store, order=repo.Order.LATEST, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, outlet=slug
    )
    articles = repo.recent_articles(store, limit=30, outlet_id=found.id)
    return render(
        request,
        "outlet.html",
        outlet=found,
        cards=cards,
        articles=articles,
        page=page,
        next_url=_next_page(request, page, more),
    )


@router.get("/topics")
async def topics(request: Request, store: SessionDep) -> Response:
    return render(request, "topics.html", topics=repo.list_topics(store, limit=200))


@router.get("/topics/{slug}")
async def topic(request: Request, slug: str, store: SessionDep, page: Page = 1) -> Response:
    found = repo.get_topic(store, slug)
    cards, more = story_cards(
        store, order=repo.Order.LATEST, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, topic=slug
    )
    return render(
        request,
        "topic.html",
        topic=found,
        cards=cards,
        page=page,
        next_url=_next_page(request, page, more),
    )


@router.get("/search")
async def search(
    request: Request, store: SessionDep, q: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    query = q.strip()
    stories = repo.search_stories(store, query, limit=20) if query else []
    articles = repo.search_articles(store, query, limit=20) if query else []
    current = repo.current_revisions(store, stories)
    story_hits = [
        (
            s,
            highlight(s.headline, query),
            highlight(current[s.id].text if s.id in current else "", query),
        )
        for s in stories
    ]
    names = repo.outlet_names(store)
    article_hits = [
        (a, names.get(a.outlet_id, ""), highlight(a.title, query), highlight(a.text, query))
        for a in articles
    ]
    return render(request, "search.html", q=query, stories=story_hits, articles=article_hits)


@router.get("/feeds")
async def feed_status(request: Request, store: SessionDep) -> Response:
    names = repo.outlet_names(store)
    return render(request, "feeds.html", feeds=repo.list_feeds(store), names=names)


@router.get("/theme/{theme}")
async def set_theme(theme: str, next: str = "/") -> Response:
    """The theme switch without JavaScript: a cookie, then back to the page (same site only)."""
    if theme not in THEMES:
        raise NotFoundError(f"no theme {theme!r}")
    target = next if next.startswith("/") and not next.startswith(("//", "/\\")) else "/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie("theme", theme, max_age=365 * 86400, samesite="lax", httponly=False)
    return response
