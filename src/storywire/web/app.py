"""The web reader: a FastAPI app over the store, rendered on the server, usable without JavaScript.

Routes never build SQL: they call `store.repo` through one session per request.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from xml.sax.saxutils import escape

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from storywire import __version__
from storywire.errors import NotFoundError
from storywire.models import Article, Story, StoryRevision
from storywire.store import db, repo
from storywire.write.page import format_time

PAGE_SIZE = 20
_templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))


def _session(request: Request) -> Iterator[db.Session]:
    """One transaction per request, on the sessions the app was created with."""
    with db.transaction(request.app.state.sessions) as opened:
        yield opened


SessionDep = Annotated[db.Session, Depends(_session)]


def create_app(sessions: db.Sessions) -> FastAPI:
    app = FastAPI(title="storywire", version=__version__)
    app.state.sessions = sessions

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request, store: SessionDep, page: Annotated[int, Query(ge=1)] = 1) -> Any:
        rows = repo.list_stories(store, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
        cards = [_card(store, row.story, row.outlet_count) for row in rows[:PAGE_SIZE]]
        return _templates.TemplateResponse(
            request,
            "home.html",
            {"cards": cards, "page": page, "more": len(rows) > PAGE_SIZE},
        )

    @app.get("/stories/{key}", response_class=HTMLResponse)
    def story_page(request: Request, key: str, store: SessionDep) -> Any:
        story, revision, articles, history = _story(store, key)
        return _templates.TemplateResponse(
            request,
            "story.html",
            {
                "story": story,
                "revision": revision,
                "articles": {a.id: a for a in articles},
                "outlets": _outlets(store, articles),
                "history": history,
                "format_time": format_time,
            },
        )

    @app.get("/api/v1/stories")
    def api_stories(
        store: SessionDep,
        limit: Annotated[int, Query(ge=1, le=100)] = PAGE_SIZE,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        rows = repo.list_stories(store, limit=limit + 1, offset=offset)
        return {
            "stories": [
                {
                    **_story_json(row.story),
                    "outlets": row.outlet_count,
                    "articles": row.article_count,
                }
                for row in rows[:limit]
            ],
            "more": len(rows) > limit,
        }

    @app.get("/api/v1/stories/{key}")
    def api_story(key: str, store: SessionDep) -> dict[str, Any]:
        story, revision, articles, history = _story(store, key)
        outlets = repo.outlet_names(store)
        return {
            **_story_json(story),
            "highlights": [_cited(h) for h in revision.highlights] if revision else [],
            "story": [_cited(s) for s in revision.body] if revision else [],
            "opinions": [_opinion(o) for o in revision.opinions] if revision else [],
            "articles": [
                {
                    "id": a.id,
                    "url": a.url,
                    "title": a.title,
                    "outlet": outlets.get(a.outlet_id),
                    "kind": a.kind.value,
                    "published": a.published_at.isoformat() if a.published_at else None,
                }
                for a in articles
            ],
            "revisions": [
                {"number": r.number, "created": r.created_at.isoformat(), "changes": r.changes}
                for r in history
            ],
        }

    @app.get("/feeds/top.atom")
    def atom(request: Request, store: SessionDep) -> Response:
        rows = repo.list_stories(store, limit=PAGE_SIZE)
        base = str(request.base_url).rstrip("/")
        updated = max((r.story.updated_at for r in rows), default=datetime.now(UTC))
        entries = []
        for row in rows:
            story = row.story
            revision = repo.current_revision(store, story)
            summary = " ".join(h.text for h in revision.highlights) if revision else ""
            entries.append(
                f"<entry><id>{base}/stories/{story.id}</id><title>{escape(story.headline)}</title>"
                f'<link href="{base}/stories/{story.id}"/>'
                f"<published>{story.published_at.isoformat()}</published>"
                f"<updated>{story.updated_at.isoformat()}</updated>"
                f"<summary>{escape(summary)}</summary></entry>"
            )
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<id>{base}/feeds/top.atom</id><title>storywire: top stories</title>"
            f'<link rel="self" href="{base}/feeds/top.atom"/>'
            f"<updated>{updated.isoformat()}</updated>{''.join(entries)}</feed>"
        )
        return Response(body, media_type="application/atom+xml")

    return app


def _story(
    store: db.Session, key: str
) -> tuple[Story, StoryRevision | None, list[Article], list[StoryRevision]]:
    try:
        story = repo.get_story(store, key)
    except NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    assert story.id is not None
    articles = [a for a, _ in repo.story_articles(store, story.id)]
    return story, repo.current_revision(store, story), articles, repo.revisions(store, story.id)


def _card(store: db.Session, story: Story, outlets: int) -> dict[str, Any]:
    revision = repo.current_revision(store, story)
    return {
        "story": story,
        "first": revision.highlights[0].text if revision and revision.highlights else "",
        "outlets": outlets,
        "updated": format_time(story.updated_at),
    }


def _outlets(store: db.Session, articles: list[Article]) -> list[dict[str, Any]]:
    names = repo.outlet_names(store)
    grouped: dict[str, list[Article]] = {}
    for article in articles:
        grouped.setdefault(names.get(article.outlet_id, "unknown outlet"), []).append(article)
    return [
        {"name": name, "articles": items}
        for name, items in sorted(grouped.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]


def _story_json(story: Story) -> dict[str, Any]:
    return {
        "id": story.id,
        "slug": story.slug,
        "headline": story.headline,
        "category": story.category,
        "importance": story.importance,
        "published": story.published_at.isoformat(),
        "updated": story.updated_at.isoformat(),
    }


def _cited(item: Any) -> dict[str, Any]:
    return {"text": item.text, "citations": list(item.citations)}


def _opinion(item: Any) -> dict[str, Any]:
    return {
        "article_id": item.article_id,
        "outlet": item.outlet,
        "author": item.author,
        "title": item.title,
        "gist": item.gist,
    }
