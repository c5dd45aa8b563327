"""The metadata fallback: trafilatura's searches, only for the fields a page's markup lacks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from lxml import etree
from trafilatura.metadata import extract_author, extract_metadata
from trafilatura.utils import load_html
from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS, AUTHOR_XPATHS

from storywire.extract import metadata
from storywire.extract.article import extract_article
from storywire.extract.metadata import FallbackMeta, fallback_metadata, find_author

# trafilatura 2.3.1's author rules, which find_author re-implements. If an upgrade changes them,
# change find_author to match (then this copy); test_find_author_matches_trafilatura checks it.
PINNED_AUTHOR_XPATHS = [
    "//*[self::a or self::address or self::div or self::link or self::p or self::span or "
    "self::strong][ @rel='author' or @id='author' or @class='author' or @itemprop='author name' "
    "or rel='me' or @data-testid='AuthorCard' or @data-testid='AuthorURL' or re:test(@class, "
    "'author-?name|AuthorName|authorName')]|//author",
    "//*[self::a or self::div or self::h3 or self::h4 or self::p or self::span][ @class='byline' "
    "or @class='username' or @class='byl' or @class='BBL' or contains(@itemprop, 'author') or "
    "re:test(@id, 'author|zuozhe|bianji|xiaobian') or re:test(@class, "
    "'author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name')]",
    "//*[ contains(@data-component, 'Byline') or contains(@itemprop, 'author') or re:test(@id, "
    "'[Aa]uthor') or re:test(@class, '[Aa]uthor|screenname|writer|[Bb]yline')]",
]
PINNED_AUTHOR_DISCARD_XPATHS = [
    ".//*[self::a or self::div or self::section or self::span][ @id='comments' or "
    "@class='comments' or @class='title' or @class='date' or re:test(@id, "
    "'^comments|comment-?list|ProductReviews') or re:test(@class, '^[Cc]omments|commentlist|"
    "comments-list|sidebar|is-hidden|quote|embedly-instagram|article-(?:share|support)|print|"
    "category|meta-date|meta-reviewer') or contains(@data-component, 'Figure')]",
    "//time|//figure",
]


def _page(body: str, head: str = "") -> Any:
    return load_html(
        f"<html><head>{head}</head><body><p>The council met on Tuesday.</p>{body}</body></html>"
    )


# Each case: the page body and the author trafilatura's extract_author finds in it.
AUTHOR_CASES: dict[str, tuple[str, str | None]] = {
    "tier 1 rel=author": ('<a rel="author" href="/jane">Jane Doe</a>', "Jane Doe"),
    "tier 1 class": ('<span class="author-name">Jane Doe</span>', "Jane Doe"),
    "tier 1 itemprop": ('<p itemprop="author name">Jane Doe</p>', "Jane Doe"),
    "tier 1 data-testid": ('<div data-testid="AuthorCard">Jane Doe</div>', "Jane Doe"),
    "tier 1 rel child": ("<a><rel>me</rel> John Smith</a>", "Me John Smith"),
    "tier 1 <author> first": (
        '<author>Jane Doe</author><span class="authorName">Max Mustermann</span>',
        "Jane Doe",
    ),
    "tier 1 <author> second": (
        '<span class="authorName">Max Mustermann</span><author>Jane Doe</author>',
        "Max Mustermann",
    ),
    "tier 1 before an earlier tier 2 or 3": (
        '<li class="writer">Erika Roe</li><div class="byline">By John Smith</div>'
        '<span class="author">Jane Doe</span>',
        "Jane Doe",
    ),
    "tier 2 before an earlier tier 3": (
        '<li class="writer">Erika Roe</li><h4 class="posted-by">John Smith</h4>',
        "John Smith",
    ),
    "tier 2 id": ('<div id="xiaobian">Li Wei</div>', "Li Wei"),
    "tier 3 class": ('<li class="writer">Erika Roe</li>', "Erika Roe"),
    "tier 3 data-component": ('<section data-component="Byline">Jane Doe</section>', "Jane Doe"),
    "tier 3 id": ('<em id="Author">Jane Doe</em>', "Jane Doe"),
    "in a comments block": (
        '<div id="comments"><span class="author">Troll Person</span></div>'
        '<p class="byline">By Jane Doe</p>',
        "Jane Doe",
    ),
    "in a comments list": (
        '<section class="comments-list"><div><a rel="author">Troll Person</a></div></section>'
        '<p class="byline">By Jane Doe</p>',
        "Jane Doe",
    ),
    "in a figure": (
        '<figure><span class="author">Photo Person</span></figure><p class="byline">Jane Doe</p>',
        "Jane Doe",
    ),
    "in a time": ('<time><span class="author">Time Person</span></time>', None),
    "in a quote": (
        '<span class="quote"><a rel="author">Quoted Person</a></span><a rel="author">Jane Doe</a>',
        "Jane Doe",
    ),
    "in a Figure component": (
        '<div data-component="InlineFigure"><a rel="author">Photo Person</a></div>',
        None,
    ),
    # The pruned <time>'s tail text joins the text before it, without a space.
    "a time inside the byline": ('<div class="byline">Jane<time>May 5</time>Doe</div>', "JaneDoe"),
    "a date inside the byline": (
        '<div class="byline">By Jane Doe <span class="date">May 5</span>and John Smith</div>',
        "Jane Doe; John Smith",
    ),
    "too short": ('<span class="author">Al</span><span class="author">Bob Li</span>', "Bob Li"),
    "three characters": ('<span class="author">Ann</span>', "Ann"),
    "119 characters": (
        f'<span class="author">{"x" * 59} {"y" * 59}</span>',
        f"X{'x' * 58} Y{'y' * 58}",
    ),
    "120 characters": (
        f'<span class="author">{"x" * 60} {"y" * 59}</span><p class="byl">Ann Lee</p>',
        "Ann Lee",
    ),
    "nested candidates": (
        '<div class="author-box"><span class="author">Jane Doe</span><span>Staff</span></div>',
        "Jane Doe",
    ),
    "nested, the outer one plausible": (
        '<div class="author"><span class="author">Jane Doe</span> Staff</div>',
        "Jane Doe Staff",
    ),
    "no candidate": ("<p>Nobody signed this.</p>", None),
    # Text that the pruning joins: a date removed from inside a byline keeps its tail.
    "a large byline block": (
        '<div class="byline">Jane<time>May 5</time>Doe' + "<i></i>" * 70 + "</div>",
        "JaneDoe",
    ),
    "many bylines with a date inside": (
        '<span class="author"><time>May 5</time></span>' * 20
        + '<span class="author">Jane<time>May 5</time>Doe</span>',
        "JaneDoe",
    ),
    "a rel child with a date inside": (
        "<a><rel>m<time>5</time>e</rel> John Smith</a>",
        "Me John Smith",
    ),
    "a rel child that is not 'me'": (
        '<a><rel>m<span class="date">5</span>y</rel> John Smith</a><p class="byl">Ann Lee</p>',
        "Ann Lee",
    ),
}


def test_trafilatura_author_rules_are_the_ones_find_author_implements() -> None:
    def paths(expressions: list[Any]) -> list[str]:
        return [" ".join(expression.path.split()) for expression in expressions]

    assert paths(AUTHOR_XPATHS) == PINNED_AUTHOR_XPATHS
    assert paths(AUTHOR_DISCARD_XPATHS) == PINNED_AUTHOR_DISCARD_XPATHS


@pytest.mark.parametrize("case", AUTHOR_CASES)
def test_find_author_matches_trafilatura(case: str) -> None:
    body, expected = AUTHOR_CASES[case]
    tree = _page(body)
    before = etree.tostring(tree)
    assert extract_author(tree) == expected
    assert find_author(tree) == expected
    assert etree.tostring(tree) == before  # the page is not changed


def test_find_author_searches_from_the_root_it_is_given() -> None:
    tree = load_html('<html id="author"><body><p>Jane Doe</p></body></html>')
    assert find_author(tree) == extract_author(tree) == "Jane Doe"


# --------------------------------------------------------------------------------- fallback

URL = "https://www.example-news.com/politics/harbour-budget"
BARE_PAGE = """<html><head><title>Council approves harbour budget | example-news.com</title>
<meta name="description" content="The council voted."></head>
<body><article><h1>Council approves harbour budget</h1>
<div class="post-meta"><a href="/category/politics/">Politics</a>
<a href="/category/harbour/">Harbour</a></div>
<p class="byline">By Jane Doe</p><p>Published 2024-03-05</p>
<p>The council approved the harbour budget on Tuesday after a long debate.</p>
</article></body></html>"""
FIELDS = ("title", "author", "date", "site_name", "section")
SEARCHES = ("extract_title", "find_author", "find_date", "extract_sitename", "extract_catstags")


def _record_searches(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Wrap the fallback's searches so that the test sees which of them ran."""
    calls: list[str] = []

    def recorded(name: str, search: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            return search(*args, **kwargs)

        return wrapper

    for name in SEARCHES:
        monkeypatch.setattr(metadata, name, recorded(name, getattr(metadata, name)))
    return calls


def test_fallback_fills_every_field_asked_for_as_trafilatura_does() -> None:
    tree = load_html(BARE_PAGE)
    found = fallback_metadata(
        tree, URL, title=True, author=True, date=True, site_name=True, section=True
    )
    assert found == FallbackMeta(
        title="Council approves harbour budget",
        author="Jane Doe",
        date="2024-03-05",
        site_name="example-news.com",
        section="Politics",
        image=None,
        description="The council voted.",
    )
    reference = extract_metadata(tree, default_url=URL, extensive=False)
    assert reference.categories == ["Politics", "Harbour"]  # ours stops at the first category
    assert (found.title, found.author, found.date, found.site_name) == (
        reference.title,
        reference.author,
        reference.date,
        reference.sitename,
    )


@pytest.mark.parametrize("field", FIELDS)
def test_fallback_runs_only_the_search_of_the_field_asked_for(
    field: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _record_searches(monkeypatch)
    wanted = {name: name == field for name in FIELDS}
    found = fallback_metadata(load_html(BARE_PAGE), URL, **wanted)
    assert calls == [SEARCHES[FIELDS.index(field)]]
    assert getattr(found, field) is not None
    assert all(getattr(found, other) is None for other in FIELDS if other != field)
    assert found.description == "The council voted."


def test_fallback_keeps_trafilatura_rules_for_meta_authors_and_site_names() -> None:
    head = (
        '<meta name="author" content="jdoe"><meta name="twitter:site" content="@harbourtimes">'
        '<meta property="og:image" content="https://example-news.com/a.jpg">'
    )
    tree = load_html(BARE_PAGE.replace("<head>", f"<head>{head}"))
    found = fallback_metadata(
        tree, URL, title=False, author=True, date=False, site_name=True, section=False
    )
    reference = extract_metadata(tree, default_url=URL, extensive=False)
    # A one-word <meta> author is a handle: the byline is searched instead.
    assert found.author == reference.author == "Jane Doe"
    # "@harbourtimes": the @ goes, the name is capitalised.
    assert found.site_name == reference.sitename == "Harbourtimes"
    assert found.image == reference.image == "https://example-news.com/a.jpg"


def test_fallback_site_name_from_the_url_when_the_page_has_none() -> None:
    tree = load_html("<html><head><title>Harbour news</title></head><body><p>x</p></body></html>")
    found = fallback_metadata(
        tree, URL, title=True, author=True, date=True, site_name=True, section=True
    )
    assert found == FallbackMeta(title="Harbour news", site_name="example-news.com")
    assert extract_metadata(tree, default_url=URL, extensive=False).sitename == "example-news.com"


def test_a_page_date_with_an_impossible_utc_offset_is_no_date() -> None:
    """htmldate raises on an offset of 24 hours or more ("+40:00", found by fuzzing): the page
    keeps its other metadata and gets no date from the markup."""
    tree = load_html(
        "<html><head><title>Harbour news</title></head><body><article><p>Ferry runs resume."
        '<time datetime="2026-11-02T08:40:00+40:00">2 November</time></p></article></body></html>'
    )
    found = fallback_metadata(
        tree, URL, title=True, author=False, date=True, site_name=False, section=False
    )
    assert found.title == "Harbour news" and found.date is None


ARTICLE_BODY = "".join(
    f"<p>Paragraph {i}: the council approved the harbour budget after a long debate about "
    "dredging, berths and the ferry terminal's new roof.</p>"
    for i in range(4)
)


def _article(head: str) -> str:
    return (
        f"<html><head>{head}</head><body><article><h1>Harbour budget</h1>"
        f'<p class="byline">By Jane Doe</p><div class="post-meta">'
        f'<a href="/category/politics/">Politics</a></div>{ARTICLE_BODY}</article></body></html>'
    )


TITLE = '<meta property="og:title" content="Harbour budget approved">'
DATE = '<meta property="article:published_time" content="2026-11-03T08:00:00Z">'
SITE = '<meta property="og:site_name" content="Harbour Times">'
AUTHOR = '<meta name="author" content="Erika Roe">'


def test_article_searches_only_for_what_the_markup_lacks(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _record_searches(monkeypatch)
    article = extract_article(_article(TITLE + DATE + SITE), URL)
    assert calls == ["find_author", "extract_catstags"]
    assert article.authors == ("Jane Doe",)
    assert article.section == "Politics"
    assert article.site_name == "Harbour Times"

    calls.clear()
    article = extract_article(_article(TITLE + AUTHOR + SITE), URL)
    assert calls == ["find_date", "extract_catstags"]
    assert article.authors == ("Erika Roe",)

    calls.clear()
    article = extract_article(_article(TITLE + AUTHOR + DATE + SITE), URL)
    assert calls == []  # nothing missing but the section: no fallback at all
    assert article.section is None
