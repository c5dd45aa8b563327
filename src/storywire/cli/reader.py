"""The long-running commands that serve pages: `serve` runs the web reader over the configured
database; `demo` starts the fictional newsroom, reads it round by round into a fresh database
and serves the reader over it. `manifest` prints the demo corpus's gold answers."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import httpx
import typer
import uvicorn
from rich.table import Table

from storywire.cli.common import console, current_settings, err, fail, state, yield_to_readers
from storywire.config import CONFIG_FILE_VARIABLE, Settings, default_data_dir
from storywire.demo.corpus import parse_offset
from storywire.demo.server import Newsroom, SimClock, default_epoch
from storywire.errors import StorywireError
from storywire.models import NewFeed
from storywire.pipeline import Pipeline
from storywire.sources.fetch import FetchPolicy
from storywire.store import db, repo
from storywire.write.page import format_time

# Seconds an idle keep-alive connection stays open. Uvicorn's 5 s closes connections that a
# loaded client or a proxy is about to reuse (bench/load.py saw read errors under load); a
# server behind a proxy should keep them longer than the proxy does (nginx: 60 s).
KEEP_ALIVE = 65


def _free(port: int, host: str, count: int) -> bool:
    for candidate in range(port, port + count):
        with socket.socket() as probe:
            try:
                probe.bind((host, candidate))
            except OSError:
                return False
    return True


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
    settings = current_settings()
    try:
        clock = SimClock(default_epoch(), start=parse_offset(start), speed=speed)
    except StorywireError as exc:
        raise fail(exc) from exc
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
            raise fail(exc) from exc


class _Reader:
    """The web reader in a process of its own (`storywire serve`) over the demo database, so a
    round's CPU work never holds a page up; stopped on exit."""

    def __init__(self, url: str, settings: Settings, port: int) -> None:
        self.url = f"http://{settings.web_host}:{port}/"
        self._command = [
            sys.executable,
            "-m",
            "storywire",
            "serve",
            "--host",
            settings.web_host,
            "--port",
            str(port),
        ]
        self._env = {**os.environ, "STORYWIRE_DATABASE_URL": url}
        if state.config_file is not None:
            self._env[CONFIG_FILE_VARIABLE] = str(state.config_file.resolve())
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> _Reader:
        self._process = subprocess.Popen(self._command, env=self._env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self._process.poll() is None:
            try:
                if httpx.get(f"{self.url}healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise StorywireError(f"the demo's reader did not start at {self.url}")

    @property
    def pid(self) -> int:
        return self._process.pid if self._process else 0

    def __exit__(self, *exc: object) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None


def serve(
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Server processes (one per core serves most).")
    ] = 1,
    host: Annotated[str | None, typer.Option(help="Address to listen on (web_host).")] = None,
    port: Annotated[
        int | None, typer.Option(min=0, max=65535, help="Port to listen on (web_port).")
    ] = None,
) -> None:
    """Serve the reader over the configured database at web_host:web_port."""
    settings = current_settings()
    overrides = {"web_host": host, "web_port": port}
    settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    try:
        with db.engine_for(settings.database_url) as engine:
            db.check_schema(engine)  # refuse here, with our message, before uvicorn starts
    except StorywireError as exc:
        raise fail(exc) from exc
    # Each server process builds its own app and database engine from the same settings.
    if state.config_file is not None:
        os.environ[CONFIG_FILE_VARIABLE] = str(state.config_file.resolve())
    os.environ["STORYWIRE_WEB_HOST"] = settings.web_host  # its Host check allows web_host
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
        timeout_keep_alive=KEEP_ALIVE,
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
    policy = replace(FetchPolicy.from_settings(settings), allow_loopback=True, host_delay=0.0)
    deadline = time.monotonic() + duration if duration > 0 else None
    host, port = settings.web_host, settings.web_port
    if not port or not _free(port, host, 1):
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
    with db.connect(url) as sessions, _Reader(url, settings, port) as reader:
        console.print(f"[bold]reader[/bold] at {reader.url} (process {reader.pid})")
        yield_to_readers(settings)  # after the reader started: it keeps the default priority
        with db.transaction(sessions) as session:
            for outlet in newsroom.corpus.outlets:
                repo.add_feed(session, NewFeed(url=newsroom.feed_url(outlet)))
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


def manifest() -> None:
    """Print the demo corpus's gold manifest as JSON."""
    from storywire.demo.corpus import load_corpus

    typer.echo(json.dumps(load_corpus().manifest(), indent=1))
