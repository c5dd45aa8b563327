"""The reader in-process over httpx's ASGI transport, on the demo newsroom's coverage as the
pipeline stored, clustered and wrote it (built once per module: it takes a pipeline run)."""

from __future__ import annotations

import asyncio
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import feedparser  # type: ignore[import-untyped]
import httpx

from storywire.models import LinkKind, NewFeed, StoryStatus
from storywire.store import db, repo
from storywire.web.app import create_app
from storywire.write.timeline import story_svg
from tests.web.conftest import story_with_two_outlets

TOKEN = "s3cret-token"


def _call(
    sessions: db.Sessions, method: str, path: str, token: str | None = TOKEN, **kwargs: Any
) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(sessions, admin_token=token))
        async with httpx.AsyncClient(transport=transport, base_url="http://reader") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(call())


def _get(sessions: db.Sessions, path: str, **kwargs: Any) -> httpx.Response:
    return _call(sessions, "GET", path, **kwargs)


def _top(sessions: db.Sessions) -> dict[str, Any]:
    stories = _get(sessions, "/api/v1/stories?limit=100").json()["stories"]
    return max(stories, key=lambda s: (s["outlets"], s["id"]))


def test_home_has_top_latest_and_section_tabs(written: db.Sessions) -> None:
    home = _get(written, "/")
    assert home.status_code == 200 and "Top stories" in home.text
    assert "You've reached the end" in home.text
    tabs = re.findall(r'<a href="(/section/[a-z]+)"', home.text)
    assert tabs, "the demo's stories fall into sections"
    section = _get(written, tabs[0])
    assert section.status_code == 200 and 'aria-current="page"' in section.text
    api = _get(written, "/api/v1/stories?limit=100").json()["stories"]
    name = tabs[0].rsplit("/", 1)[1]
    in_section = [s for s in api if (s["category"] or "").lower() == name]
    assert in_section and all(f"/stories/{s['slug']}" in section.text for s in in_section)
    latest = _get(written, "/api/v1/stories?tab=latest&limit=100").json()["stories"]
    assert [s["updated"] for s in latest] == sorted((s["updated"] for s in latest), reverse=True)
    assert all(s["outlets"] >= 2 and s["articles"] >= 2 for s in api), "only featured stories"
    assert _get(written, "/section/no-such-section").status_code == 404


def test_story_page_shows_the_seed_layout_with_working_citations(written: db.Sessions) -> None:
    top = _top(written)
    page = _get(written, f"/stories/{top['slug']}")
    assert page.status_code == 200
    for part in ("Highlights", "Story", "Opinions", "Sources", "Coverage timeline"):
        assert f">{part}</h2>" in page.text
    assert "You've reached the end" in page.text
    detail = _get(written, f"/api/v1/stories/{top['id']}").json()
    sources = {a["id"]: a for a in detail["sources"]}
    assert detail["story"] and all(set(s["citations"]) <= set(sources) for s in detail["story"])
    cited = sources[detail["story"][0]["citations"][0]]
    assert f'class="cite" href="{cited["url"]}"' in page.text, "markers link to cited articles"
    assert "<svg" in page.text and 'role="img"' in page.text
    with db.transaction(written) as session:
        chart = repo.get_story(session, top["id"]).timeline_svg
    assert chart and chart in page.text, "the chart the pipeline drew when coverage changed"
    assert len(re.findall(r'<li value="\d+" id="source-', page.text)) == len(sources)
    assert detail["topics"] and f'href="/topics/{detail["topics"][0]["slug"]}"' in page.text
    assert re.search(r"Updated <time datetime=[^>]+>(\d+ \w+ ago|just now)</time>", page.text)


def test_a_story_of_one_outlet_gets_its_chart_from_the_same_drawing(written: db.Sessions) -> None:
    """Stories of one outlet are stored without a chart; the page draws it the stages' way."""
    with db.transaction(written) as session:
        single = next(s for s in repo.list_stories(session, 500) if s.outlet_count == 1)
        story = repo.get_story(session, single.story.id)
        members = [a for a, _ in repo.story_articles(session, story.id)]
        names = repo.outlet_names(session)
    assert story.timeline_svg is None
    chart = story_svg(members, names)
    assert chart.startswith("<svg") and chart in _get(written, f"/stories/{story.slug}").text


def test_wire_copies_carry_a_badge(written: db.Sessions) -> None:
    stories = _get(written, "/api/v1/stories?limit=100").json()["stories"]
    details = [_get(written, f"/api/v1/stories/{s['id']}").json() for s in stories]
    with_copies = [d for d in details if any(a["wire_copy"] for a in d["sources"])]
    assert with_copies, "the demo's wire stories are picked up by other outlets"
    page = _get(written, f"/stories/{with_copies[0]['slug']}")
    assert "wire copy</span>" in page.text


def test_outlet_and_topic_pages(written: db.Sessions) -> None:
    outlets = _get(written, "/api/v1/outlets").json()
    assert outlets and all(o["articles"] > 0 for o in outlets)
    listing = _get(written, "/outlets")
    assert all(f'href="/outlets/{o["slug"]}"' in listing.text for o in outlets)
    page = _get(written, f"/outlets/{outlets[0]['slug']}")
    assert page.status_code == 200 and outlets[0]["name"] in page.text
    by_outlet = _get(written, f"/api/v1/stories?outlet={outlets[0]['slug']}&limit=100").json()
    assert by_outlet["stories"]
    topics = _get(written, "/api/v1/topics").json()
    assert topics and all(t["stories"] >= 2 for t in topics), "topics recur across stories"
    topic_page = _get(written, f"/topics/{topics[0]['slug']}")
    assert topic_page.status_code == 200 and topics[0]["name"] in topic_page.text
    assert topic_page.text.count('class="card"') == topics[0]["stories"]
    assert _get(written, "/outlets/nobody").status_code == 404
    for path in ("/outlets/a%00", "/search?q=%00", "/api/v1/stories?topic=x%00", "/stories/%00"):
        assert _get(written, path).status_code == 400, "PostgreSQL refuses NUL in text"
    assert _get(written, "/topics/nothing-here").status_code == 404
    assert _get(written, "/api/v1/stories?outlet=nobody").status_code == 404


def test_search_highlights_matches(written: db.Sessions) -> None:
    word = _top(written)["headline"].split()[0]
    page = _get(written, "/search", params={"q": word})
    assert page.status_code == 200
    assert re.search(rf"<mark>{re.escape(word)}</mark>", page.text, re.IGNORECASE)
    found = _get(written, "/api/v1/search", params={"q": word}).json()
    assert found["stories"] and found["articles"]
    assert all(s["articles"] >= 1 and s["outlets"] >= 1 for s in found["stories"]), "real counts"
    empty = _get(written, "/search", params={"q": 'zzzz "(*'})
    assert empty.status_code == 200 and "No stories match" in empty.text


def test_feeds_out_parse_back_in_every_format(written: db.Sessions) -> None:
    top = _top(written)
    topic = _get(written, f"/api/v1/stories/{top['id']}").json()["topics"][0]["slug"]
    outlet = _get(written, "/api/v1/outlets").json()[0]["slug"]
    section = (top["category"] or "world").lower()
    for path in (
        "/feeds/top",
        "/feeds/latest",
        f"/feeds/topics/{topic}",
        f"/feeds/outlets/{outlet}",
    ):
        for fmt in ("atom", "rss"):
            response = _get(written, f"{path}.{fmt}")
            assert response.status_code == 200 and response.headers["last-modified"]
            parsed = feedparser.parse(response.content)
            assert not parsed.bozo, (path, fmt, parsed.get("bozo_exception"))
            assert parsed.entries and all(
                e.link.startswith("http://reader/stories/") for e in parsed.entries
            )
        feed = json.loads(_get(written, f"{path}.json").content)
        assert feed["version"] == "https://jsonfeed.org/version/1.1" and feed["items"]
    atom = feedparser.parse(_get(written, "/feeds/top.atom").content)
    entry = next(e for e in atom.entries if e.id.endswith(f"/stories/{top['id']}"))
    assert entry.title == top["headline"]
    assert entry.updated_parsed[:6] == datetime.fromisoformat(top["updated"]).timetuple()[:6]
    assert _get(written, f"/feeds/sections/{section}.atom").status_code == 200
    assert _get(written, "/feeds/top.xml").status_code == 422
    assert _get(written, "/feeds/topics/unknown.atom").status_code == 404


def test_pages_and_feeds_revalidate_with_304(written: db.Sessions) -> None:
    for path in ("/", f"/stories/{_top(written)['id']}", "/feeds/top.atom", "/api/v1/stories"):
        first = _get(written, path)
        etag = first.headers["etag"]
        again = _get(written, path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
        assert _get(written, path, headers={"If-None-Match": '"other"'}).status_code == 200
    for path in ("/", "/feeds/top.atom", "/stories/no-such-story"):
        full, head = _get(written, path), _call(written, "HEAD", path)
        assert head.status_code == full.status_code and head.content == b""
        assert head.headers.get("etag") == full.headers.get("etag")
    tagged = _call(
        written, "HEAD", "/", headers={"If-None-Match": _get(written, "/").headers["etag"]}
    )
    assert tagged.status_code == 304
    feed = _get(written, "/feeds/top.rss")
    since = _get(
        written, "/feeds/top.rss", headers={"If-Modified-Since": feed.headers["last-modified"]}
    )
    assert since.status_code == 304
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert _get(written, "/feeds/top.rss", headers={"If-Modified-Since": old}).status_code == 200


def test_feed_status_page(written: db.Sessions) -> None:
    page = _get(written, "/feeds")
    assert page.status_code == 200
    assert page.text.count('<span class="badge ok">ok</span>') == len(
        _call(written, "GET", "/api/v1/feeds", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    )


def test_theme_switch_sets_a_cookie_and_stays_on_site(written: db.Sessions) -> None:
    switched = _get(written, "/theme/dark", params={"next": "/latest"})
    assert switched.status_code == 303 and switched.headers["location"] == "/latest"
    assert "theme=dark" in switched.headers["set-cookie"]
    dark = _get(written, "/latest", headers={"Cookie": "theme=dark"})
    assert '<html lang="en" data-theme="dark">' in dark.text
    assert (
        _get(written, "/theme/dark", params={"next": "//evil.example"}).headers["location"] == "/"
    )
    assert _get(written, "/theme/neon").status_code == 404
    css = _get(written, "/static/reader.css")
    assert css.status_code == 200 and ':root[data-theme="dark"]' in css.text


def test_admin_api_manages_feeds_with_a_token(written: db.Sessions) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    url = "https://example.org/new-feed.xml"
    off = _call(written, "POST", "/api/v1/feeds", token=None, json={"url": url}, headers=auth)
    assert off.status_code == 403
    assert _call(written, "POST", "/api/v1/feeds", json={"url": url}).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert _call(written, "GET", "/api/v1/feeds", headers=wrong).status_code == 401
    made = _call(written, "POST", "/api/v1/feeds", json={"url": url}, headers=auth)
    assert made.status_code == 201 and made.json()["url"] == url
    again = _call(written, "POST", "/api/v1/feeds", json={"url": url}, headers=auth)
    assert again.status_code == 200 and again.json()["id"] == made.json()["id"]
    bad = _call(written, "POST", "/api/v1/feeds", json={"url": "javascript:alert(1)"}, headers=auth)
    assert bad.status_code == 422
    feed_id = made.json()["id"]
    patched = _call(
        written,
        "PATCH",
        f"/api/v1/feeds/{feed_id}",
        json={"category": "Technology", "disabled": True},
        headers=auth,
    )
    assert patched.json()["category"] == "Technology" and patched.json()["disabled"] is True
    assert _call(written, "DELETE", f"/api/v1/feeds/{feed_id}", headers=auth).status_code == 204
    gone = _call(written, "DELETE", f"/api/v1/feeds/{feed_id}", headers=auth)
    assert gone.status_code == 404
    assert url not in {f["url"] for f in _get(written, "/api/v1/feeds", headers=auth).json()}


def test_pages_end_with_youve_reached_the_end(sessions: db.Sessions) -> None:
    now = datetime(2026, 11, 2, tzinfo=UTC)
    with db.transaction(sessions) as session:
        for n in range(25):
            story_with_two_outlets(session, f"s{n}", f"Story number {n}", now - timedelta(hours=n))
    first = _get(sessions, "/latest")
    assert (
        first.text.count('class="card"') == 20 and 'rel="next" href="/latest?page=2"' in first.text
    )
    second = _get(sessions, "/latest?page=2")
    assert second.text.count('class="card"') == 5 and "You've reached the end" in second.text
    assert "Story number 24" in second.text and "Story number 0" in first.text
    api = _get(sessions, "/api/v1/stories?tab=latest&limit=20&offset=20").json()
    assert len(api["stories"]) == 5 and api["more"] is False
    assert _get(sessions, "/?page=0").status_code == 422


def test_markup_in_titles_and_links_renders_inert(sessions: db.Sessions, tmp_path: Path) -> None:
    now = datetime(2026, 11, 2, tzinfo=UTC)
    evil = '<script>alert("x")</script> Title'
    with db.transaction(sessions) as session:
        story_with_two_outlets(session, "evil", evil, now, url="javascript:alert(1)")
    bodies = {
        path: _get(sessions, path).text
        for path in (
            "/",
            "/stories/evil",
            "/search?q=script",
            "/outlets/one",
            "/feeds/top.atom",
            "/feeds/top.rss",
            "/feeds/top.json",
            "/api/v1/stories/evil",
        )
    }
    for path, body in bodies.items():
        if "json" in path or "/api/" in path:
            continue  # plain-text fields served as JSON, never as HTML: checked below
        assert "<script>alert" not in body, path
        assert 'href="javascript:' not in body, path
    assert "&lt;script&gt;" in bodies["/stories/evil"]
    assert feedparser.parse(bodies["/feeds/top.rss"].encode()).entries[0].title == evil
    ET.fromstring(bodies["/feeds/top.atom"])
    assert json.loads(bodies["/feeds/top.json"])["items"][0]["title"] == evil
    assert json.loads(bodies["/api/v1/stories/evil"])["headline"] == evil
    api = _get(sessions, "/api/v1/stories/evil")
    assert api.headers["content-type"] == "application/json"


def test_threads_show_on_story_pages_in_the_api_and_as_feeds(sessions: db.Sessions) -> None:
    """Links of every kind and merges make a thread; a link to a merged story reaches the story
    it went into; an unlinked story is in none."""
    now = datetime(2026, 11, 2, tzinfo=UTC)
    with db.transaction(sessions) as session:
        made = {
            n: story_with_two_outlets(session, f"t{n}", f"Saga part {n}", now + timedelta(days=n))
            for n in range(1, 6)
        }
        alone = story_with_two_outlets(session, "alone", "Unrelated event", now)
        ids = {n: story.id for n, story in made.items()}
        repo.link_stories(session, ids[2], ids[1], LinkKind.SAME_THREAD, now)
        repo.link_stories(session, ids[3], ids[2], LinkKind.RELATED_EVENT, now)
        repo.save_story(session, replace(made[4], status=StoryStatus.MERGED, merged_into_id=ids[3]))
        repo.link_stories(session, ids[5], ids[4], LinkKind.FOLLOW_UP, now)
        assert repo.story_threads(session) == {i: ids[1] for i in ids.values()}
    live = [ids[1], ids[2], ids[3], ids[5]]

    page = _get(sessions, "/stories/t2").text
    earlier, later = page.split("Earlier in this thread")[1].split("Later in this thread")
    assert "Saga part 1" in earlier and "Saga part 3" not in earlier
    assert "Saga part 3" in later and "Saga part 5" in later and "Saga part 4" not in later
    assert f'href="/threads/{ids[1]}">All 4 stories in this thread' in page
    assert "in this thread" not in _get(sessions, "/stories/alone").text

    thread = _get(sessions, f"/threads/{ids[1]}")
    assert thread.status_code == 200
    positions = [thread.text.index(f"Saga part {n}</a>") for n in (1, 2, 3, 5)]
    assert positions == sorted(positions), "oldest first"
    moved = _get(sessions, f"/threads/{ids[5]}", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == f"/threads/{ids[1]}"
    assert _get(sessions, f"/threads/{alone.id}").status_code == 404
    assert _get(sessions, "/threads/no-such-story").status_code == 404

    assert _get(sessions, "/api/v1/stories/t5").json()["thread"] == ids[1]
    assert _get(sessions, "/api/v1/stories/alone").json()["thread"] is None
    api = _get(sessions, f"/api/v1/threads/{ids[3]}").json()
    assert api["id"] == ids[1] and [s["id"] for s in api["stories"]] == live
    assert _get(sessions, f"/api/v1/threads/{alone.id}").status_code == 404

    feed = feedparser.parse(_get(sessions, f"/feeds/threads/{ids[1]}.atom").content)
    assert [e.title for e in feed.entries] == [f"Saga part {n}" for n in (5, 3, 2, 1)]
    assert _get(sessions, f"/feeds/threads/{alone.id}.json").status_code == 404


def test_a_saga_takes_two_places_on_the_front_page_with_a_link_to_the_rest(
    sessions: db.Sessions,
) -> None:
    """Five stories of one thread outrank everything else: the top listing (page, API, feed)
    shows the thread's two most important, each with a link to the other four, and pages on
    to the rest of the news; the latest listing and the thread page show all five."""
    now = datetime(2026, 11, 2, tzinfo=UTC)
    with db.transaction(sessions) as session:
        saga = [
            story_with_two_outlets(session, f"war{n}", f"War day {n}", now + timedelta(hours=n))
            for n in range(5)
        ]
        others = [
            story_with_two_outlets(session, f"other{n}", f"Other event {n}", now) for n in range(3)
        ]
        for n, story in enumerate(saga):
            repo.save_story(session, replace(story, front_rank=100.0 + n))
        for n, story in enumerate(others):
            repo.save_story(session, replace(story, front_rank=50.0 + n))
        for earlier, later in pairwise(saga):
            repo.link_stories(session, later.id, earlier.id, LinkKind.SAME_THREAD, now)
    thread = saga[0].id

    home = _get(sessions, "/").text
    assert [n for n in range(5) if f"War day {n}</a>" in home] == [3, 4]
    assert all(f"Other event {n}</a>" in home for n in range(3))
    assert home.count(f'href="/threads/{thread}">4 more in this thread</a>') == 2
    assert home.count("more in this thread") == 2

    top = _get(sessions, "/api/v1/stories?limit=4").json()
    assert [s["slug"] for s in top["stories"]] == ["war4", "war3", "other2", "other1"]
    assert top["more"]
    assert (top["stories"][0]["thread"], top["stories"][0]["thread_stories"]) == (thread, 5)
    assert (top["stories"][2]["thread"], top["stories"][2]["thread_stories"]) == (None, 1)
    rest = _get(sessions, "/api/v1/stories?limit=4&offset=4").json()
    assert [s["slug"] for s in rest["stories"]] == ["other0"] and not rest["more"]
    assert _get(sessions, "/api/v1/stories/war0").json()["thread_stories"] == 5

    latest = _get(sessions, "/api/v1/stories?tab=latest&limit=20").json()["stories"]
    assert sorted(s["slug"] for s in latest if s["slug"].startswith("war")) == [
        f"war{n}" for n in range(5)
    ]
    feed = feedparser.parse(_get(sessions, "/feeds/top.atom").content)
    assert [e.title for e in feed.entries] == [
        "War day 4",
        "War day 3",
        "Other event 2",
        "Other event 1",
        "Other event 0",
    ]
    assert all(f"War day {n}</a>" in _get(sessions, f"/threads/{thread}").text for n in range(5))


def test_the_public_feeds_page_shows_no_credentials(sessions: db.Sessions) -> None:
    """A private feed's URL carries a password or a token, and its last error names the URL:
    the public page shows neither secret, while the admin API keeps the real URL."""
    secret_url = "https://reader:hunter2@feeds.example/rss?token=s3cret&lang=en"
    with db.transaction(sessions) as session:
        feed, _ = repo.add_feed(session, NewFeed(url=secret_url))
        repo.save_feed_state(
            session,
            replace(feed, last_error=f"HTTP 401 from {secret_url}.", consecutive_failures=1),
        )
    page = _get(sessions, "/feeds").text
    assert "hunter2" not in page and "s3cret" not in page and "reader:" not in page
    assert "feeds.example/rss?token=REDACTED&amp;lang=en" in page
    assert "HTTP 401 from https://REDACTED@feeds.example/rss" in page
    api = _get(sessions, "/api/v1/feeds", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert [f["url"] for f in api] == [secret_url]


def test_every_response_carries_the_security_headers(sessions: db.Sessions) -> None:
    with db.transaction(sessions) as session:
        story_with_two_outlets(session, "s", "A story", datetime(2026, 11, 2, tzinfo=UTC))
    for path in ("/", "/stories/s", "/api/v1/stories", "/feeds/top.atom", "/no-such-page"):
        headers = _get(sessions, path).headers
        policy = headers["content-security-policy"]
        assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy, path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin", path
    docs = _get(sessions, "/docs")
    scripts = re.findall(r'<script src="([^"]+)"', docs.text)
    styles = re.findall(r'<link type="text/css" rel="stylesheet" href="([^"]+)"', docs.text)
    assert scripts and styles and all(u.startswith("/static/docs/") for u in scripts + styles)
    assert _get(sessions, scripts[0]).status_code == 200, "served by the reader, not a CDN"
    assert "'unsafe-inline'" in docs.headers["content-security-policy"]


def test_a_forged_host_is_refused_and_feeds_link_to_the_public_url(sessions: db.Sessions) -> None:
    with db.transaction(sessions) as session:
        story_with_two_outlets(session, "s", "A story", datetime(2026, 11, 2, tzinfo=UTC))
    app = create_app(
        sessions, allowed_hosts=["news.example.org"], public_url="https://news.example.org/"
    )

    async def get(host: str, path: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as client:
            return await client.get(path)

    assert asyncio.run(get("evil.example", "/")).status_code == 400
    assert asyncio.run(get("evil.example", "/feeds/top.atom")).status_code == 400
    feed = asyncio.run(get("news.example.org", "/feeds/top.atom"))
    assert feed.status_code == 200 and "evil" not in feed.text
    assert "<id>https://news.example.org/stories/" in feed.text


def test_metrics_show_the_stores_state_and_healthz_the_database(
    written: db.Sessions, tmp_path: Path
) -> None:
    with db.transaction(written) as session:
        articles = repo.count_articles(session)
        feeds = len(repo.list_feeds(session))
    text = _get(written, "/metrics").text
    staged = re.findall(r'^storywire_articles\{stage="(\w+)"\} (\d+)\.0$', text, re.M)
    assert staged and sum(int(n) for _, n in staged) == articles
    assert f'storywire_feeds{{state="ok"}} {feeds}.0' in text
    assert re.search(r'^storywire_stories\{status="active"\} [1-9]', text, re.M)
    assert "storywire_feed_fetches_total" in text, "this process's counters too"
    assert _get(written, "/healthz").json() == {"status": "ok", "database": "ok"}
    with db.engine_for(f"sqlite:///{tmp_path}") as engine:  # a directory: it can't be opened
        down = _get(db.make_sessionmaker(engine), "/healthz")
    assert down.status_code == 503 and down.json()["status"] == "error"
