"""The web reader: a FastAPI app over the store, rendered on the server, usable without JavaScript.

Routes never build SQL: they call `store.repo` (through `web.views`) with one session per request.
The pieces: `pages` (HTML), `api` (JSON under /api/v1), `feeds` (Atom, RSS, JSON Feed out),
`caching` (ETag and 304s for all of them) and `static/` (the stylesheet and a little script).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Sequence
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from storywire import __version__
from storywire.config import CONFIG_FILE_VARIABLE, load_settings
from storywire.errors import NotFoundError
from storywire.store import db
from storywire.web import api, feeds, ops, pages
from storywire.web.caching import ConditionalMiddleware
from storywire.web.headers import SecurityHeaders

STATIC = Path(__file__).with_name("static")


def create_app(
    sessions: db.Sessions,
    admin_token: str | None = None,
    allowed_hosts: Sequence[str] | None = None,
    public_url: str | None = None,
) -> FastAPI:
    """The reader over these sessions; the feed-management API is off without `admin_token`.
    With `allowed_hosts`, a request for any other Host gets 400; `public_url` is the base of
    the absolute links in feeds (by default the request's own, after that check)."""
    app = FastAPIOffline(
        title="storywire",
        version=__version__,
        description="News stories clustered across outlets, with every sentence cited.",
        static_url="/static/docs",
    )
    app.state.sessions = sessions
    app.state.admin_token = admin_token
    app.state.public_url = public_url.rstrip("/") if public_url else None
    app.add_middleware(ConditionalMiddleware)
    app.add_middleware(RejectNulBytes)
    if allowed_hosts is not None:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    app.add_middleware(SecurityHeaders)
    # The pages first, ahead of the API docs routes too: a request's route is found by trying
    # each in turn, and readers ask for pages most (no page path is also another route's).
    # Moved as a slice: FastAPI versions differ in how many entries an included router adds.
    routes = app.router.routes
    before = len(routes)
    app.include_router(pages.router)
    added = routes[before:]
    del routes[before:]
    routes[:0] = added
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    app.include_router(api.admin)
    app.include_router(feeds.router)
    app.include_router(ops.router)

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=404)
        return pages.render(request, "error.html", status_code=404, message=str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(app, request))
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)

    return app


class RejectNulBytes:
    """400 for a NUL byte in the path or query: no page or story is named with one, and
    PostgreSQL refuses it in text parameters, which would surface as a server error."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            "\x00" in scope["path"] or b"%00" in scope["query_string"].lower()
        ):
            response = JSONResponse({"detail": "NUL byte in the request"}, status_code=400)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def app_from_environment() -> FastAPI:
    """The app that each `storywire serve --workers N` process builds for itself (uvicorn
    imports it by name): settings from the environment and STORYWIRE_CONFIG."""
    config = os.environ.get(CONFIG_FILE_VARIABLE)
    settings = load_settings(Path(config) if config else None)
    engine = db.make_engine(settings.database_url)
    db.check_schema(engine)
    token = settings.admin_token.get_secret_value() if settings.admin_token else None
    app = create_app(
        db.make_sessionmaker(engine),
        admin_token=token,
        allowed_hosts=settings.reader_hosts(),
        public_url=settings.public_url,
    )
    settle_memory()
    return app


def settle_memory() -> None:
    """Tune the garbage collector for serving. Everything built at start-up moves out of its
    sight (no re-scanning the app, templates and schema on every full pass), and the youngest
    generation is collected every 20,000 allocations rather than 700: a request allocates a few
    thousand short-lived objects that reference counting frees anyway. bench/web.py: 593 to 700
    story pages/s on two workers."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)


def _allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Every method some route accepts on this path: Starlette's own 405 names only those of the
    first route that matched the path (GET, not the POST registered beside it)."""
    methods: set[str] = set()
    for route in app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE and isinstance(route, BaseRoute) and hasattr(route, "methods"):
            methods |= set(route.methods or ())
    return sorted(methods)
