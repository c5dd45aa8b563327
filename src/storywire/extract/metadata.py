"""trafilatura's metadata searches, run only for the fields that a page's own markup left empty.

`trafilatura.metadata.extract_metadata` runs every search on every page: title, author, date,
site name, categories, tags and licence. storywire reads most fields from the page's Open Graph,
JSON-LD and <time> markup (`article.page_meta`) and needs trafilatura only for the rest, so
`fallback_metadata` runs a search only for a field that is wanted, with extract_metadata's own
rules for that field, and never the tag and licence searches.

`find_author` is trafilatura's `extract_author` without its XPath expressions, whose EXSLT
regular expressions lxml evaluates through a Python callback for each element: it prunes a copy
of the page as trafilatura does and tests the same attributes in one pass with compiled regular
expressions. The results are the same (tests/extract/test_metadata.py compares the two, and
pins trafilatura's expressions so that an upgrade that changes them fails).
"""

from __future__ import annotations

import logging
import re
from copy import deepcopy
from dataclasses import dataclass
from typing import Any

from htmldate import find_date
from lxml.etree import Element
from trafilatura.json_metadata import normalize_authors
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_catstags,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import set_date_params
from trafilatura.utils import trim
from trafilatura.xml import delete_element

log = logging.getLogger(__name__)

# trafilatura's AUTHOR_DISCARD_XPATHS: elements dropped before the author search.
_DISCARD_TAGS = frozenset({"a", "div", "section", "span"})
_DISCARD_EXACT = frozenset({"comments", "title", "date"})  # @class; @id only "comments"
_DISCARD_ID = re.compile(r"^comments|comment-?list|ProductReviews")
_DISCARD_CLASS = re.compile(
    r"^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|"
    r"article-(?:share|support)|print|category|meta-date|meta-reviewer"
)
_ALWAYS_DISCARDED = frozenset({"time", "figure"})

# trafilatura's AUTHOR_XPATHS, three tiers; the first also takes every <author> element.
_TIER1_TAGS = frozenset({"a", "address", "div", "link", "p", "span", "strong"})
_TIER1_CLASS = re.compile(r"author-?name|AuthorName|authorName")
_TIER1_TESTID = frozenset({"AuthorCard", "AuthorURL"})
_TIER2_TAGS = frozenset({"a", "div", "h3", "h4", "p", "span"})
_TIER2_EXACT = frozenset({"byline", "username", "byl", "BBL"})
_TIER2_ID = re.compile(r"author|zuozhe|bianji|xiaobian")
_TIER2_CLASS = re.compile(
    r"author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name"
)
_TIER3_ID = re.compile(r"[Aa]uthor")
_TIER3_CLASS = re.compile(r"[Aa]uthor|screenname|writer|[Bb]yline")

AUTHOR_LEN_LIMIT = 120  # extract_author's len_limit


@dataclass(frozen=True, slots=True)
class FallbackMeta:
    """What trafilatura found; a field that was not asked for is None."""

    title: str | None = None
    author: str | None = None  # names joined by "; "
    date: str | None = None  # YYYY-MM-DD
    site_name: str | None = None
    section: str | None = None  # the first category
    image: str | None = None
    description: str | None = None


def fallback_metadata(
    tree: Any,
    url: str | None,
    *,
    title: bool,
    author: bool,
    date: bool,
    site_name: bool,
    section: bool,
) -> FallbackMeta:
    """extract_metadata(tree, url, extensive=False) for the fields asked for, plus image and
    description, which its cheap first passes over <meta> and JSON-LD find anyway."""
    metadata = examine_meta(tree)
    # extract_metadata drops a <meta> author without a space (a handle, not a name).
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception as exc:  # as extract_metadata does: bugs in trafilatura's JSON-LD reader
        log.warning("JSON-LD metadata unreadable", extra={"url": url, "error": repr(exc)})
    if title and not metadata.title:
        metadata.title = extract_title(tree)
    if author and not metadata.author:
        metadata.author = find_author(tree)
    if date or site_name:
        metadata.url = metadata.url or extract_url(tree, url)
    if date:
        # Not the extensive search: it hands odd strings to dateparser, which tries every
        # locale (a 3.5 KB page found by fuzzing took 5 s).
        date_config = set_date_params(False)
        date_config["url"] = metadata.url
        try:
            metadata.date = find_date(tree, **date_config)
        except ValueError as exc:  # htmldate raises on a UTC offset of 24 hours or more
            log.warning("page date unreadable", extra={"url": url, "error": repr(exc)})
            metadata.date = None
    if site_name:
        if not metadata.sitename:
            metadata.sitename = extract_sitename(tree)
        if metadata.sitename:
            metadata.sitename = metadata.sitename.lstrip("@")
            if (
                metadata.sitename
                and "." not in metadata.sitename
                and not metadata.sitename[0].isupper()
            ):
                metadata.sitename = metadata.sitename.title()
        elif metadata.url and (match := META_URL.match(metadata.url)):
            metadata.sitename = match[1]
    if section and not metadata.categories:
        metadata.categories = extract_catstags("category", tree)
    metadata.clean_and_trim()
    categories = metadata.categories if section else None
    return FallbackMeta(
        title=metadata.title if title else None,
        author=metadata.author if author else None,
        date=metadata.date if date else None,
        site_name=metadata.sitename if site_name else None,
        section=str(categories[0]) if categories else None,
        image=metadata.image,
        description=metadata.description,
    )


# ------------------------------------------------------------------------------------ author


def find_author(tree: Any) -> str | None:
    """trafilatura.metadata.extract_author(tree): on a copy of the page pruned as trafilatura
    prunes it, the first element, tier by tier of AUTHOR_XPATHS and in document order within
    a tier, whose text is longer than 2 and shorter than 120 characters. The tiers' tests run
    in one pass over the copy, with compiled regular expressions."""
    pruned = deepcopy(tree)
    _prune(pruned)
    # XPath's rel='me' tests a child element <rel> whose text is "me", not an attribute.
    rel_me = {rel.getparent() for rel in pruned.iter("rel") if rel.text_content() == "me"}
    tiers: tuple[list[Any], list[Any]] = ([], [])
    for element in pruned.iter(Element):
        tag = element.tag
        classes = element.get("class")
        ident = element.get("id")
        itemprop = element.get("itemprop")
        tier1 = tag == "author" or (
            tag in _TIER1_TAGS and _tier1(element, classes, ident, itemprop, rel_me)
        )
        if tier1 and (text := _author_text(element)) is not None:
            return normalize_authors(None, text)
        has_author_prop = itemprop is not None and "author" in itemprop
        if tag in _TIER2_TAGS and (
            classes in _TIER2_EXACT
            or has_author_prop
            or (ident is not None and _TIER2_ID.search(ident) is not None)
            or (classes is not None and _TIER2_CLASS.search(classes) is not None)
        ):
            tiers[0].append(element)
        if (
            has_author_prop
            or (classes is not None and _TIER3_CLASS.search(classes) is not None)
            or (ident is not None and _TIER3_ID.search(ident) is not None)
            or "Byline" in (element.get("data-component") or "")
        ):
            tiers[1].append(element)
    for candidates in tiers:
        for element in candidates:
            if (text := _author_text(element)) is not None:
                return normalize_authors(None, text)
    return None


def _tier1(
    element: Any, classes: str | None, ident: str | None, itemprop: str | None, rel_me: set[Any]
) -> bool:
    """The first expression of AUTHOR_XPATHS, past its test of the tag."""
    return (
        element in rel_me
        or element.get("rel") == "author"
        or ident == "author"
        or classes == "author"
        or itemprop == "author name"
        or element.get("data-testid") in _TIER1_TESTID
        or (classes is not None and _TIER1_CLASS.search(classes) is not None)
    )


def _author_text(element: Any) -> str | None:
    """extract_metainfo's reading of a candidate: its text, if 2 < length < 120."""
    text = trim(" ".join(element.itertext()))
    return text if 2 < len(text) < AUTHOR_LEN_LIMIT else None


def _discarded(element: Any) -> bool:
    """Whether the first of AUTHOR_DISCARD_XPATHS selects this element."""
    ident = element.get("id")
    if ident is not None and (ident == "comments" or _DISCARD_ID.search(ident)):
        return True
    classes = element.get("class")
    if classes is not None and (classes in _DISCARD_EXACT or _DISCARD_CLASS.search(classes)):
        return True
    return "Figure" in (element.get("data-component") or "")


def _prune(root: Any) -> None:
    """trafilatura's prune_unwanted_nodes(root, AUTHOR_DISCARD_XPATHS), in its order (the first
    expression's elements, then <time> and <figure>) and with its delete_element, which keeps
    an element's tail text."""
    for doomed in [d for d in root.iterdescendants(*_DISCARD_TAGS) if _discarded(d)]:
        delete_element(doomed)
    for doomed in list(root.iter(*_ALWAYS_DISCARDED)):
        delete_element(doomed)
