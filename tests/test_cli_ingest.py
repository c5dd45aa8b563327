"""The ingestion commands, run in-process against the demo newsroom over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from storywire.cli import app, console, state
from storywire.demo.server import Newsroom, SimClock
from storywire.errors import StorageError
from storywire.extract.article import ExtractedArticle
from storywire.ingest import articles as articles_module
from storywire.models import NewArticle, Stage
from storywire.sources.opml import parse_opml
from storywire.store import db, repo


@pytest.fixture
def newsroom() -> Iterator[Newsroom]:
    with Newsroom(clock=SimClock(datetime(2026, 11, 2, tzinfo=UTC), start=timedelta(days=3))) as n:
        yield n


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, database_url: str) -> CliRunner:
    monkeypatch.setattr(state, "settings", None)
    monkeypatch.setattr(console, "width", 240)
    monkeypatch.setenv("STORYWIRE_DATABASE_URL", database_url)
    monkeypatch.setenv("STORYWIRE_ALLOW_LOOPBACK", "true")
    monkeypatch.setenv("STORYWIRE_FETCH_HOST_DELAY", "0")
    return CliRunner()


def _ok(cli: CliRunner, *args: str, stdin: str | None = None) -> str:
    result = cli.invoke(app, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result.output


def test_feeds_lifecycle_and_fetch(cli: CliRunner, newsroom: Newsroom, tmp_path: Path) -> None:
    opml = tmp_path / "newsroom.opml"
    opml.write_text(httpx.get(newsroom.opml_url).text, encoding="utf-8")
    assert "13 feeds added" in _ok(cli, "feeds", "import-opml", str(opml))
    assert "0 feeds added" in _ok(cli, "feeds", "import-opml", str(opml))
    added = _ok(cli, "feeds", "add", "http://127.0.0.1:9/feed.xml", "--outlet", "Nowhere News")
    assert "added feed 14" in added
    assert "already subscribed" in _ok(cli, "feeds", "add", "http://127.0.0.1:9/feed.xml")

    fetched = _ok(cli, "fetch")
    assert f"{len(newsroom.corpus.articles)} new articles" in fetched and "1 failed" in fetched
    listing = _ok(cli, "feeds", "list")
    assert "failing" in listing and "network error" in listing and "ok" in listing
    assert "0 new articles" in _ok(cli, "fetch", "--all")

    exported = parse_opml(_ok(cli, "feeds", "export-opml").encode())
    assert len(exported) == 14
    assert "removed feed 14" in _ok(cli, "feeds", "remove", "14")
    missing = cli.invoke(app, ["feeds", "remove", "http://nope.example/feed"])
    assert missing.exit_code == 1 and "no feed" in missing.output
    refused = cli.invoke(app, ["feeds", "add", "file:///etc/passwd"])
    assert refused.exit_code == 1


def test_import_jsonl_is_idempotent(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    body = "The tram line was approved by the city council after a long debate. " * 6
    rows = [
        {"url": f"https://city.example/tram/{n}", "title": f"Tram {n}", "text": body + str(n)}
        for n in range(3)
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n", encoding="utf-8")
    first = _ok(cli, "import", str(path))
    assert "imported 3 new articles, 0 already stored, 1 skipped" in first
    assert "imported 0 new articles, 3 already stored, 1 skipped" in _ok(cli, "import", str(path))


def test_a_document_that_trips_a_bug_is_skipped_and_the_import_goes_on(
    cli: CliRunner, newsroom: Newsroom, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "in.jsonl"
    body = "The tram line was approved by the city council after a long debate. " * 6
    rows = [
        {
            "url": f"https://city.example/tram/{n}",
            "html": f"<html><body><article><h1>Tram {n}</h1><p>{body}</p><p>{body}</p>"
            "</article></body></html>",
        }
        for n in range(3)
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    article = newsroom.corpus.by_outlet("planet-people")[0]
    url = newsroom.article_url(article)
    apply = articles_module.apply_extraction

    def buggy(article: NewArticle, extracted: ExtractedArticle, now: datetime) -> NewArticle:
        if article.url.endswith("/tram/1") or article.url == url:
            raise IndexError("list index out of range")  # where a bug would be
        return apply(article, extracted, now)

    monkeypatch.setattr(articles_module, "apply_extraction", buggy)
    result = cli.invoke(app, ["import", str(path), url])
    assert result.exit_code == 0, result.output
    assert "imported 2 new articles, 0 already stored, 2 skipped" in result.output
    assert "https://city.example/tram/1: IndexError: list index out of range" in result.output
    assert f"{url}: IndexError" in result.output

    def down(article: NewArticle, extracted: ExtractedArticle, now: datetime) -> NewArticle:
        raise StorageError("database is unavailable")  # the database's, not the document's

    monkeypatch.setattr(articles_module, "apply_extraction", down)
    stopped = cli.invoke(app, ["import", str(path)])
    assert stopped.exit_code == 1 and "database is unavailable" in stopped.output


def test_a_feed_added_with_an_outlet_name_and_a_page_imported_from_its_site_are_one_outlet(
    cli: CliRunner, tmp_path: Path, database_url: str
) -> None:
    """One outlet per site, whoever meets it first: the operator's name for it stays."""
    _ok(cli, "feeds", "add", "http://127.0.0.1:9/feeds/world.xml", "--outlet", "Nowhere News")
    path = tmp_path / "in.jsonl"
    body = "The tram line was approved by the city council after a long debate. " * 6
    row = {"url": "http://127.0.0.1:9/2026/tram", "title": "Tram", "text": body}
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    _ok(cli, "import", str(path))
    with db.connect(database_url) as sessions, db.transaction(sessions) as session:
        outlets = repo.list_outlets(session)
        (article,) = repo.articles_at_stage(session, Stage.DEDUPED)
    assert [(o.name, o.slug) for o in outlets] == [("Nowhere News", "127-0-0-1-9")]
    assert article.outlet_id == outlets[0].id


def test_extract_files_and_urls_in_input_order(
    cli: CliRunner, newsroom: Newsroom, tmp_path: Path
) -> None:
    articles = newsroom.corpus.by_outlet("rundschau")[:2]
    saved = tmp_path / "page.html"
    saved.write_bytes(httpx.get(newsroom.article_url(articles[0])).content)
    url = newsroom.article_url(articles[1])
    output = _ok(cli, "extract", "--format", "jsonl", stdin=f"{saved}\n{url}\n")
    first, second = (json.loads(line) for line in output.strip().splitlines())
    assert first["file"] == str(saved) and first["title"] == articles[0].title
    assert second["url"] == url and second["language"] == "de" and second["kind"] == "news"
    assert articles[1].paragraphs[0] in second["text"]
    assert set(first) == {
        "file",
        "url",
        "title",
        "authors",
        "published",
        "language",
        "kind",
        "text",
    }
    text = _ok(cli, "extract", str(saved))
    assert text.startswith(f"# {articles[0].title}")
    failed = cli.invoke(app, ["extract", str(tmp_path / "missing.html")])
    assert failed.exit_code == 1 and "cannot read" in failed.output


def test_import_single_article_urls(cli: CliRunner, newsroom: Newsroom, tmp_path: Path) -> None:
    article = newsroom.corpus.by_outlet("planet-people")[0]
    url = newsroom.article_url(article)
    missing = str(tmp_path / "missing.jsonl")
    first = _ok(cli, "import", url, missing)
    assert "imported 1 new articles, 0 already stored, 1 skipped" in first
    assert "imported 0 new articles, 1 already stored, 0 skipped" in _ok(cli, "import", url)
    gone = _ok(cli, "import", newsroom.home_url("planet-people") + "no-such-page")
    assert "1 skipped" in gone and "HTTP 404" in gone
