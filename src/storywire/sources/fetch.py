"""Polite HTTP fetching: the only place storywire talks to other people's servers.

Per host: a concurrency limit and a minimum delay between requests (raised by robots.txt's
Crawl-delay). Per request: conditional GET, capped redirects each checked by the SSRF guard,
retries with exponential backoff and full jitter on 429/5xx/timeouts (honouring Retry-After), a
size cap on the decoded body (which also stops decompression bombs), a total time cap (which stops
servers that trickle bytes), a content-type check and charset detection.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import charset_normalizer
import httpx

from storywire.errors import BlockedAddressError, FetchError
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
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


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


def decode_html(body: bytes, content_type: str | None) -> str:
    """Bytes to text by BOM, then the HTTP charset, then <meta charset>, then detection."""
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if body.startswith(bom):
            return body.decode(codec, errors="replace").lstrip("\ufeff")
    declared: list[str | None] = [_charset_of(content_type)]
    meta = _META_CHARSET.search(body[:4096])
    declared.append(meta.group(1).decode("ascii") if meta else None)
    for charset in declared:
        if charset:
            try:
                return body.decode(charset)
            except (LookupError, UnicodeDecodeError):
                log.debug("declared charset %s does not fit the bytes", charset)
    best = charset_normalizer.from_bytes(body[:200_000]).best()
    if best is not None and best.encoding:
        return body.decode(best.encoding, errors="replace")
    return body.decode("utf-8", errors="replace")


def _charset_of(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*\"?([A-Za-z0-9_.:-]+)", content_type, re.I)
    return match.group(1) if match else None


@dataclass
class _Host:
    semaphore: asyncio.Semaphore
    delay: float
    next_start: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    robots: RobotFileParser | None = None
    robots_checked: bool = False


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
        timeout = httpx.Timeout(
            policy.read_timeout, connect=policy.connect_timeout, pool=policy.total_timeout
        )
        self._client = httpx.AsyncClient(
            transport=transport or guarded_transport(allow_loopback=policy.allow_loopback),
            timeout=timeout,
            follow_redirects=False,
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate, br"},
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
        try:
            async with asyncio.timeout(self.policy.total_timeout):
                return await self._fetch_following(url, headers, accept, robots)
        except TimeoutError as exc:
            raise FetchError(
                f"{url}: no complete answer within {self.policy.total_timeout:g}s"
            ) from exc

    # ----------------------------------------------------------------------------- internal

    async def _fetch_following(
        self, url: str, headers: dict[str, str], accept: tuple[str, ...], robots: bool
    ) -> FetchResult:
        seen: list[str] = []
        current = url
        while True:
            check_url(current, allow_loopback=self.policy.allow_loopback)
            if robots and self.policy.respect_robots and not await self._robots_allow(current):
                raise FetchError(f"{current}: robots.txt disallows fetching this page")
            response, body = await self._request_with_retries(current, headers)
            if response.status_code in (301, 302, 303, 307, 308):
                location = response.headers.get("location")
                if not location:
                    raise FetchError(f"{current}: redirect without a Location header")
                seen.append(current)
                current = urljoin(current, location)
                if current in seen:
                    raise FetchError(f"{url}: redirect loop at {current}")
                if len(seen) > self.policy.max_redirects:
                    raise FetchError(f"{url}: more than {self.policy.max_redirects} redirects")
                continue
            return self._result(url, current, response, body, accept)

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
        self, url: str, headers: dict[str, str]
    ) -> tuple[httpx.Response, bytes]:
        attempt = 0
        while True:
            try:
                response, body = await self._request(url, headers)
            except (httpx.TimeoutException, httpx.NetworkError) as exc:
                if isinstance(exc.__cause__, BlockedAddressError):
                    raise exc.__cause__ from exc
                if attempt >= self.policy.retries:
                    raise FetchError(f"{url}: {_describe(exc)}") from exc
                wait = self._backoff(attempt, None)
            else:
                if response.status_code not in _RETRY_STATUSES or attempt >= self.policy.retries:
                    return response, body
                wait = self._backoff(attempt, response.headers.get("retry-after"))
            attempt += 1
            log.info("retrying", extra={"url": url, "attempt": attempt, "wait": wait})
            await self._sleep(wait)

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        """Full-jitter exponential backoff, or the server's Retry-After when it gives one."""
        if retry_after:
            seconds = _retry_after_seconds(retry_after)
            if seconds is not None:
                return min(max(seconds, 0.0), self.policy.backoff_max)
        ceiling = min(self.policy.backoff_max, self.policy.backoff_base * 2**attempt)
        return self._jitter(0.0, ceiling)

    async def _request(self, url: str, headers: dict[str, str]) -> tuple[httpx.Response, bytes]:
        host = self._host(url)
        async with host.semaphore:
            await self._wait_turn(host)
            try:
                async with self._client.stream("GET", url, headers=headers) as response:
                    body = await self._read_capped(url, response)
            except BlockedAddressError:
                raise
            except httpx.DecodingError as exc:
                raise FetchError(f"{url}: body could not be decoded ({exc})") from exc
            except httpx.TooManyRedirects as exc:  # pragma: no cover - redirects are manual
                raise FetchError(str(exc)) from exc
        return response, body

    async def _read_capped(self, url: str, response: httpx.Response) -> bytes:
        limit = self.policy.max_bytes
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise FetchError(f"{url}: response of {int(declared):,} bytes exceeds {limit:,}")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise FetchError(f"{url}: response exceeds {limit:,} bytes")
            raw = max(response.num_bytes_downloaded, 1)
            if size > 1_000_000 and size / raw > self.policy.max_compression_ratio:
                raise FetchError(
                    f"{url}: refused a decompression bomb ({raw:,} bytes expanding past {size:,})"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _host(self, url: str) -> _Host:
        key = urlsplit(url).netloc.lower()
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
        host = self._host(url)
        if not host.robots_checked:
            host.robots_checked = True
            host.robots = await self._load_robots(url)
            delay = host.robots.crawl_delay(self.policy.user_agent) if host.robots else None
            if delay:
                host.delay = min(max(host.delay, float(delay)), self.policy.max_crawl_delay)
        return host.robots is None or host.robots.can_fetch(self.policy.user_agent, url)

    async def _load_robots(self, url: str) -> RobotFileParser | None:
        """robots.txt of the URL's origin; a missing one (4xx) allows everything, as Google does."""
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        try:
            response, body = await self._request(robots_url, {"Accept": "text/plain"})
        except FetchError as exc:
            log.info("robots.txt unavailable", extra={"url": robots_url, "error": str(exc)})
            return None
        except (httpx.TimeoutException, httpx.NetworkError):
            return None
        if response.status_code >= 400:
            return None
        parser = RobotFileParser(robots_url)
        parser.parse(body.decode("utf-8", errors="replace").splitlines())
        return parser


def _retry_after_seconds(value: str) -> float | None:
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return (when - datetime.now(UTC)).total_seconds()


def _describe(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    return f"network error ({type(exc).__name__}: {exc})"
