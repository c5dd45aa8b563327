"""The demo newsroom: a real HTTP server on 127.0.0.1, one port per outlet, on a simulated clock.

Each outlet is its own origin (host:port), so per-host politeness in the fetcher sees thirteen
hosts. A hub on the first port lists the outlets and serves an OPML of every feed and the manifest.
Feeds and lead images answer conditional GETs (ETag, Last-Modified) with 304 like a well-behaved
publisher.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from storywire.demo.corpus import Corpus, DemoArticle, DemoOutlet, load_corpus
from storywire.demo.images import (
    IMAGE_TYPE,
    has_lead_image,
    image_path,
    render_svg,
    slug_of_image_path,
)
from storywire.demo.pages import (
    FEED_PATHS,
    FEED_TYPES,
    Released,
    article_page,
    feed_document,
    home_page,
    hub_page,
    opml_document,
)

log = logging.getLogger(__name__)

DAY = timedelta(days=1)


def default_epoch(now: datetime | None = None) -> datetime:
    """Day 1 of the corpus starts two days before today (UTC), so day 3 is today."""
    today = (now or datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - 2 * DAY


class SimClock:
    """Simulated newsroom time: `epoch + start + elapsed * speed`, adjustable while running."""

    def __init__(
        self,
        epoch: datetime,
        start: timedelta = timedelta(0),
        speed: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.epoch = epoch
        self.speed = speed
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._base = start
        self._t0 = monotonic()

    @property
    def offset(self) -> timedelta:
        with self._lock:
            return self._base + timedelta(seconds=(self._monotonic() - self._t0) * self.speed)

    def now(self) -> datetime:
        return self.epoch + self.offset

    def set(self, offset: timedelta) -> None:
        with self._lock:
            self._base, self._t0 = offset, self._monotonic()

    def advance(self, delta: timedelta) -> None:
        self.set(self.offset + delta)


@dataclass
class _Site:
    outlet: DemoOutlet
    server: ThreadingHTTPServer
    thread: threading.Thread | None = None

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"


class Newsroom:
    """Serves the demo corpus over HTTP; use as a context manager or call start() and stop()."""

    def __init__(
        self,
        corpus: Corpus | None = None,
        clock: SimClock | None = None,
        host: str = "127.0.0.1",
        base_port: int = 0,
    ) -> None:
        self.corpus = corpus or load_corpus()
        self.clock = clock or SimClock(default_epoch(), start=3 * DAY)
        self._by_id = {a.id: a for a in self.corpus.articles}
        self._hub = ThreadingHTTPServer((host, base_port), self._handler(None))
        self._sites = {
            outlet_id: _Site(
                outlet,
                ThreadingHTTPServer(
                    (host, base_port + 1 + index if base_port else 0), self._handler(outlet)
                ),
            )
            for index, (outlet_id, outlet) in enumerate(self.corpus.outlets.items())
        }
        for server in self._servers():
            server.daemon_threads = True
        self._threads: list[threading.Thread] = []

    # -------------------------------------------------------------------------- addresses

    @property
    def hub_url(self) -> str:
        host, port = self._hub.server_address[:2]
        return f"http://{host!s}:{port}/"

    def home_url(self, outlet: str) -> str:
        return self._sites[outlet].origin + "/"

    def feed_url(self, outlet: str) -> str:
        site = self._sites[outlet]
        return site.origin + FEED_PATHS[site.outlet.feed]

    def article_url(self, article: DemoArticle | str) -> str:
        item = self._by_id[article] if isinstance(article, str) else article
        return self._sites[item.outlet].origin + item.path

    def image_url(self, article: DemoArticle | str) -> str | None:
        """The absolute URL of the article's lead image, or None when it is published without."""
        item = self._by_id[article] if isinstance(article, str) else article
        if not has_lead_image(item, self.corpus.outlets[item.outlet]):
            return None
        return self._sites[item.outlet].origin + image_path(item)

    @property
    def opml_url(self) -> str:
        return self.hub_url + "opml.xml"

    # ------------------------------------------------------------------------------- state

    def released(self, outlet: str | None = None) -> list[Released]:
        """What is published by the clock's now: the articles whose time has come."""
        now = self.clock.offset
        return [
            self._release(a)
            for a in self.corpus.articles
            if a.published <= now and (outlet is None or a.outlet == outlet)
        ]

    def _release(self, article: DemoArticle) -> Released:
        epoch = self.clock.epoch
        updated = epoch + article.updated if article.updated else None
        if article.updated and article.updated > self.clock.offset:
            updated = None
        return Released(
            article,
            self.article_url(article),
            epoch + article.published,
            updated,
            image_url=self.image_url(article),
        )

    # ---------------------------------------------------------------------------- lifetime

    def _servers(self) -> list[ThreadingHTTPServer]:
        return [self._hub, *(site.server for site in self._sites.values())]

    def start(self) -> Newsroom:
        for server in self._servers():
            thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info("demo newsroom serving", extra={"hub": self.hub_url})
        return self

    def stop(self) -> None:
        for server in self._servers():
            if self._threads:
                server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()

    def __enter__(self) -> Newsroom:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # ---------------------------------------------------------------------------- handlers

    def _handler(self, outlet: DemoOutlet | None) -> type[BaseHTTPRequestHandler]:
        newsroom = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "storywire-newsroom/1.0"

            def do_GET(self) -> None:
                response = newsroom._route(outlet, urlsplit(self.path).path, self.headers)
                self._send(*response)

            def do_HEAD(self) -> None:
                status, headers, _ = newsroom._route(outlet, urlsplit(self.path).path, self.headers)
                self._send(status, headers, b"")

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body:
                    self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("newsroom %s: " + format, outlet.id if outlet else "hub", *args)

        return Handler

    def _route(self, outlet: DemoOutlet | None, path: str, request: Any) -> _Response:
        if outlet is None:
            return self._route_hub(path)
        site_home = self.home_url(outlet.id)
        feed_url = self.feed_url(outlet.id)
        items = self.released(outlet.id)
        if path == "/":
            return _ok(home_page(outlet, items, feed_url), "text/html; charset=utf-8")
        if path == "/robots.txt":
            return _ok("User-agent: *\nDisallow: /private/\n", "text/plain; charset=utf-8")
        if path == FEED_PATHS[outlet.feed]:
            body = feed_document(outlet, items, site_home, feed_url, self.clock.now())
            newest = max((i.updated or i.published for i in items), default=self.clock.epoch)
            return _conditional(body, FEED_TYPES[outlet.feed], newest, request)
        slug = slug_of_image_path(path)
        for item in items:
            if slug is not None and item.article.slug == slug and item.image_url:
                svg = render_svg(item.article, outlet)
                return _conditional(svg, IMAGE_TYPE, item.published, request, _IMAGE_CACHE)
            if item.article.path == path:
                related = [i for i in items if i.article.event == item.article.event and i != item]
                page = article_page(outlet, item, site_home, feed_url, related[:4])
                return _ok(page, "text/html; charset=utf-8")
        return 404, {"Content-Type": "text/plain; charset=utf-8"}, b"not found\n"

    def _route_hub(self, path: str) -> _Response:
        if path == "/manifest.json":
            return _ok(json.dumps(self.corpus.manifest(), indent=1), "application/json")
        if path == "/opml.xml":
            feeds = [(s.outlet, self.feed_url(k), self.home_url(k)) for k, s in self._sites.items()]
            return _ok(opml_document(feeds), "text/x-opml; charset=utf-8")
        if path == "/clock":
            state = {"now": self.clock.now().isoformat(), "speed": self.clock.speed}
            return _ok(json.dumps(state), "application/json")
        if path == "/":
            outlets = [
                {
                    "name": s.outlet.name,
                    "language": s.outlet.language,
                    "feed": s.outlet.feed,
                    "home": self.home_url(k),
                    "feed_url": self.feed_url(k),
                    "released": len(self.released(k)),
                }
                for k, s in self._sites.items()
            ]
            page = hub_page(
                self.clock.now(), outlets, len(self.released()), len(self.corpus.articles)
            )
            return _ok(page, "text/html; charset=utf-8")
        return 404, {"Content-Type": "text/plain; charset=utf-8"}, b"not found\n"


_Response = tuple[int, dict[str, str], bytes]
# A released image never changes, so clients may keep it for a day; feeds change every few minutes.
_IMAGE_CACHE = "max-age=86400"


def _ok(body: str, content_type: str) -> _Response:
    return 200, {"Content-Type": content_type}, body.encode("utf-8")


def _conditional(
    body: str, content_type: str, modified: datetime, request: Any, cache: str = "max-age=60"
) -> _Response:
    """A 200 with validators, or a bodiless 304 when the client already has this version."""
    data = body.encode("utf-8")
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    headers = {
        "Content-Type": f"{content_type}; charset=utf-8",
        "ETag": etag,
        "Last-Modified": format_datetime(modified.astimezone(UTC), usegmt=True),
        "Cache-Control": cache,
    }
    if request.get("If-None-Match") == etag:
        return 304, headers, b""
    since = request.get("If-Modified-Since")
    if since and request.get("If-None-Match") is None:
        try:
            if modified.replace(microsecond=0) <= parsedate_to_datetime(since):
                return 304, headers, b""
        except (TypeError, ValueError):
            pass
    return 200, headers, data
