"""Quarantine: an article counts the times its next stage failed on it for a reason that was
not the database's, and after `repo.QUARANTINE_AFTER` of them no stage picks it up again, so one
article that trips a bug cannot stop every round.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "articles", sa.Column("failures", sa.Integer(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    op.execute("ALTER TABLE articles DROP COLUMN failures")
