"""The `storywire` command line. Logging is configured here and nowhere else."""

from __future__ import annotations

import json
import logging
import socket
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.table import Table

from storywire import __version__
from storywire.config import Settings, load_settings
from storywire.demo.corpus import parse_offset
from storywire.demo.server import Newsroom, SimClock, default_epoch
from storywire.errors import StorywireError
from storywire.store import db, repo
from storywire.write.page import format_time, story_page_text

app = typer.Typer(help="storywire: a news story engine.", no_args_is_help=True)
config_app = typer.Typer(help="Show configuration.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
stories_app = typer.Typer(help="Browse stored stories.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(db_app, name="db")
app.add_typer(stories_app, name="stories")

console = Console()
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
) -> None:
    """Run the demo: the fictional newsroom over HTTP, publishing as simulated time passes."""
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
    with Newsroom(clock=clock, host=host, base_port=port) as newsroom:
        _report_newsroom(newsroom)
        deadline = time.monotonic() + duration if duration > 0 else None
        seen = {item.article.id for item in newsroom.released()}
        try:
            while deadline is None or time.monotonic() < deadline:
                time.sleep(min(1.0, max(0.0, (deadline or 1e18) - time.monotonic())))
                for item in newsroom.released():
                    if item.article.id not in seen:
                        seen.add(item.article.id)
                        name = newsroom.corpus.outlets[item.article.outlet].name
                        console.print(
                            f"[dim]{format_time(item.published)}[/dim] {name}: {item.article.title}"
                        )
        except KeyboardInterrupt:
            console.print("stopping the demo newsroom")
    console.print(f"served {len(seen)} of {len(newsroom.corpus.articles)} articles")


def _report_newsroom(newsroom: Newsroom) -> None:
    corpus = newsroom.corpus
    console.print(f"[bold]storywire demo newsroom[/bold] at {newsroom.hub_url}")
    console.print(
        f"simulated time {format_time(newsroom.clock.now())}, "
        f"{newsroom.clock.speed:g}x; {len(newsroom.released())} of {len(corpus.articles)} "
        f"articles published so far, {len(corpus.outlets)} outlets, {len(corpus.events)} events"
    )
    table = Table("outlet", "language", "feed", "published")
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


@app.command("manifest")
def manifest() -> None:
    """Print the demo corpus's gold manifest as JSON."""
    from storywire.demo.corpus import load_corpus

    typer.echo(json.dumps(load_corpus().manifest(), indent=1))
