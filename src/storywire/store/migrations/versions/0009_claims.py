"""Claims: several worker processes share feeds and articles without doing one twice.

A worker claims a feed or an article by setting `claimed_until` (a lease, in wall-clock time)
in a `FOR UPDATE SKIP LOCKED` query, so two workers never claim one row; the claim ends when
the work is stored, or lapses when the worker died holding it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("feeds", "articles"):
        op.add_column(table, sa.Column("claimed_until", sa.DateTime(timezone=True)))


def downgrade() -> None:
    for table in ("articles", "feeds"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN claimed_until")
