"""Polite HTTP fetching: the only place storywire talks to other people's servers.

Per host (host and port): a concurrency limit, a minimum delay between requests (raised by
robots.txt's Crawl-delay) and one robots.txt, read as RFC 9309 says. Per request: conditional GET,
capped redirects each checked by the SSRF guard, retries with exponential backoff and full jitter
on 429/5xx, timeouts and broken connections (honouring Retry-After), a size cap on the decoded
body, checked while decoding in bounded steps (which also stops decompression bombs), a total time
cap (which stops servers that trickle bytes), a content-type check and charset detection.
"""

from __future__ import annotations

import asyncio
import codecs
import logging
import random
import re
import time
import zlib
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Protocol
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import brotli  # type: ignore[import-untyped]
import charset_normalizer
import httpx

from storywire.config import Settings
from storywire.errors import BlockedAddressError, FetchError
from storywire.retry import Backoff
from storywire.sources.guard import check_url, guarded_transport

log = logging.getLogger(__name__)

# Servers label feeds loosely (text/html is common); the feed parser has the last word.
FEED_TYPES = ("xml", "rss", "atom", "json", "text/plain", "text/html", "octet-stream", "rdf")
HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
    "text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
_RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# The encoding an XML declaration names (matched from the document's start).
XML_ENCODING = re.compile(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""")
# ASCII digits only (str.isdigit() also passes '²', which int() refuses), and few enough that
# int() takes them: it refuses more than 4300, and no sensible header value has 19.
_DIGITS = re.compile(r"[0-9]{1,18}")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# RFC 9309 2.3.1.2: follow at least five consecutive redirects when fetching robots.txt.
_ROBOTS_REDIRECTS = 5
_DISALLOW_ALL = ("User-agent: *", "Disallow: /")
# The most one decoding step may produce (brotli overshoots it by up to half), so a body is checked
# against the caps at least every 64 KiB however small its compressed form.
_DECODE_STEP = 64 * 1024
# brotli >= 1.2 can cap one step's output. Older versions cannot, and feeding them little input at
# a time does not bound it either (one byte of brotli can stand for megabytes), so without the cap
# br is neither offered nor accepted.
_BROTLI_BOUNDED = hasattr(brotli.Decompressor, "can_accept_more_data")
_ACCEPT_ENCODING = "gzip, deflate, br" if _BROTLI_BOUNDED else "gzip, deflate"


class HTTPStatusError(FetchError):
    """The server answered with an error status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """How politely and how defensively to fetch; built from Settings."""

    user_agent: str = "storywire/0.1"
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 30.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 2
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    host_concurrency: int = 2
    host_delay: float = 0.5
    max_crawl_delay: float = 10.0
    respect_robots: bool = True
    allow_loopback: bool = False
    max_compression_ratio: int = 100
    ports: tuple[int, ...] = (80, 443, 8000, 8080, 8443)

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchPolicy:
        return cls(
            user_agent=settings.user_agent,
            allow_loopback=settings.allow_loopback,
            total_timeout=settings.fetch_total_timeout,
            max_bytes=settings.fetch_max_bytes,
            host_concurrency=settings.fetch_host_concurrency,
            host_delay=settings.fetch_host_delay,
            ports=tuple(settings.fetch_ports),
        )


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str
    final_url: str
    status: int
    content_type: str
    body: bytes
    etag: str | None
    last_modified: str | None
    fetched_at: datetime

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def text(self) -> str:
        return decode_html(self.body, self.content_type)


# Codecs that accept any byte, so a wrong label never fails: UTF-8 read through one of them is
# mojibake ("SÃ£o Paulo"), the commonest wrong charset on the web.
_ANY_BYTE_CODECS = frozenset({"iso8859-1", "cp1252", "iso8859-15", "latin-1"})


def decode_html(body: bytes, content_type: str | None, default: str | None = None) -> str:
    """Bytes to text by BOM, then the HTTP charset, then <meta charset> or the XML declaration's
    encoding, then the format's `default` (UTF-8 for XML), then detection on the first 200 KB.
    A Western single-byte label on bytes that are valid UTF-8 (and not plain ASCII) is taken as
    the mistake it almost always is: real Latin-1 text is almost never valid UTF-8."""
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if body.startswith(bom):
            return body.decode(codec, errors="replace").lstrip("\ufeff")
    declared: list[str | None] = [charset_of(content_type)]
    meta = XML_ENCODING.match(body[:1024]) or _META_CHARSET.search(body[:4096])
    declared.append(meta.group(1).decode("ascii") if meta else None)
    declared.append(default)
    for charset in declared:
        if charset:
            try:
                if codecs.lookup(charset).name in _ANY_BYTE_CODECS and _is_utf8(body):
                    log.debug("declared charset %s, but the bytes are UTF-8", charset)
                    return body.decode("utf-8")
                return body.decode(charset)
            except (LookupError, UnicodeError):  # unknown names; the 'undefined' codec
                log.debug("declared charset %s does not fit the bytes", charset)
    return body.decode(_detect(body[:200_000]) or "utf-8", errors="replace")


def _detect(sample: bytes) -> str | None:
    """charset_normalizer's guess, but windows-1252 (the web's legacy default in the WHATWG
    Encoding Standard) when that reads the bytes about as cleanly: on short Western text the
    detector cannot tell the Latin code pages apart and may pick a Baltic one ("à" as "ą")."""
    matches = list(charset_normalizer.from_bytes(sample))
    if not matches:
        return None
    western = next((m for m in matches if m.encoding == "cp1252"), None)
    if western is not None and western.chaos <= matches[0].chaos + 0.05:
        return "cp1252"
    return matches[0].encoding


def _is_utf8(body: bytes) -> bool:
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def charset_of(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*\"?([A-Za-z0-9_.:-]+)", content_type, re.I)
    return match.group(1) if match else None


@dataclass
class _Host:
    """Politeness state of one host:port. `robots` is None until robots.txt has been read; the
    lock makes concurrent page fetches wait for that one download instead of skipping it."""

    semaphore: asyncio.Semaphore
    delay: float
    next_start: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    robots: RobotFileParser | None = None
    robots_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class _Budget:
    """Seconds of server time one fetch may still use, across redirects and retries."""

    def __init__(self, total: float) -> None:
        self.total = total
        self.left = total


class Fetcher:
    """An async HTTP client with storywire's politeness and safety rules; one per fetch round."""

    def __init__(
        self,
        policy: FetchPolicy,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        jitter: Callable[[float, float], float] = random.uniform,
    ) -> None:
        self.policy = policy
        self._sleep = sleep
        self._jitter = jitter
        self._backoff = Backoff(policy.backoff_base, policy.backoff_max)
        timeout = httpx.Timeout(
            policy.read_timeout, connect=policy.connect_timeout, pool=policy.total_timeout
        )
        self._client = httpx.AsyncClient(
            transport=transport
            or guarded_transport(allow_loopback=policy.allow_loopback, ports=policy.ports),
            timeout=timeout,
            follow_redirects=False,
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": _ACCEPT_ENCODING},
            event_hooks={"response": [self._check_redirect]},
        )
        self._hosts: dict[str, _Host] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._client.aclose()

    # ------------------------------------------------------------------------------- public

    async def fetch_feed(
        self, url: str, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        headers = {"Accept": FEED_ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return await self.fetch(url, headers, FEED_TYPES, robots=False)

    async def fetch_page(self, url: str) -> FetchResult:
        """An article page; refused when robots.txt disallows it or it is not HTML."""
        return await self.fetch(url, {"Accept": HTML_ACCEPT}, HTML_TYPES, robots=True)

    async def fetch(
        self, url: str, headers: dict[str, str], accept: tuple[str, ...], robots: bool
    ) -> FetchResult:
        final_url, response, body = await self._fetch_following(
            url, headers, robots, self.policy.max_redirects, _Budget(self.policy.total_timeout)
        )
        return self._result(url, final_url, response, body, accept)

    # ----------------------------------------------------------------------------- internal

    async def _fetch_following(
        self, url: str, headers: dict[str, str], robots: bool, max_redirects: int, budget: _Budget
    ) -> tuple[str, httpx.Response, bytes]:
        """GET `url`, following redirects; the final URL with its response and decoded body."""
        seen: list[str] = []
        current = url
        while True:
            check_url(current, allow_loopback=self.policy.allow_loopback)
            if robots and self.policy.respect_robots and not await self._robots_allow(current):
                raise FetchError(f"{current}: robots.txt disallows fetching this page")
            response, body = await self._request_with_retries(current, headers, budget)
            if response.status_code not in _REDIRECT_STATUSES:
                return current, response, body
            location = response.headers.get("location")
            if not location:
                raise FetchError(f"{current}: redirect without a Location header")
            seen.append(current)
            current = self._redirect_target(current, location)
            if current in seen:
                raise FetchError(f"{url}: redirect loop at {current}")
            if len(seen) > max_redirects:
                raise FetchError(f"{url}: more than {max_redirects} redirects")

    def _redirect_target(self, current: str, location: str) -> str:
        """The absolute URL a Location header points to. FetchError unless urllib and httpx both
        parse it and it is an http(s) URL; BlockedAddressError when it points somewhere internal."""
        try:
            httpx.URL(location)  # httpx parses it on its own before joining (see _check_redirect)
            target = urljoin(current, location)
        except (ValueError, httpx.InvalidURL) as exc:
            raise FetchError(f"{current}: redirect to an invalid URL ({exc})") from exc
        try:
            check_url(target, allow_loopback=self.policy.allow_loopback)
        except BlockedAddressError:
            raise
        except FetchError as exc:
            raise FetchError(f"{current}: refused redirect: {exc}") from exc
        return target

    async def _check_redirect(self, response: httpx.Response) -> None:
        """Response hook: judge a redirect's Location before httpx does. httpx builds the next
        request of every redirect even with follow_redirects=False and fails on a Location it
        cannot parse with RemoteProtocolError or InvalidURL, before we see the response; this turns
        that into a clear FetchError, which is not retried (the server would say the same)."""
        if response.has_redirect_location:
            self._redirect_target(str(response.request.url), response.headers["location"])

    def _result(
        self,
        url: str,
        final_url: str,
        response: httpx.Response,
        body: bytes,
        accept: tuple[str, ...],
    ) -> FetchResult:
        status = response.status_code
        if status >= 400:
            reason = response.reason_phrase or ""
            raise HTTPStatusError(f"{final_url}: HTTP {status} {reason}".rstrip(), status)
        content_type = response.headers.get("content-type", "")
        media_type = content_type.split(";")[0].strip().lower()
        if status != 304 and media_type and not any(kind in media_type for kind in accept):
            raise FetchError(f"{final_url}: unsupported content type {media_type!r}")
        return FetchResult(
            url=url,
            final_url=final_url,
            status=status,
            content_type=content_type,
            body=body,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            fetched_at=datetime.now(UTC),
        )

    async def _request_with_retries(
        self, url: str, headers: dict[str, str], budget: _Budget
    ) -> tuple[httpx.Response, bytes]:
        attempt = 0
        while True:
            try:
                response, body = await self._request(url, headers, budget)
            except httpx.TransportError as exc:  # timeouts, refused connections, broken HTTP
                if isinstance(exc.__cause__, BlockedAddressError):
                    raise exc.__cause__ from exc
                if attempt >= self.policy.retries:
                    raise FetchError(f"{url}: {_describe(exc)}") from exc
                wait = self._backoff.delay(attempt, None, self._jitter)
            else:
                if response.status_code not in _RETRY_STATUSES or attempt >= self.policy.retries:
                    return response, body
                wait = self._backoff.delay(
                    attempt, response.headers.get("retry-after"), self._jitter
                )
            attempt += 1
            log.info("retrying", extra={"url": url, "attempt": attempt, "wait": wait})
            await self._sleep(wait)

    async def _request(
        self, url: str, headers: dict[str, str], budget: _Budget
    ) -> tuple[httpx.Response, bytes]:
        host = self._host(url)
        async with host.semaphore:
            await self._wait_turn(host)
            # The clock runs only while we talk to the server: time spent queueing for a busy
            # host's turn is politeness, not slowness, and must not time a fetch out.
            started = time.monotonic()
            try:
                async with asyncio.timeout(budget.left):
                    async with self._client.stream("GET", url, headers=headers) as response:
                        body = await self._read_capped(url, response)
            except TimeoutError as exc:
                raise FetchError(f"{url}: no complete answer within {budget.total:g}s") from exc
            except httpx.InvalidURL as exc:  # what check_url and _check_redirect did not foresee
                raise FetchError(f"{url}: invalid URL ({exc})") from exc
            finally:
                budget.left -= time.monotonic() - started
        return response, body

    async def _read_capped(self, url: str, response: httpx.Response) -> bytes:
        """The decoded body, refused once it passes max_bytes or expands like a decompression bomb.

        httpx would decode each network read whole, with no limit on the output (a few hundred
        bytes of brotli can stand for gigabytes), so the raw bytes are read here and decoded in
        steps of about _DECODE_STEP, each checked before the next is made."""
        limit = self.policy.max_bytes
        declared = _ascii_int(response.headers.get("content-length"))
        if declared is not None and declared > limit:
            raise FetchError(f"{url}: response of {declared:,} bytes exceeds {limit:,}")
        chunks: list[bytes] = []
        if response.is_stream_consumed:  # made in memory (httpx.MockTransport), decoded by httpx
            self._keep(url, [response.content], chunks, 0, len(response.content))
            return response.content
        decoder = _BodyDecoder(_decoders_for(url, response))
        size = raw = 0
        try:
            async for data in response.aiter_raw():
                raw += len(data)
                size = self._keep(url, decoder.decode(data), chunks, size, raw)
            self._keep(url, decoder.flush(), chunks, size, raw)
        except _DecodingError as exc:
            raise FetchError(f"{url}: body could not be decoded ({exc})") from exc
        return b"".join(chunks)

    def _keep(
        self, url: str, pieces: Iterable[bytes], chunks: list[bytes], size: int, raw: int
    ) -> int:
        """Add decoded pieces to `chunks` (`size` bytes so far), one at a time, refusing the body
        as soon as it passes the size cap or grows past max_compression_ratio times its `raw`
        bytes; the new size."""
        limit = self.policy.max_bytes
        for piece in pieces:
            size += len(piece)
            if size > limit:
                raise FetchError(f"{url}: response exceeds {limit:,} bytes")
            if size > 1_000_000 and size / max(raw, 1) > self.policy.max_compression_ratio:
                raise FetchError(
                    f"{url}: refused a decompression bomb ({raw:,} bytes expanding past {size:,})"
                )
            chunks.append(piece)
        return size

    def _host(self, url: str) -> _Host:
        key = _authority(url)
        if key not in self._hosts:
            self._hosts[key] = _Host(
                asyncio.Semaphore(self.policy.host_concurrency), self.policy.host_delay
            )
        return self._hosts[key]

    async def _wait_turn(self, host: _Host) -> None:
        """Space requests to one host at least `delay` seconds apart."""
        async with host.lock:
            now = time.monotonic()
            wait = host.next_start - now
            host.next_start = max(now, host.next_start) + host.delay
        if wait > 0:
            await self._sleep(wait)

    async def _robots_allow(self, url: str) -> bool:
        """Whether robots.txt lets us fetch `url`. Page fetches to one host that start together
        wait for its one robots.txt download; one cut short (timeout, cancellation) leaves the host
        unread, so the next fetch reads robots.txt again rather than going unchecked."""
        host = self._host(url)
        async with host.robots_lock:
            if host.robots is None:
                robots = await self._load_robots(url)
                delay = robots.crawl_delay(self.policy.user_agent)
                if delay:
                    host.delay = min(max(host.delay, float(delay)), self.policy.max_crawl_delay)
                host.robots = robots
            robots = host.robots
        return robots.can_fetch(self.policy.user_agent, url)

    async def _load_robots(self, url: str) -> RobotFileParser:
        """robots.txt of the URL's origin, read as RFC 9309 2.3.1 says: redirects are followed
        (five at most, each hop checked like any other); a 4xx means there are no rules (allow
        everything); a 5xx, or a server we cannot reach or read, means disallow everything. Either
        holds for this Fetcher's lifetime, one fetch round."""
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{_authority(url)}/robots.txt"
        lines: Iterable[str]
        try:
            _, response, body = await self._fetch_following(
                robots_url,
                {"Accept": "text/plain"},
                robots=False,
                max_redirects=_ROBOTS_REDIRECTS,
                budget=_Budget(self.policy.total_timeout),
            )
        except FetchError as exc:
            log.info(
                "robots.txt unreachable, disallowing the host",
                extra={"url": robots_url, "error": str(exc)},
            )
            lines = _DISALLOW_ALL
        else:
            if response.status_code >= 500:
                log.info(
                    "robots.txt server error, disallowing the host",
                    extra={"url": robots_url, "status": response.status_code},
                )
                lines = _DISALLOW_ALL
            elif response.status_code >= 300:  # 4xx (or a 3xx that is no redirect): no rules
                lines = ()
            else:
                lines = body.decode("utf-8", errors="replace").splitlines()
        parser = RobotFileParser(robots_url)
        parser.parse(lines)
        return parser


# ------------------------------------------------------------------------ content decoding


class _DecodingError(Exception):
    """A compressed body is corrupt."""


class _Decoder(Protocol):
    def decode(self, data: bytes) -> Iterator[bytes]:
        """The output of `data`, in pieces of about _DECODE_STEP bytes at most."""
        ...

    def flush(self) -> Iterator[bytes]:
        """What is still held back once the body has ended."""
        ...


class _Zlib:
    """gzip (wbits given), or deflate (wbits None): RFC 9110's zlib stream or the raw deflate that
    some servers send instead, told apart by the zlib header in the first two bytes."""

    def __init__(self, wbits: int | None) -> None:
        self._inflater = None if wbits is None else zlib.decompressobj(wbits)
        self._head = b""

    def decode(self, data: bytes) -> Iterator[bytes]:
        if self._inflater is None:
            self._head += data
            if len(self._head) < 2:
                return
            data, self._head = self._head, b""
            wbits = zlib.MAX_WBITS if _is_zlib_header(data) else -zlib.MAX_WBITS
            self._inflater = zlib.decompressobj(wbits)
        while True:
            try:
                piece = self._inflater.decompress(data, _DECODE_STEP)
            except zlib.error as exc:
                raise _DecodingError(str(exc)) from exc
            if not piece:  # zlib stops short of max_length only when it has used all input
                return
            yield piece
            data = self._inflater.unconsumed_tail

    def flush(self) -> Iterator[bytes]:
        if self._head:
            raise _DecodingError("a deflate body of one byte")
        return iter(())


def _is_zlib_header(head: bytes) -> bool:
    """RFC 1950: compression method 8 (deflate), and the two bytes a multiple of 31."""
    return head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0


class _Brotli:
    def __init__(self) -> None:
        self._decompressor = brotli.Decompressor()

    def decode(self, data: bytes) -> Iterator[bytes]:
        piece = self._step(data)
        while piece:  # past the output cap, the rest comes from calls without input
            yield piece
            piece = self._step(b"")

    def flush(self) -> Iterator[bytes]:
        return iter(())

    def _step(self, data: bytes) -> bytes:
        try:
            piece: bytes = self._decompressor.process(data, output_buffer_limit=_DECODE_STEP)
        except brotli.error as exc:
            raise _DecodingError(str(exc)) from exc
        return piece


_DECODERS: dict[str, Callable[[], _Decoder]] = {
    "gzip": lambda: _Zlib(16 + zlib.MAX_WBITS),
    "x-gzip": lambda: _Zlib(16 + zlib.MAX_WBITS),
    "deflate": lambda: _Zlib(None),
}
if _BROTLI_BOUNDED:
    _DECODERS["br"] = _Brotli


def _decoders_for(url: str, response: httpx.Response) -> list[_Decoder]:
    """The decoders that undo a response's Content-Encoding, the last-applied coding first."""
    names = response.headers.get_list("content-encoding", split_commas=True)
    decoders: list[_Decoder] = []
    for name in reversed([name.strip().lower() for name in names]):
        if name in ("", "identity"):
            continue
        if name not in _DECODERS:
            raise FetchError(f"{url}: unsupported Content-Encoding {name!r}")
        decoders.append(_DECODERS[name]())
    return decoders


class _BodyDecoder:
    """Runs raw bytes through a chain of decoders, each piece on to the next as soon as it is
    made, so stacked codings stay as bounded as one; no decoders means identity."""

    def __init__(self, decoders: list[_Decoder]) -> None:
        self._decoders = decoders

    def decode(self, data: bytes) -> Iterator[bytes]:
        return self._through(0, (data,))

    def flush(self) -> Iterator[bytes]:
        for index, decoder in enumerate(self._decoders):
            yield from self._through(index + 1, decoder.flush())

    def _through(self, start: int, pieces: Iterable[bytes]) -> Iterator[bytes]:
        if start == len(self._decoders):
            yield from (piece for piece in pieces if piece)
            return
        for piece in pieces:
            yield from self._through(start + 1, self._decoders[start].decode(piece))


# -------------------------------------------------------------------------------- helpers


def _authority(url: str) -> str:
    """host:port of a URL, without userinfo and with the default port spelled out, so that every
    way of writing one server's URLs shares one politeness bucket and one robots.txt."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    return f"{host}:{parts.port or _DEFAULT_PORTS.get(parts.scheme, 0)}"


def _ascii_int(value: str | None) -> int | None:
    """A header's value as a non-negative integer, if it is one in ASCII digits."""
    if value is None or not _DIGITS.fullmatch(value.strip()):
        return None
    return int(value)


def _describe(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    if isinstance(exc, httpx.ProtocolError):
        return f"broken HTTP exchange ({type(exc).__name__}: {exc})"
    return f"network error ({type(exc).__name__}: {exc})"
