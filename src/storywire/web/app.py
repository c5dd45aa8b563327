"""The web reader: a FastAPI app over the store, rendered on the server, usable without JavaScript.

Routes never build SQL: they call `store.repo` (through `web.views`) with one session per request.
The pieces: `pages` (HTML), `api` (JSON under /api/v1), `feeds` (Atom, RSS, JSON Feed out),
`caching` (ETag and 304s for all of them) and `static/` (the stylesheet and a little script).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from storywire import __version__
from storywire.errors import NotFoundError
from storywire.store import db
from storywire.web import api, feeds, pages
from storywire.web.caching import ConditionalMiddleware

STATIC = Path(__file__).with_name("static")


def create_app(sessions: db.Sessions, admin_token: str | None = None) -> FastAPI:
    """The reader over these sessions; the feed-management API is off without `admin_token`."""
    app = FastAPI(
        title="storywire",
        version=__version__,
        description="News stories clustered across outlets, with every sentence cited.",
    )
    app.state.sessions = sessions
    app.state.admin_token = admin_token
    app.add_middleware(ConditionalMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    app.include_router(api.admin)
    app.include_router(feeds.router)
    app.include_router(pages.router)

    @app.exception_handler(NotFoundError)
    def not_found(request: Request, exc: NotFoundError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=404)
        return pages.render(request, "error.html", status_code=404, message=str(exc))

    return app
