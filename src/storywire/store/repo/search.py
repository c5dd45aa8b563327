"""Full-text search over stories and articles."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from storywire.models import Article, Story
from storywire.store.repo._sql import all_columns, read_rows
from storywire.store.repo.articles import article_of
from storywire.store.repo.stories import story_of
from storywire.store.tables import ArticleRow, StoryRow

_WORD = re.compile(r"\w+", re.UNICODE)


def _fts5_query(query: str) -> str:
    """User words as quoted FTS5 terms, so punctuation in a search box is never query syntax."""
    return " ".join(f'"{word}"' for word in _WORD.findall(query))


def _search_ids(session: Session, table: str, query: str, limit: int) -> list[int]:
    first, second = {"articles": ("title", "text"), "stories": ("headline", "search_text")}[table]
    if not _WORD.search(query):
        return []
    if session.get_bind().dialect.name == "sqlite":
        sql = text(
            f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH :q ORDER BY rank LIMIT :n"
        )
        params: dict[str, Any] = {"q": _fts5_query(query), "n": limit}
    else:
        vector = f"to_tsvector('english', coalesce({first}, '') || ' ' || coalesce({second}, ''))"
        sql = text(
            f"SELECT id FROM {table}, websearch_to_tsquery('english', :q) AS q "
            f"WHERE {vector} @@ q ORDER BY ts_rank({vector}, q) DESC, id LIMIT :n"
        )
        params = {"q": query, "n": limit}
    return [row[0] for row in session.execute(sql, params)]


def search_articles(session: Session, query: str, limit: int = 20) -> list[Article]:
    ids = _search_ids(session, "articles", query, limit)
    rows_query = all_columns(ArticleRow).where(ArticleRow.id.in_(ids))
    rows = {row.id: row for row in read_rows(session, rows_query)}
    return [article_of(rows[i]) for i in ids if i in rows]


def search_stories(session: Session, query: str, limit: int = 20) -> list[Story]:
    ids = _search_ids(session, "stories", query, limit)
    rows_query = all_columns(StoryRow).where(StoryRow.id.in_(ids))
    rows = {row.id: row for row in read_rows(session, rows_query)}
    return [story_of(rows[i]) for i in ids if i in rows]
