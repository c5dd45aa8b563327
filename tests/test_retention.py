"""Retention: pruning old article text, bands and vectors keeps every story page readable, and
never touches a story that is still changing."""

from __future__ import annotations

import asyncio
import html
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from storywire import retention
from storywire.demo.server import Newsroom, SimClock
from storywire.errors import ConfigError
from storywire.models import NewFeed, Stage, TextSource
from storywire.pipeline import Pipeline
from storywire.sources.fetch import FetchPolicy
from storywire.store import db, repo
from storywire.store.tables import ArticleBandRow, ArticleVectorRow
from storywire.web.app import create_app

STORYWIRE = str(Path(sys.executable).with_name("storywire"))
T0 = datetime(2026, 11, 2, tzinfo=UTC)
WINDOW = timedelta(days=3)


def test_a_period_shorter_than_stories_can_change_is_refused() -> None:
    now = datetime(2026, 12, 4, tzinfo=UTC)
    assert retention.cutoff(now, 30, WINDOW) == now - timedelta(days=30)
    assert retention.cutoff(now, 7, WINDOW) == now - timedelta(days=7)
    with pytest.raises(ConfigError, match="shorter than the 7 days"):
        retention.cutoff(now, 6, WINDOW)


def test_the_service_prunes_once_a_day_and_not_at_all_when_off(sessions: db.Sessions) -> None:
    ticks = iter([0.0, 100.0, retention.EVERY + 1.0, retention.EVERY + 2.0])
    schedule = retention.Schedule(sessions, 30, WINDOW, clock=lambda: next(ticks))
    assert schedule.maybe() == 0 and schedule._last == 0.0
    schedule.maybe()
    assert schedule._last == 0.0, "not again within a day"
    schedule.maybe()
    assert schedule._last == retention.EVERY + 2.0
    off = retention.Schedule(sessions, 0, WINDOW, clock=lambda: 1 / 0)
    assert off.maybe() == 0
    with pytest.raises(ConfigError):
        retention.Schedule(sessions, 2, WINDOW)


def _page(sessions: db.Sessions, path: str) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(sessions))
        async with httpx.AsyncClient(transport=transport, base_url="http://reader") as client:
            return await client.get(path)

    return asyncio.run(call())


def _counts(session: db.Session) -> tuple[int, int]:
    bands = session.scalar(select(func.count()).select_from(ArticleBandRow)) or 0
    vectors = session.scalar(select(func.count()).select_from(ArticleVectorRow)) or 0
    return bands, vectors


@pytest.mark.timeout(300)
def test_pruning_keeps_pages_readable_and_spares_stories_still_changing(
    sessions: db.Sessions, database_url: str
) -> None:
    with Newsroom(clock=SimClock(T0, start=timedelta(days=3))) as newsroom:
        with db.transaction(sessions) as session:
            for outlet in list(newsroom.corpus.outlets):
                repo.add_feed(session, NewFeed(url=newsroom.feed_url(outlet)))
        policy = FetchPolicy(allow_loopback=True, host_delay=0.0, retries=0)
        asyncio.run(Pipeline(sessions, policy).run_round())
    with db.transaction(sessions) as session:
        stories = [row.story for row in repo.list_stories(session, limit=1000)]
        members = {s.id: [a for a, _ in repo.story_articles(session, s.id)] for s in stories}
        revisions = {s.id: repo.current_revision(session, s) for s in stories}
        assert all(_counts(session))

    # Stories with coverage after the cutoff keep every member's text; quiet ones lose it.
    before = T0 + timedelta(days=2)
    assert {story.updated_at >= before for story in stories} == {True, False}
    assert retention.prune(sessions, before) > 0
    with db.transaction(sessions) as session:
        for story in stories:
            after = repo.articles_by_ids(session, [a.id for a in members[story.id]])
            pruned = [a for a in after if a.text_source is TextSource.PRUNED]
            if story.updated_at >= before:
                assert not pruned, story.headline
            else:
                old = [a for a in after if (a.published_at or a.fetched_at or T0) < before]
                assert pruned == old and all(a.text == "" and a.title for a in pruned)
    assert retention.prune(sessions, before) == 0, "nothing twice"

    # The command prunes the rest: the demo's coverage is weeks old by now.
    env = {**os.environ, "STORYWIRE_DATABASE_URL": database_url}
    refused = subprocess.run(
        [STORYWIRE, "db", "prune"], env=env, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode != 0 and "--older-than" in refused.stdout + refused.stderr
    done = subprocess.run(
        [STORYWIRE, "db", "prune", "--older-than", "7"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "pruned" in done.stdout, done.stdout + done.stderr
    with db.transaction(sessions) as session:
        assert _counts(session) == (0, 0)
        left = [a for a in repo.articles_at_stage(session, Stage.WRITTEN, 10_000)]
        assert left and all(a.text_source is TextSource.PRUNED for a in left)
        for story in stories:
            assert repo.current_revision(session, story) == revisions[story.id]

    for story in stories:
        page = _page(sessions, f"/stories/{story.slug}")
        assert page.status_code == 200
        revision = revisions[story.id]
        assert revision is not None
        shown = html.unescape(page.text)
        for sentence in revision.story[:3]:
            assert sentence.text in shown, story.headline
        detail = _page(sessions, f"/api/v1/stories/{story.id}").json()
        assert all(source["title"] for source in detail["sources"])

    vacuumed = subprocess.run(
        [STORYWIRE, "db", "vacuum"], env=env, capture_output=True, text=True, timeout=120
    )
    assert vacuumed.returncode == 0 and "MB after" in vacuumed.stdout, vacuumed.stderr
