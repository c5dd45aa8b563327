"""What every route depends on: one database transaction per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from storywire.store import db


def _session(request: Request) -> Iterator[db.Session]:
    """One transaction per request, on the sessions the app was created with."""
    with db.transaction(request.app.state.sessions) as opened:
        yield opened


SessionDep = Annotated[db.Session, Depends(_session)]
