"""An article keeps one vector per embedding model: the main model's and the multilingual one's.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("article_vectors", recreate="always") as batch:
        batch.drop_constraint("pk_article_vectors", type_="primary")
        batch.create_primary_key("pk_article_vectors", ["article_id", "model"])


def downgrade() -> None:
    # One vector per article again: the multilingual ones go (the main model's stay).
    op.execute("DELETE FROM article_vectors WHERE model = 'use-multilingual-v3'")
    with op.batch_alter_table("article_vectors", recreate="always") as batch:
        batch.drop_constraint("pk_article_vectors", type_="primary")
        batch.create_primary_key("pk_article_vectors", ["article_id"])
