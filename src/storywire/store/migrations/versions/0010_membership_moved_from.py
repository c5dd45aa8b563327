"""Membership reasons become a closed set (models.JoinReason): "merged from story 12" and
"split from story 12" are stored as "merged" and "split", with the story in `moved_from`.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_MOVES = (("merged", "merged from story "), ("split", "split from story "))


def upgrade() -> None:
    op.add_column("story_articles", sa.Column("moved_from", sa.Integer()))
    for reason, prefix in _MOVES:
        op.execute(
            sa.text(
                "UPDATE story_articles SET reason = :reason, "
                "moved_from = CAST(substr(reason, :start) AS INTEGER) "
                "WHERE reason LIKE :pattern"
            ).bindparams(reason=reason, start=len(prefix) + 1, pattern=prefix + "%")
        )


def downgrade() -> None:
    for reason, prefix in _MOVES:
        op.execute(
            sa.text(
                "UPDATE story_articles SET reason = :prefix || CAST(moved_from AS VARCHAR) "
                "WHERE reason = :reason AND moved_from IS NOT NULL"
            ).bindparams(reason=reason, prefix=prefix)
        )
    op.execute("ALTER TABLE story_articles DROP COLUMN moved_from")
