"""Outgoing feeds: Atom 1.0, RSS 2.0 and JSON Feed 1.1, rendered from plain values.

Feed readers keep what they fetch forever, so the promises here are the ones they rely on:
ids never change (a changed id is a duplicate story in every subscriber's list), dates are
unambiguous UTC (a wrong offset reorders a reader's timeline), and outlet-supplied text is
escaped by the serializer, never spliced into markup, so a headline cannot inject HTML or
break the XML. Everything is pure and deterministic so feeds can be cached and compared
byte for byte.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit

__all__ = ["MEDIA_TYPES", "FeedItem", "FeedMeta", "atom", "json_feed", "last_updated", "rss"]

MEDIA_TYPES: dict[str, str] = {
    "atom": "application/atom+xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}

GENERATOR = "storywire"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_ATOM_NS = "http://www.w3.org/2005/Atom"
_MEDIA_NS = "http://search.yahoo.com/mrss/"
_DC_NS = "http://purl.org/dc/elements/1.1/"

# Characters XML 1.0 forbids (C0 controls other than tab/newline/return, surrogates that
# cannot be encoded, and the two non-characters). Stripped from JSON too so the formats agree.
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class FeedItem:
    id: str
    url: str
    title: str
    summary: str
    published: datetime
    updated: datetime
    categories: tuple[str, ...] = ()
    image: str | None = None
    authors: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Fail where the bad value is made, not later inside a serializer.
        _require_aware(self.published, "published")
        _require_aware(self.updated, "updated")


@dataclass(frozen=True, slots=True)
class FeedMeta:
    id: str
    title: str
    home_url: str
    self_url: str
    description: str = ""
    language: str = "en"


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value!r}")


def _clean(text: str) -> str:
    return _INVALID.sub("", text)


def _rfc3339(value: datetime) -> str:
    # Whole seconds: RSS cannot say more, and all three formats should name the same instant.
    _require_aware(value, "datetime")
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _rfc822(value: datetime) -> str:
    _require_aware(value, "datetime")
    return format_datetime(value.astimezone(UTC).replace(microsecond=0), usegmt=True)


def _as_html(text: str) -> str:
    return html.escape(_clean(text), quote=False)


def _image(item: FeedItem) -> str | None:
    # A lead image comes from an outlet's page; only a web URL is safe to hand to a reader.
    image = None if item.image is None else _clean(item.image)
    if image is None or urlsplit(image).scheme.lower() not in ("http", "https"):
        return None
    return image


def last_updated(items: Sequence[FeedItem], default: datetime) -> datetime:
    """Newest item change, so the feed's own date moves only when its content does."""
    _require_aware(default, "default")
    if not items:
        return default.astimezone(UTC)
    return max(item.updated for item in items).astimezone(UTC)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {key: _clean(value) for key, value in attrs.items()})
    if text is not None:
        element.text = _clean(text)
    return element


def _xml(root: ET.Element) -> bytes:
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def atom(meta: FeedMeta, items: Sequence[FeedItem]) -> bytes:
    """Atom 1.0 document.

    The feed's <updated> is the newest item's `updated`, or the Unix epoch when there are no
    items, so the same input always yields the same bytes. The feed carries an author (its
    title) because RFC 4287 requires one when an entry has none.
    """
    feed = ET.Element("feed", {"xmlns": _ATOM_NS, "xmlns:media": _MEDIA_NS})
    feed.set("xml:lang", _clean(meta.language))
    _sub(feed, "id", meta.id)
    _sub(feed, "title", meta.title, type="text")
    if meta.description:
        _sub(feed, "subtitle", meta.description, type="text")
    _sub(feed, "updated", _rfc3339(last_updated(items, EPOCH)))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=meta.self_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=meta.home_url)
    _sub(_sub(feed, "author"), "name", meta.title)
    _sub(feed, "generator", GENERATOR)
    for item in items:
        entry = _sub(feed, "entry")
        _sub(entry, "id", item.id)
        _sub(entry, "title", item.title, type="text")
        _sub(entry, "link", rel="alternate", type="text/html", href=item.url)
        _sub(entry, "published", _rfc3339(item.published))
        _sub(entry, "updated", _rfc3339(item.updated))
        _sub(entry, "summary", item.summary, type="text")
        for name in item.authors:
            _sub(_sub(entry, "author"), "name", name)
        for term in item.categories:
            _sub(entry, "category", term=term)
        image = _image(item)
        if image is not None:
            _sub(entry, "media:thumbnail", url=image)
    return _xml(feed)


def rss(meta: FeedMeta, items: Sequence[FeedItem]) -> bytes:
    """RSS 2.0 document.

    lastBuildDate follows the same rule as Atom's <updated> (newest item, else the epoch).
    RSS readers treat <description> as HTML, so the plain-text summary is HTML-escaped before
    the serializer escapes it for XML: a reader then shows "<a href=...>" as the characters it
    is instead of rendering a link. Titles stay single-escaped, as readers take them as text.
    """
    root = ET.Element(
        "rss",
        {"version": "2.0", "xmlns:atom": _ATOM_NS, "xmlns:dc": _DC_NS, "xmlns:media": _MEDIA_NS},
    )
    channel = _sub(root, "channel")
    _sub(channel, "title", meta.title)
    _sub(channel, "link", meta.home_url)
    _sub(channel, "description", _as_html(meta.description or meta.title))
    _sub(channel, "language", meta.language)
    _sub(channel, "lastBuildDate", _rfc822(last_updated(items, EPOCH)))
    _sub(channel, "generator", GENERATOR)
    _sub(channel, "atom:link", rel="self", type="application/rss+xml", href=meta.self_url)
    for item in items:
        node = _sub(channel, "item")
        _sub(node, "title", item.title)
        _sub(node, "link", item.url)
        _sub(node, "guid", item.id, isPermaLink="true")
        _sub(node, "pubDate", _rfc822(item.published))
        _sub(node, "description", _as_html(item.summary))
        for term in item.categories:
            _sub(node, "category", term)
        for name in item.authors:
            _sub(node, "dc:creator", name)
        image = _image(item)
        if image is not None:
            _sub(node, "media:thumbnail", url=image)
    return _xml(root)


def json_feed(meta: FeedMeta, items: Sequence[FeedItem]) -> bytes:
    """JSON Feed 1.1 document; `image` is omitted rather than null when an item has none."""
    entries: list[dict[str, Any]] = []
    for item in items:
        entry: dict[str, Any] = {
            "id": _clean(item.id),
            "url": _clean(item.url),
            "title": _clean(item.title),
            "summary": _clean(item.summary),
            "content_text": _clean(item.summary),
            "date_published": _rfc3339(item.published),
            "date_modified": _rfc3339(item.updated),
            "tags": [_clean(term) for term in item.categories],
            "authors": [{"name": _clean(name)} for name in item.authors],
        }
        image = _image(item)
        if image is not None:
            entry["image"] = image
        entries.append(entry)
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": _clean(meta.title),
        "home_page_url": _clean(meta.home_url),
        "feed_url": _clean(meta.self_url),
        "description": _clean(meta.description),
        "language": _clean(meta.language),
        "items": entries,
    }
    return json.dumps(document, ensure_ascii=False).encode("utf-8")
