"""`storywire backfill` on both engines ends with the stories that `import` and a round make
from the same shard, and reports what it could not read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from storywire import backfill as backfill_module
from storywire.demo.server import Newsroom, SimClock
from storywire.extract.article import ExtractedArticle
from storywire.ingest import articles as articles_module
from storywire.models import Article, NewArticle, RawDocument
from storywire.nlp.embed import default_models
from storywire.pipeline import Pipeline
from storywire.sources.fetch import FetchPolicy
from storywire.sources.importers import read_documents
from storywire.store import db, repo
from tests.snapshots import Snapshot, snapshot

STORYWIRE = str(Path(sys.executable).with_name("storywire"))
T0 = datetime(2026, 11, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Path]]:
    """The demo newsroom's pages as two JSONL shards, not in time order, plus a broken line and
    a file of an unknown type."""
    folder = tmp_path_factory.mktemp("shards")
    with Newsroom(clock=SimClock(T0, start=timedelta(days=3))) as newsroom:
        rows = [
            {
                "url": released.url,
                "html": httpx.get(released.url).text,
                "published": released.published.isoformat(),
                "outlet": released.article.outlet,
            }
            for released in newsroom.released()
        ]
        rows.reverse()
        paths = [folder / "a.jsonl", folder / "b.jsonl"]
        for path, part in zip(paths, (rows[::2], rows[1::2]), strict=True):
            path.write_text("".join(json.dumps(row) + "\n" for row in part), encoding="utf-8")
        with paths[1].open("a", encoding="utf-8") as handle:
            handle.write("{not json\n")
        (folder / "notes.txt").write_text("not a shard", encoding="utf-8")
        yield [*paths, folder / "notes.txt"]


def _database(path: Path) -> str:
    url = f"sqlite:///{path}"
    with db.engine_for(url) as engine:
        db.upgrade(engine)
    return url


@pytest.fixture(scope="module")
def imported(shards: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    """What `storywire import` and a round make of the shards."""
    url = _database(tmp_path_factory.mktemp("import") / "import.db")
    with db.connect(url) as sessions:
        pipeline = Pipeline(sessions, FetchPolicy())
        for path in shards[:2]:
            for item in read_documents(path):
                if not isinstance(item, Exception):
                    pipeline.imports.ingest_document(item)
        pipeline.stories.detect()
    return snapshot(url)


@pytest.mark.parametrize("engine", ["local", "ray"])
@pytest.mark.timeout(300)
def test_backfill_makes_the_stories_import_makes(
    engine: str, shards: list[Path], imported: Snapshot, tmp_path: Path
) -> None:
    url = _database(tmp_path / f"{engine}.db")
    done = subprocess.run(
        [STORYWIRE, "backfill", "--engine", engine, "--workers", "2", *map(str, shards)],
        env={**os.environ, "STORYWIRE_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    urls, stories, written, stages = imported
    assert len(urls) == 94 and stages == {"written"} and written == stories
    assert snapshot(url) == imported
    assert "94 new, 0 already stored, 2 failed" in done.stdout
    assert "unknown file type" in done.stderr and "b.jsonl:" in done.stderr


def test_backfill_again_stores_nothing_twice(shards: list[Path], tmp_path: Path) -> None:
    url = _database(tmp_path / "twice.db")
    env = {**os.environ, "STORYWIRE_DATABASE_URL": url}
    command = [STORYWIRE, "backfill", "--workers", "1", str(shards[0])]
    subprocess.run(command, env=env, capture_output=True, check=True, timeout=240)
    first = snapshot(url)
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
    assert "0 new, 47 already stored" in again.stdout, again.stdout + again.stderr
    assert snapshot(url) == first


def test_prepared_documents_leave_their_pages_behind() -> None:
    """The driver gathers every prepared article before storing: it gets each document's
    address and outlet back, not its page."""
    body = "The ferry service resumed after the storm passed over the islands. " * 6
    document = RawDocument(
        url="https://isles.example/ferry",
        html=f"<html><body><article><h1>Ferries resume</h1><p>{body}</p></article></body></html>",
        published=T0,
        outlet="Isles Gazette",
    )
    (prepared,) = backfill_module.prepare_chunk([document], T0, default_models())
    assert prepared.article is not None and prepared.article.text
    assert prepared.document == RawDocument(url=document.url, outlet="Isles Gazette")


def test_documents_that_trip_a_bug_are_reported_and_the_backfill_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = "The tram line was approved by the city council after a long debate. " * 6
    documents = [
        RawDocument(
            url=f"https://city.example/tram/{n}",
            html=f"<html><body><article><h1>Tram line {n} approved</h1><p>{body}</p>"
            f"<p>{body}</p></article></body></html>",
            published=T0 + timedelta(hours=n),
        )
        for n in range(4)
    ]
    apply = articles_module.apply_extraction

    def buggy(article: NewArticle, extracted: ExtractedArticle, now: datetime) -> NewArticle:
        if article.url.endswith("/tram/1"):
            raise IndexError("list index out of range")  # a bug met in extraction
        return apply(article, extracted, now)

    monkeypatch.setattr(articles_module, "apply_extraction", buggy)
    prepared = backfill_module.prepare_chunk(documents, T0 + timedelta(days=1), default_models())
    assert [p.error for p in prepared][1] == (
        "https://city.example/tram/1: IndexError: list index out of range"
    )
    with db.connect(_database(tmp_path / "bug.db")) as sessions:
        pipeline = Pipeline(sessions, FetchPolicy())
        store_prepared = pipeline.imports.store_prepared

        def refused(document: RawDocument, *args: Any) -> tuple[Article, bool]:
            if document.url.endswith("/tram/2"):
                raise ValueError("a value the store cannot hold")  # a bug met in storing
            return store_prepared(document, *args)

        monkeypatch.setattr(pipeline.imports, "store_prepared", refused)
        report = backfill_module.store(pipeline, prepared)
        assert (report.documents, report.stored, report.known) == (4, 2, 0)
        assert report.failed == [
            "https://city.example/tram/1: IndexError: list index out of range",
            "https://city.example/tram/2: ValueError: a value the store cannot hold",
        ]
        with db.transaction(sessions) as session:
            assert repo.count_articles(session) == 2
            for n, stored in ((0, True), (1, False), (2, False), (3, True)):
                url = f"https://city.example/tram/{n}"
                assert (repo.get_article_by_url(session, url) is not None) is stored
