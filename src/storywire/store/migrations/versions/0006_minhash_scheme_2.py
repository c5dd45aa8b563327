"""Near-duplicate bands, scheme 2: every stored article's LSH band keys recomputed.

The MinHash moved from datasketch (SHA-1 of each shingle hash, scheme 1) to storywire's own
NumPy multiply-shift hashes (scheme 2, `storywire.ingest.dedupe.SCHEME`). Band keys are looked up
across runs, so old articles get new keys here, or a new wire copy would no longer find them.
This uses the current `storywire.ingest.dedupe`; a later scheme change adds its own migration.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storywire.ingest.dedupe import fingerprint

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BATCH = 500

articles = sa.table("articles", sa.column("id", sa.Integer), sa.column("text", sa.Text))
bands = sa.table(
    "article_bands",
    sa.column("article_id", sa.Integer),
    sa.column("band", sa.Integer),
    sa.column("key", sa.BigInteger),
)


def upgrade() -> None:
    connection = op.get_bind()
    last = 0
    while True:
        # Only articles that went through dedupe have bands; keyset pages keep memory flat.
        rows = connection.execute(
            sa.select(articles.c.id, articles.c.text)
            .where(articles.c.id > last)
            .where(articles.c.id.in_(sa.select(bands.c.article_id)))
            .order_by(articles.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        ids = [row.id for row in rows]
        connection.execute(bands.delete().where(bands.c.article_id.in_(ids)))
        keys = [
            {"article_id": row.id, "band": band, "key": key}
            for row in rows
            for band, key in enumerate(fingerprint(row.text or "").bands)
        ]
        if keys:
            connection.execute(bands.insert(), keys)
        last = ids[-1]


def downgrade() -> None:
    # Scheme 1 needs datasketch, which storywire no longer uses: the keys are dropped instead,
    # so old articles are only found again as exact copies (by content hash).
    op.execute(bands.delete())
