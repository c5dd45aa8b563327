"""Crash consistency: `kill -9` of `storywire fetch` at random moments while it reads the demo
newsroom, then a restart, ends in the database an uninterrupted run makes: the same articles,
the same stories, every story written, nothing twice.

CI tries STORYWIRE_CRASH_POINTS moments (3 by default); `make crash` tries 20.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storywire.demo.server import Newsroom, SimClock
from storywire.models import NewFeed, Stage
from storywire.store import db, repo
from tests.snapshots import snapshot

STORYWIRE = str(Path(sys.executable).with_name("storywire"))
CRASH_POINTS = int(os.environ.get("STORYWIRE_CRASH_POINTS", "3"))
OUTLETS = 5


@pytest.fixture(scope="module")
def newsroom() -> Iterator[Newsroom]:
    clock = SimClock(datetime(2026, 11, 2, tzinfo=UTC), start=timedelta(days=1, hours=12))
    with Newsroom(clock=clock) as server:
        yield server


def _database(path: Path, newsroom: Newsroom) -> str:
    url = f"sqlite:///{path}"
    with db.engine_for(url) as engine:
        db.upgrade(engine)
    with db.connect(url) as sessions, db.transaction(sessions) as session:
        for outlet in list(newsroom.corpus.outlets)[:OUTLETS]:
            repo.add_feed(session, NewFeed(url=newsroom.feed_url(outlet)))
    return url


def _env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "STORYWIRE_DATABASE_URL": url,
        "STORYWIRE_ALLOW_LOOPBACK": "true",
        "STORYWIRE_FETCH_HOST_DELAY": "0",
    }


def _fetch(url: str) -> float:
    started = time.monotonic()
    done = subprocess.run(
        [STORYWIRE, "fetch"], env=_env(url), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return time.monotonic() - started


@pytest.mark.timeout(120 + 40 * CRASH_POINTS)
def test_kill_9_at_random_moments_then_a_restart_loses_and_repeats_nothing(
    tmp_path: Path, newsroom: Newsroom
) -> None:
    reference_url = _database(tmp_path / "reference.db", newsroom)
    full = _fetch(reference_url)
    reference = snapshot(reference_url)
    urls, stories, written, stages = reference
    assert urls and len(urls) == len(set(urls)) and stages == {Stage.WRITTEN.value}
    assert written == stories, "every story written"
    rng = random.Random(20261204)
    for point in range(CRASH_POINTS):
        url = _database(tmp_path / f"crash-{point}.db", newsroom)
        process = subprocess.Popen(
            [STORYWIRE, "fetch"],
            env=_env(url),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        moment = rng.uniform(0.3, full)
        time.sleep(moment)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        _fetch(url)
        assert snapshot(url) == reference, f"killed at {moment:.1f} s of {full:.1f} s"
