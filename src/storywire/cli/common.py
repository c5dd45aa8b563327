"""What every command shares: the settings (loaded once per run, from the `--config` file the
root callback records), the two consoles, and the one way a command fails on a StorywireError.
Logging is configured here, in `current_settings`, and nowhere else."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console

from storywire import logs
from storywire.config import Settings, load_settings
from storywire.errors import StorywireError
from storywire.store import db

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


class State:
    config_file: Path | None = None
    settings: Settings | None = None


state = State()


def current_settings() -> Settings:
    if state.settings is None:
        state.settings = load_settings(state.config_file)
        logs.configure(state.settings.log_level, state.settings.log_format)
    return state.settings


@contextmanager
def command_session() -> Iterator[db.Session]:
    """One transaction on the configured database, for a command that reads or edits it."""
    with (
        db.connect(current_settings().database_url) as sessions,
        db.transaction(sessions) as session,
    ):
        yield session


def fail(exc: StorywireError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc}")
    return typer.Exit(code=1)
