"""The one path an article takes: fetch -> extract -> dedupe -> embed -> cluster -> write, each
stage stored. The service, the CLI, the demo, the importers and the stream replay all run it.

`Pipeline` runs the feed rounds down to a deduplicated article (ingest/ makes the articles,
ingest/dedupe.py groups copies); its `imports` (ingest/imports.py) bring in files and single
pages, and its `stories` (stories/detect.py) run the story stages. Every article is committed
after each stage with the stage it reached, so a crash or restart redoes nothing that was
committed: `resume` picks up articles left between stages. Errors about one feed or one page
are recorded on that feed or article and never stop the round; nor does a bug met on one
article (quarantine.py) or one feed's items, which count as that article's or feed's failure.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from storywire import metrics, quarantine
from storywire.cluster.config import ClusterConfig
from storywire.config import Settings
from storywire.errors import ExtractError, FetchError, ParseError
from storywire.extract import workers
from storywire.ingest.articles import (
    apply_extraction,
    article_from_entry,
    without_page,
)
from storywire.ingest.dedupe import dedupe_article
from storywire.ingest.imports import Importer
from storywire.ingest.outlets import ensure_outlet, feed_homepage
from storywire.models import Article, Feed, Stage, TextSource
from storywire.nlp.embed import Embedder, default_bridge, default_embedder
from storywire.sources.feeds import FeedEntry, ParsedFeed, read_feed
from storywire.sources.fetch import Fetcher, FetchPolicy, HTTPStatusError
from storywire.sources.schedule import Outcome, SchedulePolicy, next_check
from storywire.store import db, repo
from storywire.stories.detect import StoryDetector, StoryReport
from storywire.stories.writing import StoryWriter, story_writer
from storywire.write.extractive import ExtractiveWriter

log = logging.getLogger(__name__)


@dataclass
class FeedReport:
    feed_url: str
    new_articles: int = 0
    not_modified: bool = False
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class RoundReport:
    feeds: list[FeedReport] = field(default_factory=list)

    @property
    def new_articles(self) -> int:
        return sum(report.new_articles for report in self.feeds)

    @property
    def errors(self) -> list[FeedReport]:
        return [report for report in self.feeds if report.error]


class Pipeline:
    def __init__(
        self,
        sessions: db.Sessions,
        policy: FetchPolicy,
        schedule: SchedulePolicy | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        feed_concurrency: int = 8,
        embedder: Callable[[], Embedder] = default_embedder,
        cluster_config: ClusterConfig | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        extract_workers: int = 0,
        writer: Callable[[Embedder], StoryWriter] = ExtractiveWriter,
        extract_timeout: float = workers.TIMEOUT,
        extract_memory: int = workers.MEMORY,
        claim_lease: float = 300.0,
        shared: bool = False,
        bridge: Callable[[], Embedder | None] = default_bridge,
        ahead_threads: int | None = None,
    ) -> None:
        """`shared`: other processes (`storywire worker`) work on this database too. A process
        that is not shared is the only one, so at each round it frees the claims a killed run
        left, rather than waiting `claim_lease` seconds for them to lapse. `ahead_threads`:
        see `StoryDetector`."""
        self.sessions = sessions
        self.policy = policy
        self.transport = transport
        self.extractor = workers.Extraction(extract_workers, extract_timeout, extract_memory)
        self.schedule = schedule or SchedulePolicy()
        self.now = now
        self.feed_concurrency = feed_concurrency
        self.claim_lease = claim_lease
        self.shared = shared
        self.stories = StoryDetector(
            sessions,
            embedder,
            cluster_config,
            writer,
            claim_lease,
            bridge=bridge,
            ahead_threads=ahead_threads,
        )
        self.imports = Importer(sessions, now, claim_lease)

    @classmethod
    def from_settings(
        cls, settings: Settings, sessions: db.Sessions, shared: bool = False
    ) -> Pipeline:
        return cls(
            sessions,
            FetchPolicy.from_settings(settings),
            SchedulePolicy(max_failures=settings.feed_max_failures),
            extract_workers=settings.extract_workers,
            writer=story_writer(settings),
            extract_timeout=settings.extract_timeout,
            extract_memory=settings.extract_memory_mb << 20,
            claim_lease=settings.claim_lease,
            shared=shared,
        )

    async def run_round(
        self, progress: Callable[[FeedReport], None] | None = None, force: bool = False
    ) -> tuple[RoundReport, StoryReport]:
        """Everything one round does: fetch and extract, then detect stories."""
        report = await self.fetch_round(progress=progress, force=force)
        return report, self.stories.detect()

    async def fetch_round(
        self, progress: Callable[[FeedReport], None] | None = None, force: bool = False
    ) -> RoundReport:
        """Check every due feed (every enabled feed when `force`), then finish pending articles."""
        with metrics.STAGE_SECONDS.labels("fetch").time():
            return await self._fetch_round(progress, force)

    async def _fetch_round(
        self, progress: Callable[[FeedReport], None] | None, force: bool
    ) -> RoundReport:
        started = self.now()
        if not self.shared:
            with db.transaction(self.sessions) as session:
                repo.release_all_claims(session)
        report = RoundReport()
        checked: set[int] = set()

        def claim() -> Feed | None:
            """The next feed due when the round started that no worker holds, claimed."""
            with db.transaction(self.sessions) as session:
                found = repo.claim_feeds(
                    session, started, self._lease(), ignore_schedule=force, exclude=checked
                )
            checked.update(feed.id for feed in found)
            return found[0] if found else None

        with self.extractor.running():
            async with Fetcher(self.policy, transport=self.transport) as fetcher:

                async def checker() -> None:
                    while (feed := claim()) is not None:
                        result = await self.refresh_feed(fetcher, feed)
                        report.feeds.append(result)
                        if progress:
                            progress(result)

                await together(checker() for _ in range(self.feed_concurrency))
                await self.resume(fetcher)
        return report

    async def refresh_feed(self, fetcher: Fetcher, feed: Feed) -> FeedReport:
        report = FeedReport(feed.url)
        try:
            result = await fetcher.fetch_feed(feed.url, feed.etag, feed.last_modified)
            # In a thread: a big feed takes feedparser seconds, and other feeds' fetches go on.
            parsed = (
                None
                if result.not_modified
                else await asyncio.to_thread(
                    read_feed, result.body, result.final_url, result.content_type
                )
            )
        except (FetchError, ParseError) as exc:
            gone = isinstance(exc, HTTPStatusError) and exc.status == 410
            metrics.FEED_FETCHES.labels(metrics.failure(exc)).inc()
            report.error = str(exc)
            self._save_feed(
                next_check(feed, Outcome(error=str(exc), gone=gone), self.now(), self.schedule)
            )
            log.info("feed failed", extra={"feed": feed.url, "error": str(exc)})
            return report
        metrics.FEED_FETCHES.labels("not_modified" if parsed is None else "ok").inc()
        if parsed is None:
            report.not_modified = True
            self._save_feed(next_check(feed, Outcome(), self.now(), self.schedule))
            return report
        report.warnings = list(parsed.warnings)
        feed = replace(feed, etag=result.etag, last_modified=result.last_modified)
        try:
            feed = self._adopt_feed_metadata(feed, parsed)
            new = self._store_entries(feed, parsed)
        except Exception as exc:
            # A bug met on this feed's items: a failure of this feed, which its schedule
            # retries and in the end disables, and not of the round.
            if not quarantine.input_failure(exc):
                raise
            report.error = f"storing the entries failed: {type(exc).__name__}: {exc}"
            self._save_feed(
                next_check(feed, Outcome(error=report.error), self.now(), self.schedule)
            )
            log.error("feed failed", extra={"feed": feed.url, "error": report.error}, exc_info=exc)
            return report
        report.new_articles = len(new)
        self._save_feed(next_check(feed, Outcome(new_items=len(new)), self.now(), self.schedule))
        await together(self._complete(fetcher, article) for article in new)
        return report

    def _adopt_feed_metadata(self, feed: Feed, parsed: ParsedFeed) -> Feed:
        """Give a feed its title and an outlet the first time it is read."""
        if feed.outlet_id is not None and feed.title:
            return feed
        with db.transaction(self.sessions) as session:
            if feed.outlet_id is None:
                outlet = ensure_outlet(
                    session,
                    parsed.title or urlsplit(feed.url).netloc,
                    feed_homepage(feed.url, parsed.home_url),
                    parsed.language,
                )
                feed = replace(feed, outlet_id=outlet.id)
        return replace(feed, title=feed.title or parsed.title)

    def _store_entries(self, feed: Feed, parsed: ParsedFeed) -> list[Article]:
        """New entries become articles at stage FETCHED, with the feed's title and summary."""
        new: list[Article] = []
        for entry in parsed.entries:  # each with a web link: sources.feeds.linked_entries
            stored, created = self.store_entry(feed, entry, parsed.language)
            if created:
                new.append(stored)
        return new

    def store_entry(
        self, feed: Feed, entry: FeedEntry, language: str | None = None
    ) -> tuple[Article, bool]:
        """One feed entry as an article at stage FETCHED (or the article its URL already is),
        claimed by this process, which fetches its page next; `language`: what the feed
        declares."""
        article = article_from_entry(entry, feed, self.now(), language)
        with db.transaction(self.sessions) as session:
            return repo.add_article(session, article, claim=self._lease().until)

    def _lease(self) -> repo.Lease:
        return repo.Lease.of(self.claim_lease)

    def _save_feed(self, feed: Feed) -> None:
        with db.transaction(self.sessions) as session:
            repo.save_feed_state(session, feed)

    async def resume(self, fetcher: Fetcher) -> int:
        """Finish articles a previous run (or a dead worker) left between stages, claiming
        them first; returns how many."""
        with db.transaction(self.sessions) as session:
            fetched = repo.claim_articles(session, Stage.FETCHED, self._lease(), 1000)
            extracted = repo.claim_articles(session, Stage.EXTRACTED, self._lease(), 1000)
        await together(self._complete(fetcher, article) for article in fetched)
        for article in extracted:
            try:
                self._dedupe(article)
            except Exception as exc:
                if not quarantine.input_failure(exc):
                    raise
                quarantine.record(self.sessions, [article.id], "dedupe", exc)
        return len(fetched) + len(extracted)

    async def _complete(self, fetcher: Fetcher, article: Article) -> None:
        """Fetch and extract the article's page, then dedupe it; each step committed. A failure
        that is the article's own is counted on it (quarantine.py) and the round goes on."""
        try:
            await self._fetch_and_dedupe(fetcher, article)
        except Exception as exc:
            if not quarantine.input_failure(exc):
                raise
            quarantine.record(self.sessions, [article.id], "fetch", exc)

    async def _fetch_and_dedupe(self, fetcher: Fetcher, article: Article) -> None:
        try:
            page = await fetcher.fetch_page(article.url)
            extracted = await self.extractor.extract(page.text(), page.final_url, article.language)
        except (FetchError, ExtractError) as exc:
            metrics.PAGES.labels(metrics.failure(exc)).inc()
            log.info("keeping the feed's text", extra={"url": article.url, "error": str(exc)})
            self.finish_from_feed(replace(article, error=str(exc)))
            return
        metrics.PAGES.labels("extracted").inc()
        article = apply_extraction(article, extracted, self.now())
        with db.transaction(self.sessions) as session:
            article = repo.save_article(session, article)
        self._dedupe(article)

    def finish_from_feed(self, article: Article) -> Article:
        """Carry a fetched article through extraction and dedupe on the feed's text alone: what
        happens when its page cannot be read, and all that a replayed stream of feed items has."""
        return self._dedupe(without_page(replace(article, text_source=TextSource.FEED)))

    def _dedupe(self, article: Article) -> Article:
        """Dedupe, then start embedding: the vector is computed while the round goes on."""
        with db.transaction(self.sessions) as session:
            article = dedupe_article(session, article)
        self.stories.embed_ahead(article)
        return article


async def together(jobs: Iterable[Awaitable[None]]) -> None:
    """Run the jobs at once. When one fails, the others are cancelled and awaited before the
    failure goes on: `asyncio.gather` alone leaves them running, with requests open on a
    fetcher that is about to close (a round that lost its database left sockets behind)."""
    tasks = [asyncio.ensure_future(job) for job in jobs]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
