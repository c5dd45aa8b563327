"""Articles as the stages make them, before anything is stored: from a feed entry, from an
imported document, and from an extracted page. Pure CPU work without I/O, so the backfill runs
`prepare_document` in parallel."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

from storywire.errors import ExtractError
from storywire.extract.article import ExtractedArticle, extract_article
from storywire.extract.language import identify_language
from storywire.extract.opinion import classify_kind
from storywire.extract.urls import MAX_URL_LENGTH, canonical_url, http_url
from storywire.models import Feed, NewArticle, RawDocument, Stage, TextSource
from storywire.sources.feeds import FeedEntry
from storywire.timestamps import not_in_future

log = logging.getLogger(__name__)

# An article before or after it is stored: the page work is the same for both.
A = TypeVar("A", bound=NewArticle)


@dataclass(frozen=True)
class Vector:
    """An article's embedding as stored: the model's name and the float32 bytes."""

    model: str
    data: bytes


def prepare_document(document: RawDocument, now: datetime) -> NewArticle:
    """An imported document as an article ready to store: its page extracted (or its given
    text), not yet stored, deduplicated or given an outlet. CPU work and no I/O, so the
    backfill runs it in parallel; ExtractError when there is no text to import."""
    if len(document.url) > MAX_URL_LENGTH:
        raise ExtractError(f"{document.url[:100]}…: a URL longer than {MAX_URL_LENGTH} characters")
    article = NewArticle(
        url=document.url,
        canonical_url=canonical_url(document.url),
        title=document.title or "",
        text=document.text or "",
        authors=list(document.authors),
        published_at=not_in_future(document.published, now),
        fetched_at=now,
        summary=document.summary,
        text_source=TextSource.IMPORT,
    )
    if document.html:
        try:
            extracted = extract_article(document.html, document.url)
        except ExtractError as exc:
            if not article.text:
                raise
            log.info("import: using the given text", extra={"url": document.url, "error": exc})
        else:
            article = apply_extraction(article, extracted, now)
            article.text_source = TextSource.IMPORT
    if not article.text.strip():
        raise ExtractError(f"{document.url}: no text to import")
    if article.stage is Stage.FETCHED:
        article = without_page(article)
    return article


def article_from_entry(
    entry: FeedEntry, feed: Feed, now: datetime, language: str | None = None
) -> NewArticle:
    """The entry as an article to store; `language` is what the feed declares, which the
    article keeps until its text is identified (`without_page`, or its page's)."""
    url = entry.url or ""
    return NewArticle(
        url=url,
        canonical_url=canonical_url(url),
        title=entry.title,
        text=entry.summary or "",
        summary=entry.summary,
        outlet_id=feed.outlet_id,
        feed_id=feed.id,
        authors=list(entry.authors),
        published_at=not_in_future(entry.published, now),
        updated_at=not_in_future(entry.updated, now),
        fetched_at=now,
        language=language,
        section=entry.categories[0] if entry.categories else None,
        image_url=http_url(entry.image),
        stage=Stage.FETCHED,
        text_source=TextSource.FEED,
    )


def without_page(article: A) -> A:
    """An article whose text did not come from its page (feed summary, given text): its
    language and kind come from what we have, the URL, title and section included; the
    language its feed declared (`article.language`, if any) wins where the text can't tell."""
    language = identify_language(f"{article.title}. {article.text}", article.language)
    kind, reason = classify_kind(
        url=article.url,
        title=article.title,
        section=article.section,
        text=article.text,
        language=language,
    )
    return replace(article, language=language, kind=kind, kind_reason=reason, stage=Stage.EXTRACTED)


def apply_extraction(article: A, page: ExtractedArticle, now: datetime) -> A:
    """Page text and metadata over the feed's, keeping the feed's values where the page has none."""
    return replace(
        article,
        title=page.title or article.title,
        text=page.text,
        authors=list(page.authors) or article.authors,
        published_at=article.published_at or not_in_future(page.published, now),
        updated_at=not_in_future(page.updated, now) or article.updated_at,
        fetched_at=now,
        language=page.language,
        section=page.section or article.section,
        kind=page.kind,
        kind_reason=page.kind_reason,
        image_url=http_url(page.image, base=article.url) or article.image_url,
        summary=article.summary or page.description,
        stage=Stage.EXTRACTED,
        text_source=TextSource.PAGE,
        error=None,
    )
