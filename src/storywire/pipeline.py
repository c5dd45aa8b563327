"""The one path an article takes: fetch -> extract -> dedupe -> embed -> cluster -> write, each
stage stored. The CLI, the demo and the importers all call these functions.

Every article is committed after each stage with the stage it reached, so a crash or restart
redoes nothing that was committed: `resume` picks up articles left between stages. Errors about
one feed or one page are recorded on that feed or article and never stop the round.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlsplit

import httpx
import numpy as np

from storywire import metrics
from storywire.cluster.assign import (
    ArticleFeatures,
    ClusterConfig,
    StoryClusterer,
    article_features,
)
from storywire.cluster.category import story_category
from storywire.cluster.importance import Coverage, front_rank
from storywire.cluster.topics import story_topics
from storywire.config import Settings
from storywire.dedupe import fingerprint, is_copy, is_near_duplicate, normalise, shingles
from storywire.errors import ExtractError, FetchError, ParseError
from storywire.extract import workers
from storywire.extract.article import ExtractedArticle, extract_article
from storywire.extract.language import identify_language
from storywire.extract.opinion import classify_kind
from storywire.extract.urls import MAX_URL_LENGTH, canonical_url, http_url, site
from storywire.models import (
    Article,
    ArticleKind,
    CitedText,
    Feed,
    Membership,
    OpinionItem,
    Outlet,
    RawDocument,
    Stage,
    Story,
    StoryRevision,
    StoryStatus,
    TextSource,
)
from storywire.nlp.embed import Embedder, default_embedder
from storywire.nlp.features import embedding_text
from storywire.sources.feeds import FeedEntry, ParsedFeed, linked_entries, parse_feed
from storywire.sources.fetch import Fetcher, FetchPolicy, FetchResult, HTTPStatusError
from storywire.sources.schedule import Outcome, SchedulePolicy, next_check
from storywire.store import db, repo
from storywire.timestamps import not_in_future
from storywire.write.extractive import ExtractiveWriter, SourceArticle, WrittenStory
from storywire.write.llm import LLMWriter
from storywire.write.revisions import changes, worth_a_revision
from storywire.write.timeline import Coverage as TimelinePoint
from storywire.write.timeline import coverage_svg

log = logging.getLogger(__name__)

# How a story split off another is linked to it (shown as "related event"); the clusterer never
# merges such a pair again, across restarts too.
SPLIT_LINK = "related-event"
# How a story is linked to an earlier story of the same ongoing saga (its thread).
THREAD_LINK = "same-thread"


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


class StoryWriter(Protocol):
    def write(
        self, articles: Sequence[SourceArticle], words: int | None = None
    ) -> WrittenStory: ...


def story_writer(settings: Settings) -> Callable[[Embedder], StoryWriter]:
    """The extractive writer, or the LLM writer (falling back to it) when one is configured."""
    base_url, model = settings.llm_base_url, settings.llm_model
    if not (base_url and model):
        return ExtractiveWriter

    def llm(embedder: Embedder) -> StoryWriter:
        return LLMWriter(
            base_url,
            model,
            settings.llm_api_key,
            fallback=ExtractiveWriter(embedder),
            timeout=settings.llm_timeout,
            response_format=settings.llm_response_format,
        )

    return llm


def fetch_policy(settings: Settings) -> FetchPolicy:
    return FetchPolicy(
        user_agent=settings.user_agent,
        allow_loopback=settings.allow_loopback,
        total_timeout=settings.fetch_total_timeout,
        max_bytes=settings.fetch_max_bytes,
        host_concurrency=settings.fetch_host_concurrency,
        host_delay=settings.fetch_host_delay,
        ports=tuple(settings.fetch_ports),
    )


def schedule_policy(settings: Settings) -> SchedulePolicy:
    return SchedulePolicy(max_failures=settings.feed_max_failures)


@dataclass
class StoryReport:
    embedded: int = 0
    clustered: int = 0
    new_stories: int = 0
    merged: int = 0
    split: int = 0
    revised: int = 0
    touched: set[int] = field(default_factory=set)


class StoryDetector:
    """The story stages: embed deduplicated articles, then assign them to stories.

    It keeps the online clusterer in memory between rounds and rebuilds it from the database
    once per process, so a restart re-decides nothing.
    """

    def __init__(
        self,
        sessions: db.Sessions,
        embedder: Callable[[], Embedder] = default_embedder,
        config: ClusterConfig | None = None,
        writer: Callable[[Embedder], StoryWriter] = ExtractiveWriter,
        claim_lease: float = 300.0,
        embed_batch: int = 256,
    ) -> None:
        self.sessions = sessions
        self._embedder_factory = embedder
        self._writer_factory = writer
        self.cluster_config = config or ClusterConfig()
        self.claim_lease = claim_lease
        self.embed_batch = embed_batch
        self._clusterer: StoryClusterer | None = None

    def forget(self) -> None:
        """Drop the clusterer held in memory; the next round rebuilds it from the database. A
        worker that takes over the story lock does this: another process assigned meanwhile."""
        self._clusterer = None

    def detect(self, write: bool = True) -> StoryReport:
        """Embed deduplicated articles, assign them to stories, merge converged stories, and
        (unless `write` is off, as in an evaluation replay) write the stories that changed."""
        with metrics.STAGE_SECONDS.labels("embed").time():
            report = StoryReport(embedded=self.embed_pending())
        with metrics.STAGE_SECONDS.labels("cluster").time():
            self.cluster_pending(report)
        if write:
            # With the stories a killed run clustered but never wrote: their articles wait
            # at stage CLUSTERED, so a restart finishes them like any other stage.
            with db.transaction(self.sessions) as session:
                unwritten = repo.stories_at_stage(session, Stage.CLUSTERED)
            with metrics.STAGE_SECONDS.labels("write").time():
                report.revised = self.write_stories(report.touched | unwritten)
        story_changes = {
            "created": report.new_stories,
            "merged": report.merged,
            "split": report.split,
            "revised": report.revised,
        }
        for change, count in story_changes.items():
            metrics.STORY_CHANGES.labels(change).inc(count)
        return report

    def write_stories(self, story_ids: set[int]) -> int:
        """A new revision for each story whose text changed; returns how many. Either way its
        articles reach stage WRITTEN: the writer has taken them into account."""
        writer = self._writer_factory(self._embedder_factory())
        revised = 0
        with db.transaction(self.sessions) as session:
            outlets = repo.outlet_names(session)
        for story_id in sorted(story_ids):
            with db.transaction(self.sessions) as session:
                story = repo.get_story(session, story_id)
                if story.id != story_id:  # merged away meanwhile
                    continue
                members = [article for article, _ in repo.story_articles(session, story_id)]
                previous = repo.current_revision(session, story)
            written = writer.write([source_article(a, outlets) for a in members])
            outcome = getattr(writer, "last_outcome", None)
            if outcome is not None:
                metrics.LLM_OUTCOMES.labels(outcome).inc()
            if outcome is not None and outcome != "llm":
                log.info("LLM writer fell back", extra={"story": story_id, "outcome": outcome})
            found = changes(previous, written)
            new = worth_a_revision(previous, found)
            when = max(_when(a) for a in members)
            with db.transaction(self.sessions) as session:
                if new:
                    repo.add_revision(session, _revision(story_id, written, found, when))
                repo.set_stage(
                    session,
                    [a.id or 0 for a in members if a.stage is not Stage.WRITTEN],
                    Stage.WRITTEN,
                )
            revised += int(new)
        return revised

    def embed_pending(self) -> int:
        """Embed deduplicated articles, a claimed batch at a time, until none is left unclaimed."""
        embedder = self._embedder_factory()
        done = 0
        while True:
            with db.transaction(self.sessions) as session:
                lease = repo.Lease.of(self.claim_lease)
                pending = repo.claim_articles(session, Stage.DEDUPED, lease, self.embed_batch)
            if not pending:
                return done
            vectors = embedder.embed([embedding_text(a.title, a.text) for a in pending])
            with db.transaction(self.sessions) as session:
                ids = [article.id or 0 for article in pending]
                repo.save_vectors(
                    session,
                    embedder.name,
                    {i: vector.tobytes() for i, vector in zip(ids, vectors, strict=True)},
                )
                repo.set_stage(session, ids, Stage.EMBEDDED)
            done += len(pending)

    def cluster_pending(self, report: StoryReport) -> None:
        """Assign every embedded article, then run the passes: one transaction per round, so
        the stored stories and the in-memory clusterer move together (after a failure the
        clusterer is rebuilt from what was committed)."""
        try:
            self._cluster_round(report)
        except BaseException:
            self._clusterer = None
            raise

    def _cluster_round(self, report: StoryReport) -> None:
        clusterer = self._clusterer_state()
        model = self._embedder_factory().name
        with db.transaction(self.sessions) as session:
            pending = repo.articles_at_stage(session, Stage.EMBEDDED, limit=1_000_000)
            stored = repo.vectors(session, [a.id or 0 for a in pending], model)
            pending.sort(key=lambda a: (_when(a), a.id or 0))
            joined: list[Membership] = []
            for article in pending:
                features = _features(article, stored.get(article.id or 0))

                def new_story(article: Article = article) -> int:
                    return _create_story(session, article)

                decision = clusterer.assign(features, new_id=new_story)
                when = _when(article)
                joined.append(
                    Membership(
                        decision.story_id,
                        article.id or 0,
                        joined_at=when,
                        reason=decision.reason,
                        score=decision.score,
                    )
                )
                if decision.follows is not None:
                    repo.link_stories(
                        session, decision.story_id, decision.follows, "follow-up", when
                    )
                report.clustered += 1
                report.new_stories += decision.created
                report.touched.add(decision.story_id)
            repo.add_memberships(session, joined)
            repo.set_stage(session, [m.article_id for m in joined], Stage.CLUSTERED)
            now = datetime.now(UTC)

            def split_story(first: int) -> int:
                return _create_story(session, repo.articles_by_ids(session, [first])[0])

            merges, splits = clusterer.passes(set(report.touched), new_id=split_story)
            for gone, keep in merges:
                repo.move_memberships(session, gone, keep, now)
                report.touched.discard(gone)
                report.touched.add(keep)
            report.merged = len(merges)
            for split in splits:
                repo.move_articles(
                    session,
                    list(split.moved),
                    split.story_id,
                    split.new_story_id,
                    now,
                    f"split from story {split.story_id}",
                )
                repo.link_stories(session, split.new_story_id, split.story_id, SPLIT_LINK, now)
                report.touched.add(split.new_story_id)
                report.split += 1
            for story_id, earlier in clusterer.thread_links(report.touched):
                repo.link_stories(session, story_id, earlier, THREAD_LINK, now)
            repo.recount(session, report.touched)
            _refresh_stories(session, report.touched, clusterer.dormant_ids())

    def _clusterer_state(self) -> StoryClusterer:
        """The clusterer, rebuilt once per process from the stories still inside the window."""
        if self._clusterer is not None:
            return self._clusterer
        clusterer = StoryClusterer(self.cluster_config)
        model = self._embedder_factory().name
        with db.transaction(self.sessions) as session:
            latest = repo.latest_article_time(session)
            since = (latest or datetime.now(UTC)) - self.cluster_config.window * 2
            for story, member_ids in repo.stories_active_since(session, since):
                members = repo.articles_by_ids(session, member_ids)
                stored = repo.vectors(session, member_ids, model)
                features = [_features(a, stored.get(a.id or 0)) for a in members]
                dormant = story.status is StoryStatus.DORMANT
                clusterer.restore(story.id or 0, sorted(features, key=lambda f: f.id), dormant)
            for story_id, related_id in repo.linked_pairs(session, SPLIT_LINK):
                clusterer.keep_apart(story_id, related_id)
        self._clusterer = clusterer
        return clusterer


def source_article(article: Article, outlets: dict[int | None, str]) -> SourceArticle:
    """A stored article as the writers read it, with its outlet's name."""
    return SourceArticle(
        id=article.id or 0,
        title=article.title,
        text=article.text,
        outlet=outlets.get(article.outlet_id, "unknown outlet"),
        published=_when(article),
        author=article.authors[0] if article.authors else None,
        opinion=article.kind is ArticleKind.OPINION,
        dup_group=article.near_dup_group,
        language=article.language,
    )


def _revision(
    story_id: int, written: WrittenStory, found: dict[str, list[str]], when: datetime
) -> StoryRevision:
    return StoryRevision(
        story_id=story_id,
        number=0,
        created_at=when,
        headline=written.headline,
        highlights=[CitedText(h.text, h.citations) for h in written.highlights],
        body=[CitedText(s.text, s.citations) for s in written.story],
        opinions=[
            OpinionItem(o.article_id, o.outlet, o.author, o.title, o.gist) for o in written.opinions
        ],
        changes=found,
    )


def _when(article: Article) -> datetime:
    return article.published_at or article.fetched_at or datetime.now(UTC)


def _features(article: Article, vector: bytes | None) -> ArticleFeatures:
    if vector is None:
        raise ValueError(f"article {article.id} has no stored vector")
    return article_features(
        article.id or 0,
        article.title,
        article.text,
        np.frombuffer(vector, dtype=np.float32),
        published=_when(article),
        language=article.language,
        outlet=str(article.outlet_id) if article.outlet_id is not None else None,
        dup_group=article.near_dup_group,
    )


def _create_story(session: db.Session, article: Article) -> int:
    when = _when(article)
    story = repo.add_story(
        session,
        Story(
            slug=f"pending-{article.id}",
            headline=article.title,
            published_at=when,
            updated_at=when,
        ),
    )
    story.slug = f"{slugify(article.title)}-{story.id}"
    repo.save_story(session, story)
    return story.id or 0


def _refresh_stories(session: db.Session, story_ids: set[int], dormant: set[int]) -> None:
    """Coverage-derived fields of touched stories: times, status, category, importance, lead
    image and topics."""
    feed_categories = {feed.id: feed.category for feed in repo.list_feeds(session)}
    names = repo.outlet_names(session)
    for story_id in sorted(story_ids):
        story = repo.get_story(session, story_id)
        members = [article for article, _ in repo.story_articles(session, story_id)]
        if not members:
            continue
        times = [_when(a) for a in members]
        story.published_at = min(times)
        if story.current_revision_id is None:
            story.updated_at = max(times)
        story.status = StoryStatus.DORMANT if story_id in dormant else StoryStatus.ACTIVE
        story.category = story_category(
            [a.section for a in members], [feed_categories.get(a.feed_id) for a in members]
        )
        story.front_rank = front_rank(
            [Coverage(a.outlet_id, _when(a), a.near_dup_group, a.id or 0) for a in members]
        )
        news = [a for a in members if a.kind is ArticleKind.NEWS]
        pictured = next((a for a in news if a.image_url), None)
        story.image_url = pictured.image_url if pictured else None
        story.image_alt = pictured.title if pictured else None
        # Most stories are one outlet's article and stay so: their chart is drawn if someone
        # opens the page (web.views), and topics need names from two outlets.
        several = len({a.outlet_id for a in members}) >= 2
        story.timeline_svg = (
            coverage_svg(
                [TimelinePoint(_when(a), names.get(a.outlet_id, "Unknown outlet")) for a in members]
            )
            if several
            else None
        )
        repo.save_story(session, story)
        topics = (
            story_topics(
                [(a.title, a.text) for a in news],
                [a.outlet_id for a in news],
                [a.language for a in news],
            )
            if several
            else []
        )
        repo.save_topics(session, story_id, topics)


def slugify(title: str, limit: int = 60) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:limit].rstrip("-") or "story"


def _read_feed(result: FetchResult) -> ParsedFeed:
    """The fetched feed, parsed. A parser bug met on one feed (any exception but ParseError)
    fails that feed only, logged with its traceback, instead of every round that meets it."""
    try:
        return linked_entries(parse_feed(result.body, result.final_url, result.content_type))
    except ParseError:
        raise
    except Exception as exc:
        log.exception("feed parser failed", extra={"feed": result.final_url})
        raise ParseError(f"{result.final_url}: the parser failed ({exc!r})") from exc


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
    ) -> None:
        """`shared`: other processes (`storywire worker`) work on this database too. A process
        that is not shared is the only one, so at each round it frees the claims a killed run
        left, rather than waiting `claim_lease` seconds for them to lapse."""
        self.sessions = sessions
        self.policy = policy
        self.transport = transport
        self.extract_workers = extract_workers
        self.extract_limits = (extract_timeout, extract_memory)
        self._pool: workers.ExtractionPool | None = None
        self.schedule = schedule or SchedulePolicy()
        self.now = now
        self.feed_concurrency = feed_concurrency
        self.claim_lease = claim_lease
        self.shared = shared
        self.stories = StoryDetector(sessions, embedder, cluster_config, writer, claim_lease)

    @classmethod
    def from_settings(
        cls, settings: Settings, sessions: db.Sessions, shared: bool = False
    ) -> Pipeline:
        return cls(
            sessions,
            fetch_policy(settings),
            schedule_policy(settings),
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

    # ------------------------------------------------------------------------------- feeds

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
            checked.update(feed.id or 0 for feed in found)
            return found[0] if found else None

        with self.extraction():
            async with Fetcher(self.policy, transport=self.transport) as fetcher:

                async def checker() -> None:
                    while (feed := claim()) is not None:
                        result = await self.refresh_feed(fetcher, feed)
                        report.feeds.append(result)
                        if progress:
                            progress(result)

                await asyncio.gather(*(checker() for _ in range(self.feed_concurrency)))
                await self.resume(fetcher)
        return report

    @contextmanager
    def extraction(self) -> Iterator[None]:
        """Extraction workers for the block (a round, or a worker's whole life).

        Extraction is CPU work (about 60 ms a page): worker processes keep it off the event
        loop's single thread, so fetching, the database and extraction use every core, and a
        hostile page meets a time and memory limit there (extract/workers.py)."""
        if self._pool is not None or not self.extract_workers:
            yield
            return
        self._pool = workers.ExtractionPool(self.extract_workers, *self.extract_limits)
        try:
            yield
        finally:
            self._pool.close()
            self._pool = None

    async def refresh_feed(self, fetcher: Fetcher, feed: Feed) -> FeedReport:
        report = FeedReport(feed.url)
        try:
            result = await fetcher.fetch_feed(feed.url, feed.etag, feed.last_modified)
            parsed = None if result.not_modified else _read_feed(result)
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
        feed = self._adopt_feed_metadata(feed, parsed)
        new = self._store_entries(feed, parsed)
        report.new_articles = len(new)
        self._save_feed(next_check(feed, Outcome(new_items=len(new)), self.now(), self.schedule))
        await asyncio.gather(*(self._complete(fetcher, article) for article in new))
        return report

    def _adopt_feed_metadata(self, feed: Feed, parsed: ParsedFeed) -> Feed:
        """Give a feed its title and an outlet the first time it is read."""
        if feed.outlet_id is not None and feed.title:
            return feed
        with db.transaction(self.sessions) as session:
            if feed.outlet_id is None:
                name = parsed.title or urlsplit(feed.url).netloc
                homepage = feed_homepage(feed.url, parsed.home_url)
                outlet = repo.ensure_outlet(
                    session,
                    Outlet(
                        name=name,
                        homepage=homepage,
                        slug=outlet_slug(homepage),
                        language=parsed.language,
                    ),
                )
                feed = replace(feed, outlet_id=outlet.id)
        return replace(feed, title=feed.title or parsed.title)

    def _store_entries(self, feed: Feed, parsed: ParsedFeed) -> list[Article]:
        """New entries become articles at stage FETCHED, with the feed's title and summary."""
        new: list[Article] = []
        for entry in parsed.entries:  # each with a web link: sources.feeds.linked_entries
            stored, created = self.store_entry(feed, entry)
            if created:
                new.append(stored)
        return new

    def store_entry(self, feed: Feed, entry: FeedEntry) -> tuple[Article, bool]:
        """One feed entry as an article at stage FETCHED (or the article its URL already is),
        claimed by this process, which fetches its page next."""
        article = _article_from_entry(entry, feed, self.now())
        with db.transaction(self.sessions) as session:
            return repo.add_article(session, article, claim=self._lease().until)

    def _lease(self) -> repo.Lease:
        return repo.Lease.of(self.claim_lease)

    def _save_feed(self, feed: Feed) -> None:
        with db.transaction(self.sessions) as session:
            repo.save_feed_state(session, feed)

    # ----------------------------------------------------------------------------- articles

    async def resume(self, fetcher: Fetcher) -> int:
        """Finish articles a previous run (or a dead worker) left between stages, claiming
        them first; returns how many."""
        with db.transaction(self.sessions) as session:
            fetched = repo.claim_articles(session, Stage.FETCHED, self._lease(), 1000)
            extracted = repo.claim_articles(session, Stage.EXTRACTED, self._lease(), 1000)
        await asyncio.gather(*(self._complete(fetcher, article) for article in fetched))
        for article in extracted:
            self._dedupe(article)
        return len(fetched) + len(extracted)

    async def _complete(self, fetcher: Fetcher, article: Article) -> None:
        """Fetch and extract the article's page, then dedupe it; each step committed."""
        try:
            page = await fetcher.fetch_page(article.url)
            extracted = await self._extract(page.text(), page.final_url)
        except (FetchError, ExtractError) as exc:
            metrics.PAGES.labels(metrics.failure(exc)).inc()
            log.info("keeping the feed's text", extra={"url": article.url, "error": str(exc)})
            self.finish_from_feed(replace(article, error=str(exc)))
            return
        metrics.PAGES.labels("extracted").inc()
        article = _apply_extraction(article, extracted, self.now())
        with db.transaction(self.sessions) as session:
            article = repo.save_article(session, article)
        self._dedupe(article)

    def finish_from_feed(self, article: Article) -> Article:
        """Carry a fetched article through extraction and dedupe on the feed's text alone: what
        happens when its page cannot be read, and all that a replayed stream of feed items has."""
        article = _without_page(replace(article, text_source=TextSource.FEED))
        with db.transaction(self.sessions) as session:
            return dedupe_article(session, article)

    async def _extract(self, html: str, url: str) -> ExtractedArticle:
        if self._pool is None:  # extract_workers = 0: in this process, without limits
            return extract_article(html, url)
        return await self._pool.extract(html, url)

    def _dedupe(self, article: Article) -> Article:
        with db.transaction(self.sessions) as session:
            article = dedupe_article(session, article)
        return article

    # ------------------------------------------------------------------------------ imports

    def ingest_document(self, document: RawDocument) -> tuple[Article, bool]:
        """Store one imported document (JSONL, WARC) through extraction and dedupe; idempotent."""
        with db.transaction(self.sessions) as session:
            existing = repo.get_article_by_url(session, canonical_url(document.url))
        if existing is not None:
            return existing, False
        return self.store_prepared(document, prepare_document(document, self.now()))

    def store_prepared(
        self, document: RawDocument, article: Article, vector: Vector | None = None
    ) -> tuple[Article, bool]:
        """Store an article `prepare_document` made from `document`, under its outlet, and dedupe
        it. A `vector` embedded from the prepared text (the backfill embeds in parallel) is
        kept, and the article goes straight to EMBEDDED, unless dedupe changed its text."""
        with db.transaction(self.sessions) as session:
            outlet_id = self._outlet_for(session, document)
            stored, created = repo.add_article(
                session, replace(article, outlet_id=outlet_id), claim=self._lease().until
            )
        if not created:
            return stored, False
        stored = self._dedupe(stored)
        if vector is not None and (stored.title, stored.text) == (article.title, article.text):
            with db.transaction(self.sessions) as session:
                repo.save_vectors(session, vector.model, {stored.id or 0: vector.data})
                repo.set_stage(session, [stored.id or 0], Stage.EMBEDDED)
            stored = replace(stored, stage=Stage.EMBEDDED)
        return stored, True

    async def ingest_url(self, fetcher: Fetcher, url: str) -> tuple[Article, bool]:
        """Store a single article page by URL (fetched politely, then as an import)."""
        with db.transaction(self.sessions) as session:
            existing = repo.get_article_by_url(session, canonical_url(url))
        if existing is not None:
            return existing, False
        page = await fetcher.fetch_page(url)
        return self.ingest_document(RawDocument(url=page.final_url, html=page.text()))

    def _outlet_for(self, session: db.Session, document: RawDocument) -> int | None:
        parts = urlsplit(document.url)
        homepage = f"{parts.scheme}://{parts.netloc}/"
        name = document.outlet or parts.netloc
        if not parts.netloc and not document.outlet:
            return None
        outlet = repo.ensure_outlet(
            session,
            Outlet(
                name=name, homepage=homepage, slug=outlet_slug(homepage if parts.netloc else name)
            ),
        )
        return outlet.id


@dataclass(frozen=True)
class Vector:
    """An article's embedding as stored: the model's name and the float32 bytes."""

    model: str
    data: bytes


def prepare_document(document: RawDocument, now: datetime) -> Article:
    """An imported document as an article ready to store: its page extracted (or its given
    text), not yet stored, deduplicated or given an outlet. CPU work and no I/O, so the
    backfill runs it in parallel; ExtractError when there is no text to import."""
    if len(document.url) > MAX_URL_LENGTH:
        raise ExtractError(f"{document.url[:100]}…: a URL longer than {MAX_URL_LENGTH} characters")
    article = Article(
        url=document.url,
        canonical_url=canonical_url(document.url),
        title=document.title or "",
        text=document.text or "",
        authors=list(document.authors),
        published_at=not_in_future(document.published, now),
        fetched_at=now,
        summary=document.summary,
        text_source=TextSource.IMPORT,
    )
    if document.html:
        try:
            extracted = extract_article(document.html, document.url)
        except ExtractError as exc:
            if not article.text:
                raise
            log.info("import: using the given text", extra={"url": document.url, "error": exc})
        else:
            article = _apply_extraction(article, extracted, now)
            article.text_source = TextSource.IMPORT
    if not article.text.strip():
        raise ExtractError(f"{document.url}: no text to import")
    if article.stage is Stage.FETCHED:
        article = _without_page(article)
    return article


def dedupe_article(session: db.Session, article: Article) -> Article:
    """Put the article in its near-duplicate group (the group id is its first member's id).

    A page whose text is its outlet's boilerplate (the same text as another of the outlet's
    articles under another headline: a paywall, consent or error page) is not the article's
    text: the article falls back to its feed description, and is grouped on that.

    Workers dedupe one article at a time (an advisory lock for the transaction): two copies
    deduped at once would not see each other. The article's claim ends here."""
    assert article.id is not None
    repo.serialise(session, db.Lock.DEDUPE)
    mark = fingerprint(article.text)
    same = repo.find_articles_by_hash(session, mark.content_hash, exclude=article.id)
    if article.text_source is TextSource.PAGE and any(
        other.outlet_id == article.outlet_id and normalise(other.title) != normalise(article.title)
        for other in same
    ):
        article = replace(article, text=article.summary or "", text_source=TextSource.FEED)
        mark = fingerprint(article.text)
        same = repo.find_articles_by_hash(session, mark.content_hash, exclude=article.id)
    candidates = same + [
        other
        for other in repo.articles_by_ids(
            session, repo.articles_sharing_bands(session, list(mark.bands), article.id or 0)
        )
        if other.content_hash != mark.content_hash
    ]
    group: int | None = None
    for other in candidates:
        exact = other.content_hash == mark.content_hash
        if is_copy(
            article.text,
            other.text,
            exact,
            not exact and is_near_duplicate(mark.shingles, shingles(other.text)),
            same_outlet=other.outlet_id == article.outlet_id,
            title_a=article.title,
            title_b=other.title,
        ):
            group = other.near_dup_group or other.id
            break
    article = replace(
        article,
        content_hash=mark.content_hash,
        near_dup_group=group or article.id,
        stage=Stage.DEDUPED,
    )
    repo.save_bands(session, article.id or 0, list(mark.bands))
    repo.release_articles(session, [article.id or 0])
    return repo.save_article(session, article)


def feed_homepage(feed_url: str, claimed: str | None) -> str:
    """The homepage of a feed's outlet: the one the feed claims when it is on the feed's own
    site, else the feed's origin. A feed naming another site's homepage would otherwise be
    filed under that site's outlet."""
    if claimed and site(claimed) == site(feed_url):
        return claimed
    parts = urlsplit(feed_url)
    return f"{parts.scheme}://{parts.netloc}/"


def outlet_slug(value: str) -> str:
    """A stable outlet key from its homepage (host and port) or name."""
    parts = urlsplit(value)
    base = parts.netloc or value
    base = base.lower().removeprefix("www.")
    return re.sub(r"[^a-z0-9]+", "-", base).strip("-") or "outlet"


def _article_from_entry(entry: FeedEntry, feed: Feed, now: datetime) -> Article:
    url = entry.url or ""
    return Article(
        url=url,
        canonical_url=canonical_url(url),
        title=entry.title,
        text=entry.summary or "",
        summary=entry.summary,
        outlet_id=feed.outlet_id,
        feed_id=feed.id,
        authors=list(entry.authors),
        published_at=not_in_future(entry.published, now),
        updated_at=not_in_future(entry.updated, now),
        fetched_at=now,
        section=entry.categories[0] if entry.categories else None,
        image_url=http_url(entry.image),
        stage=Stage.FETCHED,
        text_source=TextSource.FEED,
    )


def _without_page(article: Article) -> Article:
    """An article whose text did not come from its page (feed summary, given text): its
    language and kind come from what we have, the URL, title and section included."""
    language = identify_language(f"{article.title}. {article.text}")
    kind, reason = classify_kind(
        url=article.url,
        title=article.title,
        section=article.section,
        text=article.text,
        language=language,
    )
    return replace(article, language=language, kind=kind, kind_reason=reason, stage=Stage.EXTRACTED)


def _apply_extraction(article: Article, page: ExtractedArticle, now: datetime) -> Article:
    """Page text and metadata over the feed's, keeping the feed's values where the page has none."""
    return replace(
        article,
        title=page.title or article.title,
        text=page.text,
        authors=list(page.authors) or article.authors,
        published_at=article.published_at or not_in_future(page.published, now),
        updated_at=not_in_future(page.updated, now) or article.updated_at,
        fetched_at=now,
        language=page.language,
        section=page.section or article.section,
        kind=page.kind,
        kind_reason=page.kind_reason,
        image_url=http_url(page.image, base=article.url) or article.image_url,
        summary=article.summary or page.description,
        stage=Stage.EXTRACTED,
        text_source=TextSource.PAGE,
        error=None,
    )
