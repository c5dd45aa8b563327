from __future__ import annotations

import json
import logging

import pytest

from storywire import logs


def _record(**extra: object) -> logging.LogRecord:
    logger = logging.getLogger("storywire.pipeline")
    return logger.makeRecord(
        "storywire.pipeline", logging.INFO, __file__, 1, "feed failed", (), None, extra=extra
    )


def test_text_lines_carry_the_facts_given_as_extra() -> None:
    line = logs.TextFormatter().format(
        _record(feed="https://a.example/rss", error="HTTP 500 from the server", attempt=2)
    )
    assert line.endswith(
        'storywire.pipeline feed failed feed=https://a.example/rss error="HTTP 500 from the server"'
        " attempt=2"
    )
    assert logs.TextFormatter().format(_record()).endswith("feed failed")


def test_a_traceback_stays_below_the_facts() -> None:
    try:
        raise ValueError("boom")
    except ValueError as exc:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "failed", (), (type(exc), exc, exc.__traceback__),
            extra={"url": "https://a.example/"},
        )  # fmt: skip
    first, *rest = logs.TextFormatter().format(record).split("\n")
    assert first.endswith("failed url=https://a.example/") and "ValueError: boom" in rest[-1]


def test_json_lines_are_objects_with_the_facts(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    logs.configure("INFO", "json")
    try:
        logging.getLogger("storywire.pipeline").info("feed failed", extra={"feed": "u", "n": 3})
    finally:
        root.handlers[:], root.level = handlers, level
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["message"] == "feed failed" and line["feed"] == "u" and line["n"] == 3
    assert line["levelname"] == "INFO" and line["name"] == "storywire.pipeline"
