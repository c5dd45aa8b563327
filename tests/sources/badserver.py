"""A real HTTP server on 127.0.0.1 for fetch tests, whose routes may misbehave on purpose.

Each route is a function of an `Exchange` (the request handler): it can answer normally with
`reply`, or write the status line, headers and body itself, byte by byte, slowly, lazily, or not at
all. Handlers run on their own threads (one per connection), so a slow route never blocks the
test's event loop. `serve()` starts the server and, on exit, stops it, wakes every waiting route
and joins its threads, so no socket or thread outlives the test.
"""

from __future__ import annotations

import select
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Route = Callable[["Exchange"], None]


@dataclass(frozen=True, slots=True)
class Seen:
    """One request as the server received it."""

    path: str
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)  # arrival


class Gauge:
    """Counts requests in flight, across threads (and across servers when shared)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0
        self.peak = 0

    @contextmanager
    def inside(self) -> Iterator[None]:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        try:
            yield
        finally:
            with self._lock:
                self.now -= 1


class Exchange(BaseHTTPRequestHandler):
    """The request handler; routes receive it and use the helpers below."""

    server: BadServer
    protocol_version = "HTTP/1.1"
    timeout = 10  # an idle keep-alive connection cannot keep a thread (and teardown) forever

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        self.server.record(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
        route = self.server.routes.get(path)
        if route is None:
            self.reply(404, b"not found", content_type="text/plain")
        else:
            route(self)

    def reply(
        self,
        status: int,
        body: bytes = b"",
        content_type: str | None = "text/html; charset=utf-8",
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        """An ordinary response with a Content-Length."""
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.write(body)

    def head(self, status: int, headers: Iterable[tuple[str, str]]) -> None:
        """Status line and headers only; the route writes the body itself."""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()

    def write(self, data: bytes) -> bool:
        """Send bytes; False once the client has gone away."""
        try:
            self.wfile.write(data)
        except OSError:
            self.close_connection = True
            return False
        return True

    def write_chunk(self, data: bytes) -> bool:
        """One chunk of a `Transfer-Encoding: chunked` body (empty data ends the body)."""
        return self.write(b"%x\r\n%s\r\n" % (len(data), data))

    def pause(self, seconds: float) -> bool:
        """Sleep unless the server is stopping; False when it is."""
        return not self.server.stopping.wait(seconds)

    def hold(self) -> None:
        """Never answer: wait until the client hangs up or the server stops."""
        self.close_connection = True
        while not self.server.stopping.is_set():
            readable, _, _ = select.select([self.connection], [], [], 0.05)
            if readable:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        return
                except OSError:
                    return

    def hang_up(self) -> None:
        """Close the connection without another byte."""
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Keep request lines out of the test output."""


class BadServer(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins every handler thread
    block_on_close = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Exchange)
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        self.errors: list[BaseException] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.origin + path

    def route(self, path: str, handler: Route) -> str:
        """Serve `handler` at `path`; returns the absolute URL."""
        self.routes[path] = handler
        return self.url(path)

    def record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)

    def hits(self, path: str) -> int:
        """Requests received for `path` (the query string ignored)."""
        with self._lock:
            return sum(s.path.split("?", 1)[0] == path for s in self.seen)

    def requests(self, path: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.path.split("?", 1)[0] == path]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client hanging up mid-answer is expected here; anything else fails the test."""
        exc = sys.exc_info()[1]
        if exc is not None and not isinstance(exc, ConnectionError | TimeoutError):
            with self._lock:
                self.errors.append(exc)


@contextmanager
def serve() -> Iterator[BadServer]:
    """A started BadServer; on exit stopped, with every socket closed and thread joined."""
    server = BadServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.stopping.set()
        thread.join()
        server.server_close()
    assert not server.errors, server.errors


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll `condition` (a server thread's progress) until true or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True
