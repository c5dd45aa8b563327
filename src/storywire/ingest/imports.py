"""Imports: single pages by URL, JSONL and WARC files and the backfill's archives, into stored,
deduplicated articles, each under its site's outlet. The feed rounds (pipeline.py) and the
story stages then treat them as any other article."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from urllib.parse import urlsplit

from storywire.errors import ExtractError
from storywire.extract.urls import canonical_url
from storywire.ingest.articles import Vector, prepare_document
from storywire.ingest.dedupe import dedupe_article
from storywire.ingest.outlets import ensure_outlet, origin
from storywire.models import Article, NewArticle, RawDocument, Stage
from storywire.sources.fetch import Fetcher
from storywire.store import db, repo

log = logging.getLogger(__name__)


class Importer:
    def __init__(
        self, sessions: db.Sessions, now: Callable[[], datetime], claim_lease: float
    ) -> None:
        self.sessions = sessions
        self.now = now
        self.claim_lease = claim_lease

    def ingest_document(self, document: RawDocument) -> tuple[Article, bool]:
        """Store one imported document (JSONL, WARC) through extraction and dedupe; idempotent."""
        with db.transaction(self.sessions) as session:
            existing = repo.get_article_by_url(session, canonical_url(document.url))
        if existing is not None:
            return existing, False
        return self.store_prepared(document, prepare_document(document, self.now()))

    def store_prepared(
        self, document: RawDocument, article: NewArticle, vectors: Sequence[Vector] = ()
    ) -> tuple[Article, bool]:
        """Store an article `prepare_document` made from `document`, under its outlet, and dedupe
        it. `vectors` embedded from the prepared text (the backfill embeds in parallel) are
        kept, and the article goes straight to EMBEDDED, unless dedupe changed its text or
        found rubrics in its title (the embed stage then embeds what the models compare)."""
        with db.transaction(self.sessions) as session:
            outlet_id = _outlet_for(session, document)
            stored, created = repo.add_article(
                session,
                replace(article, outlet_id=outlet_id),
                claim=repo.Lease.of(self.claim_lease).until,
            )
        if not created:
            return stored, False
        with db.transaction(self.sessions) as session:
            stored = dedupe_article(session, stored)
        if vectors and (stored.matched_title, stored.text) == (article.title, article.text):
            with db.transaction(self.sessions) as session:
                for vector in vectors:
                    repo.save_vectors(session, vector.model, {stored.id: vector.data})
                repo.set_stage(session, [stored.id], Stage.EMBEDDED)
            stored = replace(stored, stage=Stage.EMBEDDED)
        return stored, True

    async def ingest_url(self, fetcher: Fetcher, url: str) -> tuple[Article, bool]:
        """Store a single article page by URL (fetched politely, then as an import)."""
        with db.transaction(self.sessions) as session:
            existing = repo.get_article_by_url(session, canonical_url(url))
        if existing is not None:
            return existing, False
        page = await fetcher.fetch_page(url)
        return self.ingest_document(RawDocument(url=page.final_url, html=page.text()))


def _outlet_for(session: db.Session, document: RawDocument) -> int | None:
    homepage = origin(document.url)
    name = document.outlet or urlsplit(document.url).netloc
    return ensure_outlet(session, name, homepage).id if name else None


def skipped(document: RawDocument, exc: Exception) -> str:
    """Why an import skipped `document`. One document that trips a bug (any error but an
    ExtractError, which says the document has no text) is logged with its traceback and
    skipped, so it cannot stop an import of thousands; callers let the database's own failures
    (`quarantine.input_failure`) stop the import instead."""
    if isinstance(exc, ExtractError):
        return str(exc)
    reason = f"{document.url}: {type(exc).__name__}: {exc}"
    facts = {"url": document.url, "error": reason}
    log.error("import skipped a document", extra=facts, exc_info=exc)
    return reason
