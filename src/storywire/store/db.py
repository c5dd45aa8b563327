"""Engines, sessions and migrations for SQLite and PostgreSQL.

SQLite runs in WAL mode with foreign keys on; PostgreSQL goes through psycopg 3. Migrations run only
when asked (`storywire db upgrade`), and `check_schema` refuses to work on an outdated database.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session as Session
from sqlalchemy.orm import sessionmaker

from storywire.errors import SchemaOutdatedError, StorageError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def normalise_url(url: str) -> URL:
    """Use psycopg 3 for plain postgresql:// URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed)
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    return create_engine(parsed, pool_pre_ping=True)


Sessions = sessionmaker[Session]


def make_sessionmaker(engine: Engine) -> Sessions:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def connect(url: str) -> Iterator[Sessions]:
    """Sessions on a database at the code's schema (else SchemaOutdatedError), closed after."""
    engine = make_engine(url)
    try:
        check_schema(engine)
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()


@contextmanager
def engine_for(url: str) -> Iterator[Engine]:
    """An engine whose connections are closed when the block ends."""
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def transaction(sessions: Sessions) -> Iterator[Session]:
    """One unit of work: commit on success, roll back and raise StorageError on database errors."""
    with sessions() as session:
        try:
            yield session
            session.commit()
        except SQLAlchemyError as exc:
            session.rollback()
            raise StorageError(f"database error: {exc}") from exc
        except BaseException:
            session.rollback()
            raise


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    if head is None:
        raise StorageError("no migrations found")
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    log.info("applying migrations", extra={"revision": revision})
    command.upgrade(_alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(_alembic_config(engine), revision)


def check_schema(engine: Engine) -> None:
    """Refuse to run against a database that `storywire db upgrade` has not brought up to date."""
    current = current_revision(engine)
    if current != head_revision():
        raise SchemaOutdatedError(
            f"database schema is at {current or 'nothing'}, code expects {head_revision()}: "
            "run `storywire db upgrade`"
        )
