"""Story timeline: the coverage chart drawn when coverage changes, not on every page view.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN only: a batch "recreate" of stories would drop the stories_fts triggers.
    op.add_column("stories", sa.Column("timeline_svg", sa.Text(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE stories DROP COLUMN timeline_svg")
