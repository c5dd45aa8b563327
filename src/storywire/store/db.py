"""Engines, sessions and migrations for SQLite and PostgreSQL.

SQLite runs in WAL mode with foreign keys on; PostgreSQL goes through psycopg 3. Migrations run only
when asked (`storywire db upgrade`), and `check_schema` refuses to work on an outdated database.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from enum import IntEnum
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, NullPool, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session as Session
from sqlalchemy.orm import sessionmaker

from storywire.errors import ConfigError, SchemaOutdatedError, StorageError

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
    if importlib.util.find_spec("psycopg") is None:
        raise ConfigError(
            "PostgreSQL needs its driver: pip install 'storywire[postgres]' (psycopg 3)"
        )
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


class Lock(IntEnum):
    """Keys of storywire's PostgreSQL advisory locks (a number space shared by the database)."""

    DEDUPE = 0x5357_0001  # one dedupe at a time, per transaction (repo.serialise)
    STORIES = 0x5357_0002  # the one process that assigns and writes stories (Leadership)


class Leadership:
    """A job only one process may do at a time, held as a PostgreSQL session advisory lock on a
    connection of its own. When the holder dies, PostgreSQL frees the lock with its connection
    and the next process that asks takes it over. On SQLite, which one process uses at a time,
    it is always held."""

    def __init__(self, url: str, key: Lock) -> None:
        self.key = key
        parsed = normalise_url(url)
        self._engine = (
            create_engine(parsed, poolclass=NullPool)
            if parsed.get_backend_name() == "postgresql"
            else None
        )
        self._connection: Connection | None = None

    def held(self) -> bool:
        """Whether this process holds the lock now: it takes it when it is free, and finds out
        when its connection (and so the lock) was lost."""
        if self._engine is None:
            return True
        try:
            if self._connection is None:
                self._connection = self._engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT"
                )
                taken = self._connection.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": int(self.key)}
                ).scalar_one()
                if not taken:
                    self.release()
                    return False
                log.info("took the lock", extra={"lock": self.key.name})
            else:
                self._connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            log.warning("lost the lock's connection", extra={"lock": self.key.name, "error": exc})
            self.release()
            return False
        return True

    def release(self) -> None:
        """Give the lock up (closing its connection frees it)."""
        if self._connection is not None:
            with suppress(SQLAlchemyError):
                self._connection.close()
            self._connection = None

    def __enter__(self) -> Leadership:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        if self._engine is not None:
            self._engine.dispose()


def size(engine: Engine) -> int:
    """The database's size on disk in bytes (SQLite: the file with its WAL)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            return int(
                connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
            )
    path = Path(engine.url.database or "")
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.is_file())


def vacuum(engine: Engine) -> None:
    """Give the space of deleted rows back and refresh the planner's statistics: VACUUM and
    ANALYZE, which neither backend runs inside a transaction. SQLite's VACUUM rewrites the
    file and needs as much free disk again; PostgreSQL's plain VACUUM does not lock readers
    out (autovacuum does the same over time)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("VACUUM (ANALYZE)"))
        else:
            connection.execute(text("VACUUM"))
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            connection.execute(text("ANALYZE"))


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
