"""The newsroom over real HTTP on 127.0.0.1: feeds, pages, conditional GET and the clock."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from storywire.cli import app
from storywire.demo.corpus import load_corpus
from storywire.demo.server import Newsroom, SimClock
from storywire.extract.opinion import classify_kind

STORYWIRE = str(Path(sys.executable).with_name("storywire"))

EPOCH = datetime(2026, 11, 2, tzinfo=UTC)
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def newsroom() -> Iterator[Newsroom]:
    clock = SimClock(EPOCH, start=timedelta(days=3))
    with Newsroom(clock=clock) as server:
        yield server


def _href(link: ET.Element | None) -> str:
    return (link.get("href") if link is not None else None) or ""


def _feed_items(outlet_format: str, body: str) -> list[str]:
    """Item links of a feed, parsed with the format's own rules."""
    if outlet_format == "json":
        return [item["url"] for item in json.loads(body)["items"]]
    root = ET.fromstring(body)
    if outlet_format == "atom":
        return [_href(e.find(f"{ATOM}link")) for e in root.iter(f"{ATOM}entry")]
    return [item.findtext("link") or "" for item in root.iter("item")]


def test_every_outlet_serves_its_feed_and_every_article(newsroom: Newsroom) -> None:
    corpus = newsroom.corpus
    seen = 0
    with httpx.Client(timeout=10) as client:
        for outlet in corpus.outlets.values():
            response = client.get(newsroom.feed_url(outlet.id))
            assert response.status_code == 200
            links = _feed_items(outlet.feed, response.text)
            assert len(links) == len(corpus.by_outlet(outlet.id))
            for link in links:
                page = client.get(link)
                assert page.status_code == 200
                assert page.headers["content-type"].startswith("text/html")
                seen += 1
    assert seen == len(corpus.articles)


def test_article_pages_carry_text_and_markup_around_it(newsroom: Newsroom) -> None:
    article = next(a for a in newsroom.corpus.articles if a.outlet == "meridian-herald")
    html = httpx.get(newsroom.article_url(article)).text
    for paragraph in article.paragraphs:
        assert paragraph.replace("'", "&#39;").replace('"', "&#34;")[:60] in html
    assert '<link rel="canonical"' in html and "<nav" in html and "Advertisement" in html
    assert "comments" in html.lower()


def test_opinion_pages_are_marked_as_their_outlet_marks_them(newsroom: Newsroom) -> None:
    for article in newsroom.corpus.articles:
        if article.kind != "opinion":
            continue
        html = httpx.get(newsroom.article_url(article)).text
        match article.opinion_mark:
            case "jsonld":
                assert '"@type": "OpinionNewsArticle"' in html
            case "section":
                assert '<meta property="article:section" content="Opinion">' in html
            case "path":
                assert "/opinion/" in newsroom.article_url(article)
            case "title":  # "Opinion | …", "Editorial: …", "X review: …"
                assert classify_kind(newsroom.article_url(article), article.title, None)[1] in (
                    "title:Opinion",
                    "title:Editorial",
                    "title:review",
                )
        if article.opinion_mark != "section":
            assert 'content="Opinion"' not in html


def test_feeds_answer_conditional_gets_with_304(newsroom: Newsroom) -> None:
    url = newsroom.feed_url("ledger")
    first = httpx.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert httpx.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert httpx.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert httpx.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_hub_lists_outlets_opml_and_manifest(newsroom: Newsroom) -> None:
    opml = ET.fromstring(httpx.get(newsroom.opml_url).text)
    urls = [o.get("xmlUrl") or "" for o in opml.iter("outline") if o.get("xmlUrl")]
    assert sorted(urls) == sorted(newsroom.feed_url(o) for o in newsroom.corpus.outlets)
    manifest = httpx.get(newsroom.hub_url + "manifest.json").json()
    assert len(manifest["articles"]) == len(newsroom.corpus.articles)
    assert "storywire demo newsroom" in httpx.get(newsroom.hub_url).text
    assert httpx.get(newsroom.hub_url + "nothing-here").status_code == 404
    robots = httpx.get(newsroom.home_url("cps") + "robots.txt")
    assert robots.status_code == 200 and "User-agent" in robots.text


def test_feeds_grow_as_the_simulated_clock_advances() -> None:
    corpus = load_corpus()
    clock = SimClock(EPOCH, start=timedelta(hours=6))
    with Newsroom(corpus=corpus, clock=clock) as newsroom:
        url = newsroom.feed_url("meridian-herald")
        before = _feed_items("rss", httpx.get(url).text)
        unreleased = next(
            a for a in corpus.by_outlet("meridian-herald") if a.published > clock.offset
        )
        assert httpx.get(newsroom.article_url(unreleased)).status_code == 404
        clock.advance(timedelta(days=3))
        after = _feed_items("rss", httpx.get(url).text)
        assert len(after) > len(before)
        assert httpx.get(newsroom.article_url(unreleased)).status_code == 200


def test_clock_runs_at_its_speed() -> None:
    ticks = iter([0.0, 0.0, 10.0])
    clock = SimClock(EPOCH, start=timedelta(hours=1), speed=60, monotonic=lambda: next(ticks))
    assert clock.offset == timedelta(hours=1)
    assert clock.now() == EPOCH + timedelta(hours=1, minutes=10)


def test_demo_command_starts_the_newsroom_and_reports_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORYWIRE_NEWSROOM_PORT", "0")
    monkeypatch.setenv("STORYWIRE_WEB_PORT", "0")
    result = CliRunner().invoke(
        app, ["demo", "--duration", "1", "--speed", "7200", "--start", "1 09:00"]
    )
    assert result.exit_code == 0, result.output
    assert "storywire demo newsroom at http://127.0.0.1:" in result.output
    assert "self-check over HTTP: 15/15 endpoints answered 200" in result.output
    assert "demo database: sqlite:///" in result.output
    assert "reader at http://127.0.0.1:" in result.output
    rounds = [line for line in result.output.splitlines() if "new articles" in line]
    assert rounds and "stories rewritten" in rounds[0]
    assert "served" in result.output


@pytest.mark.timeout(120)
def test_the_demo_serves_its_reader_from_a_process_of_its_own(tmp_path: Path) -> None:
    """A round's CPU work never holds up a page: the reader is `storywire serve` in its own
    process, answering while the demo reads, and gone when the demo stops."""
    env = {**os.environ, "STORYWIRE_NEWSROOM_PORT": "0", "STORYWIRE_WEB_PORT": "0"}
    env["STORYWIRE_DEMO_DATABASE"] = f"sqlite:///{tmp_path / 'demo.db'}"
    demo = subprocess.Popen(
        [STORYWIRE, "demo", "--duration", "8", "--speed", "7200", "--every", "2"],
        env={**env, "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert demo.stdout is not None
    found = None
    for line in demo.stdout:
        found = re.search(r"reader at (http://\S+) \(process (\d+)\)", line)
        if found:
            break
    assert found, "the demo printed no reader"
    url, reader = found.group(1), int(found.group(2))
    assert reader != demo.pid
    # The demo's rounds give way to its reader: ingestion at `ingest_nice`, the reader not.
    assert os.getpriority(os.PRIO_PROCESS, reader) == os.getpriority(os.PRIO_PROCESS, 0)
    deadline = time.monotonic() + 10
    ingesting = max(10, os.getpriority(os.PRIO_PROCESS, 0))
    while os.getpriority(os.PRIO_PROCESS, demo.pid) != ingesting and time.monotonic() < deadline:
        time.sleep(0.05)
    assert os.getpriority(os.PRIO_PROCESS, demo.pid) == ingesting
    assert httpx.get(url, timeout=10).status_code == 200
    rest = demo.stdout.read()
    demo.stdout.close()
    assert demo.wait(timeout=60) == 0, rest
    assert "served" in rest
    deadline = time.monotonic() + 10
    while _alive(reader) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(reader), "the reader outlived the demo"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").split(") ")[1][0]
    return state != "Z"  # a zombie has exited
