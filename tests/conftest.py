"""Shared fixtures. Storage tests run on SQLite always and on PostgreSQL when
STORYWIRE_TEST_DATABASE_URL points at a database the tests may wipe."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from storywire.store import db

PG_URL = os.environ.get("STORYWIRE_TEST_DATABASE_URL")

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not PG_URL, reason="STORYWIRE_TEST_DATABASE_URL not set"),
        ],
    ),
]


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's settings, config file or data directory."""
    for name in list(os.environ):
        if name.startswith("STORYWIRE_") and name != "STORYWIRE_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


def _wipe_postgres(url: str) -> None:
    with db.engine_for(url) as engine, engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'storywire.db'}"
        return
    assert PG_URL is not None
    _wipe_postgres(PG_URL)
    yield PG_URL
    _wipe_postgres(PG_URL)


@pytest.fixture
def database_url(empty_database_url: str) -> str:
    """A database at the current schema on each backend."""
    with db.engine_for(empty_database_url) as engine:
        db.upgrade(engine)
    return empty_database_url


@pytest.fixture
def sessions(database_url: str) -> Iterator[db.Sessions]:
    with db.connect(database_url) as factory:
        yield factory


@pytest.fixture
def engines() -> Iterator[Callable[[str], Engine]]:
    """Make engines that are disposed after the test, so no connection outlives it."""
    made: list[Engine] = []

    def make(url: str) -> Engine:
        made.append(db.make_engine(url))
        return made[-1]

    yield make
    for engine in made:
        engine.dispose()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly whether the storage tests ran on PostgreSQL or were skipped."""
    counts = {
        outcome: sum("postgresql" in r.nodeid for r in terminalreporter.stats.get(outcome, []))
        for outcome in ("passed", "failed", "skipped")
    }
    terminalreporter.write_line(
        f"PostgreSQL backend: {counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['skipped']} skipped"
        + ("" if PG_URL else " (set STORYWIRE_TEST_DATABASE_URL to run them)")
    )
