"""OPML import and export, including the hostile documents users can upload."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import pytest

from storywire.errors import ParseError
from storywire.sources.opml import OpmlFeed, parse_opml, write_opml

READER_EXPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My subscriptions</title></head>
  <body>
    <outline text="News" title="News">
      <outline text="World">
        <outline type="rss" text="Harbour Gazette" title="Harbour Gazette"
                 xmlUrl="https://gazette.example/feed.xml" htmlUrl="https://gazette.example/"/>
        <outline type="rss" text="Valley Post" xmlUrl="https://post.example/rss"/>
      </outline>
      <outline type="rss" text="Local Bugle" xmlUrl="https://bugle.example/atom"/>
      <outline type="rss" text="Tagged" xmlUrl="https://tagged.example/rss"
               category="/Science/Space,/Other"/>
    </outline>
    <outline type="rss" title="Top level, title only" xmlUrl="https://top.example/feed"/>
    <outline text="A bookmark, not a feed" htmlUrl="https://bookmark.example/"/>
    <outline type="link" text="Link outline" url="https://link.example/"/>
    <outline text="Valley Post again" xmlUrl="https://post.example/rss"/>
    <outline text="" title="">
      <outline text="Unnamed folder child" xmlurl="https://lower.example/rss"/>
    </outline>
  </body>
</opml>
"""


def test_parse_reader_export() -> None:
    feeds = parse_opml(READER_EXPORT)

    assert feeds == [
        OpmlFeed(
            url="https://gazette.example/feed.xml",
            title="Harbour Gazette",
            html_url="https://gazette.example/",
            category="News/World",
        ),
        OpmlFeed("https://post.example/rss", "Valley Post", None, "News/World"),
        OpmlFeed("https://bugle.example/atom", "Local Bugle", None, "News"),
        OpmlFeed("https://tagged.example/rss", "Tagged", None, "Science/Space"),
        OpmlFeed("https://top.example/feed", "Top level, title only", None, None),
        OpmlFeed("https://lower.example/rss", "Unnamed folder child", None, None),
    ]


def test_outlines_without_xml_url_are_ignored() -> None:
    data = (
        b'<opml version="1.0"><body><outline text="Notes"/>'
        b'<outline type="link" text="x" url="https://x.example/"/></body></opml>'
    )
    assert parse_opml(data) == []


def test_urls_are_deduplicated_first_wins() -> None:
    data = (
        b'<opml version="2.0"><body>'
        b'<outline text="First" xmlUrl="https://a.example/rss"/>'
        b'<outline text="Folder"><outline text="Second" xmlUrl="https://a.example/rss"/></outline>'
        b"</body></opml>"
    )
    assert parse_opml(data) == [OpmlFeed("https://a.example/rss", "First", None, None)]


def test_round_trip() -> None:
    feeds = [
        OpmlFeed(
            url="https://a.example/rss?x=1&y=2",
            title='Ampersand & "quotes" <tags>',
            html_url="https://a.example/?q=1&r=2",
            category="World/Europe",
        ),
        OpmlFeed("https://b.example/feed", None, None, None),
        OpmlFeed("https://c.example/atom", "Ça va — ünïcödé", None, "World/Europe"),
        OpmlFeed("https://d.example/json", "D", "https://d.example/", "Tech"),
        OpmlFeed("https://e.example/rss", "E", None, None),
    ]

    document = write_opml(feeds, title="Mine & yours")

    assert sorted(parse_opml(document.encode("utf-8")), key=lambda f: f.url) == feeds
    assert sorted(parse_opml(document), key=lambda f: f.url) == feeds  # str is accepted too


def test_write_opml_structure() -> None:
    document = write_opml(
        [
            OpmlFeed("https://a.example/rss", "A", None, "News"),
            OpmlFeed("https://b.example/rss", "B", None, None),
            OpmlFeed("https://c.example/rss", "C", None, "News"),
            OpmlFeed("https://a.example/rss", "A again", None, "Other"),
        ],
        title="Mine & yours",
    )

    assert document.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(document)
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "Mine & yours"
    body = root.find("body")
    assert body is not None
    top = list(body)
    assert [outline.get("text") for outline in top] == ["News", "B"]
    assert [outline.get("xmlUrl") for outline in top[0]] == [
        "https://a.example/rss",
        "https://c.example/rss",
    ]
    assert all(
        outline.get("type") == "rss" for outline in body.iter("outline") if outline.get("xmlUrl")
    )
    assert "Other" not in document  # the duplicate URL is written once


def test_write_opml_drops_characters_xml_cannot_hold() -> None:
    document = write_opml(
        [OpmlFeed("https://a.example/rss", "Bell\x07 and\x00 nul", None, "C\x1b")]
    )

    assert parse_opml(document.encode()) == [
        OpmlFeed("https://a.example/rss", "Bell and nul", None, "C")
    ]


def test_write_empty_list() -> None:
    assert parse_opml(write_opml([]).encode()) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b'<opml version="2.0"><body><outline text="x"', "not well-formed"),
        (b"<opml><body></opml>", "not well-formed"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not well-formed"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', "root element is <rss>"),
        (b"<html><body><p>Not OPML</p></body></html>", "root element is <html>"),
        (b'<opml version="2.0"><head><title>x</title></head></opml>', "no <body>"),
        (b'<?xml version="1.0" encoding="utf-9"?><opml><body/></opml>', "encoding"),
        (b'<?xml version="1.0" encoding="shift_jis"?><opml><body/></opml>', "encoding"),
    ],
    ids=[
        "empty",
        "whitespace",
        "truncated",
        "mismatched",
        "binary",
        "rss",
        "html",
        "no-body",
        "unknown-encoding",
        "multi-byte-encoding",
    ],
)
def test_bad_opml_raises_parse_error(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_opml(data)


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE opml [\n<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b']>\n<opml version="2.0"><body><outline text="&lol9;" xmlUrl="https://a.example/"/>'
    b"</body></opml>"
)


@pytest.mark.parametrize(
    "data",
    [
        BILLION_LAUGHS,
        BILLION_LAUGHS.decode().encode("utf-16"),
        b'<?xml version="1.0"?><!DOCTYPE opml SYSTEM "file:///etc/passwd"><opml><body/></opml>',
        b'<!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<opml><body><outline text="&xxe;" xmlUrl="https://a.example/"/></body></opml>',
        b'<!DOCTYPE opml [<!ENTITY plain "harmless">]><opml><body/></opml>',
    ],
    ids=["billion-laughs", "billion-laughs-utf16", "external-dtd", "external-entity", "plain"],
)
def test_doctype_and_entities_are_refused(data: bytes) -> None:
    started = time.perf_counter()
    with pytest.raises(ParseError, match="DOCTYPE or entity declaration"):
        parse_opml(data)
    assert time.perf_counter() - started < 1.0
