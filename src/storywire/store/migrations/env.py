"""Alembic environment: the engine comes from storywire's settings via `store.db.upgrade`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from storywire.store.tables import Base

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through `storywire db upgrade`, which passes the engine")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
