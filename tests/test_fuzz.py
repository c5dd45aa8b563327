"""The fuzz targets (fuzz/targets.py) on every test run: hypothesis inputs for each, and a short
coverage-guided atheris run of all of them; `make fuzz` runs 100,000 inputs per target."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from fuzz.targets import TARGETS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = Path(__file__).resolve().parents[1] / "fuzz"
# Bytes that look like the documents the parsers expect, spliced with anything.
MARKUP = st.sampled_from(
    [b"<?xml version='1.0'?>", b"<rss version='2.0'><channel>", b"<item><link>", b"</", b"<",
     b"<!DOCTYPE x [", b"<!ENTITY a '", b"&a;", b"<opml><body><outline xmlUrl='", b"http://",
     b"{\"version\": \"https://jsonfeed.org/version/1\", \"items\": [", b"WARC/1.0\r\n",
     b"<html><head><link rel='canonical' href='", b"<p>", b"...", b"   ", b"\xff\xfe"]
)  # fmt: skip
DOCUMENTS = st.lists(st.one_of(MARKUP, st.binary(max_size=64)), max_size=24).map(b"".join)


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    """Load what the parsers load lazily (models, locale tables) before anything is timed."""
    for target in TARGETS.values():
        target(b"<html><head><title>Warm</title></head><body><p>Warm up.</p></body></html>")


@pytest.mark.parametrize("name", sorted(TARGETS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=DOCUMENTS)
def test_targets_raise_only_their_documented_errors(name: str, data: bytes) -> None:
    started = time.perf_counter()
    TARGETS[name](data)
    assert time.perf_counter() - started < 1.0


def test_a_short_coverage_guided_run_of_every_target_finds_nothing(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(FUZZ / "all.py"), "200"],
        cwd=FUZZ,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert done.stdout.count(": 200 inputs in") == len(TARGETS)
