"""Article vectors, per embedding model."""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from storywire.store.repo._sql import id_chunks
from storywire.store.tables import ArticleVectorRow


def save_vectors(session: Session, model: str, vectors: dict[int, bytes]) -> None:
    """Store (or replace) these articles' vectors from `model`, a chunk per statement."""
    for chunk in id_chunks(vectors):
        session.execute(
            delete(ArticleVectorRow)
            .where(ArticleVectorRow.article_id.in_(chunk))
            .where(ArticleVectorRow.model == model)
        )
        session.execute(
            insert(ArticleVectorRow),
            [{"article_id": i, "model": model, "vector": vectors[i]} for i in chunk],
        )


def vectors(session: Session, article_ids: list[int], model: str) -> dict[int, bytes]:
    found: dict[int, bytes] = {}
    for chunk in id_chunks(article_ids):
        rows = session.scalars(
            select(ArticleVectorRow)
            .where(ArticleVectorRow.article_id.in_(chunk))
            .where(ArticleVectorRow.model == model)
        )
        found.update((row.article_id, row.vector) for row in rows)
    return found
