"""A real OpenAI-compatible chat-completions server on 127.0.0.1 that answers from a script.

Each `Answer` is used for one request, in order: a chat completion carrying `content`, or an
error status with headers, optionally after a delay. Every request is recorded (headers and JSON
body) so tests can read the prompt the writer sent. `serve()` starts the server and, on exit,
wakes any delayed answer, joins every handler thread and fails the test on a server-side error
(including a request the script did not expect).
"""

from __future__ import annotations

import json
import sys
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True, slots=True)
class Answer:
    content: str = ""
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    usage: dict[str, int] | None = None


@dataclass(frozen=True, slots=True)
class Request:
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, str]]:
        return list(self.body["messages"])


class _Handler(BaseHTTPRequestHandler):
    server: ChatServer
    protocol_version = "HTTP/1.1"
    timeout = 10

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path != "/v1/chat/completions":
            self._send(404, {"error": {"message": "not found"}})
            return
        answer = self.server.take(Request({k.lower(): v for k, v in self.headers.items()}, body))
        if answer is None:
            self._send(500, {"error": {"message": "the script has no answer left"}})
            return
        if answer.delay and self.server.stopping.wait(answer.delay):
            self.close_connection = True
            return
        if answer.status != 200:
            self._send(answer.status, {"error": {"message": "scripted"}}, answer.headers)
            return
        usage = answer.usage or {
            "prompt_tokens": 100,
            "completion_tokens": 50,
            "total_tokens": 150,
        }
        self._send(
            200,
            {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "created": 0,
                "model": body.get("model", ""),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": answer.content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": usage,
            },
            answer.headers,
        )

    def _send(
        self, status: int, payload: dict[str, Any], headers: tuple[tuple[str, str], ...] = ()
    ) -> None:
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (a timeout test)
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Keep request lines out of the test output."""


class ChatServer(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins every handler thread
    block_on_close = True

    def __init__(self, answers: list[Answer]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answers = deque(answers)
        self.requests: list[Request] = []
        self.errors: list[BaseException | str] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def take(self, request: Request) -> Answer | None:
        with self._lock:
            self.requests.append(request)
            if not self.answers:
                self.errors.append(f"unexpected request #{len(self.requests)}")
                return None
            return self.answers.popleft()

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if exc is not None and not isinstance(exc, ConnectionError | TimeoutError):
            with self._lock:
                self.errors.append(exc)


@contextmanager
def serve(*answers: Answer) -> Iterator[ChatServer]:
    """A started ChatServer answering `answers` in order; stopped and joined on exit."""
    server = ChatServer(list(answers))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.shutdown()
        thread.join()
        server.server_close()
    assert not server.errors, server.errors
