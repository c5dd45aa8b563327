"""How the repository talks to the database, in one style: SQLAlchemy Core statements (most
built once, with bound parameters) run through the session, and rows turned into the models'
dataclasses by each entity's converter (`article_of`, `story_of`, ...). No mapped object is
loaded, added or flushed: the ORM's unit of work cost a replay more than its SQL did.

Also here: inserts that are safe under concurrency, column lengths, id chunks and advisory
locks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import String, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storywire.errors import NotFoundError

T = TypeVar("T")


def read_rows(session: Session, query: Any, **params: Any) -> Sequence[Any]:
    """Plain rows through the session's connection, for the reads that pages make.

    A page makes half a dozen small queries; through `Session.execute` each one costs several
    times the query itself in ORM bookkeeping. Pending changes are flushed first, as autoflush
    would, so a read inside a unit of work still sees its own writes.
    """
    session.flush()
    return session.connection().execute(query, params).all()


def write_row(
    session: Session, statement: Any, params: dict[str, Any] | list[dict[str, Any]]
) -> Any:
    """One prepared INSERT or UPDATE through the session's connection (a list of parameter
    sets runs it as the driver's executemany), flushing pending ORM changes first. The
    statements are built once with bound parameters, so each call reuses the compiled SQL:
    through the ORM, a replay spent more time in bookkeeping than in SQLite. Rows written this
    way are read back with `read_rows`, never as mapped objects."""
    session.flush()
    return session.connection().execute(statement, params)


@cache
def all_columns(table: Any) -> Any:
    """SELECT of every column of a mapped class, whose rows the `story_of`-style converters read
    by attribute just like mapped objects. Built once: statements are immutable, and coercing
    two dozen columns on every call cost more than the query."""
    return select(*table.__table__.c)


# Identifiers that mean nothing cut short: stored as absent when too long.
_DROPPED_WHEN_TOO_LONG = frozenset({"etag", "last_modified", "image_url"})


@cache
def _lengths(table: Any) -> dict[str, int]:
    return {
        column.name: column.type.length
        for column in table.__table__.c
        if isinstance(column.type, String) and column.type.length
    }


def fit_lengths(table: Any, values: dict[str, Any]) -> dict[str, Any]:
    """`values` cut to their columns' lengths. SQLite ignores a VARCHAR's length and
    PostgreSQL refuses the whole row, so one page with a 500-character section, or one server
    with a 1,000-character ETag, would fail every round on PostgreSQL: text is cut, and an
    identifier that means nothing cut short is dropped."""
    lengths = _lengths(table)
    for name, value in values.items():
        limit = lengths.get(name)
        if isinstance(value, str) and limit is not None and len(value) > limit:
            values[name] = None if name in _DROPPED_WHEN_TOO_LONG else value[:limit]
    return values


def insert_ignoring(session: Session, table: Any, keys: list[str]) -> Any:
    """INSERT ... ON CONFLICT (keys) DO NOTHING in the session's dialect: the insert that is
    safe when several processes add the same row at once. The columns are the ones the
    execution's parameters name."""
    return _insert_ignoring(session.get_bind().dialect.name, table, tuple(keys))


@cache
def _insert_ignoring(dialect: str, table: Any, keys: tuple[str, ...]) -> Any:
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing(index_elements=list(keys))


@cache
def _returning_id(statement: Any, table: Any) -> Any:
    return statement.returning(table.id)


def insert_new(session: Session, table: Any, values: dict[str, Any], key: str) -> Any:
    """Insert `values` unless a row with the same `key` exists: the new id, or None. The
    statement is built once per table and the values travel as parameters: putting them in
    the statement coerced every one on every call, a tenth of a stream replay."""
    statement = _returning_id(insert_ignoring(session, table, [key]), table)
    return write_row(session, statement, values).scalar_one_or_none()


def find_or_insert(
    session: Session,
    table: type[Any],
    values: dict[str, Any],
    key: str,
    find: Callable[[], T | None],
    made: Callable[[int], T],
) -> tuple[T, bool]:
    """(the stored row as `find` gives it, False), or (`made` of the new id, True) once
    `values` is inserted. Looked up first, because on PostgreSQL an insert that meets the
    conflict still uses up an id; the conflict clause covers two workers inserting at once."""
    found = find()
    if found is not None:
        return found, False
    new_id = insert_new(session, table, values, key)
    if new_id is None:  # another worker inserted it between our read and our insert
        found = find()
        assert found is not None
        return found, False
    return made(new_id), True


# Ids per IN (...) list: well under SQLite's 32,766 bound parameters.
CHUNK = 500


def id_chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def serialise(session: Session, key: int) -> None:
    """Hold a PostgreSQL advisory lock on `key` until this transaction ends, so that units of
    work that must see each other's results (deduplication) run one at a time across workers.
    SQLite has a single writer, so there it does nothing."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def ping(session: Session) -> None:
    """A round trip to the database (raises when it does not answer)."""
    session.execute(text("SELECT 1"))


def get_row(session: Session, table: Any, key: int | None, what: str) -> Any:
    """The row of `table` with this id (read by attribute like a mapped object), or
    NotFoundError."""
    found = read_rows(session, all_columns(table).where(table.id == key)) if key is not None else []
    if not found:
        raise NotFoundError(f"no {what} {key!r}")
    return found[0]
