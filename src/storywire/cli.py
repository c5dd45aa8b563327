"""The `storywire` command line. Logging is configured here and nowhere else."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import httpx
import typer
import uvicorn
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from storywire import __version__
from storywire.cluster.replay import ReplayArticle, replay
from storywire.config import Settings, default_data_dir, load_settings
from storywire.demo.corpus import parse_offset
from storywire.demo.server import Newsroom, SimClock, default_epoch
from storywire.errors import (
    ExtractError,
    FetchError,
    NotFoundError,
    ParseError,
    StorywireError,
)
from storywire.extract.article import ExtractedArticle, extract_article
from storywire.extract.language import identify_language
from storywire.extract.opinion import classify_kind
from storywire.models import ArticleKind, Feed, Outlet
from storywire.nlp.embed import default_embedder
from storywire.pipeline import FeedReport, Pipeline, fetch_policy, outlet_slug
from storywire.sources.fetch import Fetcher, FetchPolicy, decode_html
from storywire.sources.guard import check_url
from storywire.sources.importers import parse_time, read_documents
from storywire.sources.opml import OpmlFeed, parse_opml, write_opml
from storywire.store import db, repo
from storywire.web.app import CONFIG_FILE_VARIABLE, create_app
from storywire.write.extractive import ExtractiveWriter, SourceArticle, Written, WrittenStory
from storywire.write.page import format_time, story_page_text, written_text

app = typer.Typer(help="storywire: a news story engine.", no_args_is_help=True)
config_app = typer.Typer(help="Show configuration.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
stories_app = typer.Typer(help="Browse stored stories.", no_args_is_help=True)
feeds_app = typer.Typer(help="Manage the feeds storywire reads.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(feeds_app, name="feeds")
app.add_typer(db_app, name="db")
app.add_typer(stories_app, name="stories")

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


class _State:
    config_file: Path | None = None
    settings: Settings | None = None


_state = _State()


@app.callback()
def main(
    config: Annotated[
        Path | None,
        typer.Option(envvar="STORYWIRE_CONFIG", help="TOML settings file.", dir_okay=False),
    ] = None,
) -> None:
    _state.config_file, _state.settings = config, None


def _settings() -> Settings:
    if _state.settings is None:
        _state.settings = load_settings(_state.config_file)
        level = _state.settings.log_level
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
        if level != "DEBUG":
            for noisy in ("httpx", "httpcore", "alembic"):
                logging.getLogger(noisy).setLevel(logging.WARNING)
    return _state.settings


def _fail(exc: StorywireError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc}")
    return typer.Exit(code=1)


@app.command()
def version() -> None:
    """Print the storywire version."""
    console.print(__version__)


@config_app.command("show")
def config_show() -> None:
    """Print the effective settings, secrets masked."""
    try:
        settings = _settings()
    except StorywireError as exc:
        raise _fail(exc) from exc
    table = Table("setting", "value", "environment variable")
    for name, value in settings.public_dict().items():
        table.add_row(name, str(value), f"STORYWIRE_{name.upper()}")
    console.print(table)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all database migrations."""
    try:
        with db.engine_for(_settings().database_url) as engine:
            db.upgrade(engine)
            console.print(f"database at revision {db.current_revision(engine)}")
    except StorywireError as exc:
        raise _fail(exc) from exc


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration revision and the code's."""
    with db.engine_for(_settings().database_url) as engine:
        current = db.current_revision(engine) or "empty"
    console.print(f"database: {current}; code: {db.head_revision()}")


@stories_app.command("list")
def stories_list(
    limit: Annotated[int, typer.Option(min=1, help="How many stories.")] = 30,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many.")] = 0,
) -> None:
    """Stories ranked by importance and recency, with their outlet counts."""
    try:
        with db.connect(_settings().database_url) as sessions, db.transaction(sessions) as session:
            rows = repo.list_stories(session, limit=limit, offset=offset)
    except StorywireError as exc:
        raise _fail(exc) from exc
    table = Table("id", "updated", "outlets", "articles", "headline")
    for row in rows:
        story = row.story
        table.add_row(
            str(story.id),
            format_time(story.updated_at),
            str(row.outlet_count),
            str(row.article_count),
            story.headline,
        )
    console.print(table)
    if len(rows) < limit:
        console.print("You've reached the end")


@stories_app.command("show")
def stories_show(story_id: Annotated[str, typer.Argument(help="Story id or slug.")]) -> None:
    """Print a story in the story-page layout, with its revisions."""
    try:
        with db.connect(_settings().database_url) as sessions, db.transaction(sessions) as session:
            story = repo.get_story(session, story_id)
            assert story.id is not None
            history = repo.revisions(session, story.id)
            current = repo.current_revision(session, story)
    except StorywireError as exc:
        raise _fail(exc) from exc
    typer.echo(story_page_text(story, current, history), nl=False)


def _free(port: int, host: str, count: int) -> bool:
    for candidate in range(port, port + count):
        with socket.socket() as probe:
            try:
                probe.bind((host, candidate))
            except OSError:
                return False
    return True


@app.command()
def demo(
    speed: Annotated[
        float, typer.Option(help="Simulated seconds per real second (600: a day in 2.4 min).")
    ] = 600.0,
    start: Annotated[
        str, typer.Option(help="Simulated start, 'D HH:MM' (day 1 to 3).")
    ] = "1 06:00",
    duration: Annotated[
        float, typer.Option(help="Stop after this many real seconds (0: run until Ctrl-C).")
    ] = 0.0,
    rounds_every: Annotated[
        float, typer.Option("--every", help="Real seconds between fetch rounds.")
    ] = 10.0,
) -> None:
    """Run the demo: the fictional newsroom publishes over HTTP as simulated time passes, and
    storywire reads it, groups the coverage into stories and writes them."""
    settings = _settings()
    try:
        clock = SimClock(default_epoch(), start=parse_offset(start), speed=speed)
    except StorywireError as exc:
        raise _fail(exc) from exc
    host, port = settings.web_host, settings.newsroom_port
    outlets_needed = 14
    if port and not _free(port, host, outlets_needed):
        err.print(f"ports {port}-{port + outlets_needed - 1} are busy; using free ports instead")
        port = 0
    url = settings.demo_database or f"sqlite:///{default_data_dir() / 'demo.db'}"
    with Newsroom(clock=clock, host=host, base_port=port) as newsroom:
        _report_newsroom(newsroom)
        try:
            _run_demo_pipeline(newsroom, settings, url, duration, rounds_every)
        except KeyboardInterrupt:
            console.print("stopping the demo")
        except StorywireError as exc:
            raise _fail(exc) from exc


class _Reader:
    """The web reader on a background thread (uvicorn), for `demo`; stopped on exit."""

    def __init__(self, sessions: db.Sessions, host: str, port: int) -> None:
        config = uvicorn.Config(create_app(sessions), host=host, port=port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> _Reader:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@app.command()
def serve(
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Server processes (one per core serves most).")
    ] = 1,
) -> None:
    """Serve the reader over the configured database at web_host:web_port."""
    settings = _settings()
    try:
        with db.engine_for(settings.database_url) as engine:
            db.check_schema(engine)  # refuse here, with our message, before uvicorn starts
    except StorywireError as exc:
        raise _fail(exc) from exc
    # Each server process builds its own app and database engine from the same settings.
    if _state.config_file is not None:
        os.environ[CONFIG_FILE_VARIABLE] = str(_state.config_file.resolve())
    plural = "es" if workers > 1 else ""
    console.print(
        f"storywire reader at http://{settings.web_host}:{settings.web_port}/ "
        f"({workers} process{plural})"
    )
    uvicorn.run(
        "storywire.web.app:app_from_environment",
        factory=True,
        workers=workers,
        host=settings.web_host,
        port=settings.web_port,
        log_level="warning",
    )


def _run_demo_pipeline(
    newsroom: Newsroom, settings: Settings, url: str, duration: float, every: float
) -> None:
    """Read the newsroom like any reader would: its feeds over HTTP, a round at a time."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    with db.engine_for(url) as engine:
        db.upgrade(engine)
    console.print(f"demo database: {url} (STORYWIRE_DATABASE_URL={url} storywire stories list)")
    policy = replace(fetch_policy(settings), allow_loopback=True, host_delay=0.0)
    deadline = time.monotonic() + duration if duration > 0 else None
    host, port = settings.web_host, settings.web_port
    if not port or not _free(port, host, 1):
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
    with db.connect(url) as sessions, _Reader(sessions, host, port):
        console.print(f"[bold]reader[/bold] at http://{host}:{port}/")
        with db.transaction(sessions) as session:
            for outlet in newsroom.corpus.outlets:
                repo.add_feed(session, Feed(url=newsroom.feed_url(outlet)))
        pipeline = Pipeline(sessions, policy)
        while True:
            report, stories = asyncio.run(pipeline.run_round(force=True))
            console.print(
                f"[dim]{format_time(newsroom.clock.now())}[/dim] "
                f"{report.new_articles} new articles, {stories.new_stories} new stories, "
                f"{stories.revised} stories rewritten"
            )
            with db.transaction(sessions) as session:
                for summary in repo.list_stories(session, limit=5):
                    story = summary.story
                    if story.id in stories.touched:
                        console.print(
                            f"  [bold]{story.headline}[/bold] "
                            f"({summary.outlet_count} outlets, {summary.article_count} articles)"
                        )
            if deadline is not None and time.monotonic() >= deadline:
                break
            time.sleep(
                every if deadline is None else min(every, max(0.0, deadline - time.monotonic()))
            )
    console.print(f"served {len(newsroom.released())} of {len(newsroom.corpus.articles)} articles")


def _report_newsroom(newsroom: Newsroom) -> None:
    corpus = newsroom.corpus
    console.print(f"[bold]storywire demo newsroom[/bold] at {newsroom.hub_url}")
    console.print(
        f"simulated time {format_time(newsroom.clock.now())}, "
        f"{newsroom.clock.speed:g}x; {len(newsroom.released())} of {len(corpus.articles)} "
        f"articles published so far, {len(corpus.outlets)} outlets, {len(corpus.events)} events"
    )
    table = Table("outlet", "language")
    table.add_column("feed", overflow="fold")  # a URL is useless cut short
    table.add_column("published")
    for outlet in corpus.outlets.values():
        table.add_row(
            outlet.name,
            outlet.language,
            newsroom.feed_url(outlet.id),
            str(len(newsroom.released(outlet.id))),
        )
    console.print(table)
    console.print(
        f"all feeds as OPML: {newsroom.opml_url}; gold manifest: {newsroom.hub_url}manifest.json"
    )
    with httpx.Client(timeout=5) as client:
        checks = [newsroom.hub_url, newsroom.opml_url]
        checks += [newsroom.feed_url(o) for o in corpus.outlets]
        statuses = [client.get(url).status_code for url in checks]
    healthy = sum(status == 200 for status in statuses)
    console.print(f"self-check over HTTP: {healthy}/{len(statuses)} endpoints answered 200")


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
        with db.connect(_settings().database_url) as sessions, db.transaction(sessions) as session:
            outlet_id = None
            if outlet:
                homepage = "{0.scheme}://{0.netloc}/".format(urlsplit(url))
                stored = repo.upsert_outlet(
                    session, Outlet(name=outlet, homepage=homepage, slug=outlet_slug(outlet))
                )
                outlet_id = stored.id
            feed, created = repo.add_feed(
                session, Feed(url=url, outlet_id=outlet_id, category=category)
            )
    except StorywireError as exc:
        raise _fail(exc) from exc
    console.print(f"{'added' if created else 'already subscribed:'} feed {feed.id} {feed.url}")


@feeds_app.command("list")
def feeds_list() -> None:
    """Feeds with their status, last error and next check."""
    try:
        with db.connect(_settings().database_url) as sessions, db.transaction(sessions) as session:
            feeds = repo.list_feeds(session)
    except StorywireError as exc:
        raise _fail(exc) from exc
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
        with db.connect(_settings().database_url) as sessions, db.transaction(sessions) as session:
            found = _find_feed(session, feed)
            repo.remove_feed(session, found.id or 0)
    except StorywireError as exc:
        raise _fail(exc) from exc
    console.print(f"removed feed {found.id} {found.url}")


def _find_feed(session: db.Session, key: str) -> Feed:
    found = (
        next((f for f in repo.list_feeds(session) if str(f.id) == key), None)
        if key.isdigit()
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
        with db.connect(_settings().database_url) as sessions, db.transaction(sessions) as session:
            for entry in entries:
                _, created = repo.add_feed(
                    session, Feed(url=entry.url, title=entry.title, category=entry.category)
                )
                added += created
    except StorywireError as exc:
        raise _fail(exc) from exc
    console.print(f"{added} feeds added, {len(entries) - added} already subscribed")


@feeds_app.command("export-opml")
def feeds_export_opml(
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Print (or write) every subscribed feed as OPML 2.0."""
    try:
        with db.connect(_settings().database_url) as sessions, db.transaction(sessions) as session:
            feeds = repo.list_feeds(session)
            homepages = {o.id: o.homepage for o in repo.list_outlets(session)}
    except StorywireError as exc:
        raise _fail(exc) from exc
    document = write_opml(
        OpmlFeed(url=f.url, title=f.title, html_url=homepages.get(f.outlet_id), category=f.category)
        for f in feeds
    )
    if output:
        output.write_text(document, encoding="utf-8")
    else:
        typer.echo(document, nl=False)


# ----------------------------------------------------------------------------------- ingest


@app.command()
def fetch(
    all_feeds: Annotated[bool, typer.Option("--all", help="Check every feed, due or not.")] = False,
) -> None:
    """One round: check due feeds, fetch and extract new articles, group them into stories."""
    settings = _settings()
    try:
        with db.connect(settings.database_url) as sessions:
            _round(Pipeline.from_settings(settings, sessions), sessions, all_feeds)
    except StorywireError as exc:
        raise _fail(exc) from exc


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
        f"{stories.merged} merged"
    )


@app.command()
def run(
    interval: Annotated[
        float, typer.Option(min=1, help="Seconds between rounds (feeds keep their own schedule).")
    ] = 60.0,
    rounds: Annotated[int, typer.Option(min=0, help="Stop after this many rounds (0: never).")] = 0,
) -> None:
    """Keep fetching: a round every INTERVAL seconds over the feeds that are due."""
    settings = _settings()
    done = 0
    try:
        with db.connect(settings.database_url) as sessions:
            pipeline = Pipeline.from_settings(settings, sessions)
            while rounds == 0 or done < rounds:
                _round(pipeline, sessions, all_feeds=False)
                done += 1
                if rounds == 0 or done < rounds:
                    time.sleep(interval)
    except StorywireError as exc:
        raise _fail(exc) from exc
    except KeyboardInterrupt:
        console.print("stopped")


@app.command()
def cluster(
    input_file: Annotated[
        Path | None,
        typer.Option("--input", exists=True, dir_okay=False, help="JSONL (default: stdin)."),
    ] = None,
) -> None:
    """Replay articles ({id, title, text, published, source[, url, language]}) through the
    online clusterer and print {id, story} lines: the offline evaluation entry point."""
    handle = input_file.open(encoding="utf-8") if input_file else sys.stdin
    articles: list[ReplayArticle] = []
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                articles.append(
                    ReplayArticle(
                        id=str(row["id"]),
                        title=str(row.get("title") or ""),
                        text=str(row.get("text") or ""),
                        published=parse_time(row.get("published")),
                        source=str(row["source"]) if row.get("source") else None,
                        language=row.get("language") or None,
                    )
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise _fail(ParseError(f"line {number}: {exc!r}")) from exc
    try:
        for article_id, story in replay(articles, default_embedder()):
            typer.echo(json.dumps({"id": article_id, "story": story}))
    except StorywireError as exc:
        raise _fail(exc) from exc


@app.command("import")
def import_files(
    sources: Annotated[
        list[str], typer.Argument(help="JSONL or WARC files, or article page URLs.")
    ],
) -> None:
    """Import articles from JSONL ({url, title, html | text, published, outlet}) or WARC files,
    or single article pages by URL."""
    settings = _settings()
    counts = {"new": 0, "known": 0, "failed": 0}

    def count(created: bool) -> None:
        counts["new" if created else "known"] += 1

    def skip(problem: StorywireError) -> None:
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
                                count(pipeline.ingest_document(item)[1])
                            except ExtractError as exc:
                                skip(exc)
                    except ParseError as exc:  # the file itself: missing, unknown type
                        skip(exc)
                for result in asyncio.run(_ingest_urls(pipeline, urls)):
                    progress.advance(task)
                    if isinstance(result, StorywireError):
                        skip(result)
                    else:
                        count(result)
    except StorywireError as exc:
        raise _fail(exc) from exc
    console.print(
        f"imported {counts['new']} new articles, {counts['known']} already stored, "
        f"{counts['failed']} skipped"
    )


async def _ingest_urls(pipeline: Pipeline, urls: list[str]) -> list[bool | StorywireError]:
    async with Fetcher(pipeline.policy, transport=pipeline.transport) as fetcher:

        async def one(url: str) -> bool | StorywireError:
            try:
                return (await pipeline.ingest_url(fetcher, url))[1]
            except (FetchError, ExtractError) as exc:
                return exc

        return list(await asyncio.gather(*(one(url) for url in urls)))


class OutputFormat(StrEnum):
    TEXT = "text"
    JSONL = "jsonl"


@app.command()
def extract(
    inputs: Annotated[
        list[str] | None, typer.Argument(help="HTML files or URLs (default: one per stdin line).")
    ] = None,
    output_format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TEXT,
) -> None:
    """Extract articles from saved HTML files or URLs without storing them."""
    settings = _settings()
    items = inputs or [line.strip() for line in sys.stdin if line.strip()]
    results = asyncio.run(_extract_all(items, fetch_policy(settings)))
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


class WriteFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


@app.command()
def write(
    input_file: Annotated[
        Path | None,
        typer.Option("--input", exists=True, dir_okay=False, help="JSON (default: stdin)."),
    ] = None,
    words: Annotated[int | None, typer.Option(min=20, help="Story length in words.")] = None,
    output_format: Annotated[WriteFormat, typer.Option("--format")] = WriteFormat.TEXT,
) -> None:
    """Write a story from {"articles": [{id, title, text, published, source}], "words": N}:
    the offline evaluation entry point of the writer."""
    raw = input_file.read_text(encoding="utf-8") if input_file else sys.stdin.read()
    try:
        document = json.loads(raw)
        rows = document["articles"]
        ids = [row["id"] for row in rows]
        articles = [_source_from_json(number, row) for number, row in enumerate(rows, start=1)]
        budget = words or int(document.get("words") or 200)
    except (ValueError, KeyError, TypeError) as exc:
        raise _fail(ParseError(f"bad write input: {exc!r}")) from exc
    written = ExtractiveWriter(default_embedder()).write(articles, words=budget)

    def label(number: int) -> str:
        return str(ids[number - 1])

    if output_format is WriteFormat.TEXT:
        typer.echo(written_text(written, label), nl=False)
        return
    typer.echo(json.dumps(_written_json(written, ids), ensure_ascii=False, indent=1))


def _source_from_json(number: int, row: dict[str, Any]) -> SourceArticle:
    title, text = str(row.get("title") or ""), str(row.get("text") or "")
    language = row.get("language") or identify_language(f"{title}. {text}")
    kind, _ = classify_kind(
        str(row.get("url") or ""), title, row.get("section"), text=text, language=language
    )
    return SourceArticle(
        id=number,
        title=title,
        text=text,
        outlet=str(row.get("source") or f"source {number}"),
        published=parse_time(row.get("published")),
        opinion=kind is ArticleKind.OPINION,
        language=language,
    )


def _written_json(written: WrittenStory, ids: list[Any]) -> dict[str, Any]:
    def cited(items: list[Written]) -> list[dict[str, Any]]:
        return [{"text": i.text, "citations": [ids[c - 1] for c in i.citations]} for i in items]

    return {
        "headline": written.headline,
        "highlights": cited(written.highlights),
        "story": cited(written.story),
        "opinions": [
            {
                "id": ids[o.article_id - 1],
                "outlet": o.outlet,
                "author": o.author,
                "title": o.title,
                "gist": o.gist,
            }
            for o in written.opinions
        ],
        "sources": [
            {
                "outlet": s.outlet,
                "articles": [ids[a - 1] for a in s.articles],
                "wire_copies": s.wire_copies,
            }
            for s in written.sources
        ],
    }


@app.command("manifest")
def manifest() -> None:
    """Print the demo corpus's gold manifest as JSON."""
    from storywire.demo.corpus import load_corpus

    typer.echo(json.dumps(load_corpus().manifest(), indent=1))
