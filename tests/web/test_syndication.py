"""Outgoing feeds parse back, in a real feed parser, to exactly what went in."""

from __future__ import annotations

import html
import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import feedparser  # type: ignore[import-untyped]
import pytest

from storywire.web.syndication import (
    MEDIA_TYPES,
    FeedItem,
    FeedMeta,
    atom,
    json_feed,
    last_updated,
    rss,
)

Render = Callable[[FeedMeta, list[FeedItem]], bytes]

META = FeedMeta(
    id="https://news.example/feeds/top.atom",
    title="storywire: top stories",
    home_url="https://news.example/",
    self_url="https://news.example/feeds/top.atom",
    description="The biggest stories right now",
)
T1 = datetime(2024, 5, 1, 12, 30, 45, tzinfo=UTC)
T2 = datetime(2024, 5, 2, 8, 0, 5, tzinfo=UTC)
EVIL_TITLE = '<script>alert(1)</script> & "quotes"'
EVIL_SUMMARY = 'Read <a href="javascript:alert(1)">x</a>\x00 now\x0b\x1b.'
MEDIA = "{http://search.yahoo.com/mrss/}thumbnail"


def item(n: int = 1, **changes: Any) -> FeedItem:
    fields: dict[str, Any] = {
        "id": f"https://news.example/stories/{n}",
        "url": f"https://news.example/stories/{n}",
        "title": f"Story {n}",
        "summary": f"Highlights of story {n}.",
        "published": T1,
        "updated": T2,
        "categories": ("politics", "europe"),
        "image": f"https://img.example/{n}.jpg",
        "authors": ("Reuters", "AP"),
    }
    fields.update(changes)
    return FeedItem(**fields)


def struct(dt: datetime) -> tuple[int, ...]:
    return tuple(dt.astimezone(UTC).utctimetuple())[:6]


def parsed(value: time.struct_time) -> tuple[int, ...]:
    return tuple(value)[:6]


def xml_links(body: bytes) -> list[str]:
    """Every URL-bearing value in the document: href/url attributes and <link> texts."""
    root = ET.fromstring(body)
    found = []
    for element in root.iter():
        found += [v for k, v in element.attrib.items() if k in ("href", "url")]
        if element.tag == "link" and element.text:
            found.append(element.text)
    return found


def test_atom_round_trips_through_feedparser() -> None:
    items = [item(1), item(2, published=T2, updated=T2 + timedelta(hours=1))]
    parsed_feed = feedparser.parse(atom(META, items))
    assert not parsed_feed.bozo, parsed_feed.get("bozo_exception")
    assert parsed_feed.version == "atom10"
    feed = parsed_feed.feed
    assert feed.id == META.id
    assert feed.title == META.title
    assert feed.subtitle == META.description
    assert feed.generator == "storywire"
    links = {link.rel: link.href for link in feed.links}
    assert links == {"self": META.self_url, "alternate": META.home_url}
    assert parsed(feed.updated_parsed) == struct(T2 + timedelta(hours=1))
    assert len(parsed_feed.entries) == 2
    for source, entry in zip(items, parsed_feed.entries, strict=True):
        assert entry.id == source.id
        assert entry.title == source.title
        assert entry.link == source.url
        assert entry.summary == source.summary
        assert parsed(entry.published_parsed) == struct(source.published)
        assert parsed(entry.updated_parsed) == struct(source.updated)
        assert [a.name for a in entry.authors] == list(source.authors)
        assert [t.term for t in entry.tags] == list(source.categories)
        assert entry.media_thumbnail == [{"url": source.image}]


def test_rss_round_trips_through_feedparser() -> None:
    items = [item(1), item(2, published=T2)]
    parsed_feed = feedparser.parse(rss(META, items))
    assert not parsed_feed.bozo, parsed_feed.get("bozo_exception")
    assert parsed_feed.version == "rss20"
    feed = parsed_feed.feed
    assert feed.title == META.title
    assert feed.link == META.home_url
    assert feed.subtitle == META.description
    assert feed.language == "en"
    assert feed.generator == "storywire"
    assert {link.rel: link.href for link in feed.links}["self"] == META.self_url
    assert parsed(feed.updated_parsed) == struct(T2)
    for source, entry in zip(items, parsed_feed.entries, strict=True):
        assert entry.id == source.id
        assert entry.title == source.title
        assert entry.link == source.url
        assert entry.summary == source.summary
        assert parsed(entry.published_parsed) == struct(source.published)
        assert [a.name for a in entry.authors] == list(source.authors)
        assert [t.term for t in entry.tags] == list(source.categories)
        assert entry.media_thumbnail == [{"url": source.image}]


def test_rss_dates_are_rfc822_gmt() -> None:
    root = ET.fromstring(rss(META, [item(published=datetime(2024, 3, 5, 7, 8, 9, tzinfo=UTC))]))
    pub_date = root.findtext("channel/item/pubDate")
    assert pub_date == "Tue, 05 Mar 2024 07:08:09 GMT"
    assert root.findtext("channel/lastBuildDate") == "Thu, 02 May 2024 08:00:05 GMT"
    assert parsedate_to_datetime(pub_date) == datetime(2024, 3, 5, 7, 8, 9, tzinfo=UTC)
    guid = root.find("channel/item/guid")
    assert guid is not None
    assert guid.get("isPermaLink") == "true"


def test_json_feed_round_trips() -> None:
    items = [item(1), item(2, image=None, categories=(), authors=())]
    body = json_feed(META, items)
    document = json.loads(body.decode("utf-8"))
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["title"] == META.title
    assert document["home_page_url"] == META.home_url
    assert document["feed_url"] == META.self_url
    assert document["description"] == META.description
    assert document["language"] == "en"
    first, second = document["items"]
    assert first["id"] == items[0].id
    assert first["url"] == items[0].url
    assert first["title"] == items[0].title
    assert first["summary"] == first["content_text"] == items[0].summary
    assert datetime.fromisoformat(first["date_published"]) == T1
    assert datetime.fromisoformat(first["date_modified"]) == T2
    assert first["tags"] == ["politics", "europe"]
    assert first["image"] == items[0].image
    assert first["authors"] == [{"name": "Reuters"}, {"name": "AP"}]
    assert "image" not in second
    assert second["tags"] == []
    assert second["authors"] == []


def test_dates_are_converted_to_utc() -> None:
    local = datetime(2024, 5, 1, 14, 30, 45, 123456, tzinfo=timezone(timedelta(hours=2)))
    one = item(published=local, updated=local)
    document = json.loads(json_feed(META, [one]))
    assert document["items"][0]["date_published"] == "2024-05-01T12:30:45Z"
    assert b"<published>2024-05-01T12:30:45Z</published>" in atom(META, [one])
    assert b"<pubDate>Wed, 01 May 2024 12:30:45 GMT</pubDate>" in rss(META, [one])


def test_hostile_text_is_escaped_not_executed() -> None:
    evil = item(title=EVIL_TITLE, summary=EVIL_SUMMARY)
    clean_summary = 'Read <a href="javascript:alert(1)">x</a> now.'
    for render in (atom, rss):
        body = render(META, [evil])
        ET.fromstring(body)
        assert b"<script>" not in body
        assert b"&lt;script&gt;" in body
        assert all(link.startswith("https://") for link in xml_links(body))
        assert not any("javascript:" in link for link in xml_links(body))
        entry = feedparser.parse(body).entries[0]
        assert entry.title == EVIL_TITLE
        assert entry.link == evil.url
    # Atom says type="text", so the parser hands back the exact text. RSS readers take the
    # description as HTML: it must be markup whose displayed text is the summary, with no tag.
    assert feedparser.parse(atom(META, [evil])).entries[0].summary == clean_summary
    rss_summary = feedparser.parse(rss(META, [evil])).entries[0].summary
    assert "<" not in rss_summary
    assert html.unescape(rss_summary) == clean_summary
    entry = json.loads(json_feed(META, [evil]))["items"][0]
    assert entry["title"] == EVIL_TITLE
    assert entry["summary"] == clean_summary
    assert entry["url"] == evil.url


def test_control_characters_and_lone_surrogates_are_stripped_everywhere() -> None:
    dirty = item(
        title="a\x00b\ud800c\tt",
        summary="line\x1b one\nline two\r",
        categories=("x\x07y",),
        authors=("Out\x0clet",),
        image="https://img.example/\x01a.jpg",
    )
    meta = FeedMeta(id="urn:x", title="T\x02", home_url="https://h/", self_url="https://h/f")
    for render in (atom, rss):
        body = render(meta, [dirty])
        ET.fromstring(body)
        entry = feedparser.parse(body).entries[0]
        assert entry.title == "abc\tt"
        assert entry.tags[0].term == "xy"
        assert entry.authors[0].name == "Outlet"
        assert entry.media_thumbnail == [{"url": "https://img.example/a.jpg"}]
    document = json.loads(json_feed(meta, [dirty]))
    assert document["title"] == "T"
    assert document["items"][0]["title"] == "abc\tt"
    assert document["items"][0]["summary"] == "line one\nline two\r"


def test_non_web_image_is_dropped() -> None:
    sneaky = item(image="javascript:alert(1)")
    assert b"javascript" not in atom(META, [sneaky])
    assert b"javascript" not in rss(META, [sneaky])
    assert "image" not in json.loads(json_feed(META, [sneaky]))["items"][0]


@pytest.mark.parametrize("render", [atom, rss, json_feed])
def test_non_ascii_round_trips(render: Render) -> None:
    text = "Zürich – 東京"
    meta = FeedMeta(
        id="https://h/f", title=text, home_url="https://h/", self_url="https://h/f", language="de"
    )
    body = render(meta, [item(title=text, summary=text, authors=(text,), categories=(text,))])
    assert text.encode("utf-8") in body
    if render is json_feed:
        entry = json.loads(body.decode("utf-8"))["items"][0]
        assert (entry["title"], entry["summary"], entry["authors"][0]["name"]) == (text,) * 3
        assert entry["tags"] == [text]
        return
    parsed_feed = feedparser.parse(body)
    assert not parsed_feed.bozo
    assert parsed_feed.feed.title == text
    entry = parsed_feed.entries[0]
    assert (entry.title, entry.summary, entry.authors[0].name) == (text,) * 3
    assert entry.tags[0].term == text


@pytest.mark.parametrize("render", [atom, rss])
def test_empty_xml_feeds_are_valid(render: Render) -> None:
    body = render(META, [])
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    ET.fromstring(body)
    parsed_feed = feedparser.parse(body)
    assert not parsed_feed.bozo
    assert parsed_feed.entries == []
    assert parsed_feed.feed.title == META.title
    assert parsed(parsed_feed.feed.updated_parsed) == (1970, 1, 1, 0, 0, 0)


def test_empty_json_feed_is_valid() -> None:
    document = json.loads(json_feed(META, []))
    assert document["items"] == []
    assert document["feed_url"] == META.self_url


@pytest.mark.parametrize("field", ["published", "updated"])
def test_naive_datetime_is_rejected(field: str) -> None:
    naive: dict[str, Any] = {field: datetime(2024, 5, 1, 12, 0)}  # noqa: DTZ001
    with pytest.raises(ValueError, match=f"{field} must be a timezone-aware"):
        item(**naive)


def test_naive_default_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        last_updated([], datetime(2024, 5, 1))  # noqa: DTZ001


def test_last_updated() -> None:
    later = T2 + timedelta(days=3)
    assert last_updated([item(1), item(2, updated=later), item(3)], default=T1) == later
    assert last_updated([], default=T1) == T1


@pytest.mark.parametrize("render", [atom, rss, json_feed])
def test_output_is_deterministic(render: Render) -> None:
    items = [item(1), item(2)]
    assert render(META, items) == render(META, list(items))


def test_media_types() -> None:
    assert MEDIA_TYPES == {
        "atom": "application/atom+xml; charset=utf-8",
        "rss": "application/rss+xml; charset=utf-8",
        "json": "application/feed+json; charset=utf-8",
    }


def test_xml_namespaces_are_declared() -> None:
    root = ET.fromstring(atom(META, [item()]))
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    assert root.find(f"{{http://www.w3.org/2005/Atom}}entry/{MEDIA}") is not None
    channel = ET.fromstring(rss(META, [item()])).find("channel")
    assert channel is not None
    assert channel.find("{http://www.w3.org/2005/Atom}link") is not None
    assert channel.find(f"item/{MEDIA}") is not None
    assert len(channel.findall("item/{http://purl.org/dc/elements/1.1/}creator")) == 2
