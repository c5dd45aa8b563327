"""One article that trips a bug stops nothing (quarantine.py): each stage counts the failure on
that article and goes on; at the third the article leaves every queue until released. The
faults are injected where a bug would be (an extraction step, a model, a writer, a stored
vector from another model); feeds and pages come from the demo newsroom over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy.exc import DataError, OperationalError
from typer.testing import CliRunner

from storywire import pipeline as pipeline_module
from storywire import quarantine
from storywire.cli import app, state
from storywire.demo.server import Newsroom, SimClock
from storywire.errors import StorageError
from storywire.extract.article import ExtractedArticle
from storywire.ingest import articles as articles_module
from storywire.models import Article, Feed, NewArticle, NewFeed, Stage
from storywire.nlp.embed import Embedder, Vectors, default_embedder
from storywire.pipeline import Pipeline
from storywire.sources.feeds import FeedEntry
from storywire.sources.fetch import FetchPolicy
from storywire.store import db, repo
from storywire.worker import drained
from storywire.write.extractive import ExtractiveWriter, SourceArticle, WrittenStory

EPOCH = datetime(2026, 11, 2, tzinfo=UTC)
POLICY = FetchPolicy(allow_loopback=True, host_delay=0.0, host_concurrency=4, retries=0)


@pytest.fixture
def newsroom() -> Iterator[Newsroom]:
    with Newsroom(clock=SimClock(EPOCH, start=timedelta(days=1, hours=12))) as server:
        yield server


def _subscribe(sessions: db.Sessions, newsroom: Newsroom, *outlets: str) -> None:
    with db.transaction(sessions) as session:
        for outlet in outlets:
            repo.add_feed(session, NewFeed(url=newsroom.feed_url(outlet)))


def _articles(sessions: db.Sessions) -> dict[int, Article]:
    with db.transaction(sessions) as session:
        return {a.id: a for stage in Stage for a in repo.articles_at_stage(session, stage, 10_000)}


def _quarantined(sessions: db.Sessions) -> dict[int, int]:
    with db.transaction(sessions) as session:
        return {article.id: failures for article, failures in repo.quarantined(session)}


def _drained(sessions: db.Sessions) -> bool:
    with db.transaction(sessions) as session:
        return drained(repo.backlog(session, datetime(1970, 1, 1, tzinfo=UTC), EPOCH))


def test_a_failure_that_is_the_databases_stops_the_round_and_counts_on_no_article() -> None:
    gone = StorageError("database error")
    gone.__cause__ = OperationalError("SELECT 1", {}, Exception("connection refused"))
    refused = StorageError("database error")
    refused.__cause__ = DataError("INSERT", {}, Exception("value refused"))
    assert not quarantine.input_failure(gone)
    assert quarantine.input_failure(refused) and quarantine.input_failure(ValueError("bug"))
    assert not quarantine.input_failure(KeyboardInterrupt())
    assert not quarantine.input_failure(asyncio.CancelledError())


def test_a_page_whose_extraction_trips_a_bug_is_quarantined_after_three_rounds(
    sessions: db.Sessions, newsroom: Newsroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug met after one page's extraction failed the whole round, and every later one."""
    _subscribe(sessions, newsroom, "civic-observer")
    apply = articles_module.apply_extraction
    victim: list[str] = []

    def buggy(article: Article, page: ExtractedArticle, now: datetime) -> Article:
        if not victim:
            victim.append(article.url)
        if article.url == victim[0]:
            raise RuntimeError("a bug met on this page")
        return apply(article, page, now)

    monkeypatch.setattr(pipeline_module, "apply_extraction", buggy)
    pipeline = Pipeline(sessions, POLICY)
    report, stories = asyncio.run(pipeline.run_round())
    assert not report.errors and stories.clustered == report.new_articles - 1
    [stuck] = [a for a in _articles(sessions).values() if a.url == victim[0]]
    assert stuck.stage is Stage.FETCHED and "fetch failed: RuntimeError" in (stuck.error or "")
    assert not _drained(sessions), "it is tried again"
    for _ in range(2):
        asyncio.run(pipeline.run_round())
    assert _quarantined(sessions) == {stuck.id: 3}
    assert _drained(sessions), "a quarantined article is no work left"
    asyncio.run(pipeline.run_round())
    assert _quarantined(sessions) == {stuck.id: 3}, "not tried a fourth time"
    others = [a for a in _articles(sessions).values() if a.id != stuck.id]
    assert others and all(a.stage is Stage.WRITTEN for a in others)

    with db.transaction(sessions) as session:
        assert repo.articles_by_stage(session)["quarantined"] == 1
        assert repo.release_quarantine(session) == 1
    monkeypatch.setattr(pipeline_module, "apply_extraction", apply)  # the fix, deployed
    asyncio.run(pipeline.run_round())
    assert _articles(sessions)[stuck.id].stage is Stage.WRITTEN


class _FailsOn:
    """The real model, with a bug on texts that hold `marker`."""

    def __init__(self, marker: str) -> None:
        self.model = default_embedder()
        self.name, self.dim, self.marker = self.model.name, self.model.dim, marker

    def embed(self, texts: Sequence[str]) -> Vectors:
        if any(self.marker in text for text in texts):
            raise ValueError("a bug in the model on this text")
        return self.model.embed(texts)


def test_an_article_the_model_fails_on_is_quarantined_and_its_batch_is_embedded(
    sessions: db.Sessions, newsroom: Newsroom
) -> None:
    _subscribe(sessions, newsroom, "civic-observer", "meridian-herald")
    first = Pipeline(sessions, POLICY)
    asyncio.run(first.fetch_round())
    pending = _articles(sessions)
    victim = min(pending.values(), key=lambda a: (a.published_at or EPOCH, a.id))
    model: Embedder = _FailsOn(victim.title)
    pipeline = Pipeline(sessions, POLICY, embedder=lambda: model, bridge=lambda: None)
    report = pipeline.stories.detect()
    assert report.embedded == len(pending) - 1 and report.clustered == len(pending) - 1
    assert _quarantined(sessions) == {victim.id: 3}
    assert _articles(sessions)[victim.id].stage is Stage.DEDUPED
    with db.transaction(sessions) as session:
        stored = repo.vectors(session, list(pending), model.name)
    assert set(stored) == set(pending) - {victim.id}


def test_an_article_whose_stored_vector_is_unusable_is_quarantined_and_the_rest_assigned(
    sessions: db.Sessions, newsroom: Newsroom
) -> None:
    """A vector of another size (left by another model version) made every assignment round
    fail on that article, so no article behind it was assigned again."""
    _subscribe(sessions, newsroom, "civic-observer", "meridian-herald")
    pipeline = Pipeline(sessions, POLICY)
    asyncio.run(pipeline.fetch_round())
    embedded = pipeline.stories.embed_pending()
    articles = _articles(sessions)
    victim = sorted(articles.values(), key=lambda a: (a.published_at or EPOCH, a.id))[3]
    with db.transaction(sessions) as session:
        wrong = np.ones(100, dtype=np.float32) / 10
        repo.save_vectors(session, default_embedder().name, {victim.id: wrong.tobytes()})
    report = pipeline.stories.detect()
    assert report.clustered == embedded - 1 and report.new_stories > 0
    assert _quarantined(sessions) == {victim.id: 3}
    assert "cluster failed" in (_articles(sessions)[victim.id].error or "")
    others = [a for a in _articles(sessions).values() if a.id != victim.id]
    assert all(a.stage is Stage.WRITTEN for a in others)
    assert _drained(sessions)


class _WriterFailsOn(ExtractiveWriter):
    """The real writer, with a bug on any story that holds article `victim`."""

    victim = 0

    def write(self, articles: Sequence[SourceArticle], words: int | None = None) -> WrittenStory:
        if any(article.id == self.victim for article in articles):
            raise ZeroDivisionError("a bug in the writer on this story")
        return super().write(articles, words)


def test_a_story_the_writer_fails_on_waits_and_the_other_stories_are_written(
    sessions: db.Sessions, newsroom: Newsroom
) -> None:
    _subscribe(sessions, newsroom, "civic-observer")
    pipeline = Pipeline(sessions, POLICY, writer=_WriterFailsOn)
    asyncio.run(pipeline.fetch_round())
    _WriterFailsOn.victim = min(_articles(sessions))
    report = pipeline.stories.detect()
    assert report.revised == report.new_stories - 1
    assert _articles(sessions)[_WriterFailsOn.victim].stage is Stage.CLUSTERED
    for _ in range(2):
        pipeline.stories.detect()
    assert _WriterFailsOn.victim in _quarantined(sessions)
    assert _drained(sessions)
    waiting = [a for a in _articles(sessions).values() if a.stage is not Stage.WRITTEN]
    assert {a.id for a in waiting} == set(_quarantined(sessions))


def test_a_feed_whose_items_trip_a_bug_fails_alone(
    sessions: db.Sessions, newsroom: Newsroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    _subscribe(sessions, newsroom, "civic-observer", "meridian-herald")
    make = articles_module.article_from_entry
    hostile = newsroom.feed_url("meridian-herald")

    def buggy(
        entry: FeedEntry, feed: Feed, now: datetime, language: str | None = None
    ) -> NewArticle:
        if feed.url == hostile:
            raise KeyError("a bug met on this feed's items")
        return make(entry, feed, now, language)

    monkeypatch.setattr(pipeline_module, "article_from_entry", buggy)
    report, _ = asyncio.run(Pipeline(sessions, POLICY).run_round())
    [failed] = report.errors
    assert failed.feed_url == hostile and "KeyError" in (failed.error or "")
    assert report.new_articles > 0, "the other feed's articles are stored"
    with db.transaction(sessions) as session:
        feed = repo.get_feed_by_url(session, failed.feed_url)
    assert feed is not None and feed.consecutive_failures == 1


def test_the_cli_lists_and_releases_quarantined_articles(
    sessions: db.Sessions, database_url: str, monkeypatch: pytest.MonkeyPatch, newsroom: Newsroom
) -> None:
    _subscribe(sessions, newsroom, "civic-observer")
    asyncio.run(Pipeline(sessions, POLICY).fetch_round())
    victim = min(_articles(sessions))
    with db.transaction(sessions) as session:
        for _ in range(repo.QUARANTINE_AFTER):
            repo.record_failures(session, [victim], "embed failed: ValueError: a bug")
    monkeypatch.setattr(state, "settings", None)
    monkeypatch.setattr(state, "config_file", None)
    monkeypatch.setenv("STORYWIRE_DATABASE_URL", database_url)
    cli = CliRunner()
    listed = cli.invoke(app, ["db", "quarantine"])
    assert listed.exit_code == 0, listed.output
    assert str(victim) in listed.output and "ValueError" in listed.output
    released = cli.invoke(app, ["db", "quarantine", "--release", str(victim)])
    assert released.exit_code == 0 and "released 1 articles" in released.output
    assert "no article is quarantined" in cli.invoke(app, ["db", "quarantine"]).output
