"""`storywire run` as an operator runs it: a real process reading the demo newsroom, with its
metrics served, stopped by SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from storywire.demo.server import Newsroom, SimClock
from storywire.models import NewFeed
from storywire.store import db, repo
from tests.web.test_serve import _free_port

STORYWIRE = str(Path(sys.executable).with_name("storywire"))


@pytest.fixture
def newsroom() -> Iterator[Newsroom]:
    with Newsroom(clock=SimClock(datetime(2026, 11, 2, tzinfo=UTC), start=timedelta(days=1))) as n:
        yield n


def _wait_for(predicate: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_run_serves_metrics_and_stops_cleanly_on_sigterm(
    tmp_path: Path, newsroom: Newsroom
) -> None:
    url = f"sqlite:///{tmp_path / 'run.db'}"
    with db.engine_for(url) as engine:
        db.upgrade(engine)
    outlets = list(newsroom.corpus.outlets)[:3]
    with db.connect(url) as sessions, db.transaction(sessions) as session:
        for outlet in outlets:
            repo.add_feed(session, NewFeed(url=newsroom.feed_url(outlet)))
    port = _free_port()
    env = {
        **os.environ,
        "STORYWIRE_DATABASE_URL": url,
        "STORYWIRE_ALLOW_LOOPBACK": "true",
        "STORYWIRE_FETCH_HOST_DELAY": "0",
        "STORYWIRE_LOG_LEVEL": "INFO",
    }
    log = tmp_path / "run.log"
    command = [STORYWIRE, "run", "--interval", "300", "--metrics-port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_for(lambda: "checked 3 feeds" in log.read_text(), 120, "no round finished")
        # Ingestion gives way to readers on shared cores: `ingest_nice`, 10 by default, and,
        # leading a session of its own as under systemd, its session's share of the CPU too.
        ingesting = max(10, os.getpriority(os.PRIO_PROCESS, 0))
        assert os.getpriority(os.PRIO_PROCESS, process.pid) == ingesting
        group = Path(f"/proc/{process.pid}/autogroup")
        if group.exists():  # a kernel with autogroup scheduling
            assert group.read_text().split()[-1] == "10"
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert 'storywire_feed_fetches_total{outcome="ok"} 3.0' in metrics
        assert 'storywire_stage_seconds_count{stage="fetch"} 1.0' in metrics
        assert 'storywire_story_changes_total{change="created"}' in metrics
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, log.read_text()
        assert time.monotonic() - started < 10, "the wait between rounds ends at once"
    finally:
        if process.poll() is None:
            process.kill()
    text = log.read_text()
    assert "SIGTERM: stopping after this round" in text and "stopped after 1 rounds" in text
    with db.connect(url) as sessions, db.transaction(sessions) as session:
        stored = repo.count_articles(session)
    assert stored == sum(len(newsroom.released(outlet)) for outlet in outlets) > 0
