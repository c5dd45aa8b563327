"""What every route depends on: one database transaction per request.

Routes are `async` and call the store synchronously, on the event loop. A page's reads take a
few milliseconds on a local database, less than handing each request to a worker thread costs
under load (bench/web.py: a story page went from 115 to 220 requests/s on one process). The
price: one slow query holds up the other requests of its process, so nothing slow runs in a
request, and `storywire serve --workers N` runs one process per core.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from storywire.store import db


async def _session(request: Request) -> AsyncIterator[db.Session]:
    """One transaction per request, on the sessions the app was created with (async, so that
    FastAPI does not hand it to a thread either)."""
    with db.transaction(request.app.state.sessions) as opened:
        yield opened


SessionDep = Annotated[db.Session, Depends(_session)]
