"""From a fetched feed document to typed entries: RSS and Atom via feedparser, JSON Feed by hand.

This is the only module that imports feedparser, so its quirks stay here: values come back as
loosely typed dicts, `updated` silently falls back to `published` with a DeprecationWarning, and
every problem is reported through the "bozo" flag. Following the `reader` project, a bozo
document that still yielded entries becomes a warning on the result; one that yielded nothing
usable becomes a `ParseError`. Nothing here touches the network.
"""

from __future__ import annotations

import codecs
import html
import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser  # type: ignore[import-untyped]
from feedparser.sanitizer import _sanitize_html  # type: ignore[import-untyped]
from feedparser.urls import resolve_relative_uris  # type: ignore[import-untyped]

from storywire.errors import ParseError
from storywire.extract.urls import http_url
from storywire.models import FeedFormat
from storywire.sources.fetch import XML_ENCODING, charset_of, decode_html
from storywire.sources.unicode import storable
from storywire.timestamps import parse_timestamp

log = logging.getLogger(__name__)

__all__ = ["FeedEntry", "ParsedFeed", "parse_feed", "read_feed"]

_JSON_MEDIA_TYPES = frozenset({"application/feed+json", "application/json"})
_JSON_FEED_VERSION = "jsonfeed.org/version/"
_BOM = b"\xef\xbb\xbf"

# Bozo exceptions that say "the document was readable, but not quite as declared".
_BENIGN_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)

# Magic numbers of what servers most often return instead of a feed, for a clearer error.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"%PDF-", "a PDF document"),
    (b"\x1f\x8b", "gzip-compressed data (was the response body decoded?)"),
    (b"PK\x03\x04", "a ZIP archive"),
)
_HTML_TAG = re.compile(rb"<(?:!doctype\s+html|html[\s>]|head[\s>])", re.I)
_SAX_POSITION = re.compile(r"^<unknown>:(\d+):(\d+): ")
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
# The one kind of entity declaration old feeds need: a short literal or character reference
# (`<!ENTITY copy "&#169;">`). Anything else can expand: a reference to another entity, a
# parameter or external entity, or one long value referenced thousands of times.
_ENTITY = re.compile(rb"<!ENTITY\s")
_PLAIN_ENTITY = re.compile(
    rb"""<!ENTITY\s+[A-Za-z_][\w.-]{0,40}\s+"""
    rb"""(?:"(?:&\#\w{1,8};|[^"&%<]){0,16}"|'(?:&\#\w{1,8};|[^'&%<]){0,16}')\s*>"""
)
_WIDE_STARTS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
    (b"\x4c\x6f\xa7\x94", "cp037"),
)
_NOT_IMAGE = re.compile(r"\.(mp[34]|m4[av]|mov|webm|og[gv]|m3u8|wav|pdf)($|[?#])", re.I)
_LOOKS_LIKE_HTML = re.compile(r"</?[a-zA-Z][^<>]*>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]\w*);")

# Month abbreviations that localized feeds put in RFC 822 dates (Portuguese, Spanish, French,
# German, Italian), which feedparser leaves unparsed.
_LOCAL_MONTHS = {
    "jan": "Jan", "janv": "Jan", "ene": "Jan", "gen": "Jan",
    "fev": "Feb", "fév": "Feb", "févr": "Feb", "feb": "Feb",
    "mar": "Mar", "mär": "Mar", "mrz": "Mar", "mars": "Mar",
    "abr": "Apr", "avr": "Apr", "apr": "Apr",
    "mai": "May", "may": "May", "mag": "May",
    "jun": "Jun", "juin": "Jun", "giu": "Jun",
    "jul": "Jul", "juil": "Jul", "lug": "Jul",
    "ago": "Aug", "août": "Aug", "aou": "Aug", "aug": "Aug",
    "set": "Sep", "sep": "Sep", "sept": "Sep",
    "out": "Oct", "oct": "Oct", "okt": "Oct", "ott": "Oct",
    "nov": "Nov",
    "dez": "Dec", "dic": "Dec", "déc": "Dec", "dec": "Dec",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item as the feed describes it; text fields are plain text, dates aware UTC."""

    guid: str | None
    url: str | None
    title: str
    summary: str | None
    content_html: str | None
    authors: tuple[str, ...]
    published: datetime | None
    updated: datetime | None
    categories: tuple[str, ...]
    image: str | None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed that could be read; `warnings` lists what was wrong with it but recovered."""

    format: FeedFormat
    title: str | None
    home_url: str | None
    language: str | None
    entries: tuple[FeedEntry, ...]
    warnings: tuple[str, ...]


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse a feed document fetched from `url`; relative links are resolved against `url`.

    Raises `ParseError` (and nothing else) when the body is not a feed at all; problems the
    parser recovered from are listed in `ParsedFeed.warnings`. An empty but valid feed is not an
    error.
    """
    if not body.strip():
        raise ParseError(f"{url}: empty document, not a feed")
    if _is_json(body, content_type):
        return _parse_json_feed(body, url)
    return _parse_xml_feed(body, url, content_type)


def read_feed(body: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """A fetched feed, parsed, with the entries an article can come from. A parser bug met on
    one feed (any exception but ParseError) fails that feed only, logged with its traceback,
    instead of every round that meets it."""
    try:
        return linked_entries(parse_feed(body, url, content_type))
    except ParseError:
        raise
    except Exception as exc:
        log.exception("feed parser failed", extra={"feed": url})
        raise ParseError(f"{url}: the parser failed ({exc!r})") from exc


# Real feeds list tens of items, archives a few hundred; a feed of 100,000 tiny items is a
# flood, not news. The first ones are kept: feeds list the newest first.
MAX_ENTRIES = 1000


def linked_entries(feed: ParsedFeed) -> ParsedFeed:
    """The entries an article can come from: each needs a web link of at most
    MAX_URL_LENGTH characters (an RSS guid that is one counts, as readers treat it as the
    permalink), and at most MAX_ENTRIES of them. What is
    left out is said in the warnings, never dropped silently."""
    entries: list[FeedEntry] = []
    unlinked: list[str] = []
    for entry in feed.entries:
        link = http_url(entry.url) or http_url(entry.guid)
        if link is None:
            unlinked.append(entry.title)
        else:
            entries.append(replace(entry, url=link))
    warnings = list(feed.warnings)
    if unlinked:
        shown = ", ".join(repr(title) for title in unlinked[:5])
        more = f" and {len(unlinked) - 5} more" if len(unlinked) > 5 else ""
        warnings.append(f"skipped {len(unlinked)} entries without a usable web link: {shown}{more}")
    if len(entries) > MAX_ENTRIES:
        warnings.append(f"kept the first {MAX_ENTRIES} of {len(entries)} entries")
        entries = entries[:MAX_ENTRIES]
    return replace(feed, entries=tuple(entries), warnings=tuple(warnings))


# -- RSS and Atom ---------------------------------------------------------------------------


# A numeric character reference to a UTF-16 surrogate (U+D800-U+DFFF: hex D800-DFFF, decimal
# 55296-57343), which stops feedparser: it cannot encode the character it makes. Matched by
# the expression alone, so a feed of 100,000 ordinary references costs no Python call each.
_SURROGATE_REFERENCE = re.compile(
    rb"&#(?:[xX]0*[dD][89a-fA-F][0-9a-fA-F]{2}"
    rb"|0*(?:5529[6-9]|55[3-9][0-9]{2}|56[0-9]{3}|57[0-2][0-9]{2}|573[0-3][0-9]|5734[0-3]));"
)


def _parse_xml_feed(body: bytes, url: str, content_type: str | None) -> ParsedFeed:
    if _has_entity_bomb(body):
        raise ParseError(
            f"{url}: refused: the document declares entities other than short literals "
            "(nested, parameter, external or long ones: an entity expansion attack)"
        )
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    utf8, headers, misdeclared = _as_utf8(body, headers)
    utf8 = _SURROGATE_REFERENCE.sub(b"&#xFFFD;", utf8)
    try:
        result: Any = feedparser.parse(
            utf8, response_headers=headers, sanitize_html=True, resolve_relative_uris=True
        )
    except Exception as exc:  # feedparser has no exception contract; keep ours
        raise ParseError(f"{url}: feed parser failed: {exc!r}") from exc

    version = _str(dict.get(result, "version"))
    bozo_exc: object = dict.get(result, "bozo_exception") if dict.get(result, "bozo") else None
    warnings: list[str] = [misdeclared] if misdeclared else []
    if not version:
        raise ParseError(f"{url}: not a feed: {_describe_non_feed(body, bozo_exc)}")

    feed: dict[str, Any] = _mapping(dict.get(result, "feed"))
    feed_authors = _feedparser_authors(feed)
    inherit_authors = version.startswith("atom")  # RFC 4287 4.2.1: entries inherit feed authors
    entries: list[FeedEntry] = []
    dropped: list[str] = []
    raw_entries = dict.get(result, "entries")
    for raw in raw_entries if isinstance(raw_entries, list) else []:
        entry = _feedparser_entry(_mapping(raw), url, feed_authors if inherit_authors else ())
        if entry.url is None and entry.guid is None:
            dropped.append(entry.title)
        else:
            entries.append(entry)
    if dropped:
        warnings.append(_dropped_warning(dropped))

    if bozo_exc is not None:
        if isinstance(bozo_exc, _BENIGN_BOZO):
            # "no Content-type specified" only says the caller passed none; not worth a warning.
            if content_type or not isinstance(bozo_exc, feedparser.NonXMLContentType):
                warnings.append(f"{type(bozo_exc).__name__}: {bozo_exc}")
        elif entries:
            warnings.append(
                f"feed is not well-formed ({_exc_text(bozo_exc)}); recovered {len(entries)} entries"
            )
        else:
            raise ParseError(f"{url}: malformed feed with no entries: {_exc_text(bozo_exc)}")

    return ParsedFeed(
        format=_format_of(version),
        title=_text_of(feed, "title") or None,
        home_url=_absolute(url, _str(feed.get("link"))),
        language=_clean(_str(feed.get("language"))),
        entries=tuple(entries),
        warnings=tuple(warnings),
    )


def _as_utf8(body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str], str | None]:
    """The feed re-encoded as UTF-8, and declared so, unless it is plain ASCII; with a warning
    when its bytes do not fit the charset it declares.

    Read the way pages are (`decode_html`: the HTTP charset, the XML declaration, else UTF-8,
    else detection on the first 200 KB). feedparser would otherwise run chardet over the whole
    document whenever the bytes fit no charset they declare: about 25 us a byte, so minutes for
    a 10 MB feed of stray Latin-1 bytes, on the fetch round's event loop."""
    if body.isascii():
        return body, headers, None
    content_type = headers.get("content-type")
    xml = XML_ENCODING.match(body[:1024])
    declared = charset_of(content_type) or (xml.group(1).decode("ascii") if xml else None)
    text = decode_html(body, content_type, default="utf-8").lstrip("\ufeff")
    misdeclared = None
    if declared:
        try:
            body.decode(declared)
        except (LookupError, UnicodeError):
            misdeclared = f"the feed declares {declared}, which its bytes are not: charset detected"
    utf8 = text.encode("utf-8")
    declaration = XML_ENCODING.match(utf8[:1024])
    if declaration:
        utf8 = utf8[: declaration.start(1)] + b"utf-8" + utf8[declaration.end(1) :]
    media = (content_type or "application/xml").split(";", 1)[0].strip()
    return utf8, headers | {"content-type": f"{media}; charset=utf-8"}, misdeclared


def _feedparser_entry(raw: dict[str, Any], base: str, inherited: tuple[str, ...]) -> FeedEntry:
    # feedparser copies the full content into `summary` when the item has no description of its
    # own; a summary that is the whole article is not a summary.
    contents = [_str(block.get("value")) for block in _mappings(raw.get("content"))]
    summary = None if _str(raw.get("summary")) in contents else _text_of(raw, "summary") or None
    return FeedEntry(
        guid=_clean(_str(raw.get("id"))),
        # FeedBurner swaps links for feedproxy redirects and keeps the real one in origLink.
        url=_absolute(base, _str(raw.get("feedburner_origlink")))
        or _absolute(base, _str(raw.get("link"))),
        title=_text_of(raw, "title"),
        summary=summary,
        content_html=_feedparser_content(raw),
        authors=_feedparser_authors(raw) or inherited,
        published=_feedparser_date(raw, "published"),
        updated=_feedparser_date(raw, "updated"),
        categories=_unique(
            _str(tag.get("label")) or _str(tag.get("term")) for tag in _mappings(raw.get("tags"))
        ),
        image=_feedparser_image(raw, base),
    )


def _feedparser_content(raw: dict[str, Any]) -> str | None:
    """The first full-content block, as HTML (plain-text blocks are escaped)."""
    for block in _mappings(raw.get("content")):
        value = _str(block.get("value"))
        if not value or not value.strip():
            continue
        kind = _str(block.get("type")) or "text/html"
        return value.strip() if "html" in kind else _text_to_html(value)
    return None


def _feedparser_authors(raw: dict[str, Any]) -> tuple[str, ...]:
    names = [_str(author.get("name")) for author in _mappings(raw.get("authors"))]
    if not any(names):
        detail = _mapping(raw.get("author_detail"))
        names = [_str(detail.get("name"))]
    return _unique(names)


def _feedparser_date(raw: dict[str, Any], key: str) -> datetime | None:
    """Read `<key>_parsed` with dict.get: FeedParserDict's own lookup maps `updated` to
    `published` behind a DeprecationWarning, and we want the two kept apart."""
    parsed = dict.get(raw, f"{key}_parsed")
    if parsed is not None:
        try:
            year, month, day, hour, minute, second = (int(part) for part in parsed[:6])
            return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        except (TypeError, ValueError):
            pass
    text = _str(dict.get(raw, key))
    return _parse_localized_date(text) if text else None


def _feedparser_image(raw: dict[str, Any], base: str) -> str | None:
    """The largest media:content image, else a thumbnail, else an image enclosure.

    Outlets list one picture at several widths (the Guardian sends 140 and 460 pixels); an entry
    without a width is usually the original, so it ranks above any sized copy.
    """
    media: list[tuple[float, str | None]] = []
    for item in _mappings(raw.get("media_content")):
        medium = _str(item.get("medium"))
        kind = _str(item.get("type"))
        untyped = not medium and not kind and not _NOT_IMAGE.search(_str(item.get("url")) or "")
        if medium == "image" or (kind or "").startswith("image/") or untyped:
            width = _str(item.get("width"))
            size = float(width) if width and width.isascii() and width.isdigit() else float("inf")
            media.append((size, _str(item.get("url"))))
    media.sort(key=lambda pair: pair[0], reverse=True)
    candidates = [url for _size, url in media]
    candidates.extend(_str(thumb.get("url")) for thumb in _mappings(raw.get("media_thumbnail")))
    candidates.extend(
        _str(link.get("href"))
        for link in _mappings(raw.get("links"))
        if link.get("rel") == "enclosure" and (_str(link.get("type")) or "").startswith("image/")
    )
    for candidate in candidates:
        image = _absolute(base, candidate)
        if image:
            return image
    return None


def _format_of(version: str) -> FeedFormat:
    if version.startswith("rss"):
        return FeedFormat.RSS
    if version.startswith("atom"):
        return FeedFormat.ATOM
    return FeedFormat.UNKNOWN


def _describe_non_feed(body: bytes, bozo_exc: object) -> str:
    sniffed = _sniff(body)
    if sniffed:
        return sniffed
    if bozo_exc is not None and not isinstance(bozo_exc, _BENIGN_BOZO):
        return f"not well-formed XML ({_exc_text(bozo_exc)})"
    return "the XML document is not RSS or Atom"


def _sniff(body: bytes) -> str | None:
    """Name what a server sent instead of a feed, for an error message a person can act on."""
    head = body.lstrip()[:512]
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return f"the body is {what}"
    if _starts_as_html(body[:4096]):
        return "the body is an HTML page"
    return None


def _starts_as_html(head: bytes) -> bool:
    """Does the body open (after blanks and comments) with an HTML doctype, <html> or <head>?
    Comments are skipped with find(), not a regex: `(<!--.*?-->\\s*)*` backtracks
    exponentially on a few hundred bytes of `<!---->`."""
    at = 0
    while True:
        while at < len(head) and head[at : at + 1].isspace():
            at += 1
        if not head.startswith(b"<!--", at):
            return _HTML_TAG.match(head, at) is not None
        close = head.find(b"-->", at + 4)
        if close < 0:
            return False
        at = close + 3


def _has_entity_bomb(body: bytes) -> bool:
    """Does the DOCTYPE declare any entity but a short literal?

    feedparser strips some declarations itself, but only when each sits at the start of a line,
    so a one-line billion-laughs document reaches expat, which stops it only after megabytes of
    expansion; and its loose parser expands one flat entity of 100 KB referenced 10,000 times
    into a gigabyte. Short literals (`<!ENTITY copy "&#169;">`) stay allowed: old feeds use them.
    """
    text = _ascii_compatible(body)
    doctype = text.find(b"<!DOCTYPE")
    if doctype < 0:
        return False
    first_element = _FIRST_ELEMENT.search(text)
    if first_element is not None and first_element.start() < doctype:
        return False  # a DOCTYPE after the root element is content (in CDATA), not a declaration
    end = first_element.start() if first_element is not None else len(text)
    return any(
        _PLAIN_ENTITY.match(text, found.start()) is None
        for found in _ENTITY.finditer(text, doctype, end)
    )


def _ascii_compatible(body: bytes) -> bytes:
    """The body re-encoded as UTF-8 when it is UTF-16/32 or EBCDIC, so markup can be searched."""
    for start, codec in _WIDE_STARTS:
        if body.startswith(start):
            return body.decode(codec, errors="ignore").encode("utf-8")
    return body


def _exc_text(exc: object) -> str:
    text = _SAX_POSITION.sub(r"line \1, column \2: ", str(exc))
    return text or type(exc).__name__


# -- JSON Feed ------------------------------------------------------------------------------


def _is_json(body: bytes, content_type: str | None) -> bool:
    start = body.removeprefix(_BOM).lstrip()[:1]
    if start in (b"{", b"["):  # never the start of XML; "[" makes "not a JSON Feed" the error
        return True
    media_type = (content_type or "").split(";")[0].strip().lower()
    return media_type in _JSON_MEDIA_TYPES and start != b"<"


def _parse_json_feed(body: bytes, url: str) -> ParsedFeed:
    """JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1), which feedparser does not read."""
    warnings: list[str] = []
    try:
        text = body.decode(json.detect_encoding(body))
    except UnicodeDecodeError:
        text = body.decode("cp1252", errors="replace")
        warnings.append("JSON feed is not valid UTF-8; decoded as Windows-1252")
    try:
        document: object = json.loads(text.removeprefix("\ufeff"))
    except (ValueError, RecursionError) as exc:
        sniffed = _sniff(body)
        if sniffed:
            raise ParseError(f"{url}: not a feed: {sniffed}") from exc
        raise ParseError(f"{url}: invalid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise ParseError(f"{url}: JSON document is not a JSON Feed (top level is not an object)")
    version = document.get("version")
    if not isinstance(version, str) or _JSON_FEED_VERSION not in version:
        raise ParseError(f"{url}: JSON document is not a JSON Feed (no jsonfeed.org version)")
    items = document.get("items")
    if not isinstance(items, list):
        raise ParseError(f"{url}: JSON Feed has no items array")

    feed_authors = _json_authors(document)
    entries: list[FeedEntry] = []
    dropped: list[str] = []
    skipped = 0
    for item in items:
        if not isinstance(item, dict):
            skipped += 1
            continue
        entry = _json_entry(item, url, feed_authors)
        if entry.url is None and entry.guid is None:
            dropped.append(entry.title)
        else:
            entries.append(entry)
    if skipped:
        warnings.append(f"skipped {skipped} JSON Feed items that are not objects")
    if dropped:
        warnings.append(_dropped_warning(dropped))

    return ParsedFeed(
        format=FeedFormat.JSON,
        title=_plain(_str(document.get("title"))) or None,
        home_url=_absolute(url, _str(document.get("home_page_url"))),
        language=_clean(_str(document.get("language"))),
        entries=tuple(entries),
        warnings=tuple(warnings),
    )


def _json_entry(item: Mapping[str, Any], base: str, inherited: tuple[str, ...]) -> FeedEntry:
    content_html = _clean(_str(item.get("content_html")))
    if content_html:
        content_html = resolve_relative_uris(content_html, base, "utf-8", "text/html")
        content_html = _clean(_sanitize_html(content_html, "utf-8", "text/html"))
    else:
        content_text = _clean(_str(item.get("content_text")))
        content_html = _text_to_html(content_text) if content_text else None
    tags = item.get("tags")
    return FeedEntry(
        guid=_json_id(item.get("id")),
        url=_absolute(base, _str(item.get("url")))
        or _absolute(base, _str(item.get("external_url"))),
        title=_plain(_str(item.get("title"))),
        summary=_plain(_str(item.get("summary"))) or None,
        content_html=content_html,
        authors=_json_authors(item) or inherited,
        published=_iso_date(_str(item.get("date_published"))),
        updated=_iso_date(_str(item.get("date_modified"))),
        categories=_unique(_str(tag) for tag in tags) if isinstance(tags, list) else (),
        image=_absolute(base, _str(item.get("image")))
        or _absolute(base, _str(item.get("banner_image"))),
    )


def _json_id(value: object) -> str | None:
    """The spec says string, but numeric ids are common in hand-written feeds."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    return _clean(_str(value))


def _json_authors(obj: Mapping[str, Any]) -> tuple[str, ...]:
    """`authors` (1.1) or the deprecated single `author` (1.0)."""
    authors = obj.get("authors")
    people = authors if isinstance(authors, list) else [obj.get("author")]
    return _unique(_str(person.get("name")) for person in people if isinstance(person, dict))


def _iso_date(text: str | None) -> datetime | None:
    return (parse_timestamp(text) or _parse_localized_date(text)) if text else None


# -- shared helpers -------------------------------------------------------------------------


def _parse_localized_date(text: str) -> datetime | None:
    """RFC 822 dates with localized names ("Seg, 24 Set 2018 19:42:40 -0300"), as UOL sends."""
    rest = text.strip()
    if "," in rest[:16]:
        rest = rest.split(",", 1)[1]  # the weekday carries no information
    tokens = [_LOCAL_MONTHS.get(token.lower().rstrip("."), token) for token in rest.split()]
    return parse_timestamp(" ".join(tokens))


def _text_of(raw: dict[str, Any], key: str) -> str:
    """A feedparser text construct as plain text; only HTML-typed values have tags stripped."""
    value = _str(raw.get(key))
    if not value:
        return ""
    kind = _str(_mapping(raw.get(f"{key}_detail")).get("type")) or "text/html"
    return _plain_text(value) if "html" in kind else " ".join(value.split())


def _plain(value: str | None) -> str:
    """Plain text from a field the spec says is plain but publishers fill with HTML anyway,
    storable either way (`storable`: the stream replay's items come here without passing a
    feed parser)."""
    if not value:
        return ""
    if _LOOKS_LIKE_HTML.search(value):
        return _plain_text(value)
    return storable(" ".join(value.split()))


def clean_description(value: str | None) -> str:
    """A feed item's title or description as plain text: markup removed (some outlets'
    descriptions are nothing but an image tag), paragraphs kept apart, whitespace collapsed,
    nothing left that shows nothing or cannot be stored (`_plain`)."""
    paragraphs = re.split(r"\n\s*\n", value or "")
    return "\n\n".join(filter(None, (_plain(p) for p in paragraphs)))


class _TextCollector(HTMLParser):
    _BLOCKS = frozenset(
        {"p", "br", "div", "li", "ul", "ol", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
         "blockquote", "pre", "hr", "figure", "figcaption", "section", "article", "table"}
    )  # fmt: skip
    _HIDDEN = frozenset({"script", "style", "template", "noscript"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        elif tag in self._BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in self._BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _plain_text(markup: str) -> str:
    """The text of `markup`, whitespace collapsed; what its entities bring back that shows
    nothing or cannot be stored ("&#x200b;", a zero-width space) is dropped (`storable`)."""
    collector = _TextCollector()
    try:
        collector.feed(markup)
        collector.close()
    except AssertionError:
        # CPython's html.parser (before 3.13) asserts on a malformed declaration such as
        # "<![CDA[" (found by fuzzing); read every "<!" as text instead.
        return _plain_text(markup.replace("<!", "&lt;!"))
    return storable(" ".join("".join(collector.parts).split()))


def _text_to_html(text: str) -> str:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


def _absolute(base: str, link: str | None) -> str | None:
    """An absolute http(s) URL, or None: other schemes (javascript:, data:) are not links."""
    if not link or not link.strip():
        return None
    try:
        resolved = urljoin(base, link.strip())
        scheme = urlsplit(resolved).scheme
    except ValueError:
        return None
    return resolved if scheme in ("http", "https") else None


def _dropped_warning(titles: list[str]) -> str:
    shown = ", ".join(repr(title) for title in titles[:5])
    more = f" and {len(titles) - 5} more" if len(titles) > 5 else ""
    return f"dropped {len(titles)} entries without link or id: {shown}{more}"


def _unique(values: Iterable[str | None]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        cleaned = " ".join(value.split()) if value else ""
        if cleaned:
            seen.setdefault(cleaned, None)
    return tuple(seen)


def _str(value: object) -> str | None:
    """Every value read from a parsed feed passes here, so none carries what cannot be stored."""
    return storable(value) if isinstance(value, str) else None


def _clean(value: str | None) -> str | None:
    return value.strip() or None if value else None


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _mappings(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
