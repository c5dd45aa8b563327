"""Front rank: the front page sorts by a key that never goes stale, not a stored importance.

A stored importance was computed when a story last changed, so a story nobody touched kept the
score it had then and stayed on top for days. `front_rank` is the log of that score plus the
days from 2000-01-01 to the story's latest article (storywire.stories.importance). Existing
stories get it from their stored importance and last update, which holds up to the clock skew
between their refreshes; the next coverage change recomputes it exactly.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
FLOOR = 1e-6


def _days(moment: datetime) -> float:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return (moment - EPOCH).total_seconds() / 86400


def _convert(old: str, new: str, forward: bool) -> None:
    # ADD/DROP COLUMN only: a batch "recreate" of stories would drop the stories_fts triggers.
    op.add_column("stories", sa.Column(new, sa.Float(), nullable=False, server_default="0"))
    stories = sa.table(
        "stories",
        sa.column("id", sa.Integer),
        sa.column("updated_at", sa.DateTime),
        sa.column(old, sa.Float),
        sa.column(new, sa.Float),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(stories.c.id, stories.c.updated_at, stories.c[old])).all()
    for story_id, updated, value in rows:
        if forward:
            converted = math.log2(max(value or 0.0, FLOOR)) + _days(updated)
        else:
            converted = round(2 ** min(value - _days(updated), 64.0), 4)
        connection.execute(
            stories.update().where(stories.c.id == story_id).values({new: converted})
        )
    op.drop_index(f"ix_stories_{old}", table_name="stories")
    op.execute(f"ALTER TABLE stories DROP COLUMN {old}")
    op.create_index(f"ix_stories_{new}", "stories", [new])


def upgrade() -> None:
    _convert("importance", "front_rank", forward=True)


def downgrade() -> None:
    _convert("front_rank", "importance", forward=False)
