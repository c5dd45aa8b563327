"""The reader in-process over httpx's ASGI transport, on stories the pipeline wrote."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from storywire.demo.server import Newsroom, SimClock
from storywire.models import Article, Feed, Membership, Story
from storywire.pipeline import Pipeline
from storywire.sources.fetch import FetchPolicy
from storywire.store import db, repo
from storywire.web.app import create_app


@pytest.fixture
def written(sessions: db.Sessions) -> Iterator[db.Sessions]:
    clock = SimClock(datetime(2026, 11, 2, tzinfo=UTC), start=timedelta(days=3))
    with Newsroom(clock=clock) as newsroom:
        with db.transaction(sessions) as session:
            for outlet in ("civic-observer", "meridian-herald", "weekly-argument"):
                repo.add_feed(session, Feed(url=newsroom.feed_url(outlet)))
        policy = FetchPolicy(allow_loopback=True, host_delay=0.0, retries=0)
        asyncio.run(Pipeline(sessions, policy).run_round())
    yield sessions


def _get(sessions: db.Sessions, path: str) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(sessions))
        async with httpx.AsyncClient(transport=transport, base_url="http://reader") as client:
            return await client.get(path)

    return asyncio.run(call())


def test_home_story_page_api_and_feed(written: db.Sessions) -> None:
    home = _get(written, "/")
    assert home.status_code == 200 and "Top stories" in home.text
    assert "You've reached the end" in home.text
    api = _get(written, "/api/v1/stories?limit=100").json()
    assert api["stories"] and api["more"] is False
    top = max(api["stories"], key=lambda s: s["outlets"])
    page = _get(written, f"/stories/{top['id']}")
    assert page.status_code == 200
    for part in ("Highlights", "Story", "Opinions", "Sources", "You've reached the end"):
        assert part in page.text
    detail = _get(written, f"/api/v1/stories/{top['slug']}").json()
    article_ids = {a["id"] for a in detail["articles"]}
    assert detail["story"] and all(set(s["citations"]) <= article_ids for s in detail["story"])
    cited = next(a for a in detail["articles"] if a["id"] == detail["story"][0]["citations"][0])
    assert f'href="{cited["url"]}"' in page.text, "citation markers link to the cited article"
    feed = ET.fromstring(_get(written, "/feeds/top.atom").text)
    entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == len(api["stories"])
    assert _get(written, "/stories/no-such-story").status_code == 404


def test_markup_in_titles_and_text_renders_inert(sessions: db.Sessions) -> None:
    now = datetime(2026, 11, 2, tzinfo=UTC)
    with db.transaction(sessions) as session:
        article, _ = repo.add_article(
            session,
            Article(
                url="https://evil.example/a",
                canonical_url="https://evil.example/a",
                title='<script>alert("x")</script> Title',
                text="Body",
                published_at=now,
            ),
        )
        story = repo.add_story(
            session,
            Story(
                slug="evil",
                headline='<script>alert("x")</script>',
                published_at=now,
                updated_at=now,
            ),
        )
        repo.add_membership(session, Membership(story.id or 0, article.id or 0, now, "new"))
    home = _get(sessions, "/")
    page = _get(sessions, "/stories/evil")
    feed = _get(sessions, "/feeds/top.atom")
    for body in (home.text, page.text, feed.text):
        assert "<script>alert" not in body
    assert "&lt;script&gt;" in page.text
    ET.fromstring(feed.text)
