"""Looking after an installation rather than its news: `version`, `config show`, the
database migrations (`db upgrade`, `db current`) and its upkeep (`db prune`, `db vacuum`,
`db quarantine`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from storywire import __version__, retention
from storywire.cli.common import console, current_settings, fail
from storywire.cluster.config import ClusterConfig
from storywire.errors import ConfigError, StorywireError
from storywire.store import db, repo

config_app = typer.Typer(help="Show configuration.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations and upkeep.", no_args_is_help=True)


def version() -> None:
    """Print the storywire version."""
    console.print(__version__)


@config_app.command("show")
def config_show() -> None:
    """Print the effective settings, secrets masked."""
    try:
        settings = current_settings()
    except StorywireError as exc:
        raise fail(exc) from exc
    table = Table("setting", "value", "environment variable")
    for name, value in settings.public_dict().items():
        table.add_row(name, str(value), f"STORYWIRE_{name.upper()}")
    console.print(table)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all database migrations."""
    try:
        with db.engine_for(current_settings().database_url) as engine:
            db.upgrade(engine)
            console.print(f"database at revision {db.current_revision(engine)}")
    except StorywireError as exc:
        raise fail(exc) from exc


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration revision and the code's."""
    with db.engine_for(current_settings().database_url) as engine:
        current = db.current_revision(engine) or "empty"
    console.print(f"database: {current}; code: {db.head_revision()}")


@db_app.command("prune")
def db_prune(
    older_than: Annotated[
        int | None,
        typer.Option(min=1, help="Days to keep (default: the retention_days setting)."),
    ] = None,
) -> None:
    """Remove the text, near-duplicate bands and vectors of articles older than the retention
    period whose stories have gone quiet; stories, revisions and citations stay readable."""
    settings = current_settings()
    days = older_than or settings.retention_days
    try:
        if not days:
            raise ConfigError("retention_days is 0 (keep everything): give --older-than DAYS")
        before = retention.cutoff(datetime.now(UTC), days, ClusterConfig().window)
        with db.connect(settings.database_url) as sessions:
            pruned = retention.prune(sessions, before)
    except StorywireError as exc:
        raise fail(exc) from exc
    console.print(f"pruned {pruned} articles published before {before:%Y-%m-%d %H:%M} UTC")


@db_app.command("vacuum")
def db_vacuum() -> None:
    """Give the space of deleted rows back to the disk and refresh the query statistics."""
    try:
        with db.engine_for(current_settings().database_url) as engine:
            db.check_schema(engine)
            before = db.size(engine)
            db.vacuum(engine)
            after = db.size(engine)
    except StorywireError as exc:
        raise fail(exc) from exc
    console.print(f"database: {before / 2**20:.1f} MB before, {after / 2**20:.1f} MB after")


@db_app.command("quarantine")
def db_quarantine(
    release: Annotated[
        bool, typer.Option("--release", help="Give them back to their stages' queues.")
    ] = False,
    ids: Annotated[
        list[int] | None, typer.Argument(help="Only these articles (default: all).")
    ] = None,
) -> None:
    """List the articles no stage takes any more, after failing on them three times for a
    reason of their own, or release them to be tried again (after the fix)."""
    try:
        with (
            db.connect(current_settings().database_url) as sessions,
            db.transaction(sessions) as session,
        ):
            if release:
                released = repo.release_quarantine(session, ids or None)
                console.print(f"released {released} articles; the next round tries them again")
                return
            found = repo.quarantined(session, ids or None, limit=1000)
    except StorywireError as exc:
        raise fail(exc) from exc
    if not found:
        console.print("no article is quarantined")
        return
    table = Table("article", "stage", "failures", "error", "url")
    for article, failures in found:
        table.add_row(
            str(article.id), article.stage.value, str(failures), article.error or "", article.url
        )
    console.print(table)
