"""Several `storywire worker` processes on one PostgreSQL database: claims, the story lock, and
the end-to-end promise that three workers (one of them killed midway) make the stories one
process makes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from storywire.demo.server import Newsroom, SimClock
from storywire.ingest.dedupe import dedupe_article
from storywire.models import Article, NewArticle, NewFeed, Stage
from storywire.store import db, repo
from storywire.store.repo import Backlog, Lease
from storywire.store.tables import ArticleRow
from storywire.worker import drained, ingesting, ready_to_assign
from tests.conftest import PG_URL, _wipe_postgres
from tests.snapshots import snapshot

STORYWIRE = str(Path(sys.executable).with_name("storywire"))
T0 = datetime(2026, 11, 2, 12, tzinfo=UTC)


# ---------------------------------------------------------------------------------- decisions


def _backlog(due: int = 0, claimed: int = 0, **stages: int) -> Backlog:
    return Backlog(due, claimed, {Stage(name): n for name, n in stages.items()})


def test_the_story_worker_waits_for_work_in_flight_then_assigns() -> None:
    ready = _backlog(embedded=5)
    assert not ingesting(ready) and ready_to_assign(ready, waited=0, patience=60)
    for busy in (
        _backlog(due=1, embedded=5),
        _backlog(claimed=1, embedded=5),
        _backlog(fetched=1, embedded=5),
        _backlog(deduped=2, embedded=5),
    ):
        assert ingesting(busy)
        assert not ready_to_assign(busy, waited=10, patience=60)
        assert ready_to_assign(busy, waited=60, patience=60), "a stream that never pauses"
    assert ready_to_assign(_backlog(clustered=1), 0, 60), "assigned but never written"
    assert not ready_to_assign(_backlog(), waited=600, patience=60), "nothing to assign"


def test_drained_means_no_feed_due_or_held_and_every_article_written() -> None:
    assert drained(_backlog())
    for left in (_backlog(due=1), _backlog(claimed=1), _backlog(embedded=1), _backlog(clustered=1)):
        assert not drained(left)


# ------------------------------------------------------------------------------------- claims


def _feeds(sessions: db.Sessions, count: int) -> list[int]:
    with db.transaction(sessions) as session:
        return [
            repo.add_feed(session, NewFeed(url=f"https://example.org/{n}.xml"))[0].id or 0
            for n in range(count)
        ]


def test_a_claimed_feed_is_nobody_elses_until_it_is_saved_or_its_lease_ends(
    sessions: db.Sessions,
) -> None:
    first, second = _feeds(sessions, 2)
    lease = Lease(T0, T0 + timedelta(minutes=5))
    with db.transaction(sessions) as session:
        assert [f.id for f in repo.claim_feeds(session, T0, lease)] == [first]
        assert [f.id for f in repo.claim_feeds(session, T0, lease)] == [second]
        assert repo.claim_feeds(session, T0, lease, limit=5) == []
        assert repo.backlog(session, T0, T0).claimed_feeds == 2
    later = Lease(T0 + timedelta(minutes=6), T0 + timedelta(minutes=11))
    with db.transaction(sessions) as session:  # the claimant died: its leases lapsed
        assert [f.id for f in repo.claim_feeds(session, T0, later, limit=5)] == [first, second]
        feed = repo.get_feed(session, first)
        repo.save_feed_state(session, feed)  # checked: the claim ends with it
        assert [f.id for f in repo.claim_feeds(session, T0, lease, limit=5)] == [first]
        assert repo.claim_feeds(session, T0, later, limit=5, exclude=[first, second]) == []


def test_feeds_not_due_are_claimed_only_when_the_schedule_is_ignored(
    sessions: db.Sessions,
) -> None:
    (feed_id,) = _feeds(sessions, 1)
    lease = Lease(T0, T0 + timedelta(minutes=5))
    with db.transaction(sessions) as session:
        feed = repo.get_feed(session, feed_id)
        feed.next_due_at = T0 + timedelta(hours=1)
        repo.save_feed_state(session, feed)
        assert repo.claim_feeds(session, T0, lease) == []
        assert repo.backlog(session, T0, T0).due_feeds == 0
        assert [f.id for f in repo.claim_feeds(session, T0, lease, ignore_schedule=True)] == [
            feed_id
        ]


def _article(n: int) -> NewArticle:
    url = f"https://example.org/a/{n}"
    return NewArticle(url=url, canonical_url=url, title=f"A {n}", text="Text.", published_at=T0)


def test_articles_are_claimed_by_stage_and_released(sessions: db.Sessions) -> None:
    lease = Lease(T0, T0 + timedelta(minutes=5))
    with db.transaction(sessions) as session:
        mine, _ = repo.add_article(session, _article(1), claim=lease.until)
        free = [repo.add_article(session, _article(n))[0] for n in (2, 3)]
        repo.set_stage(session, [a.id for a in free], Stage.DEDUPED)
        # Saved at DEDUPED by the worker that still holds it (set_stage would end its claim).
        mine = repo.save_article(session, replace(mine, stage=Stage.DEDUPED))
        claimed = repo.claim_articles(session, Stage.DEDUPED, lease, limit=10)
        assert [a.id for a in claimed] == [a.id for a in free], "not the one its adder holds"
        assert repo.claim_articles(session, Stage.DEDUPED, lease, limit=10) == []
        assert repo.claim_articles(session, Stage.FETCHED, lease, limit=10) == []
        repo.save_article(session, mine, release=True)
        assert [a.id for a in repo.claim_articles(session, Stage.DEDUPED, lease, 10)] == [mine.id]
        repo.release_all_claims(session)
        assert len(repo.claim_articles(session, Stage.DEDUPED, lease, 10)) == 3


def test_deduping_an_article_ends_its_adders_claim(sessions: db.Sessions) -> None:
    """The adder carries its article through dedupe itself; after that, the next stage is
    anyone's."""
    lease = Lease(T0, T0 + timedelta(minutes=5))
    with db.transaction(sessions) as session:
        mine, _ = repo.add_article(session, _article(1), claim=lease.until)
        assert repo.claim_articles(session, Stage.FETCHED, lease, limit=10) == []
        deduped = dedupe_article(session, replace(mine, stage=Stage.EXTRACTED))
        assert deduped.stage is Stage.DEDUPED
        assert [a.id for a in repo.claim_articles(session, Stage.DEDUPED, lease, 10)] == [mine.id]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """An empty PostgreSQL database at the current schema (what SQLite cannot show: two
    writers at once)."""
    if not PG_URL:
        pytest.skip("STORYWIRE_TEST_DATABASE_URL not set")
    _wipe_postgres(PG_URL)
    with db.engine_for(PG_URL) as engine:
        db.upgrade(engine)
    yield PG_URL
    _wipe_postgres(PG_URL)


@pytest.mark.postgres
def test_two_workers_claiming_at_once_get_different_rows(postgres_url: str) -> None:
    """The first claim's transaction is still open, its rows locked: the second claim skips
    them instead of waiting or taking them too."""
    with db.connect(postgres_url) as sessions:
        _feeds(sessions, 4)
        lease = Lease.of(60)
        with db.transaction(sessions) as first, db.transaction(sessions) as second:
            mine = {f.id for f in repo.claim_feeds(first, T0, lease, limit=2)}
            theirs = {f.id for f in repo.claim_feeds(second, T0, lease, limit=4)}
        assert len(mine) == 2 and len(theirs) == 2 and not mine & theirs


@pytest.mark.postgres
def test_two_workers_adding_one_article_at_once_store_it_once(postgres_url: str) -> None:
    with db.connect(postgres_url) as sessions:
        results: list[tuple[Article, bool]] = []
        with db.transaction(sessions) as first:
            results.append(repo.add_article(first, _article(1)))
            # The second worker read before the first committed; its insert waits on the
            # unique index, then finds the row the first stored.
            second = threading.Thread(
                target=lambda: results.append(_add_in_new_transaction(sessions, _article(1)))
            )
            second.start()
            time.sleep(0.5)
        second.join(timeout=10)
        assert [created for _, created in results] == [True, False]
        assert results[0][0].id == results[1][0].id


def _add_in_new_transaction(sessions: db.Sessions, article: NewArticle) -> tuple[Article, bool]:
    with db.transaction(sessions) as session:
        return repo.add_article(session, article)


@pytest.mark.postgres
def test_the_story_lock_has_one_holder_and_passes_on_when_it_goes(postgres_url: str) -> None:
    with (
        db.Leadership(postgres_url, db.Lock.STORIES) as first,
        db.Leadership(postgres_url, db.Lock.STORIES) as second,
    ):
        assert first.held() and first.held()
        assert not second.held()
        first.release()  # as when its process dies: the connection closes
        assert second.held()
        assert not first.held()


def test_on_sqlite_the_only_process_holds_the_story_lock(tmp_path: Path) -> None:
    with db.Leadership(f"sqlite:///{tmp_path}/one.db", db.Lock.STORIES) as lock:
        assert lock.held()


def test_worker_refuses_sqlite(tmp_path: Path) -> None:
    done = subprocess.run(
        [STORYWIRE, "worker", "--drain"],
        env={**os.environ, "STORYWIRE_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "PostgreSQL" in done.stdout + done.stderr


# --------------------------------------------------------------- three workers, end to end


@pytest.fixture(scope="module")
def newsroom() -> Iterator[Newsroom]:
    clock = SimClock(T0, start=timedelta(days=2, hours=12))
    with Newsroom(clock=clock) as server:
        yield server


def _env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "STORYWIRE_DATABASE_URL": url,
        "STORYWIRE_ALLOW_LOOPBACK": "true",
        "STORYWIRE_FETCH_HOST_DELAY": "0",
        "STORYWIRE_EXTRACT_WORKERS": "0",
        "STORYWIRE_CLAIM_LEASE": "5",
        "STORYWIRE_LOG_LEVEL": "INFO",
    }


def _fresh(url: str, newsroom: Newsroom) -> None:
    _wipe_postgres(url)
    with db.engine_for(url) as engine:
        db.upgrade(engine)
    with db.connect(url) as sessions, db.transaction(sessions) as session:
        for outlet in newsroom.corpus.outlets:
            repo.add_feed(session, NewFeed(url=newsroom.feed_url(outlet)))


def _worker(url: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as stderr:  # the child has its own copy of the file
        return subprocess.Popen(
            [STORYWIRE, "worker", "--drain", "--interval", "0.5"],
            env=_env(url),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


@pytest.mark.postgres
@pytest.mark.timeout(600)
def test_three_workers_one_killed_make_the_stories_one_process_makes(
    tmp_path: Path, newsroom: Newsroom, postgres_url: str
) -> None:
    _fresh(postgres_url, newsroom)
    done = subprocess.run(
        [STORYWIRE, "fetch"], env=_env(postgres_url), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    reference = snapshot(postgres_url)
    urls, stories, written, stages = reference
    assert len(urls) > 50 and stages == {Stage.WRITTEN.value} and written == stories

    # Three workers together, none killed.
    _fresh(postgres_url, newsroom)
    started = time.monotonic()
    workers = [_worker(postgres_url, tmp_path / f"worker-{n}.log") for n in range(3)]
    for process in workers:
        assert process.wait(timeout=300) == 0, (tmp_path / "worker-0.log").read_text()
    took = time.monotonic() - started
    assert snapshot(postgres_url) == reference
    logs = "".join((tmp_path / f"worker-{n}.log").read_text() for n in range(3))
    assert logs.count("assigned stories") == 1, "assigned once, after the others were done"

    # The story worker killed at a random moment: the others finish its work. The three start
    # together, as above, so the story worker waits for the others and is alive until the end.
    _fresh(postgres_url, newsroom)
    started = time.monotonic()
    logs_of = [tmp_path / f"kill-{n}.log" for n in range(3)]
    workers = [_worker(postgres_url, log) for log in logs_of]
    try:
        deadline = started + 60
        while (leader := _lock_holder(logs_of)) is None:
            assert time.monotonic() < deadline, "no story worker"
            time.sleep(0.05)
        moment = started + random.Random(20261204).uniform(0.1, 0.5) * took
        time.sleep(max(0.0, moment - time.monotonic()))
        assert workers[leader].poll() is None, "the story worker finished before it was killed"
        workers[leader].send_signal(signal.SIGKILL)
        workers[leader].wait(timeout=30)
        others = [n for n in range(3) if n != leader]
        for n in others:
            assert workers[n].wait(timeout=300) == 0, logs_of[n].read_text()
    finally:
        for process in workers:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert snapshot(postgres_url) == reference
    assert any("took the lock" in logs_of[n].read_text() for n in others), "nobody took over"


def _lock_holder(logs: list[Path]) -> int | None:
    """Which worker says it took the story lock first, if one has."""
    return next((n for n, log in enumerate(logs) if "took the lock" in log.read_text()), None)


def test_a_stage_change_ends_the_claim(sessions: db.Sessions) -> None:
    """Claims never outlive their stage, so freeing the claims of a killed run touches only
    the articles still being ingested."""
    lease = Lease(T0, T0 + timedelta(minutes=5))
    with db.transaction(sessions) as session:
        article, _ = repo.add_article(session, _article(1), claim=lease.until)
        repo.set_stage(session, [article.id], Stage.EMBEDDED)
        claims = session.scalars(select(ArticleRow.claimed_until)).all()
        assert claims == [None]
