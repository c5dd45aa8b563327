"""Outlets: the sites articles come from."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Row, bindparam, func, select, update
from sqlalchemy.orm import Session

from storywire.errors import NotFoundError
from storywire.models import NewOutlet, Outlet
from storywire.store.repo._sql import all_columns, find_or_insert, fit_lengths, read_rows, write_row
from storywire.store.tables import ArticleRow, OutletRow


def outlet_of(row: OutletRow | Row[Any]) -> Outlet:
    return Outlet(
        id=row.id, slug=row.slug, name=row.name, homepage=row.homepage, language=row.language
    )


def ensure_outlet(session: Session, outlet: NewOutlet) -> Outlet:
    """The outlet with this slug as stored, or this one inserted. What a feed or a file says
    about itself never renames an outlet another source created, and two workers adding one
    outlet at once both get the one row."""
    return _find_or_insert(session, _outlet_values(outlet))[0]


def upsert_outlet(session: Session, outlet: NewOutlet) -> Outlet:
    """Insert the outlet, or update the one with the same slug (an operator's own word)."""
    values = _outlet_values(outlet)
    found, created = _find_or_insert(session, values)
    if created:
        return found
    write_row(
        session,
        update(OutletRow).where(OutletRow.slug == bindparam("key")),
        {**{k: v for k, v in values.items() if k != "slug"}, "key": values["slug"]},
    )
    return Outlet(id=found.id, **values)


def _find_or_insert(session: Session, values: dict[str, Any]) -> tuple[Outlet, bool]:
    return find_or_insert(
        session,
        OutletRow,
        values,
        "slug",
        lambda: _by_slug(session, values["slug"]),
        lambda new_id: Outlet(id=new_id, **values),
    )


def _outlet_values(outlet: NewOutlet) -> dict[str, Any]:
    return fit_lengths(
        OutletRow,
        {
            "slug": outlet.slug,
            "name": outlet.name,
            "homepage": outlet.homepage,
            "language": outlet.language,
        },
    )


_OUTLET_BY_SLUG = all_columns(OutletRow).where(OutletRow.slug == bindparam("slug"))


def _by_slug(session: Session, slug: str) -> Outlet | None:
    rows = read_rows(session, _OUTLET_BY_SLUG, slug=slug)
    return outlet_of(rows[0]) if rows else None


def list_outlets(session: Session) -> list[Outlet]:
    return [
        outlet_of(row)
        for row in read_rows(session, all_columns(OutletRow).order_by(OutletRow.name))
    ]


def get_outlet(session: Session, slug: str) -> Outlet:
    outlet = _by_slug(session, slug)
    if outlet is None:
        raise NotFoundError(f"no outlet {slug!r}")
    return outlet


def outlet_article_counts(session: Session) -> dict[int, int]:
    """How many stored articles each outlet has, for the outlets page."""
    query = select(ArticleRow.outlet_id, func.count()).group_by(ArticleRow.outlet_id)
    return {outlet: count for outlet, count in read_rows(session, query) if outlet is not None}


_OUTLETS_BY_ID = all_columns(OutletRow).where(OutletRow.id.in_(bindparam("ids", expanding=True)))


def outlets_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, Outlet]:
    """Just the outlets named, for pages that show a few of many."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = read_rows(session, _OUTLETS_BY_ID, ids=sorted(wanted))
    return {row.id: outlet_of(row) for row in rows}


def outlet_names(session: Session) -> dict[int | None, str]:
    """Outlet id to name, for labelling articles in bulk."""
    return {row.id: row.name for row in read_rows(session, select(OutletRow.id, OutletRow.name))}
