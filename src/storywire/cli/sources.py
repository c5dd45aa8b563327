"""Getting articles in, the first stage of the pipeline: the feeds storywire subscribes to
(`feeds add/list/remove/import-opml/export-opml`), reading them (`fetch` for one round, `run`
for rounds forever), importing files or pages (`import`), and extracting without storing
(`extract`)."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from prometheus_client import start_http_server
from rich.progress import Progress
from rich.table import Table

from storywire import metrics, retention
from storywire.backfill import Engine, backfill
from storywire.cli.common import (
    command_session,
    console,
    current_settings,
    err,
    fail,
    yield_to_readers,
)
from storywire.config import Settings
from storywire.errors import (
    ExtractError,
    FetchError,
    NotFoundError,
    ParseError,
    StorageError,
    StorywireError,
)
from storywire.extract.article import ExtractedArticle, extract_article
from storywire.ingest.imports import skipped
from storywire.ingest.outlets import ensure_outlet, origin
from storywire.models import Feed, NewFeed, RawDocument
from storywire.pipeline import FeedReport, Pipeline
from storywire.quarantine import input_failure
from storywire.sources.fetch import Fetcher, FetchPolicy, decode_html
from storywire.sources.guard import check_url
from storywire.sources.importers import read_documents
from storywire.sources.opml import OpmlFeed, parse_opml, write_opml
from storywire.store import db, repo
from storywire.worker import Worker, drained
from storywire.write.page import format_time

log = logging.getLogger(__name__)

feeds_app = typer.Typer(help="Manage the feeds storywire reads.", no_args_is_help=True)


# ------------------------------------------------------------------------------------ feeds


@feeds_app.command("add")
def feeds_add(
    url: Annotated[str, typer.Argument(help="Feed URL (RSS, Atom or JSON Feed).")],
    outlet: Annotated[
        str | None, typer.Option(help="Outlet name (default: the feed's title).")
    ] = None,
    category: Annotated[
        str | None, typer.Option(help="Section for its stories, e.g. World.")
    ] = None,
) -> None:
    """Subscribe to a feed; it is read at the next `storywire fetch`."""
    try:
        check_url(url, allow_loopback=True)
        with command_session() as session:
            outlet_id = None
            if outlet:
                outlet_id = ensure_outlet(session, outlet, origin(url), rename=True).id
            feed, created = repo.add_feed(
                session, NewFeed(url=url, outlet_id=outlet_id, category=category)
            )
    except StorywireError as exc:
        raise fail(exc) from exc
    console.print(f"{'added' if created else 'already subscribed:'} feed {feed.id} {feed.url}")


@feeds_app.command("list")
def feeds_list() -> None:
    """Feeds with their status, last error and next check."""
    try:
        with command_session() as session:
            feeds = repo.list_feeds(session)
    except StorywireError as exc:
        raise fail(exc) from exc
    table = Table("id", "feed", "status", "last checked", "next due", "last error")
    for feed in feeds:
        status = "disabled" if feed.disabled else ("failing" if feed.consecutive_failures else "ok")
        if feed.last_fetched_at is None and not feed.disabled:
            status = "new"
        table.add_row(
            str(feed.id),
            f"{feed.title or ''}\n{feed.url}".strip(),
            f"{status} ({feed.consecutive_failures})" if feed.consecutive_failures else status,
            format_time(feed.last_fetched_at) if feed.last_fetched_at else "never",
            "-" if feed.disabled else format_time(feed.next_due_at) if feed.next_due_at else "now",
            feed.last_error or "",
        )
    console.print(table)


@feeds_app.command("remove")
def feeds_remove(feed: Annotated[str, typer.Argument(help="Feed id or URL.")]) -> None:
    """Unsubscribe from a feed; its articles stay."""
    try:
        with command_session() as session:
            found = _find_feed(session, feed)
            repo.remove_feed(session, found.id)
    except StorywireError as exc:
        raise fail(exc) from exc
    console.print(f"removed feed {found.id} {found.url}")


def _find_feed(session: db.Session, key: str) -> Feed:
    found = (
        next((f for f in repo.list_feeds(session) if str(f.id) == key), None)
        if repo.is_id(key)
        else repo.get_feed_by_url(session, key)
    )
    if found is None:
        raise NotFoundError(f"no feed {key!r}")
    return found


@feeds_app.command("import-opml")
def feeds_import_opml(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Subscribe to every feed in an OPML file (folders become categories)."""
    try:
        entries = parse_opml(path.read_bytes())
        added = 0
        with command_session() as session:
            for entry in entries:
                _, created = repo.add_feed(
                    session, NewFeed(url=entry.url, title=entry.title, category=entry.category)
                )
                added += created
    except StorywireError as exc:
        raise fail(exc) from exc
    console.print(f"{added} feeds added, {len(entries) - added} already subscribed")


@feeds_app.command("export-opml")
def feeds_export_opml(
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Print (or write) every subscribed feed as OPML 2.0."""
    try:
        with command_session() as session:
            feeds = repo.list_feeds(session)
            homepages: dict[int | None, str] = {
                o.id: o.homepage for o in repo.list_outlets(session)
            }
    except StorywireError as exc:
        raise fail(exc) from exc
    document = write_opml(
        OpmlFeed(url=f.url, title=f.title, html_url=homepages.get(f.outlet_id), category=f.category)
        for f in feeds
    )
    if output:
        output.write_text(document, encoding="utf-8")
    else:
        typer.echo(document, nl=False)


# ----------------------------------------------------------------------------------- ingest


def fetch(
    all_feeds: Annotated[bool, typer.Option("--all", help="Check every feed, due or not.")] = False,
) -> None:
    """One round: check due feeds, fetch and extract new articles, group them into stories."""
    settings = current_settings()
    yield_to_readers(settings)
    try:
        with db.connect(settings.database_url) as sessions:
            _round(Pipeline.from_settings(settings, sessions), sessions, all_feeds)
    except StorywireError as exc:
        raise fail(exc) from exc


def _round(pipeline: Pipeline, sessions: db.Sessions, all_feeds: bool) -> None:
    with db.transaction(sessions) as session:
        total = len(repo.due_feeds(session, datetime.now(UTC), ignore_schedule=all_feeds))
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("checking feeds", total=total)

        def advance(report: FeedReport) -> None:
            progress.advance(task)
            if report.error:
                progress.console.print(f"[red]x[/red] {report.error}")

        result, stories = asyncio.run(pipeline.run_round(progress=advance, force=all_feeds))
    console.print(
        f"checked {len(result.feeds)} feeds: {result.new_articles} new articles, "
        f"{sum(r.not_modified for r in result.feeds)} unchanged, {len(result.errors)} failed; "
        f"stories: {stories.clustered} articles placed, {stories.new_stories} new, "
        f"{stories.merged} merged, {stories.split} split"
    )


def _graceful_stop(what: str) -> threading.Event:
    """An event SIGTERM or Ctrl-C sets, to stop after the `what` in progress; a second signal
    raises KeyboardInterrupt, to stop at once."""
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        err.print(f"{signal.Signals(signum).name}: stopping after this {what} (again: at once)")

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    return stop


@contextmanager
def _service_errors() -> Iterator[None]:
    """How `run` and `worker` end on errors: a clear message, or exit 130 on a second signal."""
    try:
        yield
    except StorywireError as exc:
        raise fail(exc) from exc
    except KeyboardInterrupt:
        err.print("stopped at once")
        raise typer.Exit(code=130) from None


def _round_failed(exc: StorageError) -> None:
    """The database went away or filled up: what was committed stays, and the next round picks
    up where this one stopped."""
    metrics.FAILED_ROUNDS.inc()
    log.error("round failed; the next one retries", extra={"error": str(exc)})
    err.print(f"[red]round failed:[/red] {exc}")


def _pruning(settings: Settings, pipeline: Pipeline) -> retention.Schedule:
    window = pipeline.stories.cluster_config.window
    return retention.Schedule(pipeline.sessions, settings.retention_days, window)


MetricsPort = Annotated[
    int | None,
    typer.Option(min=1, max=65535, help="Serve Prometheus metrics on this port (web_host)."),
]


def run(
    interval: Annotated[
        float, typer.Option(min=1, help="Seconds between rounds (feeds keep their own schedule).")
    ] = 60.0,
    rounds: Annotated[int, typer.Option(min=0, help="Stop after this many rounds (0: never).")] = 0,
    metrics_port: MetricsPort = None,
) -> None:
    """Keep fetching: a round every INTERVAL seconds over the feeds that are due.

    SIGTERM or Ctrl-C stops it after the round in progress (every step of a round commits on
    its own, so nothing is lost either way); a second one stops it at once."""
    settings = current_settings()
    yield_to_readers(settings)
    if metrics_port is not None:
        start_http_server(metrics_port, addr=settings.web_host)
    stop = _graceful_stop("round")
    done = 0
    with _service_errors(), db.connect(settings.database_url) as sessions:
        pipeline = Pipeline.from_settings(settings, sessions)
        pruning = _pruning(settings, pipeline)
        while not stop.is_set() and (rounds == 0 or done < rounds):
            try:
                _round(pipeline, sessions, all_feeds=False)
                pruning.maybe()
            except StorageError as exc:
                _round_failed(exc)
            done += 1
            if rounds == 0 or done < rounds:
                stop.wait(interval)
    console.print(f"stopped after {done} rounds")


# A worker embeds this many articles per claim: small enough that the others get a share.
WORKER_EMBED_BATCH = 32


def worker(
    interval: Annotated[
        float, typer.Option(min=0.1, help="Seconds to wait after a pass that found no work.")
    ] = 5.0,
    drain: Annotated[
        bool, typer.Option(help="Stop once no feed is due and every article is written.")
    ] = False,
    metrics_port: MetricsPort = None,
) -> None:
    """One of several processes sharing a PostgreSQL database: claims feeds and articles and
    fetches, extracts, dedupes and embeds them; the one that holds the story lock also assigns
    and writes stories, and another takes over when it dies (docs/operations.md).

    SIGTERM or Ctrl-C stops it after the pass in progress; a second one stops it at once."""
    settings = current_settings()
    yield_to_readers(settings)
    if not settings.database_url.startswith(("postgresql", "postgres")):
        raise fail(
            StorywireError(
                "workers share a PostgreSQL database; with SQLite, run one `storywire run`"
            )
        )
    if metrics_port is not None:
        start_http_server(metrics_port, addr=settings.web_host)
    stop = _graceful_stop("pass")
    passes = 0
    with (
        _service_errors(),
        db.connect(settings.database_url) as sessions,
        db.Leadership(settings.database_url, db.Lock.STORIES) as leadership,
    ):
        pipeline = Pipeline.from_settings(settings, sessions, shared=True)
        pipeline.stories.embed_batch = WORKER_EMBED_BATCH
        one = Worker(pipeline, leadership, patience=settings.cluster_wait)
        pruning = _pruning(settings, pipeline)
        with pipeline.extractor.running():
            while not stop.is_set():
                try:
                    step = asyncio.run(one.step())
                    if step.leading:
                        pruning.maybe()
                except StorageError as exc:
                    _round_failed(exc)
                    stop.wait(interval)
                    continue
                passes += 1
                if step.stories is not None:
                    console.print(
                        f"stories: {step.stories.clustered} articles placed, "
                        f"{step.stories.new_stories} new, {step.stories.revised} written"
                    )
                if drain and drained(step.backlog):
                    break
                if step.idle:
                    stop.wait(interval)
    console.print(f"stopped after {passes} passes")


def backfill_files(
    sources: Annotated[list[Path], typer.Argument(help="JSONL or WARC shards.")],
    engine: Annotated[
        Engine, typer.Option(help="local: a process pool; ray: Ray Data on a Ray cluster.")
    ] = Engine.LOCAL,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Parallel extract-and-embed workers (default: cores).")
    ] = None,
    address: Annotated[
        str | None,
        typer.Option(help="Ray cluster to join (auto, ray://HOST:10001); default: a local Ray."),
    ] = None,
) -> None:
    """Import an archive in parallel: extract and embed every document on WORKERS processes or
    a Ray cluster, then store, dedupe and assign them in publication order and write the
    stories, as `import` followed by `fetch` would."""
    settings = current_settings()
    yield_to_readers(settings)
    try:
        with db.connect(settings.database_url) as sessions:
            pipeline = Pipeline.from_settings(settings, sessions)
            report = backfill(pipeline, sources, engine, workers, address)
    except StorywireError as exc:
        raise fail(exc) from exc
    for problem in report.failed:
        err.print(f"skipped: {problem}")
    stories = report.stories
    console.print(
        f"{report.documents} documents: {report.stored} new, {report.known} already stored, "
        f"{len(report.failed)} failed; "
        f"stories: {stories.new_stories if stories else 0} new, "
        f"{stories.revised if stories else 0} written"
    )


def import_files(
    sources: Annotated[
        list[str], typer.Argument(help="JSONL or WARC files, or article page URLs.")
    ],
) -> None:
    """Import articles from JSONL ({url, title, html | text, published, outlet}) or WARC files,
    or single article pages by URL."""
    settings = current_settings()
    counts = {"new": 0, "known": 0, "failed": 0}

    def count(created: bool) -> None:
        counts["new" if created else "known"] += 1

    def skip(problem: StorywireError | str) -> None:
        counts["failed"] += 1
        err.print(f"skipped: {problem}")

    try:
        with db.connect(settings.database_url) as sessions:
            pipeline = Pipeline.from_settings(settings, sessions)
            urls = [s for s in sources if s.startswith(("http://", "https://"))]
            files = [Path(s) for s in sources if s not in urls]
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("importing", total=None)
                for path in files:
                    try:
                        for item in read_documents(path):
                            progress.advance(task)
                            if isinstance(item, StorywireError):
                                skip(item)
                                continue
                            try:
                                count(pipeline.imports.ingest_document(item)[1])
                            except Exception as exc:
                                if not input_failure(exc):
                                    raise
                                skip(skipped(item, exc))
                    except ParseError as exc:  # the file itself: missing, unknown type
                        skip(exc)
                for result in asyncio.run(_ingest_urls(pipeline, urls)):
                    progress.advance(task)
                    if isinstance(result, StorywireError | str):
                        skip(result)
                    else:
                        count(result)
    except StorywireError as exc:
        raise fail(exc) from exc
    console.print(
        f"imported {counts['new']} new articles, {counts['known']} already stored, "
        f"{counts['failed']} skipped"
    )


async def _ingest_urls(pipeline: Pipeline, urls: list[str]) -> list[bool | StorywireError | str]:
    async with Fetcher(pipeline.policy, transport=pipeline.transport) as fetcher:

        async def one(url: str) -> bool | StorywireError | str:
            try:
                return (await pipeline.imports.ingest_url(fetcher, url))[1]
            except FetchError as exc:
                return exc
            except Exception as exc:
                if not input_failure(exc):
                    raise
                return skipped(RawDocument(url=url), exc)

        return list(await asyncio.gather(*(one(url) for url in urls)))


class OutputFormat(StrEnum):
    TEXT = "text"
    JSONL = "jsonl"


def extract(
    inputs: Annotated[
        list[str] | None, typer.Argument(help="HTML files or URLs (default: one per stdin line).")
    ] = None,
    output_format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TEXT,
) -> None:
    """Extract articles from saved HTML files or URLs without storing them."""
    settings = current_settings()
    items = inputs or [line.strip() for line in sys.stdin if line.strip()]
    results = asyncio.run(_extract_all(items, FetchPolicy.from_settings(settings)))
    failed = 0
    for item, result in zip(items, results, strict=True):
        if isinstance(result, StorywireError):
            failed += 1
            err.print(f"{item}: {result}")
            if output_format is OutputFormat.JSONL:
                typer.echo(json.dumps({"file": item, "error": str(result)}, ensure_ascii=False))
            continue
        if output_format is OutputFormat.JSONL:
            typer.echo(json.dumps(_extracted_json(item, result), ensure_ascii=False))
        else:
            typer.echo(f"# {result.title}\n{result.url}\n\n{result.text}\n")
    if failed == len(items) and items:
        raise typer.Exit(code=1)


async def _extract_all(
    items: list[str], policy: FetchPolicy
) -> list[ExtractedArticle | StorywireError]:
    async with Fetcher(policy) as fetcher:

        async def one(item: str) -> ExtractedArticle | StorywireError:
            try:
                if item.startswith(("http://", "https://")):
                    page = await fetcher.fetch_page(item)
                    return extract_article(page.text(), page.final_url)
                data = Path(item).read_bytes()
                return extract_article(decode_html(data, None), Path(item).resolve().as_uri())
            except StorywireError as exc:
                return exc
            except OSError as exc:
                return ExtractError(f"cannot read: {exc.strerror}")

        return list(await asyncio.gather(*(one(item) for item in items)))


def _extracted_json(item: str, article: ExtractedArticle) -> dict[str, object]:
    is_url = item.startswith(("http://", "https://"))
    return {
        "file": None if is_url else item,
        "url": article.canonical_url if is_url else None,
        "title": article.title,
        "authors": list(article.authors),
        "published": article.published.isoformat() if article.published else None,
        "language": article.language,
        "kind": article.kind.value,
        "text": article.text,
    }
