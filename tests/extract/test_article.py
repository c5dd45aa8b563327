"""Extraction from the demo newsroom's pages (four page styles) and from broken input."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from storywire.demo.corpus import DemoArticle
from storywire.demo.server import Newsroom, SimClock
from storywire.errors import ExtractError
from storywire.extract.article import extract_article
from storywire.models import ArticleKind

EPOCH = datetime(2026, 11, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def newsroom() -> Iterator[Newsroom]:
    with Newsroom(clock=SimClock(EPOCH, start=timedelta(days=3))) as server:
        yield server


def _page(newsroom: Newsroom, article: DemoArticle) -> str:
    return httpx.get(newsroom.article_url(article)).text


def test_every_demo_page_yields_its_text_and_metadata(newsroom: Newsroom) -> None:
    for article in newsroom.corpus.articles:
        url = newsroom.article_url(article)
        extracted = extract_article(_page(newsroom, article), url)
        assert extracted.title == article.title
        assert extracted.canonical_url == url
        assert extracted.authors == (article.author,)
        assert extracted.language == article.language
        assert extracted.site_name == newsroom.corpus.outlets[article.outlet].name
        for paragraph in article.paragraphs:
            assert paragraph in extracted.text, (article.id, paragraph[:50])
        for boilerplate in (
            "Advertisement",
            "Anzeige",
            "Publicidad",
            "harbourwatcher",
            "Subscribe",
        ):
            assert boilerplate not in extracted.text, (article.id, boilerplate)
        expected = ArticleKind.OPINION if article.kind == "opinion" else ArticleKind.NEWS
        assert extracted.kind is expected, (article.id, extracted.kind_reason)
        published = EPOCH + article.published
        assert extracted.published is not None
        if newsroom.corpus.outlets[article.outlet].style in ("broadsheet", "wire"):
            assert extracted.published == published
        else:
            assert extracted.published.date() == published.date()


def test_broken_html_still_extracts(newsroom: Newsroom) -> None:
    article = next(a for a in newsroom.corpus.articles if a.outlet == "ledger")
    html = _page(newsroom, article)
    broken = html.replace("</p>", "").replace("</div>", "").replace("</html>", "")[:-200]
    extracted = extract_article(broken, newsroom.article_url(article))
    assert article.paragraphs[0][:80] in extracted.text


def test_malformed_json_ld_is_ignored(newsroom: Newsroom) -> None:
    article = next(a for a in newsroom.corpus.articles if a.outlet == "civic-observer")
    html = _page(newsroom, article).replace('"@context"', '"@context" BROKEN', 1)
    assert extract_article(html, newsroom.article_url(article)).title == article.title


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   ",
        "<html><body><nav>Home | World</nav><p>Short.</p></body></html>",
        "\x89PNG\r\n\x1a\n\x00\x00garbage\x00\x01",
        "<?xml version='1.0'?><rss><channel><title>feed</title></channel></rss>",
    ],
)
def test_pages_without_an_article_are_a_clear_error(html: str) -> None:
    with pytest.raises(ExtractError, match=r"https://e\.example/x"):
        extract_article(html, "https://e.example/x")


def test_a_mangled_date_does_not_send_extraction_through_every_locale(tmp_path: Path) -> None:
    """A page without a usable published_time made trafilatura hand "2026-\ufffd\ufffd-02T08:50"
    to dateparser, which tried every locale: 5 s for a 3.5 KB page in a fresh worker (atheris
    found it). Run in a fresh process, as a new extraction worker is."""
    body = "".join(
        f"<p>Paragraph {i}: rescuers searched collapsed building number {i} through the night "
        "as aftershocks continued across the valley.</p>"
        for i in range(8)
    )
    page = tmp_path / "page.html"
    page.write_text(
        '<html><head><title>Quake</title><meta property="article:published_time" '
        'content="2026-\ufffd\ufffd-02T08:50:00+00:00"></head>'
        f"<body><article><h1>Quake</h1>{body}</article></body></html>",
        encoding="utf-8",
    )
    script = (
        "import sys, time\n"
        "from storywire.extract.article import extract_article\n"
        "html = open(sys.argv[1], encoding='utf-8').read()\n"
        # Imports and models load on a page with a good date, not timed.
        "extract_article(html.replace('\ufffd\ufffd', '11'), 'https://warm.example/up')\n"
        "started = time.perf_counter()\n"
        "extract_article(html, 'https://news.example/quake')\n"
        "print(time.perf_counter() - started)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(page)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) < 1.0
