from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from storywire.errors import SchemaOutdatedError
from storywire.store import db
from storywire.store.tables import FTS_OBJECTS, Base


def _is_fts(name: str | None) -> bool:
    return bool(name) and any(str(name).startswith(prefix) for prefix in FTS_OBJECTS)


def _schema_diff(url: str) -> list[object]:
    with db.engine_for(url) as engine, engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_name": lambda name, type_, parent: not _is_fts(name),
            },
        )
        return list(compare_metadata(context, Base.metadata))


def test_every_migration_runs_from_empty_and_matches_the_models(
    empty_database_url: str, engines: Callable[[str], Engine]
) -> None:
    engine = engines(empty_database_url)
    with pytest.raises(SchemaOutdatedError, match="db upgrade"):
        db.check_schema(engine)
    db.upgrade(engine)
    db.check_schema(engine)
    assert db.current_revision(engine) == db.head_revision()
    assert _schema_diff(empty_database_url) == []
    tables = set(inspect(engine).get_table_names())
    assert {
        "outlets",
        "feeds",
        "articles",
        "stories",
        "story_articles",
        "story_revisions",
    } <= tables


def test_downgrade_to_empty_and_upgrade_again(
    empty_database_url: str, engines: Callable[[str], Engine]
) -> None:
    engine = engines(empty_database_url)
    db.upgrade(engine)
    db.downgrade(engine, "base")
    assert db.current_revision(engine) is None
    leftover = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert leftover == set()
    db.upgrade(engine)
    assert _schema_diff(empty_database_url) == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(
    tmp_path: Path, engines: Callable[[str], Engine]
) -> None:
    engine = engines(f"sqlite:///{tmp_path}/wal.db")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_plain_postgresql_urls_use_psycopg3() -> None:
    url = db.normalise_url("postgresql://user:secret@127.0.0.1/news")
    assert url.drivername == "postgresql+psycopg"


def test_sqlite_search_triggers_survive_every_migration_step(
    tmp_path: Path, engines: Callable[[str], Engine]
) -> None:
    engine = engines(f"sqlite:///{tmp_path}/steps.db")

    def triggers() -> set[str]:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT name FROM sqlite_master WHERE type='trigger'"))
            return {row[0] for row in rows}

    db.upgrade(engine, "0001")
    expected = triggers()
    assert len(expected) == 6
    db.upgrade(engine)
    assert triggers() == expected
    db.downgrade(engine, "0001")
    assert triggers() == expected
