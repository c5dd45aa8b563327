"""Fixtures for the reader tests: the demo newsroom's coverage as the pipeline stored, clustered and
wrote it (built once per session: it takes a pipeline run), small synthetic databases, the reader
served over HTTP on 127.0.0.1, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, sync_playwright

from storywire.demo.server import Newsroom, SimClock
from storywire.models import (
    JoinReason,
    Membership,
    NewArticle,
    NewFeed,
    NewOutlet,
    NewStory,
    Story,
)
from storywire.pipeline import Pipeline
from storywire.sources.fetch import FetchPolicy
from storywire.store import db, repo
from storywire.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
NOW = datetime(2026, 11, 2, tzinfo=UTC)
PAGED_STORIES = 25
HOSTILE_HEADLINE = "<script>window.__pwned=1</script> Hostile headline"
HOSTILE_URL = "javascript:window.__pwned=2"


def story_with_two_outlets(
    session: db.Session, slug: str, headline: str, when: datetime, url: str = "https://a.example/"
) -> Story:
    """A featured story: one article from each of two outlets, both titled `headline`."""
    story = repo.add_story(
        session, NewStory(slug=slug, headline=headline, published_at=when, updated_at=when)
    )
    for name in ("one", "two"):
        outlet = repo.upsert_outlet(
            session,
            NewOutlet(name=f"Outlet {name}", homepage=f"https://{name}.example/", slug=name),
        )
        article, _ = repo.add_article(
            session,
            NewArticle(
                url=url if url.startswith("javascript:") else f"{url}{slug}/{name}",
                canonical_url=f"https://{name}.example/{slug}",
                title=headline,
                text="Body text.",
                published_at=when,
                outlet_id=outlet.id,
            ),
        )
        repo.add_membership(session, Membership(story.id, article.id, when, JoinReason.NEW_STORY))
    return story


@pytest.fixture(scope="session")
def written(tmp_path_factory: pytest.TempPathFactory) -> Iterator[db.Sessions]:
    """The demo newsroom after one pipeline round; the newsroom keeps serving while this lives,
    so the citation links to its article pages resolve."""
    url = f"sqlite:///{tmp_path_factory.mktemp('reader') / 'reader.db'}"
    with db.engine_for(url) as engine:
        db.upgrade(engine)
    clock = SimClock(NOW, start=timedelta(days=3))
    with db.connect(url) as sessions, Newsroom(clock=clock) as newsroom:
        with db.transaction(sessions) as session:
            for outlet in newsroom.corpus.outlets:
                repo.add_feed(session, NewFeed(url=newsroom.feed_url(outlet)))
        policy = FetchPolicy(allow_loopback=True, host_delay=0.0, retries=0)
        # On a thread of its own: this thread's event loop may be Playwright's, and busy.
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(lambda: asyncio.run(Pipeline(sessions, policy).run_round())).result()
        yield sessions


def _synthetic(
    factory: pytest.TempPathFactory, name: str, fill: Callable[[db.Session], None]
) -> Iterator[db.Sessions]:
    url = f"sqlite:///{factory.mktemp(name) / f'{name}.db'}"
    with db.engine_for(url) as engine:
        db.upgrade(engine)
    with db.connect(url) as sessions:
        with db.transaction(sessions) as session:
            fill(session)
        yield sessions


@pytest.fixture(scope="session")
def paged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[db.Sessions]:
    """25 featured stories, "Story number 0" the newest: one full page of 20 and five more."""

    def fill(session: db.Session) -> None:
        for n in range(PAGED_STORIES):
            story_with_two_outlets(session, f"s{n}", f"Story number {n}", NOW - timedelta(hours=n))

    yield from _synthetic(tmp_path_factory, "paged", fill)


@pytest.fixture(scope="session")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[db.Sessions]:
    """One featured story whose headline is a script tag and whose articles link to script."""

    def fill(session: db.Session) -> None:
        story_with_two_outlets(session, "hostile", HOSTILE_HEADLINE, NOW, url=HOSTILE_URL)

    yield from _synthetic(tmp_path_factory, "hostile", fill)


def _serve(sessions: db.Sessions) -> Iterator[str]:
    """The reader over `sessions` on a free port of 127.0.0.1, on a background thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(sessions), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started or not thread.is_alive():
                break
            time.sleep(0.01)
        assert server.started, "the reader did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="session")
def reader_url(written: db.Sessions) -> Iterator[str]:
    yield from _serve(written)


@pytest.fixture(scope="session")
def paged_url(paged: db.Sessions) -> Iterator[str]:
    yield from _serve(paged)


@pytest.fixture(scope="session")
def hostile_url(hostile: db.Sessions) -> Iterator[str]:
    yield from _serve(hostile)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless. Without it the browser tests skip, except on CI (CI=true),
    where they must run.

    Module scope, not session: Playwright's sync API keeps an event loop running on this thread
    while it is started, and `asyncio.run` (which other test modules call) refuses to run then.
    """
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found: install Debian's chromium package to run browser tests"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()
    finally:
        playwright.stop()
