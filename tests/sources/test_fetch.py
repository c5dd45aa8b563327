"""The polite fetcher against real HTTP servers on 127.0.0.1 (tests/sources/badserver.py).

Statuses and retries, timeouts, redirects, size caps and decompression bombs, content types,
charsets, conditional GET, robots.txt, per-host politeness, request headers and the SSRF default.
The HTTP client is never patched; only the Fetcher's `sleep` and `jitter` are injected, so backoff
and crawl delays are checked without waiting. Every failure must be a FetchError (or a subclass),
never another exception type and never a hang.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import gzip
import itertools
import random
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Awaitable, Callable, Iterable, Iterator
from email.utils import formatdate
from typing import Any, TypeVar

import brotli  # type: ignore[import-untyped]
import pytest

from storywire.errors import BlockedAddressError, FetchError
from storywire.sources.fetch import (
    Fetcher,
    FetchPolicy,
    FetchResult,
    HTTPStatusError,
    decode_html,
)
from tests.sources.badserver import BadServer, Exchange, Gauge, Route, serve, wait_until

T = TypeVar("T")

UA = "storywire-tests/1.0 (+https://storywire.example/bot)"
RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
HTML = "<html><head><title>Grüße</title></head><body><p>Café, naïve, 5 €.</p></body></html>"
MB = 1024 * 1024

# Small limits so every test is quick; tests change what they exercise.
BASE = FetchPolicy(
    user_agent=UA,
    connect_timeout=2.0,
    read_timeout=2.0,
    total_timeout=10.0,
    max_bytes=1 * MB,
    max_redirects=5,
    retries=2,
    backoff_base=0.01,
    backoff_max=1.0,
    host_concurrency=2,
    host_delay=0.0,
    max_crawl_delay=10.0,
    respect_robots=True,
    allow_loopback=True,
)


def policy(**changes: Any) -> FetchPolicy:
    return dataclasses.replace(BASE, **changes)


class Clock:
    """The Fetcher's injected sleep and jitter: records what it is asked, waits only if `real`."""

    def __init__(self, real: bool = False) -> None:
        self.real = real
        self.sleeps: list[float] = []
        self.jitters: list[tuple[float, float]] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.sleep(seconds if self.real else 0)

    def jitter(self, low: float, high: float) -> float:
        self.jitters.append((low, high))
        return high


def run(
    action: Callable[[Fetcher], Awaitable[T]],
    fetch_policy: FetchPolicy = BASE,
    clock: Clock | None = None,
) -> T:
    """Run `action` with a fresh Fetcher in a fresh event loop; the client is always closed."""
    clock = clock or Clock()

    async def main() -> T:
        async with Fetcher(fetch_policy, sleep=clock.sleep, jitter=clock.jitter) as fetcher:
            return await action(fetcher)

    return asyncio.run(main())


def fetch_error(
    action: Callable[[Fetcher], Awaitable[Any]],
    fetch_policy: FetchPolicy = BASE,
    clock: Clock | None = None,
) -> FetchError:
    """The FetchError `action` raises; any other exception propagates and fails the test."""
    with pytest.raises(FetchError) as info:
        run(action, fetch_policy, clock)
    return info.value


def feed(url: str, **kwargs: Any) -> Callable[[Fetcher], Awaitable[FetchResult]]:
    return lambda fetcher: fetcher.fetch_feed(url, **kwargs)


def page(url: str) -> Callable[[Fetcher], Awaitable[FetchResult]]:
    return lambda fetcher: fetcher.fetch_page(url)


# ---------------------------------------------------------------------------------- routes


def static(
    status: int = 200,
    body: bytes = RSS,
    content_type: str | None = "application/rss+xml",
    headers: Iterable[tuple[str, str]] = (),
) -> Route:
    headers = list(headers)

    def route(exchange: Exchange) -> None:
        exchange.reply(status, body, content_type, headers)

    return route


def in_turn(*routes: Route) -> Route:
    """Each request gets the next route; the last one answers all the rest."""
    queue = list(routes)
    lock = threading.Lock()

    def route(exchange: Exchange) -> None:
        with lock:
            current = queue.pop(0) if len(queue) > 1 else queue[0]
        current(exchange)

    return route


def redirect(location: str | None, status: int = 302) -> Route:
    headers = [] if location is None else [("Location", location)]
    return static(status, b"", "text/plain", headers)


def page_route(
    body: bytes = HTML.encode(), content_type: str = "text/html; charset=utf-8"
) -> Route:
    return static(200, body, content_type)


@dataclasses.dataclass
class Progress:
    """How much of a big body a route managed to send before the client hung up."""

    sent: int = 0
    done: threading.Event = dataclasses.field(default_factory=threading.Event)


_BLOCK = b"a" * (64 * 1024)


def huge(total: int, chunked: bool, progress: Progress) -> Route:
    """`total` bytes generated 64 KiB at a time, with a Content-Length or chunked."""

    def route(exchange: Exchange) -> None:
        framing = ("Transfer-Encoding", "chunked") if chunked else ("Content-Length", str(total))
        try:
            exchange.head(200, [("Content-Type", "application/rss+xml"), framing])
            remaining = total
            while remaining > 0:
                block = _BLOCK[: min(remaining, len(_BLOCK))]
                if not (exchange.write_chunk(block) if chunked else exchange.write(block)):
                    return
                progress.sent += len(block)
                remaining -= len(block)
            if chunked:
                exchange.write_chunk(b"")
        finally:
            progress.done.set()

    return route


@pytest.fixture
def server() -> Iterator[BadServer]:
    with serve() as httpd:
        yield httpd


@pytest.fixture
def other_server() -> Iterator[BadServer]:
    with serve() as httpd:
        yield httpd


# ------------------------------------------------------------------------ statuses, retries


@pytest.mark.parametrize("status", [404, 410])
def test_client_errors_raise_with_status_and_are_not_retried(
    server: BadServer, status: int
) -> None:
    url = server.route("/gone", static(status, b"no such feed", "text/plain"))
    clock = Clock()
    with pytest.raises(HTTPStatusError) as info:
        run(feed(url), clock=clock)
    assert info.value.status == status
    assert f"HTTP {status}" in str(info.value)
    assert server.hits("/gone") == 1
    assert clock.sleeps == []


RETRYABLE = (408, 425, 429, 500, 502, 503, 504)


def test_persistent_retryable_status_is_retried_then_raised(server: BadServer) -> None:
    """One Fetcher, one path per status (each answering that status every time)."""
    urls = {s: server.route(f"/broken/{s}", static(s, b"oops", "text/plain")) for s in RETRYABLE}

    async def each(fetcher: Fetcher) -> dict[int, BaseException | FetchResult]:
        outcomes: dict[int, BaseException | FetchResult] = {}
        for status, url in urls.items():
            try:
                outcomes[status] = await fetcher.fetch_feed(url)
            except FetchError as exc:
                outcomes[status] = exc
        return outcomes

    clock = Clock()
    outcomes = run(each, policy(retries=2), clock)
    for status in RETRYABLE:
        outcome = outcomes[status]
        assert isinstance(outcome, HTTPStatusError), (status, outcome)
        assert outcome.status == status
        assert server.hits(f"/broken/{status}") == 3, status  # the first try and two retries
    assert len(clock.sleeps) == 2 * len(RETRYABLE)


def test_503_then_200_succeeds_after_one_retry(server: BadServer) -> None:
    url = server.route("/flaky", in_turn(static(503, b"busy", "text/plain"), static(200)))
    clock = Clock()
    result = run(feed(url), clock=clock)
    assert result.status == 200
    assert result.body == RSS
    assert server.hits("/flaky") == 2
    assert len(clock.sleeps) == 1


def test_retry_after_seconds_is_honoured(server: BadServer) -> None:
    busy = static(429, b"slow down", "text/plain", [("Retry-After", "2")])
    url = server.route("/limited", in_turn(busy, static(200)))
    clock = Clock()
    result = run(feed(url), policy(backoff_max=30.0), clock)
    assert result.status == 200
    assert clock.sleeps == [2.0]
    assert clock.jitters == []  # the server's word replaces the jittered backoff


def test_retry_after_http_date_is_honoured(server: BadServer) -> None:
    when = formatdate(time.time() + 10, usegmt=True)
    busy = static(503, b"maintenance", "text/plain", [("Retry-After", when)])
    url = server.route("/maintenance", in_turn(busy, static(200)))
    clock = Clock()
    assert run(feed(url), policy(backoff_max=30.0), clock).status == 200
    assert len(clock.sleeps) == 1
    assert 8.0 < clock.sleeps[0] <= 10.0
    assert clock.jitters == []


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        pytest.param("3600", 5.0, id="capped-by-backoff-max"),
        pytest.param("Wed, 21 Oct 2015 07:28:00 GMT", 0.0, id="date-in-the-past"),
        pytest.param("soon", 0.01, id="unparseable-falls-back-to-backoff"),
    ],
)
def test_retry_after_edge_values(server: BadServer, retry_after: str, expected: float) -> None:
    busy = static(503, b"", "text/plain", [("Retry-After", retry_after)])
    url = server.route("/busy", in_turn(busy, static(200)))
    clock = Clock()
    assert run(feed(url), policy(backoff_max=5.0, backoff_base=0.01), clock).status == 200
    assert clock.sleeps == [pytest.approx(expected)]


@pytest.mark.parametrize(
    "retry_after",
    [
        pytest.param("Sun Nov  6 08:49:37 1994", id="asctime"),
        pytest.param("Wed, 21 Oct 2015 07:28:00 -0000", id="minus-zero-zone"),
    ],
)
def test_retry_after_dates_without_a_utc_zone_do_not_crash(
    server: BadServer, retry_after: str
) -> None:
    busy = static(503, b"", "text/plain", [("Retry-After", retry_after)])
    url = server.route("/busy", in_turn(busy, static(200)))
    clock = Clock()
    assert run(feed(url), clock=clock).status == 200
    assert clock.sleeps == [0.0]  # both dates are in the past


def test_retry_after_with_a_non_ascii_digit_does_not_crash(server: BadServer) -> None:
    busy = static(503, b"", "text/plain", [("Retry-After", "²")])
    url = server.route("/busy", in_turn(busy, static(200)))
    assert run(feed(url)).status == 200


def test_backoff_ceilings_double_per_attempt_and_are_capped(server: BadServer) -> None:
    url = server.route("/down", static(503, b"", "text/plain"))
    clock = Clock()
    with pytest.raises(HTTPStatusError):
        run(feed(url), policy(retries=5, backoff_base=0.1, backoff_max=0.5), clock)
    ceilings = [0.1, 0.2, 0.4, 0.5, 0.5]
    assert [low for low, _ in clock.jitters] == [0.0] * 5  # full jitter: from zero
    assert [high for _, high in clock.jitters] == pytest.approx(ceilings)
    assert clock.sleeps == pytest.approx(ceilings)  # what jitter returned


def test_connection_refused_is_retried_then_a_fetch_error() -> None:
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    clock = Clock()
    error = fetch_error(feed(f"http://127.0.0.1:{port}/feed"), policy(retries=2), clock)
    assert "network error" in str(error)
    assert len(clock.sleeps) == 2


# -------------------------------------------------------------------------------- timeouts


def test_server_that_never_answers_times_out(server: BadServer) -> None:
    url = server.route("/silent", Exchange.hold)
    clock = Clock()
    start = time.monotonic()
    error = fetch_error(feed(url), policy(read_timeout=0.4, retries=1), clock)
    elapsed = time.monotonic() - start
    assert "timed out" in str(error)
    assert 0.75 <= elapsed < 2.5  # two reads of 0.4 s each
    assert server.hits("/silent") == 2
    assert len(clock.sleeps) == 1


def trickle(exchange: Exchange) -> None:
    """A long body, one byte every 0.2 s: never idle long enough for the read timeout."""
    exchange.head(200, [("Content-Type", "application/rss+xml"), ("Content-Length", "100000")])
    while exchange.write(b"x") and exchange.pause(0.2):
        pass


def test_trickling_server_is_stopped_by_the_total_time_cap(server: BadServer) -> None:
    url = server.route("/trickle", trickle)
    start = time.monotonic()
    error = fetch_error(feed(url), policy(total_timeout=1.5, read_timeout=1.0))
    elapsed = time.monotonic() - start
    assert "within 1.5s" in str(error)
    assert 1.4 <= elapsed < 2.5


# ------------------------------------------------------------------------------- redirects


def test_redirect_loop_is_refused(server: BadServer) -> None:
    url = server.route("/a", redirect("/b"))
    server.route("/b", redirect("/a"))
    error = fetch_error(feed(url))
    assert "loop" in str(error)
    assert server.hits("/a") == 1
    assert server.hits("/b") == 1


def test_redirect_to_itself_is_a_loop(server: BadServer) -> None:
    url = server.route("/self", redirect("/self", 301))
    assert "loop" in str(fetch_error(feed(url)))


@pytest.mark.parametrize(("hops", "allowed"), [(3, True), (4, False)])
def test_redirect_chain_is_capped(server: BadServer, hops: int, allowed: bool) -> None:
    for index in range(hops):
        server.route(f"/hop{index}", redirect(f"/hop{index + 1}", 307))
    server.route(f"/hop{hops}", static(200))
    action = feed(server.url("/hop0"))
    if allowed:
        result = run(action, policy(max_redirects=3))
        assert result.final_url == server.url(f"/hop{hops}")
        assert result.url == server.url("/hop0")
    else:
        assert "more than 3 redirects" in str(fetch_error(action, policy(max_redirects=3)))
        assert server.hits(f"/hop{hops}") == 0


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_every_redirect_status_is_followed(server: BadServer, status: int) -> None:
    url = server.route("/dir/start", redirect("moved", status))
    server.route("/dir/moved", static(200))
    result = run(feed(url))
    assert (result.status, result.body) == (200, RSS)
    assert result.final_url == server.url("/dir/moved")
    assert result.url == url


@pytest.mark.parametrize(
    ("location", "final_path"),
    [
        ("moved?x=1", "/dir/moved"),
        ("../moved", "/moved"),
        ("/abs/moved", "/abs/moved"),
        ("//127.0.0.1:{port}/net/moved", "/net/moved"),
    ],
)
def test_relative_location_is_resolved(server: BadServer, location: str, final_path: str) -> None:
    url = server.route("/dir/start", redirect(location.format(port=server.port)))
    server.route(final_path, static(200))
    result = run(feed(url))
    assert result.status == 200
    assert result.final_url.split("?")[0] == server.url(final_path)
    assert result.body == RSS


def test_redirect_without_location_is_refused(server: BadServer) -> None:
    url = server.route("/nowhere", redirect(None))
    assert "without a Location" in str(fetch_error(feed(url)))


@pytest.mark.parametrize(
    "target",
    ["http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/", "http://[fd00::1]/"],
)
def test_redirect_to_a_private_address_is_blocked(server: BadServer, target: str) -> None:
    url = server.route("/out", redirect(target))
    with pytest.raises(BlockedAddressError):
        run(feed(url))


@pytest.mark.parametrize("target", ["file:///etc/passwd", "gopher://127.0.0.1/"])
def test_redirect_to_another_scheme_is_refused(server: BadServer, target: str) -> None:
    url = server.route("/out", redirect(target))
    assert "scheme" in str(fetch_error(feed(url)))


@pytest.mark.parametrize("location", ["http://[::1", "http://éxample..com/", "data:,x"])
def test_unparseable_location_is_a_fetch_error(server: BadServer, location: str) -> None:
    url = server.route("/bad", redirect(location))
    fetch_error(feed(url))


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:99999/feed", "http://" + "a" * 64 + ".example/feed"]
)
def test_invalid_url_is_a_fetch_error(url: str) -> None:
    fetch_error(feed(url), policy(retries=0))


# ------------------------------------------------------------------------------------ size


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_huge_body_is_refused_without_downloading_it(server: BadServer, chunked: bool) -> None:
    progress = Progress()
    url = server.route("/huge", huge(50 * MB, chunked, progress))
    start = time.monotonic()
    error = fetch_error(feed(url), policy(max_bytes=1 * MB))
    elapsed = time.monotonic() - start
    assert "exceeds 1,048,576" in str(error)
    if not chunked:
        assert "52,428,800" in str(error)  # refused from the header
    assert elapsed < 2.0
    assert wait_until(progress.done.is_set)
    assert progress.sent < 20 * MB  # the server could not send everything


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize(("size", "allowed"), [(100_000, True), (100_001, False)])
def test_size_cap_boundary(server: BadServer, chunked: bool, size: int, allowed: bool) -> None:
    url = server.route("/edge", huge(size, chunked, Progress()))
    action = feed(url)
    if allowed:
        assert len(run(action, policy(max_bytes=100_000)).body) == size
    else:
        assert "exceeds 100,000" in str(fetch_error(action, policy(max_bytes=100_000)))


@functools.cache
def gzip_bomb() -> bytes:
    """100 MiB of zeros, gzip-compressed to about 100 KB (built once, lazily)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MB)
    return b"".join(compressor.compress(zeros) for _ in range(100)) + compressor.flush()


@functools.cache
def brotli_bomb(megabytes: int) -> bytes:
    """`megabytes` MiB of zeros, brotli-compressed to a few hundred bytes (built once each)."""
    compressor = brotli.Compressor(quality=5)
    zeros = bytes(MB)
    parts = [compressor.process(zeros) for _ in range(megabytes)]
    return b"".join([*parts, compressor.finish()])


def bomb(encoding: str, megabytes: int = 100) -> Route:
    """A gzip bomb (always 100 MiB) or a brotli bomb of `megabytes` MiB."""
    payload = gzip_bomb() if encoding == "gzip" else brotli_bomb(megabytes)
    return static(200, payload, "application/rss+xml", [("Content-Encoding", encoding)])


@pytest.mark.parametrize(("encoding", "megabytes"), [("gzip", 100), ("br", 16)])
def test_decompression_bomb_is_refused_by_the_size_cap(
    server: BadServer, encoding: str, megabytes: int
) -> None:
    url = server.route("/bomb", bomb(encoding, megabytes))
    error = fetch_error(feed(url), policy(max_bytes=1 * MB))
    assert "exceeds 1,048,576" in str(error) or "decompression bomb" in str(error)


def test_gzip_bomb_is_refused_by_ratio_under_a_large_size_cap(server: BadServer) -> None:
    url = server.route("/bomb", bomb("gzip"))
    error = fetch_error(feed(url), policy(max_bytes=1024 * MB))
    assert "decompression bomb" in str(error)


@pytest.mark.parametrize(
    ("encoding", "megabytes"),
    [
        ("gzip", 100),
        ("br", 256),
    ],
)
def test_decompression_bomb_is_refused_within_bounded_memory(
    server: BadServer, encoding: str, megabytes: int
) -> None:
    url = server.route("/bomb", bomb(encoding, megabytes))  # built before measuring
    tracemalloc.start()
    try:
        fetch_error(feed(url), policy(max_bytes=1 * MB))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The bound is generous: one 64 KiB network read of gzip can inflate about 1000-fold
    # before _read_capped sees it (about 140 MiB at peak, counting zlib's output buffer).
    assert peak < 192 * MB, f"{peak / MB:.0f} MiB at peak"


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


ENCODINGS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "gzip": ("gzip", gzip.compress),
    "br": ("br", brotli.compress),
    "deflate-zlib": ("deflate", zlib.compress),  # RFC 9110's deflate: zlib-wrapped
    "deflate-raw": ("deflate", _raw_deflate),  # what some servers send instead
}


def test_compressed_bodies_are_decoded(server: BadServer) -> None:
    body = HTML.encode() * 50
    html = "text/html; charset=utf-8"
    urls = {
        name: server.route(f"/{name}", static(200, encode(body), html, [("Content-Encoding", enc)]))
        for name, (enc, encode) in ENCODINGS.items()
    }

    async def each(fetcher: Fetcher) -> dict[str, FetchResult]:
        return {name: await fetcher.fetch_page(url) for name, url in urls.items()}

    for name, result in run(each).items():
        assert result.body == body, name
        assert "Grüße" in result.text(), name


@pytest.mark.parametrize("encoding", ["gzip", "br", "deflate"])
def test_corrupt_compressed_body_is_a_fetch_error(server: BadServer, encoding: str) -> None:
    garbage = b"\x1f\x8b this is not compressed" + bytes(range(256))
    url = server.route("/bad", static(200, garbage, headers=[("Content-Encoding", encoding)]))
    assert "could not be decoded" in str(fetch_error(feed(url)))


# --------------------------------------------------------------------------- content types


@pytest.mark.parametrize("content_type", ["image/png", "application/pdf"])
def test_page_of_unsupported_type_is_refused(server: BadServer, content_type: str) -> None:
    url = server.route("/file", static(200, b"\x89PNG\r\n\x1a\n%PDF-1.7", content_type))
    error = fetch_error(page(url))
    assert "unsupported content type" in str(error)
    assert content_type in str(error)


@pytest.mark.parametrize("content_type", ["image/png", "application/pdf"])
def test_feed_of_unsupported_type_is_refused(server: BadServer, content_type: str) -> None:
    url = server.route("/file", static(200, b"not a feed", content_type))
    assert "unsupported content type" in str(fetch_error(feed(url)))


FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "text/xml",
    "application/xml",
    "application/rss+xml; charset=utf-8",
    "TEXT/XML; Charset=ISO-8859-1",
    "text/html",  # fetch.py accepts it on purpose: servers label feeds loosely
)
PAGE_TYPES = ("text/html", "text/html; charset=utf-8", "application/xhtml+xml")


def _accepted(
    server: BadServer, content_types: Iterable[str], kind: str
) -> dict[str, FetchResult | FetchError]:
    """Fetch one URL per content type with one Fetcher; what each fetch gave."""
    urls = {t: server.route(f"/{n}", static(200, RSS, t)) for n, t in enumerate(content_types)}

    async def each(fetcher: Fetcher) -> dict[str, FetchResult | FetchError]:
        outcomes: dict[str, FetchResult | FetchError] = {}
        for content_type, url in urls.items():
            try:
                if kind == "feed":
                    outcomes[content_type] = await fetcher.fetch_feed(url)
                else:
                    outcomes[content_type] = await fetcher.fetch_page(url)
            except FetchError as exc:
                outcomes[content_type] = exc
        return outcomes

    return run(each)


def test_feed_types_are_accepted(server: BadServer) -> None:
    for content_type, outcome in _accepted(server, FEED_TYPES, "feed").items():
        assert isinstance(outcome, FetchResult), (content_type, outcome)
        assert outcome.body == RSS
        assert outcome.content_type == content_type


def test_page_types_are_accepted(server: BadServer) -> None:
    for content_type, outcome in _accepted(server, PAGE_TYPES, "page").items():
        assert isinstance(outcome, FetchResult), (content_type, outcome)
        assert outcome.status == 200


# -------------------------------------------------------------------------------- charsets


def test_decode_html_uses_the_header_charset() -> None:
    body = "<p>café über</p>".encode("iso-8859-1")
    assert decode_html(body, "text/html; charset=iso-8859-1") == "<p>café über</p>"
    assert decode_html(body, 'text/html; charset="ISO-8859-1"') == "<p>café über</p>"


def test_decode_html_uses_meta_charset_without_a_header() -> None:
    text = '<html><head><meta charset="windows-1252"></head><body>5 € café</body></html>'
    assert decode_html(text.encode("cp1252"), None) == text
    legacy = (
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252"><p>Grüße €</p>'
    )
    assert decode_html(legacy.encode("cp1252"), "text/html") == legacy


def test_decode_html_falls_back_when_the_header_charset_is_wrong() -> None:
    text = "<p>Le café est très bon, déjà très célèbre à Paris.</p>" * 20
    decoded = decode_html(text.encode("iso-8859-1"), "text/html; charset=utf-8")
    assert isinstance(decoded, str)
    assert "Le caf" in decoded  # detection picks some single-byte charset, not UTF-8
    assert "\ufffd" not in decoded


@pytest.mark.parametrize("label", ["iso-8859-1", "latin1", "windows-1252", "ISO-8859-15"])
def test_utf8_bytes_under_a_western_single_byte_label_are_not_mojibake(label: str) -> None:
    """Latin-1 and its kin accept any byte, so a wrong label never fails: UTF-8 read through it
    gave "SÃ£o Paulo â€” cafÃ©" until the bytes were checked for being UTF-8."""
    text = "<p>São Paulo — café, 5 €</p>"
    assert decode_html(text.encode(), f"text/html; charset={label}") == text
    meta = f'<meta charset="{label}"><p>Grüße aus Köln</p>'
    assert decode_html(meta.encode(), "text/html") == meta
    latin = "<p>café über</p>"
    assert decode_html(latin.encode("cp1252"), f"text/html; charset={label}") == latin


def test_decode_html_prefers_the_utf8_bom() -> None:
    body = b"\xef\xbb\xbf" + "<p>naïve 5 €</p>".encode()
    assert decode_html(body, "text/html; charset=iso-8859-1") == "<p>naïve 5 €</p>"


def test_decode_html_reads_a_utf16_bom() -> None:
    body = "<p>Grüße €</p>".encode("utf-16")
    assert decode_html(body, None) == "<p>Grüße €</p>"


@pytest.mark.parametrize("content_type", [None, "text/html; charset=utf-8", "text/html"])
def test_decode_html_of_binary_garbage_returns_text(content_type: str | None) -> None:
    garbage = random.Random(7).randbytes(20_000)
    assert isinstance(decode_html(garbage, content_type), str)


@pytest.mark.parametrize("charset", ["x-no-such-charset", "rot13", "base64"])
def test_decode_html_ignores_unusable_charset_names(charset: str) -> None:
    body = "<p>café</p>".encode()
    assert decode_html(body, f"text/html; charset={charset}") == "<p>café</p>"


def test_decode_html_survives_the_undefined_codec() -> None:
    decoded = decode_html(b'<meta charset="undefined"><p>hello</p>', None)
    assert "hello" in decoded


def test_fetched_page_text_uses_the_declared_charset(server: BadServer) -> None:
    body = "<p>Grüße aus Köln, café</p>".encode("iso-8859-1")
    url = server.route("/latin", page_route(body, "text/html; charset=ISO-8859-1"))
    assert run(page(url)).text() == "<p>Grüße aus Köln, café</p>"


# ------------------------------------------------------------------------- conditional GET

ETAG = '"v1-abc"'
LAST_MODIFIED = "Mon, 02 Jun 2025 10:00:00 GMT"


def conditional(honour: str) -> Route:
    """A feed that answers 304 when the client's validator (of the kind `honour`) matches."""

    def route(exchange: Exchange) -> None:
        if honour == "etag":
            fresh = exchange.headers.get("If-None-Match") == ETAG
        else:
            fresh = exchange.headers.get("If-Modified-Since") == LAST_MODIFIED
        if fresh:
            exchange.head(304, [("ETag", ETAG)])
        else:
            validators = [("ETag", ETAG), ("Last-Modified", LAST_MODIFIED)]
            exchange.reply(200, RSS, "application/rss+xml", validators)

    return route


@pytest.mark.parametrize("honour", ["etag", "last-modified"])
def test_conditional_get_returns_not_modified(server: BadServer, honour: str) -> None:
    url = server.route("/feed", conditional(honour))

    async def twice(fetcher: Fetcher) -> tuple[FetchResult, FetchResult]:
        first = await fetcher.fetch_feed(url)
        second = await fetcher.fetch_feed(url, etag=first.etag, last_modified=first.last_modified)
        return first, second

    first, second = run(twice)
    assert (first.status, first.etag, first.last_modified) == (200, ETAG, LAST_MODIFIED)
    assert not first.not_modified
    assert second.status == 304
    assert second.not_modified
    assert second.body == b""
    sent = server.requests("/feed")[1].headers
    assert sent["if-none-match"] == ETAG
    assert sent["if-modified-since"] == LAST_MODIFIED


def test_conditional_get_with_a_stale_etag_gets_the_body(server: BadServer) -> None:
    url = server.route("/feed", conditional("etag"))
    result = run(feed(url, etag='"v0-old"'))
    assert result.status == 200
    assert result.body == RSS


# ------------------------------------------------------------------------------ robots.txt

ROBOTS = b"User-agent: *\nDisallow: /private/\n"


def robots(text: bytes, delay: float = 0.0) -> Route:
    def route(exchange: Exchange) -> None:
        if delay:
            exchange.pause(delay)
        exchange.reply(200, text, "text/plain")

    return route


def test_robots_disallow_refuses_pages_and_allows_others(server: BadServer) -> None:
    server.route("/robots.txt", robots(ROBOTS))
    private = server.route("/private/x", page_route())
    public = server.route("/public/x", page_route())

    async def both(fetcher: Fetcher) -> FetchResult:
        with pytest.raises(FetchError, match="robots"):
            await fetcher.fetch_page(private)
        return await fetcher.fetch_page(public)

    assert run(both).status == 200
    assert server.hits("/private/x") == 0
    assert server.hits("/robots.txt") == 1  # read once per host


def test_missing_robots_allows_everything(server: BadServer) -> None:
    url = server.route("/private/x", page_route())
    assert run(page(url)).status == 200
    assert server.hits("/robots.txt") == 1


def test_robots_is_ignored_when_the_policy_says_so(server: BadServer) -> None:
    server.route("/robots.txt", robots(b"User-agent: *\nDisallow: /\n"))
    url = server.route("/private/x", page_route())
    assert run(page(url), policy(respect_robots=False)).status == 200
    assert server.hits("/robots.txt") == 0


@pytest.mark.parametrize(("max_crawl_delay", "expected"), [(10.0, 1.0), (0.25, 0.25)])
def test_crawl_delay_spaces_page_fetches(
    server: BadServer, max_crawl_delay: float, expected: float
) -> None:
    server.route("/robots.txt", robots(b"User-agent: *\nCrawl-delay: 1\n"))
    first = server.route("/a", page_route())
    second = server.route("/b", page_route())

    async def two(fetcher: Fetcher) -> None:
        await fetcher.fetch_page(first)
        await fetcher.fetch_page(second)

    clock = Clock()
    run(two, policy(max_crawl_delay=max_crawl_delay), clock)
    assert len(clock.sleeps) == 1  # before the second page only
    assert expected / 2 < clock.sleeps[0] <= expected  # less what the first page took


def test_feeds_do_not_consult_robots(server: BadServer) -> None:
    server.route("/robots.txt", robots(b"User-agent: *\nDisallow: /\n"))
    url = server.route("/feed.xml", static(200))
    assert run(feed(url)).status == 200
    assert server.hits("/robots.txt") == 0


def test_userinfo_does_not_make_another_host(server: BadServer) -> None:
    """One host:port is one politeness bucket with one robots.txt, read without credentials."""
    server.route("/robots.txt", robots(ROBOTS))
    server.route("/a", page_route())
    server.route("/b", page_route())
    with_user = server.url("/a").replace("://", "://reader:secret@")

    async def both(fetcher: Fetcher) -> None:
        await fetcher.fetch_page(with_user)
        await fetcher.fetch_page(server.url("/b"))

    run(both)
    assert server.hits("/robots.txt") == 1
    assert "authorization" not in server.requests("/robots.txt")[0].headers
    assert "authorization" in server.requests("/a")[0].headers  # the page still gets them


def test_parallel_page_fetches_all_respect_robots(server: BadServer) -> None:
    server.route("/robots.txt", robots(ROBOTS, delay=0.2))
    urls = [server.route(f"/private/{n}", page_route()) for n in range(3)]

    async def parallel(fetcher: Fetcher) -> list[FetchResult | BaseException]:
        return await asyncio.gather(*(fetcher.fetch_page(u) for u in urls), return_exceptions=True)

    outcomes = run(parallel)
    assert all(isinstance(o, FetchError) and "robots" in str(o) for o in outcomes), outcomes
    assert sum(server.hits(f"/private/{n}") for n in range(3)) == 0


def test_redirected_robots_is_followed(server: BadServer) -> None:
    server.route("/robots.txt", redirect("/real-robots.txt", 301))
    server.route("/real-robots.txt", robots(ROBOTS))
    url = server.route("/private/x", page_route())
    with pytest.raises(FetchError, match="robots"):
        run(page(url))


def test_robots_server_error_disallows(server: BadServer) -> None:
    server.route("/robots.txt", static(503, b"down", "text/plain"))
    url = server.route("/private/x", page_route())
    with pytest.raises(FetchError, match="robots"):
        run(page(url))


# ------------------------------------------------------------------------------ politeness


def held(gauge: Gauge, seconds: float) -> Route:
    """Counts itself in flight for `seconds`, then answers (after leaving the count)."""

    def route(exchange: Exchange) -> None:
        with gauge.inside():
            exchange.pause(seconds)
        exchange.reply(200, RSS, "application/rss+xml")

    return route


@pytest.mark.parametrize("limit", [1, 2])
def test_host_concurrency_limits_requests_in_flight(server: BadServer, limit: int) -> None:
    gauge = Gauge()
    urls = [server.route(f"/feed{n}", held(gauge, 0.15)) for n in range(5)]

    async def five(fetcher: Fetcher) -> list[FetchResult]:
        return await asyncio.gather(*(fetcher.fetch_feed(u) for u in urls))

    results = run(five, policy(host_concurrency=limit))
    assert [r.status for r in results] == [200] * 5
    assert gauge.peak == limit


def test_different_hosts_are_fetched_in_parallel(
    server: BadServer, other_server: BadServer
) -> None:
    gauge = Gauge()
    urls = [s.route("/feed", held(gauge, 0.3)) for s in (server, other_server)]

    async def both(fetcher: Fetcher) -> list[FetchResult]:
        return await asyncio.gather(*(fetcher.fetch_feed(u) for u in urls))

    run(both, policy(host_concurrency=1))
    assert gauge.peak == 2  # both servers were busy at once


def test_host_delay_spaces_requests(server: BadServer) -> None:
    urls = [server.route(f"/feed{n}", static(200)) for n in range(3)]

    async def three(fetcher: Fetcher) -> list[FetchResult]:
        return await asyncio.gather(*(fetcher.fetch_feed(u) for u in urls))

    run(three, policy(host_delay=0.2, host_concurrency=3), Clock(real=True))
    arrivals = sorted(s.at for s in server.seen)
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert len(gaps) == 2
    assert all(gap >= 0.18 for gap in gaps), gaps


# --------------------------------------------------------------------------------- headers


def test_user_agent_and_accept_headers(server: BadServer) -> None:
    feed_url = server.route("/feed", static(200))
    page_url = server.route("/article", page_route())

    async def both(fetcher: Fetcher) -> None:
        await fetcher.fetch_feed(feed_url)
        await fetcher.fetch_page(page_url)

    run(both)
    assert [s.path for s in server.seen] == ["/feed", "/robots.txt", "/article"]
    for seen in server.seen:
        assert seen.headers["user-agent"] == UA
        encodings = [e.strip() for e in seen.headers["accept-encoding"].split(",")]
        assert {"gzip", "br"} <= set(encodings)
    assert "application/rss+xml" in server.requests("/feed")[0].headers["accept"]
    assert server.requests("/article")[0].headers["accept"].startswith("text/html")


# ------------------------------------------------------------------------------------ SSRF


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
@pytest.mark.parametrize("kind", ["feed", "page"])
def test_loopback_is_refused_by_default(server: BadServer, host: str, kind: str) -> None:
    url = f"http://{host}:{server.port}/feed"
    server.route("/feed", static(200))
    action = feed(url) if kind == "feed" else page(url)
    with pytest.raises(BlockedAddressError):
        run(action, policy(allow_loopback=False))
    assert server.seen == []


# ------------------------------------------------------------------ broken HTTP from servers


def hang_up(exchange: Exchange) -> None:
    exchange.hang_up()


def garbage_status(exchange: Exchange) -> None:
    exchange.write(b"SPDY/9 banana\r\n\r\n")
    exchange.hang_up()


def truncated(exchange: Exchange) -> None:
    exchange.head(200, [("Content-Type", "application/rss+xml"), ("Content-Length", "1000")])
    exchange.write(b"<rss>only the beginning")
    exchange.hang_up()


@pytest.mark.parametrize("route", [hang_up, garbage_status, truncated])
def test_broken_http_is_a_fetch_error(server: BadServer, route: Route) -> None:
    url = server.route("/broken", route)
    fetch_error(feed(url))
