"""What storywire does, for Prometheus: counters and timings kept by the process that does the
work, and the state of the store read at scrape time.

`storywire run --metrics-port N` serves its process's counters (fetch and extraction outcomes,
stage timings, story changes, LLM outcomes); the reader's `/metrics` serves the store's state
(articles by stage, which is each stage's queue; feeds by health; stories by status) and its
own counters, so either can be scraped alone and `demo`, which does both in one process, shows
all of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from storywire.errors import BlockedAddressError, ExtractError, FetchError, ParseError
from storywire.store import db, repo

FEED_FETCHES = Counter(
    "storywire_feed_fetches", "Feed fetches by outcome: ok, not_modified or the error", ["outcome"]
)
PAGES = Counter(
    "storywire_pages",
    "Article pages by outcome: extracted, or why the feed text was kept",
    ["outcome"],
)
STAGE_SECONDS = Histogram(
    "storywire_stage_seconds",
    "Seconds per run of a pipeline stage",
    ["stage"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
STORY_CHANGES = Counter(
    "storywire_story_changes", "Stories created, merged, split and revised", ["change"]
)
FAILED_ROUNDS = Counter(
    "storywire_failed_rounds", "Rounds of storywire run stopped by a database error"
)
PRUNED = Counter(
    "storywire_pruned_articles", "Articles whose text, bands and vectors retention removed"
)
ARTICLE_FAILURES = Counter(
    "storywire_article_failures",
    "Failures of a stage on one article for a reason not the database's; at the third the "
    "article is quarantined",
    ["stage"],
)
LLM_OUTCOMES = Counter(
    "storywire_llm_outcomes", "LLM writer outcomes: llm, or why it fell back", ["outcome"]
)


def failure(exc: Exception) -> str:
    """A label for why a fetch or extraction failed: few values, so series stay few."""
    status = getattr(exc, "status", None)
    if isinstance(status, int):
        return f"http_{status // 100}xx"
    if isinstance(exc, BlockedAddressError):
        return "blocked"
    if isinstance(exc, ParseError):
        return "not_a_feed"
    if isinstance(exc, ExtractError):
        return exc.reason
    if isinstance(exc, FetchError):
        return "fetch_error"
    return type(exc).__name__


class StoreCollector(Collector):
    """Gauges read from the database at each scrape, so every reader process reports the
    same numbers whatever process did the work."""

    def __init__(self, sessions: db.Sessions) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with db.transaction(self.sessions) as session:
            stages = repo.articles_by_stage(session)
            statuses = repo.stories_by_status(session)
            feeds = repo.feed_health(session)
            latest = repo.latest_fetch_time(session)
        yield _family(
            "storywire_articles",
            "Articles by the last stage they reached (quarantined: taken by no stage)",
            "stage",
            stages,
        )
        yield _family("storywire_stories", "Stories by status", "status", statuses)
        yield _family(
            "storywire_feeds", "Feeds: ok, failing (retrying) or disabled", "state", feeds
        )
        yield GaugeMetricFamily(
            "storywire_last_fetch_timestamp_seconds",
            "When the newest article was fetched (Unix time)",
            value=_timestamp(latest),
        )


def _family(name: str, text: str, label: str, counts: dict[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, text, labels=[label])
    for value, count in counts.items():
        family.add_metric([value], count)
    return family


def _timestamp(moment: datetime | None) -> float:
    return moment.timestamp() if moment is not None else 0.0
