"""OPML subscription lists in and out, the format every feed reader imports and exports.

OPML files come from users, so they are untrusted XML: documents with a DOCTYPE are refused
before any entity could be expanded (billion laughs, external entities). Nothing in a real
subscription list needs a DTD.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from xml.parsers import expat

from storywire.errors import ParseError

__all__ = ["OpmlFeed", "parse_opml", "write_opml"]

# Characters XML 1.0 cannot carry even escaped; ElementTree would write them and break the file.
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    url: str
    title: str | None
    html_url: str | None
    category: str | None


class _DoctypeRefusedError(Exception):
    pass


def parse_opml(data: bytes | str) -> list[OpmlFeed]:
    """The feeds of an OPML document, in document order, each URL once.

    Outlines without `xmlUrl` are folders (their titles become the category, joined with "/")
    or plain notes (ignored). A `category` attribute on the feed's outline wins over folders.
    """
    if not data or not data.strip():
        raise ParseError("empty OPML document")
    _refuse_doctype(data)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ParseError(f"OPML is not well-formed XML: {exc}") from exc
    except (LookupError, ValueError) as exc:
        raise ParseError(f"OPML declares an encoding the XML parser cannot read: {exc}") from exc
    if _local(root.tag) != "opml":
        raise ParseError(f"not an OPML document: the root element is <{_local(root.tag)}>")
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        raise ParseError("OPML document has no <body>")

    feeds: dict[str, OpmlFeed] = {}
    _collect(body, (), feeds)
    return list(feeds.values())


def write_opml(feeds: Iterable[OpmlFeed], title: str = "storywire feeds") -> str:
    """OPML 2.0 with one folder outline per category; feeds without one sit at the top level.

    Folders are flat (a category "World/Europe" is one folder of that name) because most readers
    show only one level; `parse_opml` reads the name back unchanged. A feed without a title gets
    its URL as `text`, which OPML 2.0 requires and `parse_opml` reads back as no title.
    """
    opml = ET.Element("opml", version="2.0")
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = _xml_safe(title)
    body = ET.SubElement(opml, "body")

    folders: dict[str, ET.Element] = {}
    seen: set[str] = set()
    for feed in feeds:
        if feed.url in seen:
            continue
        seen.add(feed.url)
        parent = body
        if feed.category:
            folder = folders.get(feed.category)
            if folder is None:  # not `or`: an Element's truth value is its child count
                name = _xml_safe(feed.category)
                folder = folders[feed.category] = ET.SubElement(
                    body, "outline", text=name, title=name
                )
            parent = folder
        attrs = {"type": "rss", "text": _xml_safe(feed.title or feed.url)}
        if feed.title:
            attrs["title"] = _xml_safe(feed.title)
        attrs["xmlUrl"] = _xml_safe(feed.url)
        if feed.html_url:
            attrs["htmlUrl"] = _xml_safe(feed.html_url)
        ET.SubElement(parent, "outline", attrs)

    ET.indent(opml)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(opml, encoding="unicode") + "\n"


def _refuse_doctype(data: bytes | str) -> None:
    """Scan with expat and stop at the first DOCTYPE or entity declaration, before any expansion.

    Doing this with the parser rather than a byte search also catches UTF-16 documents.
    """

    def refuse(*_args: object) -> None:
        raise _DoctypeRefusedError

    scanner = expat.ParserCreate()
    scanner.StartDoctypeDeclHandler = refuse
    scanner.EntityDeclHandler = refuse
    try:
        scanner.Parse(data, True)
    except _DoctypeRefusedError:
        raise ParseError(
            "OPML document has a DOCTYPE or entity declaration; refused to protect against "
            "entity expansion attacks"
        ) from None
    except expat.ExpatError as exc:
        raise ParseError(f"OPML is not well-formed XML: {exc}") from exc
    except (LookupError, ValueError) as exc:  # encoding="utf-9" or a multi-byte one
        raise ParseError(f"OPML declares an encoding the XML parser cannot read: {exc}") from exc


def _collect(parent: ET.Element, folders: tuple[str, ...], feeds: dict[str, OpmlFeed]) -> None:
    for outline in parent:
        if _local(outline.tag) != "outline":
            continue
        name = _text(outline.get("text")) or _text(outline.get("title"))
        url = _text(_attr(outline, "xmlUrl"))
        if url is None:
            _collect(outline, (*folders, name) if name else folders, feeds)
            continue
        if url not in feeds:
            category = _category(outline.get("category")) or ("/".join(folders) or None)
            feeds[url] = OpmlFeed(
                url=url,
                title=name if name != url else None,
                html_url=_text(_attr(outline, "htmlUrl")),
                category=category,
            )
        _collect(outline, folders, feeds)


def _category(value: str | None) -> str | None:
    """OPML 2.0's `category` is a comma-separated list of slash paths ("/News/World"); the
    first path is the feed's folder."""
    if not value:
        return None
    first = value.split(",")[0]
    parts = [part.strip() for part in first.split("/") if part.strip()]
    return "/".join(parts) or None


def _attr(element: ET.Element, name: str) -> str | None:
    """Attribute lookup that forgives exporters writing `xmlurl` or `XMLURL`."""
    value = element.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    return next((v for k, v in element.attrib.items() if k.lower() == lowered), None)


def _text(value: str | None) -> str | None:
    return " ".join(value.split()) or None if value else None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_safe(value: str) -> str:
    return _INVALID_XML_CHARS.sub("", value)
