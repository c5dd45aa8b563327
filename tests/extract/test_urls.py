from __future__ import annotations

import pytest

from storywire.extract.urls import (
    MAX_URL_LENGTH,
    canonical_url,
    http_url,
    preferred_url,
    redact_url,
    redact_urls_in,
    site,
)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("HTTPS://News.Example.COM/World/Story/", "https://news.example.com/World/Story"),
        (
            "https://news.example.com:443/a?utm_source=rss&utm_medium=x",
            "https://news.example.com/a",
        ),
        ("http://news.example.com:80/a#comments", "http://news.example.com/a"),
        ("https://news.example.com/a?b=2&a=1&fbclid=XYZ", "https://news.example.com/a?a=1&b=2"),
        ("https://news.example.com//a/./b/../c", "https://news.example.com/a/c"),
        ("https://news.example.com/", "https://news.example.com/"),
        ("https://news.example.com", "https://news.example.com/"),
        ("https://news.example.com/section/index.html", "https://news.example.com/section"),
        ("https://news.example.com./a", "https://news.example.com/a"),
        ("https://bücher.example/a", "https://xn--bcher-kva.example/a"),
        ("https://news.example.com/caf%C3%A9", "https://news.example.com/caf%C3%A9"),
        ("http://127.0.0.1:8801/world/x?utm_campaign=n", "http://127.0.0.1:8801/world/x"),
        (
            "https://news.example.com/a?gclid=1&mc_cid=2&_ga=3&ref=home",
            "https://news.example.com/a",
        ),
    ],
)
def test_canonical_url(raw: str, canonical: str) -> None:
    assert canonical_url(raw) == canonical


def test_relative_urls_resolve_against_a_base() -> None:
    assert canonical_url("../b?utm_source=x", base="https://e.example/x/y/z") == (
        "https://e.example/x/b"
    )


def test_same_site_rel_canonical_wins_but_cross_site_does_not() -> None:
    page = "https://www.courier.example/business/rates?utm_source=feed"
    assert preferred_url(page, "/business/rates-norland") == (
        "https://www.courier.example/business/rates-norland"
    )
    assert preferred_url(page, "https://courier.example/a") == "https://courier.example/a"
    # A syndicated copy pointing at the wire original keeps its own identity.
    assert preferred_url(page, "https://cps.example/wire/rates") == (
        "https://www.courier.example/business/rates"
    )
    assert (
        preferred_url(page, "javascript:alert(1)") == "https://www.courier.example/business/rates"
    )
    assert preferred_url(page, None) == "https://www.courier.example/business/rates"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://feeds.bbci.co.uk/news/rss.xml", "bbci.co.uk"),
        ("https://www.bbc.co.uk/news", "bbc.co.uk"),
        ("https://evil.co.uk/", "evil.co.uk"),
        ("https://a.github.io/feed", "a.github.io"),
        ("http://127.0.0.1:8080/feed.xml", "127.0.0.1:8080"),
        ("http://[::1]:9/x", "[::1]:9"),
        ("http://localhost:8000/", "localhost:8000"),
        ("RSS.NYTimes.com", "nytimes.com"),
    ],
)
def test_site_is_the_registrable_domain(url: str, expected: str) -> None:
    assert site(url) == expected


def test_a_canonical_elsewhere_on_the_same_site_is_followed_but_not_across_sites() -> None:
    page = "https://edition.herald.co.uk/2026/story"
    assert preferred_url(page, "https://www.herald.co.uk/2026/story").startswith(
        "https://www.herald.co.uk"
    )
    assert preferred_url(page, "https://www.gazette.co.uk/story") == canonical_url(page)
    assert preferred_url("https://a.github.io/x", "https://b.github.io/x") == canonical_url(
        "https://a.github.io/x"
    )


def test_redacted_urls_keep_the_address_and_lose_the_secrets() -> None:
    assert redact_url("https://u:pw@feeds.example:8443/rss?api_key=1&lang=en") == (
        "https://REDACTED@feeds.example:8443/rss?api_key=REDACTED&lang=en"
    )
    assert redact_url("https://feeds.example/rss") == "https://feeds.example/rss"
    assert redact_url("http://[bad") == "REDACTED"
    assert redact_urls_in("failed: https://u:p@a.example/x?token=t. Retry") == (
        "failed: https://REDACTED@a.example/x?token=REDACTED. Retry"
    )


def test_urls_that_fuzzing_found_fail_soft() -> None:
    """A made-up port in a page's canonical link raised ValueError out of extraction (atheris
    found it); a lone bracket did the same in `site`."""
    page = "https://a.example/x"
    assert preferred_url(page, "http://x:4property=/") == canonical_url(page)
    assert http_url("http://a.example:4property=/x") is None
    assert site("]") == "" and site("http://[::1") == ""


def test_a_url_longer_than_the_database_stores_is_not_a_usable_link() -> None:
    assert http_url("https://a.example/" + "x" * (MAX_URL_LENGTH - 19)) is not None
    assert http_url("https://a.example/" + "x" * MAX_URL_LENGTH) is None
    assert http_url("/" + "x" * MAX_URL_LENGTH, base="https://a.example/") is None
