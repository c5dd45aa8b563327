"""The story stages: embed deduplicated articles, assign them to stories (cluster/assign.py
decides), run the merge, split and thread passes, then write the stories that changed.

The service, `storywire cluster`, the stream benchmark and the backfill all run these stages
through `StoryDetector`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache

import numpy as np
from threadpoolctl import ThreadpoolController

from storywire import metrics, quarantine
from storywire.cluster.assign import ArticleFeatures, StoryClusterer, article_features
from storywire.cluster.config import ClusterConfig
from storywire.models import (
    Article,
    JoinReason,
    LinkKind,
    Membership,
    Stage,
    Story,
    StoryStatus,
)
from storywire.nlp.embed import (
    ArticleModels,
    EmbedAhead,
    Embedder,
    Vectors,
    default_bridge,
    default_embedder,
)
from storywire.slugs import story_slug
from storywire.store import db, repo
from storywire.stories.refresh import refresh_stories
from storywire.stories.writing import StoryWriter, write_stories
from storywire.write.extractive import ExtractiveWriter

# Member articles read per query when the clusterer is rebuilt from the database, and
# embedded articles read at a time for assignment.
RESTORE_BATCH = ASSIGN_BATCH = 2000
# Articles that may fail assignment in one round before the round gives up: past that the fault
# is the clusterer's, not the articles'.
MAX_CLUSTER_FAILURES = 10


class _AssignmentError(Exception):
    """Assigning one article raised: the round is rolled back and the article counted."""

    def __init__(self, article_id: int, error: Exception) -> None:
        super().__init__(f"assigning article {article_id} failed: {error!r}")
        self.article_id, self.error = article_id, error


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
        bridge: Callable[[], Embedder | None] = default_bridge,
        ahead_threads: int | None = None,
    ) -> None:
        """`bridge`: the multilingual embedder whose vectors compare articles across languages
        (None: only names and numbers do). `ahead_threads`: threads that embed articles as they
        are deduplicated (`EmbedAhead`; None: one per core, 0: none)."""
        self.sessions = sessions
        self._embedder_factory = embedder
        self._bridge_factory = bridge
        self._writer_factory = writer
        self.cluster_config = config or ClusterConfig()
        self.claim_lease = claim_lease
        self.embed_batch = embed_batch
        self._clusterer: StoryClusterer | None = None
        self._writer: StoryWriter | None = None
        self._ahead = EmbedAhead(ahead_threads)

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
        """Write the stories (stories/writing.py); returns how many got a new revision. The
        writer is made once and kept: it keeps what it embedded for the next rewrite."""
        if self._writer is None:
            self._writer = self._writer_factory(self._embedder_factory())
        return write_stories(self.sessions, self._writer, story_ids)

    def embed_ahead(self, article: Article) -> None:
        """Start the main model on a just-deduplicated article in the background; the embed
        stage takes its vector (nlp/embed.py, `EmbedAhead`). Copies and later stages skip it."""
        if article.stage is Stage.DEDUPED:
            self._ahead.start(self._embedder_factory(), article.matched_title, article.text)

    def embed_pending(self) -> int:
        """Embed deduplicated articles, a claimed batch at a time, until none is left unclaimed."""
        models = ArticleModels(self._embedder_factory(), self._bridge_factory())
        done = 0
        while True:
            with db.transaction(self.sessions) as session:
                lease = repo.Lease.of(self.claim_lease)
                pending = repo.claim_articles(session, Stage.DEDUPED, lease, self.embed_batch)
            if not pending:
                self._ahead.forget()
                return done
            pending, vectors = self._embedded(models, pending)
            with db.transaction(self.sessions) as session:
                ids = [article.id for article in pending]
                for model, rows in vectors.items():
                    repo.save_vectors(
                        session,
                        model,
                        {i: vector.tobytes() for i, vector in zip(ids, rows, strict=True)},
                    )
                repo.set_stage(session, ids, Stage.EMBEDDED)
            done += len(pending)

    def _embedded(
        self, models: ArticleModels, pending: list[Article]
    ) -> tuple[list[Article], dict[str, Vectors]]:
        """The batch's vectors; when the batch fails, each article's alone (the same vectors),
        so that an article the models fail on is counted (quarantine.py) and the rest go on."""
        pairs = [(a.matched_title, a.text) for a in pending]
        try:
            return pending, models.embed(pairs, self._ahead.take(pairs))
        except Exception as exc:
            if not quarantine.input_failure(exc):
                raise
        kept: list[Article] = []
        rows: dict[str, list[Vectors]] = {}
        for article in pending:
            try:
                alone = models.embed([(article.matched_title, article.text)])
            except Exception as exc:
                if not quarantine.input_failure(exc):
                    raise
                quarantine.record(self.sessions, [article.id], "embed", exc)
                continue
            kept.append(article)
            for model, vectors in alone.items():
                rows.setdefault(model, []).append(vectors)
        return kept, {model: np.concatenate(parts) for model, parts in rows.items()}

    def cluster_pending(self, report: StoryReport) -> None:
        """Assign every embedded article, then run the passes: one transaction per round, so
        the stored stories and the in-memory clusterer move together (after a failure the
        clusterer is rebuilt from what was committed). When assigning one article fails for a
        reason of its own, the failure is counted on it (quarantine.py) and the round is run
        again, until it is quarantined: the articles behind it are assigned all the same.

        The clusterer's products are small (a vector against a few thousand centroids), where
        BLAS threads cost more to wake than they save, and on a busy machine they wait for
        cores the embedder or the reader holds: one thread made the gn24 replay
        (`bench/stream.py`) 1.2x faster end to end."""
        for tries_left in range(MAX_CLUSTER_FAILURES, -1, -1):
            attempt = replace(report, touched=set())
            try:
                with _blas().limit(limits=1, user_api="blas"):
                    self._cluster_round(attempt)
            except _AssignmentError as failed:
                self._clusterer = None
                if not tries_left:
                    raise
                quarantine.record(self.sessions, [failed.article_id], "cluster", failed.error)
                continue
            except BaseException:
                self._clusterer = None
                raise
            for name, value in vars(attempt).items():
                setattr(report, name, value)
            return

    def _cluster_round(self, report: StoryReport) -> None:
        clusterer = self._clusterer_state()
        with db.transaction(self.sessions) as session:
            joined: list[Membership] = []
            for article, vectors in self._in_arrival_order(session):
                try:
                    decision = clusterer.assign(_features(article, *vectors))
                except Exception as exc:  # nothing here touches the database: the article's
                    raise _AssignmentError(article.id, exc) from exc
                when = article.when
                if decision.created:
                    _create_story(session, decision.story_id, article)
                joined.append(
                    Membership(
                        decision.story_id,
                        article.id,
                        joined_at=when,
                        reason=decision.reason,
                        score=decision.score,
                    )
                )
                if decision.follows is not None:
                    repo.link_stories(
                        session, decision.story_id, decision.follows, LinkKind.FOLLOW_UP, when
                    )
                report.clustered += 1
                report.new_stories += decision.created
                report.touched.add(decision.story_id)
            repo.add_memberships(session, joined)
            repo.set_stage(session, [m.article_id for m in joined], Stage.CLUSTERED)
            now = datetime.now(UTC)
            merges, splits = clusterer.passes(set(report.touched))
            for gone, keep in merges:
                repo.move_memberships(session, gone, keep, now)
                report.touched.discard(gone)
                report.touched.add(keep)
            report.merged = len(merges)
            for split in splits:
                moved = repo.articles_by_ids(session, list(split.moved))
                _create_story(session, split.new_story_id, min(moved, key=_arrival))
                repo.move_articles(
                    session,
                    list(split.moved),
                    split.story_id,
                    split.new_story_id,
                    now,
                    JoinReason.SPLIT,
                )
                # Never merged again, across restarts too (`keep_apart` below).
                repo.link_stories(
                    session, split.new_story_id, split.story_id, LinkKind.RELATED_EVENT, now
                )
                report.touched.add(split.new_story_id)
                report.split += 1
            for story_id, earlier in clusterer.thread_links(report.touched):
                repo.link_stories(session, story_id, earlier, LinkKind.SAME_THREAD, now)
            repo.recount(session, report.touched)
            refresh_stories(session, report.touched, clusterer.dormant_ids())

    def _in_arrival_order(
        self, session: db.Session
    ) -> Iterator[tuple[Article, tuple[bytes | None, bytes | None]]]:
        """The embedded articles with their vectors, in the order they arrived, read
        `ASSIGN_BATCH` at a time: a backlog of 20,000 is never in memory at once."""
        now = datetime.now(UTC)
        queue = sorted(
            repo.arrivals_at_stage(session, Stage.EMBEDDED),
            key=lambda item: (item[1] or now, item[0]),
        )
        for start in range(0, len(queue), ASSIGN_BATCH):
            ids = [article_id for article_id, _ in queue[start : start + ASSIGN_BATCH]]
            articles = {a.id: a for a in repo.articles_by_ids(session, ids)}
            stored = self._vectors(session, ids)
            for article_id in ids:
                yield articles[article_id], stored(article_id)

    def _clusterer_state(self) -> StoryClusterer:
        """The clusterer, rebuilt once per process from the stories still inside the window;
        its new stories take ids past every stored one."""
        if self._clusterer is not None:
            return self._clusterer
        bridge = self._bridge_factory()
        with db.transaction(self.sessions) as session:
            clusterer = StoryClusterer(
                self.cluster_config,
                dim=self._embedder_factory().dim,
                first_id=repo.last_story_id(session) + 1,
                bridge_dim=bridge.dim if bridge else None,
            )
            latest = repo.latest_article_time(session)
            since = (latest or datetime.now(UTC)) - self.cluster_config.window * 2
            active = repo.stories_active_since(session, since)
            for batch in _batches(active, RESTORE_BATCH):
                ids = [i for _, member_ids in batch for i in member_ids]
                articles = {a.id: a for a in repo.articles_by_ids(session, ids)}
                stored = self._vectors(session, ids)
                for story, member_ids in batch:
                    features = [_features(articles[i], *stored(i)) for i in member_ids]
                    dormant = story.status is StoryStatus.DORMANT
                    clusterer.restore(story.id, features, dormant)
            for story_id, related_id in repo.linked_pairs(session, LinkKind.RELATED_EVENT):
                clusterer.keep_apart(story_id, related_id)
            clusterer.threads.restore(repo.story_threads(session), clusterer.stories)
        self._clusterer = clusterer
        return clusterer

    def _vectors(
        self, session: db.Session, ids: list[int]
    ) -> Callable[[int], tuple[bytes | None, bytes | None]]:
        """An article's stored vector and multilingual vector (None where it has none: an
        article embedded before the bridge was configured is compared by names alone)."""
        main = repo.vectors(session, ids, self._embedder_factory().name)
        bridge = self._bridge_factory()
        bridges = repo.vectors(session, ids, bridge.name) if bridge else {}
        return lambda article_id: (main.get(article_id), bridges.get(article_id))


@cache
def _blas() -> ThreadpoolController:
    """The process's BLAS libraries, found once: a new `threadpool_limits` scans every loaded
    library again, which took a second of a 90-second stream replay (597 rounds)."""
    return ThreadpoolController()


def _batches(
    stories: list[tuple[Story, list[int]]], size: int
) -> Iterator[list[tuple[Story, list[int]]]]:
    """Stories in groups of about `size` member articles, so a restore reads them a few
    queries at a time without holding every article's text at once."""
    batch: list[tuple[Story, list[int]]] = []
    held = 0
    for story in stories:
        batch.append(story)
        held += len(story[1])
        if held >= size:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


def _features(article: Article, vector: bytes | None, bridge: bytes | None) -> ArticleFeatures:
    if vector is None:
        raise ValueError(f"article {article.id} has no stored vector")
    return article_features(
        article.id,
        article.matched_title,
        article.text,
        np.frombuffer(vector, dtype=np.float32),
        published=article.when,
        language=article.language,
        outlet=str(article.outlet_id) if article.outlet_id is not None else None,
        dup_group=article.near_dup_group,
        bridge=np.frombuffer(bridge, dtype=np.float32) if bridge is not None else None,
    )


def _create_story(session: db.Session, story_id: int, first: Article) -> None:
    """Store a story the clusterer made, under its id, named after its first article."""
    when = first.when
    repo.add_story(
        session,
        Story(
            id=story_id,
            slug=story_slug(first.title, story_id),
            headline=first.title,
            published_at=when,
            updated_at=when,
        ),
    )


def _arrival(article: Article) -> tuple[datetime, int]:
    """The order the clusterer met articles in (ties by id)."""
    return article.when, article.id
