"""For operators and their tools: `/healthz` for load balancers and process supervisors, and
`/metrics` for Prometheus (storywire.metrics says what each series means)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from storywire.errors import StorywireError
from storywire.metrics import StoreCollector
from storywire.store import db, repo

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz(request: Request) -> Response:
    """200 while the database answers, 503 with the reason when it does not."""
    try:
        with db.transaction(request.app.state.sessions) as session:
            repo.ping(session)
    except StorywireError as exc:
        reason = str(exc).splitlines()[0]
        return JSONResponse({"status": "error", "database": reason}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """This process's counters and the store's state, in Prometheus's text format."""
    store: CollectorRegistry | None = getattr(request.app.state, "store_metrics", None)
    if store is None:
        store = CollectorRegistry(auto_describe=True)
        store.register(StoreCollector(request.app.state.sessions))
        request.app.state.store_metrics = store
    return Response(
        generate_latest(REGISTRY) + generate_latest(store), media_type=CONTENT_TYPE_LATEST
    )
