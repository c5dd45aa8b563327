"""What every command shares: the settings (loaded once per run, from the `--config` file the
root callback records), the two consoles, and the one way a command fails on a StorywireError.
Logging is configured here, in `current_settings`, and nowhere else."""

from __future__ import annotations

import contextlib
import os
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


def yield_to_readers(settings: Settings) -> None:
    """Lower this process's CPU priority to `ingest_nice` (the extraction workers and threads it
    starts inherit it). Ingestion is throughput work that can wait a moment; a page view is a
    person waiting. On shared cores the reader then answers first (bench/load.py measures it).

    Linux shares the CPU between sessions ("autogroups") before it looks at a process's nice
    value, so a process that leads its own session, as a systemd service or a `setsid` command
    does, lowers its session's share too; otherwise its nice value would only count against
    the processes of its own session, not against a reader in another."""
    nice = settings.ingest_nice
    if nice and os.getpriority(os.PRIO_PROCESS, 0) < nice:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    group = Path("/proc/self/autogroup")
    if nice and os.getsid(0) == os.getpid() and group.exists():
        with contextlib.suppress(OSError, ValueError):
            if int(group.read_text().split()[-1]) < nice:
                group.write_text(f"{nice}\n")
