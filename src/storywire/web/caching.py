"""HTTP revalidation for pages, the API and feeds: an ETag on every successful GET, and 304 Not
Modified when the client already has it.

Feed readers poll; a 304 costs them and us almost nothing. The ETag is a hash of the body, so it
changes exactly when what the reader would see changes. Routes that know when their content last
changed also send Last-Modified, which this honours for clients that send If-Modified-Since only.
"""

from __future__ import annotations

import hashlib
from email.utils import parsedate_to_datetime

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def _matches(if_none_match: str, etag: str) -> bool:
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


def not_modified(request: Headers, response: Headers, etag: str) -> bool:
    """RFC 9110 §13.2.2: If-None-Match wins; If-Modified-Since counts only without it."""
    if "if-none-match" in request:
        return _matches(request["if-none-match"], etag)
    since, modified = request.get("if-modified-since"), response.get("last-modified")
    if since and modified:
        try:
            return parsedate_to_datetime(modified) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


class ConditionalMiddleware:
    """Buffers successful GET/HEAD responses to tag them; everything else passes through.

    HEAD runs as a GET whose body is dropped here, so it carries the same ETag and length (the
    routes are declared for GET only, and FastAPI would answer HEAD with 405).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        request = Headers(scope=scope)
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        start: Message | None = None
        body: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if message["status"] != 200:
                    await send(message)
                    return
                start = message
                return
            if start is None:
                await send({**message, "body": b""} if head else message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            await _finish(start, b"".join(body), request, send, head)

        await self.app(scope, receive, buffered)


async def _finish(start: Message, content: bytes, request: Headers, send: Send, head: bool) -> None:
    headers = MutableHeaders(scope=start)
    etag = etag_of(content)
    headers["etag"] = etag
    headers.setdefault("cache-control", "no-cache")
    if not_modified(request, headers, etag):
        kept = [
            (k, v)
            for k, v in start["headers"]
            if k.lower() in (b"etag", b"cache-control", b"last-modified", b"vary")
        ]
        await send({"type": "http.response.start", "status": 304, "headers": kept})
        await send({"type": "http.response.body", "body": b""})
        return
    await send(start)
    await send({"type": "http.response.body", "body": b"" if head else content})
