"""The real feeds in shared/data/feeds, served over HTTP, through the whole ingestion path.

Their article links point at the real outlets; the test's transport refuses anything but
127.0.0.1 before any DNS lookup, so every page fetch fails and the feed's text is kept, which
is exactly the "page unavailable" path.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from storywire.extract.urls import canonical_url
from storywire.models import ArticleKind, NewFeed, Stage, TextSource
from storywire.pipeline import Pipeline
from storywire.sources.feeds import parse_feed
from storywire.sources.fetch import FetchPolicy
from storywire.sources.guard import guarded_transport
from storywire.store import db, repo

FEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "feeds"


class _LoopbackOnly(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self._inner = guarded_transport(allow_loopback=True)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host != "127.0.0.1":
            raise httpx.ConnectError(f"test network: {request.url.host} is not reachable")
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


class _Quiet(SimpleHTTPRequestHandler):
    extensions_map = {  # noqa: RUF012 (an instance variable of the base class)
        ".rss": "application/rss+xml",
        ".atom": "application/atom+xml",
    }

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def feed_server() -> Iterator[str]:
    if not FEEDS.is_dir():
        pytest.skip(f"saved feeds not found at {FEEDS} (shared/ must sit beside the repo)")
    handler = functools.partial(_Quiet, directory=str(FEEDS))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_every_real_feed_item_is_stored_and_guardian_comment_is_opinion(
    sessions: db.Sessions, feed_server: str
) -> None:
    names = sorted(p.name for p in FEEDS.iterdir())
    with db.transaction(sessions) as session:
        for name in names:
            repo.add_feed(session, NewFeed(url=f"{feed_server}/{name}"))
    policy = FetchPolicy(allow_loopback=True, host_delay=0.0, retries=0)
    pipeline = Pipeline(sessions, policy, transport=_LoopbackOnly())
    report = asyncio.run(pipeline.fetch_round())
    assert report.errors == []

    with db.transaction(sessions) as session:
        articles = [a for stage in Stage for a in repo.articles_at_stage(session, stage, 10_000)]
    assert all(a.stage is Stage.DEDUPED and a.text_source is TextSource.FEED for a in articles)
    assert all(a.error for a in articles), "the unreachable page is recorded on the article"
    guardian = [a for a in articles if "theguardian.com" in a.url]
    assert len(guardian) == 55
    comment = [a for a in guardian if "/commentisfree/" in a.url]
    assert comment and all(a.kind is ArticleKind.OPINION for a in comment)
    assert all(a.kind_reason == "url:/commentisfree/" for a in comment)
    news = [a for a in guardian if "/commentisfree/" not in a.url]
    assert all(a.kind is ArticleKind.NEWS for a in news)

    # Every item with a link is one stored article (items sharing a URL are one article).
    expected = {
        canonical_url(entry.url)
        for name in names
        for entry in parse_feed((FEEDS / name).read_bytes(), f"{feed_server}/{name}").entries
        if entry.url
    }
    assert {a.canonical_url for a in articles} == expected
