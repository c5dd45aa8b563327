"""Log lines that carry their facts. Code logs a short message and puts the facts in `extra=`
("feed failed", feed=URL, error=...); the standard formatter prints only the message, so an
operator saw "feed failed" and not which feed. Text lines append the facts as key=value pairs;
`log_format = "json"` writes one JSON object per line (python-json-logger) for log shippers.
"""

from __future__ import annotations

import logging
from typing import Literal

from pythonjsonlogger.json import JsonFormatter

Format = Literal["text", "json"]
# What every LogRecord has: anything else on a record came in through `extra=`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
}
_NOISY = ("httpx", "httpcore", "alembic")


class TextFormatter(logging.Formatter):
    """`time LEVEL logger message key=value ...`, values quoted when they hold spaces."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        facts = [
            f"{key}={_quoted(value)}"
            for key, value in vars(record).items()
            if key not in _STANDARD and not key.startswith("_")
        ]
        if not facts:
            return line
        head, newline, tail = line.partition("\n")  # a traceback stays below the facts
        return f"{head} {' '.join(facts)}{newline}{tail}"


def _quoted(value: object) -> str:
    text = str(value)
    if not text or any(ch.isspace() or ch in '"=' for ch in text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return text


def configure(level: str, fmt: Format = "text") -> None:
    """Root logging for a command: one handler on stderr in the chosen format."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")
        if fmt == "json"
        else TextFormatter()
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in _NOISY:
        logging.getLogger(noisy).setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
