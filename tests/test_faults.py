"""Faults a service meets: the disk fills up under the database, PostgreSQL goes away in the
middle of a round, a feed's host stops resolving. The round that meets one stops or records
it, the reader keeps serving (or says 503 while the database is gone), nothing committed is
lost, and the next round picks up. (The LLM endpoint down, slow or refusing is in
tests/write/test_llm.py.)"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, make_url, text

import storywire.sources.feeds
from storywire.demo.server import Newsroom, SimClock
from storywire.errors import StorageError
from storywire.models import NewFeed, Stage
from storywire.pipeline import Pipeline
from storywire.sources.feeds import ParsedFeed, parse_feed
from storywire.sources.fetch import FetchPolicy
from storywire.store import db, repo
from storywire.web.app import create_app
from tests.conftest import PG_URL, _wipe_postgres

POLICY = FetchPolicy(allow_loopback=True, host_delay=0.0, retries=0)


@pytest.fixture
def newsroom() -> Iterator[Newsroom]:
    clock = SimClock(datetime(2026, 11, 2, tzinfo=UTC), start=timedelta(days=1, hours=12))
    with Newsroom(clock=clock) as server:
        yield server


def _get(sessions: db.Sessions, path: str) -> httpx.Response:
    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(sessions))
        async with httpx.AsyncClient(transport=transport, base_url="http://reader") as client:
            return await client.get(path)

    return asyncio.run(get())


def _reader_ok(sessions: db.Sessions) -> bool:
    paths = ("/", "/api/v1/stories", "/healthz")
    return all(_get(sessions, path).status_code == 200 for path in paths)


def _counts(sessions: db.Sessions) -> tuple[int, int]:
    with db.transaction(sessions) as session:
        return repo.count_articles(session), len(repo.list_stories(session, limit=10_000))


def _one_round_then_three_feeds(
    sessions: db.Sessions, newsroom: Newsroom
) -> tuple[Pipeline, tuple[int, int]]:
    """A round over one outlet's feed (its counts are what must not be lost), then three more
    feeds for the round that meets the fault."""
    outlets = list(newsroom.corpus.outlets)
    with db.transaction(sessions) as session:
        repo.add_feed(session, NewFeed(url=newsroom.feed_url(outlets[0])))
    pipeline = Pipeline(sessions, POLICY)
    asyncio.run(pipeline.run_round())
    before = _counts(sessions)
    assert before[0] > 0
    with db.transaction(sessions) as session:
        for outlet in outlets[1:4]:
            repo.add_feed(session, NewFeed(url=newsroom.feed_url(outlet)))
    return pipeline, before


def _a_full_disk_stops_the_round(
    pipeline: Pipeline, sessions: db.Sessions, before: tuple[int, int]
) -> None:
    with pytest.raises(StorageError, match="full"):
        asyncio.run(pipeline.run_round())
    during = _counts(sessions)
    assert during[0] >= before[0] and during[1] >= before[1], "nothing committed is lost"
    assert _reader_ok(sessions), "the reader serves while the disk is full"


def _the_next_round_catches_up(
    pipeline: Pipeline, sessions: db.Sessions, newsroom: Newsroom, before: tuple[int, int]
) -> None:
    """The round after the fault stores the three feeds' articles and finishes every stage."""
    asyncio.run(pipeline.run_round())
    after = _counts(sessions)
    fresh = list(newsroom.corpus.outlets)[1:4]
    assert after[0] == before[0] + sum(len(newsroom.released(o)) for o in fresh)
    with db.transaction(sessions) as session:
        stages = {a.stage for s in Stage for a in repo.articles_at_stage(session, s, 10_000)}
    assert stages == {Stage.WRITTEN}, "the next round finished every stage"


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
    try:
        pipeline, before = _one_round_then_three_feeds(sessions, newsroom)
        with engine.connect() as connection:
            limit["pages"] = connection.exec_driver_sql("PRAGMA page_count").scalar()

        _a_full_disk_stops_the_round(pipeline, sessions, before)

        limit["pages"] = None
        _the_next_round_catches_up(pipeline, sessions, newsroom, before)
    finally:
        engine.dispose()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[tuple[Path, Callable[[int], None]]]:
    """A real file system (tmpfs, 64 MB to start) and a way to resize it. Mounting needs root
    (CI and the dev machine have it); elsewhere the test skips and the SQLite stand-in above
    still runs."""
    root = tmp_path / "disk"
    root.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")

    def resize(size: int) -> None:
        subprocess.run(["mount", "-o", f"remount,size={size}", str(root)], check=True)

    try:
        yield root, resize
    finally:
        subprocess.run(["umount", "-l", str(root)], check=False)


def test_a_real_full_disk_under_the_database_stops_the_round_and_loses_nothing(
    small_disk: tuple[Path, Callable[[int], None]], newsroom: Newsroom
) -> None:
    """The database's file system runs out of space (ENOSPC) in the middle of a round."""
    root, resize = small_disk
    url = f"sqlite:///{root / 'storywire.db'}"
    with db.engine_for(url) as engine:
        db.upgrade(engine)
    engine = db.make_engine(url)
    sessions = db.make_sessionmaker(engine)
    try:
        pipeline, before = _one_round_then_three_feeds(sessions, newsroom)
        used = shutil.disk_usage(root).used
        resize(used + 128 * 1024)  # room for a few pages of the next round, not for all of it

        _a_full_disk_stops_the_round(pipeline, sessions, before)

        resize(64 << 20)
        _the_next_round_catches_up(pipeline, sessions, newsroom, before)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        engine.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="STORYWIRE_TEST_DATABASE_URL not set")
def test_postgresql_going_away_mid_round_loses_nothing_and_the_next_round_catches_up(
    newsroom: Newsroom,
) -> None:
    """The server itself drops the round's connections in the middle of a transaction
    (`pg_terminate_backend`, as a restart or failover does) and refuses new ones for a while
    (`ALLOW_CONNECTIONS false`). The round stops with StorageError, the reader says 503 with the
    reason instead of hanging, and once the database is back the next round ends where an
    uninterrupted run would: every released article stored once and written."""
    assert PG_URL is not None
    target = make_url(PG_URL)
    name = target.database
    admin = db.make_engine(target.set(database="postgres").render_as_string(hide_password=False))
    _wipe_postgres(PG_URL)
    engine = db.make_engine(PG_URL)
    db.upgrade(engine)
    sessions = db.make_sessionmaker(engine)
    fault = {"after": -1, "seen": 0, "done": False}

    def allow(on: bool) -> None:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(on).lower()}'))
            if not on:
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                )

    @event.listens_for(engine, "before_cursor_execute")
    def go_away(*_: Any) -> None:
        if fault["after"] < 0 or fault["done"]:
            return
        fault["seen"] += 1
        if fault["seen"] > fault["after"]:
            fault["done"] = True
            allow(False)  # this statement then runs on a connection the server has closed

    outlets = list(newsroom.corpus.outlets)
    try:
        pipeline, before = _one_round_then_three_feeds(sessions, newsroom)

        fault["after"] = 60
        with pytest.raises(StorageError, match="database error"):
            asyncio.run(pipeline.run_round())
        assert fault["done"], "the database went away during the round"
        health = _get(sessions, "/healthz")
        assert health.status_code == 503 and "database" in health.json()
        with pytest.raises(StorageError):
            asyncio.run(pipeline.run_round())  # still away: the round stops at once

        allow(True)
        during = _counts(sessions)
        assert during[0] >= before[0] and during[1] >= before[1], "nothing committed is lost"
        assert during[0] > before[0], "the round had stored articles when the database went"
        assert _reader_ok(sessions), "the reader serves again once the database is back"
        asyncio.run(pipeline.run_round())
        after = _counts(sessions)
        assert after[0] == sum(len(newsroom.released(o)) for o in outlets[:4])
        with db.transaction(sessions) as session:
            urls = [a.url for s in Stage for a in repo.articles_at_stage(session, s, 10_000)]
            stages = {a.stage for s in Stage for a in repo.articles_at_stage(session, s, 10_000)}
        assert len(urls) == len(set(urls)) == after[0], "each article stored once"
        assert stages == {Stage.WRITTEN}, "the next round finished every stage"
    finally:
        allow(True)
        engine.dispose()
        admin.dispose()
        _wipe_postgres(PG_URL)


def test_a_feed_whose_host_does_not_resolve_is_recorded_and_the_round_goes_on(
    sessions: db.Sessions, newsroom: Newsroom
) -> None:
    """`.invalid` never resolves (RFC 6761): a real DNS failure, nothing patched."""
    good = newsroom.feed_url(next(iter(newsroom.corpus.outlets)))
    with db.transaction(sessions) as session:
        for url in (good, "http://feeds.storywire.invalid/rss.xml"):
            repo.add_feed(session, NewFeed(url=url))
    report, _ = asyncio.run(Pipeline(sessions, POLICY).run_round())
    errors = {r.feed_url: r.error for r in report.feeds if r.error}
    assert list(errors) == ["http://feeds.storywire.invalid/rss.xml"]
    assert "resolve" in (errors["http://feeds.storywire.invalid/rss.xml"] or "")
    assert report.new_articles > 0


def test_a_parser_bug_met_on_one_feed_fails_that_feed_only(
    sessions: db.Sessions, newsroom: Newsroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fuzzer once found a feed on which CPython's html.parser raised AssertionError out of
    parse_feed; such a bug must fail that feed, recorded with its reason, not the round (which
    would meet it again every round). The fault is injected into the parser for one feed."""
    outlets = list(newsroom.corpus.outlets)[:2]
    bad = newsroom.feed_url(outlets[0])

    def buggy(body: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
        if url == bad:
            raise AssertionError("unknown status keyword 'CDA' in marked section")
        return parse_feed(body, url, content_type)

    monkeypatch.setattr(storywire.sources.feeds, "parse_feed", buggy)
    with db.transaction(sessions) as session:
        for outlet in outlets:
            repo.add_feed(session, NewFeed(url=newsroom.feed_url(outlet)))
    report, _ = asyncio.run(Pipeline(sessions, POLICY).run_round())
    errors = {r.feed_url: r.error for r in report.feeds if r.error}
    assert list(errors) == [bad]
    assert "the parser failed" in (errors[bad] or "")
    assert report.new_articles == len(newsroom.released(outlets[1]))
