"""Feed parsing against saved real feeds and small inline documents for the edge cases."""

from __future__ import annotations

import json
import random
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from storywire.errors import ParseError
from storywire.models import FeedFormat
from storywire.sources.feeds import (
    MAX_ENTRIES,
    FeedEntry,
    ParsedFeed,
    clean_description,
    linked_entries,
    parse_feed,
)

FEEDS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "feeds"
REAL_FEEDS = [
    "guardian.rss",
    "heise.atom",
    "uolNoticias.rss",
    "heraldsun.rss",
    "feedburner.atom",
    "rss-1.rss",
    "encoding.rss",
    "content-encoded.rss",
]
FEED_URL = "https://news.example/feeds/main.xml"


def _real_feed(name: str) -> bytes:
    if not FEEDS_DIR.is_dir():
        pytest.skip(f"saved feeds not found at {FEEDS_DIR} (shared/ must sit beside the repo)")
    return (FEEDS_DIR / name).read_bytes()


def _is_absolute_http(url: str | None) -> bool:
    if url is None:
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _is_aware_utc(value: datetime | None) -> bool:
    return value is None or (value.tzinfo is not None and value.utcoffset() == timedelta(0))


def _rss(items: str, channel: str = "<title>Example</title><link>/</link>") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel>{channel}{items}</channel></rss>"
    ).encode()


def _only(feed: ParsedFeed) -> FeedEntry:
    assert len(feed.entries) == 1, feed.entries
    return feed.entries[0]


# -- the saved real feeds -------------------------------------------------------------------


@pytest.mark.parametrize("name", REAL_FEEDS)
def test_real_feed_parses_every_entry(name: str) -> None:
    body = _real_feed(name)
    expected = len(re.findall(rb"<item[\s>]", body)) + len(re.findall(rb"<entry[\s>]", body))

    feed = parse_feed(body, f"https://feeds.example/{name}")

    assert expected > 0
    assert len(feed.entries) == expected
    assert feed.format == (FeedFormat.ATOM if name.endswith(".atom") else FeedFormat.RSS)
    assert feed.warnings == ()
    assert feed.title
    for entry in feed.entries:
        assert entry.title.strip() == entry.title != ""
        assert _is_absolute_http(entry.url), entry
        assert _is_aware_utc(entry.published) and _is_aware_utc(entry.updated), entry
        assert entry.image is None or _is_absolute_http(entry.image)


def test_guardian_feed() -> None:
    feed = parse_feed(_real_feed("guardian.rss"), "https://www.theguardian.com/us/rss")

    assert len(feed.entries) == 55
    assert feed.home_url == "https://www.theguardian.com/us"
    assert feed.language == "en-gb"
    assert any("/commentisfree/" in (entry.url or "") for entry in feed.entries)
    first = feed.entries[0]
    assert first.title == "Trump State of the Union address promised unity but emphasized discord"
    assert first.published == datetime(2018, 1, 31, 7, 26, 5, tzinfo=UTC)
    assert first.authors == ("David Smith in Washington",)
    assert "US politics" in first.categories
    assert first.summary is not None and "<p>" not in first.summary
    # The feed lists each picture at 140 and 460 pixels; the larger one wins.
    assert all(entry.image is not None and "w=460" in entry.image for entry in feed.entries)


def test_latin1_feeds_are_decoded() -> None:
    jn = parse_feed(_real_feed("encoding.rss"), "http://feeds.jn.pt/JN-ULTIMAS")
    assert jn.title == "Jornal de Notícias - Últimas Notícias"
    assert jn.entries[0].title == "Mãe de utente é a nova presidente da Raríssimas"
    assert jn.language == "pt-pt"

    uol = parse_feed(_real_feed("uolNoticias.rss"), "http://rss.uol.com.br/feed/noticias.xml")
    assert uol.entries[0].title.startswith("Ibope: Bolsonaro perde de Haddad")
    assert uol.language is None  # the feed sends an empty <language/>


def test_portuguese_dates_are_parsed() -> None:
    """UOL writes RFC 822 dates in Portuguese ("Seg, 24 Set 2018"), which feedparser skips."""
    feed = parse_feed(_real_feed("uolNoticias.rss"), "http://rss.uol.com.br/feed/noticias.xml")

    assert feed.entries[0].published == datetime(2018, 9, 24, 22, 42, 40, tzinfo=UTC)
    assert all(entry.published is not None for entry in feed.entries)


def test_feedburner_original_links_replace_proxy_links() -> None:
    jn = parse_feed(_real_feed("encoding.rss"), "http://feeds.jn.pt/JN-ULTIMAS")
    assert jn.entries[0].url == (
        "https://www.jn.pt/nacional/interior/"
        "sonia-laig-e-a-nova-presidente-da-rarissimas-9021600.html"
    )
    assert not any("feeds.jn.pt/~r/" in (entry.url or "") for entry in jn.entries)

    blog = parse_feed(_real_feed("feedburner.atom"), "http://feeds.feedburner.com/x")
    assert all(
        (entry.url or "").startswith("http://googleadsdeveloper.blogspot.com/")
        for entry in blog.entries
    )


def test_heise_atom_feed() -> None:
    feed = parse_feed(_real_feed("heise.atom"), "http://www.heise.de/developer/rss/news-atom.xml")

    assert feed.home_url == "http://www.heise.de/developer/"
    first = feed.entries[0]
    assert first.guid == "http://heise.de/-3088438"
    assert first.published == datetime(2016, 2, 1, 16, 22, tzinfo=UTC)
    assert first.updated == datetime(2016, 2, 1, 16, 54, 50, tzinfo=UTC)
    # Atom entries without their own author inherit the feed's (RFC 4287, 4.2.1).
    assert first.authors == ("heise online",)
    assert first.content_html is not None and "<a href=" in first.content_html


def test_rss_1_feed() -> None:
    feed = parse_feed(_real_feed("rss-1.rss"), "http://science.sciencemag.org/rss/twis.xml")

    assert len(feed.entries) == 69
    first = feed.entries[0]
    assert first.guid == first.url
    assert first.authors == ("Hines, P. J.",)
    assert first.updated == datetime(2017, 6, 15, 17, 29, 47, tzinfo=UTC)  # dc:date


def test_rss_092_feed_without_dates() -> None:
    feed = parse_feed(_real_feed("heraldsun.rss"), "http://www.oreilly.com/example/rss.xml")

    assert [entry.title for entry in feed.entries] == ["The First Item", "The Second Item"]
    assert all(entry.published is None and entry.updated is None for entry in feed.entries)
    # An mp3 enclosure is not an image.
    assert all(entry.image is None for entry in feed.entries)


def test_content_encoded_is_full_html() -> None:
    feed = parse_feed(_real_feed("content-encoded.rss"), "https://medium.com/feed/invironment")

    for entry in feed.entries:
        assert entry.content_html is not None and "<p>" in entry.content_html
        assert "<script" not in entry.content_html
        # Medium sends content:encoded without a <description>, so there is no summary.
        assert entry.summary is None


@pytest.mark.parametrize("fraction", [0.1, 0.45, 0.8])
def test_truncated_real_feed_recovers_entries_with_a_warning(fraction: float) -> None:
    body = _real_feed("guardian.rss")
    feed = parse_feed(body[: int(len(body) * fraction)], "https://www.theguardian.com/us/rss")

    assert 0 < len(feed.entries) < 55
    assert any("not well-formed" in warning for warning in feed.warnings)


# -- inline RSS and Atom edge cases ---------------------------------------------------------


def test_relative_links_are_resolved_against_the_feed_url() -> None:
    body = _rss(
        "<item><title>One</title><link>articles/1</link>"
        '<enclosure url="/img/1.jpg" type="image/jpeg" length="10"/></item>'
        "<item><title>Two</title><link>/world/2</link>"
        '<media:thumbnail url="../thumbs/2.png"/></item>'
    )
    feed = parse_feed(body, FEED_URL, "application/rss+xml")

    assert feed.home_url == "https://news.example/"
    one, two = feed.entries
    assert one.url == "https://news.example/feeds/articles/1"
    assert one.image == "https://news.example/img/1.jpg"
    assert two.url == "https://news.example/world/2"
    assert two.image == "https://news.example/thumbs/2.png"


def test_html_in_titles_and_summaries_becomes_plain_text() -> None:
    body = _rss(
        "<item><title>&lt;b&gt;Breaking:&lt;/b&gt;   storm &amp;amp; rain\n hit coast</title>"
        "<link>https://news.example/1</link>"
        "<description>&lt;p&gt;First.&lt;/p&gt;&lt;p&gt;Second&lt;script&gt;evil()"
        "&lt;/script&gt;&lt;/p&gt;</description></item>"
        "<item><title><![CDATA[<em>Quoted</em> &amp; more]]></title>"
        "<link>https://news.example/2</link></item>"
        "<item><title>Plain: a &lt; b</title><link>https://news.example/3</link></item>"
    )
    first, second, third = parse_feed(body, FEED_URL).entries

    assert first.title == "Breaking: storm & rain hit coast"
    assert first.summary == "First. Second"
    assert second.title == "Quoted & more"
    assert third.title == "Plain: a < b"


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>Rain</p> <![CDA[ falls", "Rain <![CDA[ falls"),
        ("<b>Storm</b> <!x [ y hits", "Storm <!x [ y hits"),
        ("<p>Rain</p> <![if x]> falls", "Rain falls"),
    ],
)
def test_a_malformed_declaration_in_a_description_is_read_as_text(markup: str, text: str) -> None:
    """CPython's html.parser asserts on "<![CDA[" (an unknown marked section) and on other
    broken declarations; found by fuzzing a feed that the loose parser left half raw, it
    escaped parse_feed as an AssertionError."""
    assert clean_description(markup) == text


def test_content_html_is_sanitized_and_absolute() -> None:
    body = _rss(
        "<item><title>T</title><link>https://news.example/1</link>"
        '<content:encoded><![CDATA[<p onclick="x()">Body <a href="/rel">link</a></p>'
        "<script>steal()</script>]]></content:encoded></item>"
    )
    entry = _only(parse_feed(body, FEED_URL))

    assert entry.content_html is not None
    assert "script" not in entry.content_html and "onclick" not in entry.content_html
    assert 'href="https://news.example/rel"' in entry.content_html


def test_summary_is_not_the_whole_content() -> None:
    """feedparser copies content:encoded into `summary` when there is no description."""
    body = _rss(
        "<item><title>T</title><link>/a</link>"
        "<content:encoded><![CDATA[<p>The whole article.</p>]]></content:encoded></item>"
    )
    entry = _only(parse_feed(body, FEED_URL))

    assert entry.content_html == "<p>The whole article.</p>"
    assert entry.summary is None


def test_image_prefers_the_widest_picture_and_skips_video() -> None:
    body = _rss(
        "<item><title>T</title><link>/a</link>"
        '<media:content url="https://cdn.example/clip.mp4"/>'
        '<media:content url="https://cdn.example/small.jpg" width="140"/>'
        '<media:content url="https://cdn.example/large.jpg" width="1024"/>'
        '<media:content url="https://cdn.example/medium.jpg" width="460" medium="image"/>'
        "</item>"
    )
    assert _only(parse_feed(body, FEED_URL)).image == "https://cdn.example/large.jpg"


def test_an_image_width_in_superscript_digits_is_no_width() -> None:
    body = _rss(
        "<item><title>T</title><link>/a</link>"
        '<media:content url="https://cdn.example/odd.jpg" width="\u00b2"/>'
        '<media:content url="https://cdn.example/small.jpg" width="140"/>'
        "</item>"
    )
    assert _only(parse_feed(body, FEED_URL)).image == "https://cdn.example/odd.jpg"


def test_missing_dates_authors_and_categories() -> None:
    entry = _only(parse_feed(_rss("<item><title>T</title><link>/a</link></item>"), FEED_URL))

    assert entry.published is None and entry.updated is None
    assert entry.authors == () and entry.categories == ()
    assert entry.summary is None and entry.content_html is None and entry.image is None


def test_dates_are_converted_to_utc() -> None:
    body = _rss(
        "<item><title>T</title><link>/a</link>"
        "<pubDate>Tue, 02 Jan 2024 10:00:00 +0200</pubDate></item>"
    )
    entry = _only(parse_feed(body, FEED_URL))

    assert entry.published == datetime(2024, 1, 2, 8, 0, tzinfo=UTC)
    assert entry.updated is None  # feedparser's published-for-updated fallback is not used


def test_entry_without_link_keeps_its_guid() -> None:
    body = _rss('<item><title>Guid only</title><guid isPermaLink="false">tag:x,1</guid></item>')
    entry = _only(parse_feed(body, FEED_URL))

    assert entry.url is None
    assert entry.guid == "tag:x,1"


def test_entries_without_link_or_guid_are_dropped_with_a_warning() -> None:
    body = _rss(
        "<item><title>Kept</title><link>/kept</link></item>"
        "<item><title>Lost</title><description>no link at all</description></item>"
        "<item><title>Script</title><link>javascript:alert(1)</link></item>"
    )
    feed = parse_feed(body, FEED_URL)

    assert [entry.title for entry in feed.entries] == ["Kept"]
    assert len(feed.warnings) == 1
    assert "dropped 2 entries without link or id" in feed.warnings[0]
    assert "'Lost'" in feed.warnings[0]


def test_authors_and_categories_are_deduplicated() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        b"<channel><title>x</title><item><title>T</title><link>https://a.example/1</link>"
        b"<dc:creator>Ana Lima</dc:creator><category>World</category>"
        b"<category> World </category><category>Europe</category></item></channel></rss>"
    )
    entry = _only(parse_feed(body, FEED_URL))

    assert entry.authors == ("Ana Lima",)
    assert entry.categories == ("World", "Europe")


def test_atom_entry() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"
      xml:lang="de">
  <title type="html">Der &lt;i&gt;Bote&lt;/i&gt;</title>
  <link rel="alternate" href="https://bote.example/"/>
  <id>urn:bote</id>
  <updated>2024-03-01T12:00:00+01:00</updated>
  <entry>
    <title type="text">Erste Meldung</title>
    <id>urn:bote:1</id>
    <link rel="alternate" href="/meldung/1"/>
    <author><name>Eva Klein</name></author>
    <published>2024-03-01T11:00:00+01:00</published>
    <updated>2024-03-01T12:30:00+01:00</updated>
    <summary>Kurz.</summary>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Lang.</p></div></content>
    <category term="politik" label="Politik"/>
    <media:content url="https://bote.example/bild.jpg" medium="image"/>
  </entry>
</feed>"""
    feed = parse_feed(body, "https://bote.example/atom.xml", "application/atom+xml")

    assert feed.format == FeedFormat.ATOM
    assert feed.title == "Der Bote"
    assert feed.home_url == "https://bote.example/"
    entry = _only(feed)
    assert entry.url == "https://bote.example/meldung/1"
    assert entry.guid == "urn:bote:1"
    assert entry.published == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    assert entry.updated == datetime(2024, 3, 1, 11, 30, tzinfo=UTC)
    assert entry.authors == ("Eva Klein",)
    assert entry.categories == ("Politik",)
    assert entry.summary == "Kurz."
    assert entry.content_html is not None and "<p>Lang.</p>" in entry.content_html
    assert entry.image == "https://bote.example/bild.jpg"


@pytest.mark.parametrize(
    ("body", "expected_format"),
    [
        (b'<?xml version="1.0"?><rss version="2.0"><channel><title>E</title></channel></rss>',
         FeedFormat.RSS),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>E</title></feed>', FeedFormat.ATOM),
        (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
         b'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://e.example/">'
         b"<title>E</title><link>https://e.example/</link></channel></rdf:RDF>",
         FeedFormat.RSS),
        (b'{"version": "https://jsonfeed.org/version/1.1", "title": "E", "items": []}',
         FeedFormat.JSON),
    ],
    ids=["rss2", "atom", "rss1", "json"],
)  # fmt: skip
def test_empty_valid_feed_is_not_an_error(body: bytes, expected_format: FeedFormat) -> None:
    feed = parse_feed(body, FEED_URL)

    assert feed.format == expected_format
    assert feed.title == "E"
    assert feed.entries == ()
    assert feed.warnings == ()


def test_netscape_doctype_and_plain_entities_are_allowed() -> None:
    body = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
  "http://my.netscape.com/publish/formats/rss-0.91.dtd" [
<!ENTITY copy "&#169;">
]>
<rss version="0.91"><channel><title>Old &copy; feed</title><link>http://old.example/</link>
<item><title>One</title><link>http://old.example/1</link></item></channel></rss>"""
    feed = parse_feed(body, "http://old.example/rss")

    assert feed.format == FeedFormat.RSS
    assert feed.title == "Old © feed"
    assert [entry.title for entry in feed.entries] == ["One"]


# -- JSON Feed ------------------------------------------------------------------------------

JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Harbour Gazette",
    "home_page_url": "https://gazette.example/",
    "feed_url": "https://gazette.example/feed.json",
    "language": "en-NZ",
    "authors": [{"name": "Gazette Staff"}],
    "items": [
        {
            "id": "2024-ferry",
            "url": "/2024/05/ferry-timetable",
            "title": "New ferry timetable <em>starts Monday</em>",
            "summary": "Sailings every 20 minutes.",
            "content_html": '<p>Read the <a href="/timetable">timetable</a>.</p>'
            "<script>track()</script>",
            "image": "/img/ferry.jpg",
            "date_published": "2024-05-03T09:15:00+12:00",
            "date_modified": "2024-05-03T10:00:00Z",
            "authors": [{"name": "Mere Tane"}, {"url": "https://x.example/no-name"}],
            "tags": ["transport", "harbour", "transport"],
        },
        {
            "id": 42,
            "external_url": "https://elsewhere.example/story",
            "content_text": "First paragraph.\n\nSecond <paragraph>.",
        },
        {"id": "no-url-but-id", "title": "Notice", "date_published": "2024-05-01"},
        {"title": "Neither url nor id"},
        "not an object",
    ],
}


def test_json_feed() -> None:
    body = json.dumps(JSON_FEED).encode()
    feed = parse_feed(body, "https://gazette.example/feed.json", "application/feed+json")

    assert feed.format == FeedFormat.JSON
    assert feed.title == "Harbour Gazette"
    assert feed.home_url == "https://gazette.example/"
    assert feed.language == "en-NZ"
    ferry, external, notice = feed.entries

    assert ferry.guid == "2024-ferry"
    assert ferry.url == "https://gazette.example/2024/05/ferry-timetable"
    assert ferry.title == "New ferry timetable starts Monday"
    assert ferry.summary == "Sailings every 20 minutes."
    assert ferry.content_html is not None
    assert 'href="https://gazette.example/timetable"' in ferry.content_html
    assert "script" not in ferry.content_html
    assert ferry.image == "https://gazette.example/img/ferry.jpg"
    assert ferry.published == datetime(2024, 5, 2, 21, 15, tzinfo=UTC)
    assert ferry.updated == datetime(2024, 5, 3, 10, 0, tzinfo=UTC)
    assert ferry.authors == ("Mere Tane",)
    assert ferry.categories == ("transport", "harbour")

    assert external.guid == "42"
    assert external.url == "https://elsewhere.example/story"
    assert external.title == ""
    assert external.authors == ("Gazette Staff",)  # items inherit the feed's authors
    assert external.content_html == "<p>First paragraph.</p><p>Second &lt;paragraph&gt;.</p>"

    assert notice.url is None and notice.guid == "no-url-but-id"
    assert notice.published == datetime(2024, 5, 1, tzinfo=UTC)

    assert any("dropped 1 entries without link or id" in w for w in feed.warnings)
    assert any("not objects" in w for w in feed.warnings)


def test_json_feed_1_0_detected_from_body() -> None:
    body = b"\xef\xbb\xbf  " + json.dumps(
        {
            "version": "https://jsonfeed.org/version/1",
            "title": "Old style",
            "author": {"name": "Solo Writer"},
            "items": [{"id": "1", "url": "https://old.example/1", "title": "Hello"}],
        }
    ).encode("utf-8")
    feed = parse_feed(body, "https://old.example/feed.json", content_type=None)

    assert feed.format == FeedFormat.JSON
    assert _only(feed).authors == ("Solo Writer",)


def test_json_feed_in_latin1_is_decoded_with_a_warning() -> None:
    text = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Café",
            "items": [{"id": "1", "url": "https://c.example/1", "title": "Crème brûlée"}],
        },
        ensure_ascii=False,
    )
    feed = parse_feed(text.encode("latin-1"), "https://c.example/feed.json", "application/json")

    assert _only(feed).title == "Crème brûlée"
    assert any("not valid UTF-8" in w for w in feed.warnings)


def test_nul_and_lone_surrogates_in_a_json_feed_become_storable_text() -> None:
    """JSON escapes can spell characters no database stores; the item is kept, cleaned."""
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Feed\u0000",
            "items": [
                {
                    "id": "1",
                    "url": "https://c.example/1",
                    "title": "Tram\u0000 vote \ud800 today \ud83d\ude00",
                    "summary": "Council \udfff votes",
                    "tags": ["Local\u0000"],
                    "authors": [{"name": "Ana\u0001 Ruiz"}],
                }
            ],
        }
    ).encode("ascii")
    feed = parse_feed(body, "https://c.example/feed.json", "application/feed+json")
    entry = _only(feed)
    assert entry.title == "Tram vote \ufffd today \U0001f600"
    assert entry.summary == "Council \ufffd votes"
    assert entry.categories == ("Local",) and entry.authors == ("Ana Ruiz",)
    assert feed.title == "Feed"


def test_nul_and_references_to_nul_or_surrogates_in_rss_become_storable_text() -> None:
    """A raw NUL, `&#0;` and `&#xD800;` (which stopped feedparser and lost the whole feed)."""
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        b"<item><title>A\x00 b &#0;c &#xD800;d &#55296;e</title><link>https://e.example/1</link>"
        b"<description>x&#xdfff;y</description></item>"
        b"<item><title>Fine</title><link>https://e.example/2</link></item></channel></rss>"
    )
    feed = parse_feed(body, "https://e.example/rss", "application/rss+xml")
    titles = [entry.title for entry in feed.entries]
    assert titles == ["A b c \ufffdd \ufffde", "Fine"]
    assert feed.entries[0].summary == "x\ufffdy"


# -- input that is not a feed ---------------------------------------------------------------

_PNG = b"\x89PNG\r\n\x1a\n" + random.Random(7).randbytes(512)
_BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b']><rss version="2.0"><channel><title>&lol9;</title>'
    b"<item><title>x</title><link>https://a.example/1</link></item></channel></rss>"
)

# One flat entity of 100 KB referenced 10,000 times: a gigabyte once expanded.
_FLAT_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + b"x" * 100_000 + b'">]>'
    b'<rss version="2.0"><channel><title>' + b"&a;" * 10_000 + b"</title>"
    b"<item><title>x</title><link>https://a.example/1</link></item></channel></rss>"
)
_EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<rss version="2.0"><channel><title>&x;</title></channel></rss>'
)


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"", None, "empty document"),
        (b"  \n\t ", "application/rss+xml", "empty document"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>a</ti',
         None, "malformed feed with no entries"),
        (b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>Hi</p></body></html>",
         "application/rss+xml", "HTML page"),
        (b"\n<html lang='en'><body>Moved</body></html>", None, "HTML page"),
        (_PNG, None, "PNG image"),
        (_PNG, "application/json", "PNG image"),
        (b"\x1f\x8b\x08\x00" + bytes(40), None, "gzip"),
        (random.Random(3).randbytes(300).replace(b"<", b"").replace(b"{", b""), None,
         "not a feed"),
        (b"just some text", None, "not well-formed XML"),
        (b'<?xml version="1.0"?><catalog><book id="1"/></catalog>', None, "not RSS or Atom"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', None, "invalid JSON"),
        (b"{'single': 'quotes'}", "application/feed+json", "invalid JSON"),
        (b'{"name": "package.json", "version": "1.0.0"}', None, "not a JSON Feed"),
        (b"[1, 2, 3]", None, "not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "title": "x"}', None, "no items"),
        (b"not json", "application/json", "invalid JSON"),
        (_BILLION_LAUGHS, None, "entity expansion"),
        (_BILLION_LAUGHS.decode().encode("utf-16"), None, "entity expansion"),
        (_FLAT_BOMB, None, "entity expansion"),
        (_FLAT_BOMB.replace(b" [", b" [\n"), None, "entity expansion"),
        (_EXTERNAL_ENTITY, None, "entity expansion"),
        (b"<!---->" * 60 + b"<title>x</title>", None, "not a feed"),
        (b"<!-- a -->\n<!---->  <HTML><body>x</body></html>", None, "HTML page"),
    ],
    ids=[
        "empty", "whitespace", "malformed-xml", "html-page", "html-no-doctype", "png",
        "png-as-json", "gzip", "binary", "text", "other-xml", "truncated-json", "bad-json",
        "json-not-feed", "json-array", "json-feed-without-items", "text-as-json",
        "billion-laughs", "billion-laughs-utf16", "flat-entity", "flat-entity-own-line",
        "external-entity", "comment-run", "html-after-comments",
    ],
)  # fmt: skip
def test_not_a_feed_raises_parse_error(body: bytes, content_type: str | None, message: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ParseError, match=message) as caught:
        parse_feed(body, FEED_URL, content_type)
    assert time.perf_counter() - started < 1.0, "refused in bounded time"

    assert FEED_URL in str(caught.value)


def test_malformed_xml_with_entries_is_a_warning() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Shop</title>'
        b"<item><title>Fish & chips</title><link>https://shop.example/1</link></item>"
        b"<item><title>Tea</title><link>https://shop.example/2</link></item></channel>"
    )
    feed = parse_feed(body, FEED_URL)

    assert [entry.title for entry in feed.entries] == ["Fish & chips", "Tea"]
    assert len(feed.warnings) == 1
    assert "not well-formed" in feed.warnings[0] and "recovered 2 entries" in feed.warnings[0]


def test_wrong_declared_charset_is_a_warning() -> None:
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>Notícias</title><item><title>São Paulo amanhece com chuva</title>"
        "<link>https://noticias.example/1</link></item></channel></rss>"
    ).encode("latin-1")
    feed = parse_feed(body, FEED_URL, "application/rss+xml; charset=utf-8")

    assert feed.title == "Notícias"
    assert _only(feed).title == "São Paulo amanhece com chuva"
    assert feed.warnings == ("the feed declares utf-8, which its bytes are not: charset detected",)


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Le café de la gare a rouvert après les travaux, déjà très fréquenté", "cp1252"),
        ("Der Bürgermeister von München trat am Dienstag zurück, über die Straße", "cp1252"),
        ("El presidente del Gobierno español anunció el miércoles una reducción", "cp1252"),
        ("Prezydent Polski spotkał się z premierem w środę, żeby omówić budżet", "cp1250"),
        ("Президент России провёл переговоры с премьер-министром Индии в Москве", "cp1251"),
        ("Президент России провёл переговоры с премьер-министром Индии в Москве", "koi8-r"),
    ],
    ids=["fr-cp1252", "de-cp1252", "es-cp1252", "pl-cp1250", "ru-cp1251", "ru-koi8-r"],
)
def test_a_feed_in_a_code_page_it_does_not_declare_is_read_without_chardet(
    text: str, encoding: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """feedparser ran chardet over the whole document when no declared charset fitted: about
    25 us a byte, minutes for a 10 MB feed. The charset is found on a bounded sample instead."""
    chardet = pytest.importorskip("chardet")

    def whole_document(data: bytes) -> dict[str, str]:
        raise AssertionError(f"chardet ran over {len(data)} bytes")

    monkeypatch.setattr(chardet, "detect", whole_document)
    body = _rss(f"<item><title>{text}</title><link>/a</link></item>").decode()
    undeclared = body.replace(' encoding="utf-8"', "").encode(encoding)
    feed = parse_feed(undeclared, FEED_URL, "application/rss+xml")
    assert _only(feed).title == text and feed.warnings == ()


def test_non_xml_content_type_is_a_warning_only_when_one_was_given() -> None:
    body = _rss("<item><title>T</title><link>/a</link></item>")

    assert parse_feed(body, FEED_URL).warnings == ()
    warnings = parse_feed(body, FEED_URL, "text/html; charset=utf-8").warnings
    assert len(warnings) == 1 and "text/html" in warnings[0]


def test_xml_feed_mislabelled_as_json_is_still_parsed() -> None:
    body = _rss("<item><title>T</title><link>/a</link></item>")
    feed = parse_feed(body, FEED_URL, "application/json")

    assert feed.format == FeedFormat.RSS
    assert len(feed.entries) == 1


@pytest.mark.parametrize("seed", range(30))
def test_random_bytes_never_raise_anything_but_parse_error(seed: int) -> None:
    rng = random.Random(seed)
    prefix = rng.choice([b"", b"<?xml version='1.0' encoding='utf-8'?><rss>", b"{", b"\xff\xfe"])
    body = prefix + rng.randbytes(rng.randint(1, 400))
    try:
        feed = parse_feed(body, FEED_URL, rng.choice([None, "application/json", "text/xml"]))
    except ParseError:
        return
    assert isinstance(feed, ParsedFeed)


def test_entries_without_a_web_link_are_skipped_with_a_warning_and_a_guid_can_be_one() -> None:
    body = _rss(
        "<item><title>Permalink guid</title><guid>https://news.example/a</guid></item>"
        '<item><title>Tag guid</title><guid isPermaLink="false">tag:x,1</guid></item>'
        "<item><title>Linked</title><link>/b</link></item>"
        f"<item><title>Too long</title><link>/{'x' * 2500}</link></item>"
    )
    feed = linked_entries(parse_feed(body, FEED_URL))

    assert [(e.title, e.url) for e in feed.entries] == [
        ("Permalink guid", "https://news.example/a"),
        ("Linked", "https://news.example/b"),
    ]
    skipped = "skipped 2 entries without a usable web link: 'Tag guid', 'Too long'"
    assert any(skipped in w for w in feed.warnings)


def test_a_flood_of_entries_is_cut_with_a_warning() -> None:
    items = "".join(
        f"<item><title>n{i}</title><link>/n/{i}</link></item>" for i in range(MAX_ENTRIES + 50)
    )
    feed = linked_entries(parse_feed(_rss(items), FEED_URL))

    assert len(feed.entries) == MAX_ENTRIES and feed.entries[0].title == "n0"
    assert f"kept the first {MAX_ENTRIES} of {MAX_ENTRIES + 50} entries" in feed.warnings


def test_invisible_characters_from_escaped_markup_are_dropped() -> None:
    """A description's markup escaped inside the feed brings its entities back only when it is
    made plain text: "&#x200b;" is then a zero-width space, which shows nothing and splits
    words (gn24's Iran story printed one into its text). A zero-width non-joiner between two
    Persian letters is part of the word and stays."""
    body = _rss(
        "<item><title>US &amp;#x200b;President visits Geneva</title>"
        "<link>https://news.example/1</link>"
        "<description>&lt;p&gt;Talks &amp;#x2060;resume in &amp;#x200c;Geneva.&lt;/p&gt;"
        "&lt;p&gt;\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645&lt;/p&gt;</description></item>"
    )
    [entry] = parse_feed(body, FEED_URL).entries
    assert entry.title == "US President visits Geneva"
    assert (
        entry.summary == "Talks resume in Geneva. \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    )
    # The stream replay's items come as plain text, not through a feed parser.
    assert clean_description("US \u200bPresident in France \u200cthat\u2060 day") == (
        "US President in France that day"
    )
