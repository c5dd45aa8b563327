"""Faults a service meets: the disk fills up under the database, a feed's host stops
resolving. The round that meets one stops or records it, the reader keeps serving, nothing
committed is lost, and the next round picks up. (The LLM endpoint down, slow or refusing is in
tests/write/test_llm.py.)"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from storywire.demo.server import Newsroom, SimClock
from storywire.errors import StorageError
from storywire.models import Feed, Stage
from storywire.pipeline import Pipeline
from storywire.sources.fetch import FetchPolicy
from storywire.store import db, repo
from storywire.web.app import create_app

POLICY = FetchPolicy(allow_loopback=True, host_delay=0.0, retries=0)


@pytest.fixture
def newsroom() -> Iterator[Newsroom]:
    clock = SimClock(datetime(2026, 11, 2, tzinfo=UTC), start=timedelta(days=1, hours=12))
    with Newsroom(clock=clock) as server:
        yield server


def _reader_ok(sessions: db.Sessions) -> bool:
    async def get(path: str) -> int:
        transport = httpx.ASGITransport(app=create_app(sessions))
        async with httpx.AsyncClient(transport=transport, base_url="http://reader") as client:
            return (await client.get(path)).status_code

    return all(asyncio.run(get(path)) == 200 for path in ("/", "/api/v1/stories", "/healthz"))


def _counts(sessions: db.Sessions) -> tuple[int, int]:
    with db.transaction(sessions) as session:
        return repo.count_articles(session), len(repo.list_stories(session, limit=10_000))


def test_a_full_disk_stops_the_round_loses_nothing_and_the_next_round_catches_up(
    tmp_path: Path, newsroom: Newsroom
) -> None:
    """SQLite's max_page_count makes the database file full, as a full disk does
    (SQLITE_FULL): every write past it fails, while writes that fit in free pages go on."""
    url = f"sqlite:///{tmp_path / 'full.db'}"
    with db.engine_for(url) as engine:
        db.upgrade(engine)
    engine = db.make_engine(url)
    limit: dict[str, int | None] = {"pages": None}

    @event.listens_for(engine, "checkout")
    def cap(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA max_page_count = {limit['pages'] or 1_073_741_823}")
        cursor.close()

    sessions = db.make_sessionmaker(engine)
    outlets = list(newsroom.corpus.outlets)
    try:
        with db.transaction(sessions) as session:
            repo.add_feed(session, Feed(url=newsroom.feed_url(outlets[0])))
        pipeline = Pipeline(sessions, POLICY)
        asyncio.run(pipeline.run_round())
        before = _counts(sessions)
        assert before[0] > 0
        with db.transaction(sessions) as session:
            for outlet in outlets[1:4]:
                repo.add_feed(session, Feed(url=newsroom.feed_url(outlet)))
        with engine.connect() as connection:
            limit["pages"] = connection.exec_driver_sql("PRAGMA page_count").scalar()

        with pytest.raises(StorageError, match="full"):
            asyncio.run(pipeline.run_round())
        during = _counts(sessions)
        assert during[0] >= before[0] and during[1] >= before[1], "nothing committed is lost"
        assert _reader_ok(sessions), "the reader serves while the disk is full"

        limit["pages"] = None
        asyncio.run(pipeline.run_round())
        after = _counts(sessions)
        assert after[0] == before[0] + sum(len(newsroom.released(o)) for o in outlets[1:4])
        with db.transaction(sessions) as session:
            stages = {a.stage for s in Stage for a in repo.articles_at_stage(session, s, 10_000)}
        assert stages == {Stage.WRITTEN}, "the next round finished every stage"
    finally:
        engine.dispose()


def test_a_feed_whose_host_does_not_resolve_is_recorded_and_the_round_goes_on(
    sessions: db.Sessions, newsroom: Newsroom
) -> None:
    """`.invalid` never resolves (RFC 6761): a real DNS failure, nothing patched."""
    good = newsroom.feed_url(next(iter(newsroom.corpus.outlets)))
    with db.transaction(sessions) as session:
        for url in (good, "http://feeds.storywire.invalid/rss.xml"):
            repo.add_feed(session, Feed(url=url))
    report, _ = asyncio.run(Pipeline(sessions, POLICY).run_round())
    errors = {r.feed_url: r.error for r in report.feeds if r.error}
    assert list(errors) == ["http://feeds.storywire.invalid/rss.xml"]
    assert "resolve" in (errors["http://feeds.storywire.invalid/rss.xml"] or "")
    assert report.new_articles > 0
