"""Looking after an installation rather than its news: `version`, `config show` and the
database migrations (`db upgrade`, `db current`)."""

from __future__ import annotations

import typer
from rich.table import Table

from storywire import __version__
from storywire.cli.common import console, current_settings, fail
from storywire.errors import StorywireError
from storywire.store import db

config_app = typer.Typer(help="Show configuration.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)


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
