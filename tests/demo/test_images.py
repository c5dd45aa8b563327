"""Lead images of the demo newsroom over real HTTP: served, announced by pages and feeds, gated."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from storywire.demo.corpus import DemoArticle, load_corpus
from storywire.demo.images import has_lead_image, image_alt, render_svg
from storywire.demo.server import Newsroom, SimClock
from storywire.extract.article import extract_article
from storywire.sources.feeds import parse_feed

EPOCH = datetime(2026, 11, 2, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"
_OG_IMAGE = re.compile(r'<meta property="og:image" content="([^"]+)">')


@pytest.fixture(scope="module")
def newsroom() -> Iterator[Newsroom]:
    clock = SimClock(EPOCH, start=timedelta(days=3))
    with Newsroom(clock=clock) as server:
        yield server


def _og_image(html: str) -> str | None:
    match = _OG_IMAGE.search(html)
    return match.group(1) if match else None


def _with_image(newsroom: Newsroom, outlet: str) -> DemoArticle:
    return next(a for a in newsroom.corpus.by_outlet(outlet) if newsroom.image_url(a))


def test_an_article_page_points_at_its_image_and_the_image_is_served(newsroom: Newsroom) -> None:
    article = _with_image(newsroom, "meridian-herald")
    html = httpx.get(newsroom.article_url(article)).text
    url = _og_image(html)
    assert url is not None and url == newsroom.image_url(article)
    assert url.startswith("http://127.0.0.1:")
    assert f'<img src="{url}"' in html and "<figcaption>" in html
    extracted = extract_article(html, newsroom.article_url(article))
    assert extracted.image == url
    assert image_alt(article) not in extracted.text

    response = httpx.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "max-age" in response.headers["cache-control"]
    assert len(response.content) < 4096
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 1200 675"
    assert root.findtext(f"{SVG}title") == image_alt(article)


def test_images_answer_conditional_gets_and_head(newsroom: Newsroom) -> None:
    url = newsroom.image_url(_with_image(newsroom, "bytewise"))
    assert url is not None
    first = httpx.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert httpx.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert httpx.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    head = httpx.head(url)
    assert head.status_code == 200 and head.headers["etag"] == etag


@pytest.mark.parametrize("outlet", ["meridian-herald", "ledger", "bytewise"])
def test_feed_items_carry_the_image_the_feed_parser_reads(newsroom: Newsroom, outlet: str) -> None:
    """One outlet per feed format: RSS media:content, Atom enclosure, JSON Feed image."""
    response = httpx.get(newsroom.feed_url(outlet))
    feed = parse_feed(response.content, newsroom.feed_url(outlet), response.headers["content-type"])
    by_path = {httpx.URL(e.url or "").path: e for e in feed.entries}
    articles = newsroom.corpus.by_outlet(outlet)
    assert len(by_path) == len(articles)
    for article in articles:
        assert by_path[article.path].image == newsroom.image_url(article), article.id
    assert any(newsroom.image_url(a) for a in articles)


def test_wire_copy_has_no_image(newsroom: Newsroom) -> None:
    copies = [a for a in newsroom.corpus.articles if a.wire is not None]
    assert {a.outlet for a in copies} - {"cps"}, "wire copies republished by other outlets"
    for article in copies:
        assert newsroom.image_url(article) is None
        html = httpx.get(newsroom.article_url(article)).text
        assert _og_image(html) is None and "<figure" not in html
        origin = newsroom.home_url(article.outlet).rstrip("/")
        assert httpx.get(f"{origin}/images/{article.slug}.svg").status_code == 404


def test_some_coverage_has_an_image_and_some_does_not() -> None:
    corpus = load_corpus()
    illustrated = [a for a in corpus.articles if has_lead_image(a, corpus.outlets[a.outlet])]
    opinion = [a for a in corpus.articles if a.kind == "opinion"]
    assert 0 < len(illustrated) < len(corpus.articles)
    assert any(a in illustrated for a in opinion) and not all(a in illustrated for a in opinion)
    assert all(a.wire is None and a.outlet != "cps" for a in illustrated)
    events_with_both = {a.event for a in illustrated} & {
        a.event for a in corpus.articles if a not in illustrated
    }
    assert events_with_both


def test_unknown_images_are_404(newsroom: Newsroom) -> None:
    origin = newsroom.home_url("meridian-herald")
    article = _with_image(newsroom, "meridian-herald")
    for path in (
        "images/no-such-story.svg",
        f"images/{article.slug}.png",
        f"images/{article.slug}",
        f"images/x/{article.slug}.svg",
    ):
        assert httpx.get(origin + path).status_code == 404, path
    other = newsroom.home_url("ledger") + f"images/{article.slug}.svg"
    assert httpx.get(other).status_code == 404


def test_an_unreleased_article_has_no_image_until_it_is_published() -> None:
    clock = SimClock(EPOCH, start=timedelta(hours=6))
    with Newsroom(clock=clock) as newsroom:
        article = next(
            a
            for a in newsroom.corpus.articles
            if a.published > clock.offset and newsroom.image_url(a)
        )
        url = newsroom.image_url(article)
        assert url is not None
        assert httpx.get(url).status_code == 404
        clock.set(article.published)
        assert httpx.get(url).status_code == 200


def test_images_are_deterministic(newsroom: Newsroom) -> None:
    article = _with_image(newsroom, "el-faro")
    url = newsroom.image_url(article)
    assert url is not None
    first = httpx.get(url).content
    assert httpx.get(url).content == first
    outlet = newsroom.corpus.outlets[article.outlet]
    assert render_svg.__wrapped__(article, outlet).encode("utf-8") == first
    assert image_alt(article).startswith("Ilustración: ")
    illustrated = [a for a in newsroom.corpus.articles if newsroom.image_url(a)]
    drawn = {render_svg(a, newsroom.corpus.outlets[a.outlet]) for a in illustrated}
    assert len(drawn) == len(illustrated)


def test_svg_text_is_escaped() -> None:
    corpus = load_corpus()
    article = next(a for a in corpus.articles if has_lead_image(a, corpus.outlets[a.outlet]))
    hostile = dataclasses.replace(
        article, title='A <b>"bold"</b> & </svg><script>x</script>', section="<World & Co>"
    )
    root = ET.fromstring(render_svg(hostile, corpus.outlets[article.outlet]))
    assert root.findtext(f"{SVG}title") == f"Illustration: {hostile.title}"
    assert [t.text for t in root.iter(f"{SVG}text")] == ["<WORLD & CO>"]
    assert not list(root.iter("script")) and not list(root.iter(f"{SVG}script"))
