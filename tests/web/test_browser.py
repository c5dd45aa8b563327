"""The reader in a real browser: Debian's Chromium, headless, driven by Playwright, against the
reader served over HTTP on 127.0.0.1. Each test leaves a full-page screenshot in test-artifacts/
(named after the test, taken at teardown, so a failure shows where the page ended up), and some
save named views there as well: home, story (light and dark), search and the phone layout."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import HOSTILE_HEADLINE, PAGED_STORIES

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1000, "height": 800}
PHONE = {"width": 390, "height": 844}
STORY_HEADINGS = ("Highlights", "Story", "Opinions", "Sources")
END = "You've reached the end"

OpenPage = Callable[..., Page]


def _shoot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


@pytest.fixture
def open_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[OpenPage]:
    """Open a page in a fresh context (own cookies) at `base_url`; context options pass through.
    At teardown the last page opened is screenshotted as test-artifacts/<test name>.png."""
    pages: list[Page] = []

    def make(base_url: str, **options: Any) -> Page:
        options.setdefault("viewport", DESKTOP)
        context = browser.new_context(base_url=base_url, **options)
        context.set_default_timeout(10_000)
        pages.append(context.new_page())
        return pages[-1]

    yield make
    try:
        if pages and not pages[-1].is_closed():
            _shoot(pages[-1], re.sub(r"[^\w.-]+", "-", request.node.name))
    finally:
        for page in pages:
            page.context.close()


def _top(reader_url: str) -> dict[str, Any]:
    """The story most outlets covered, as the JSON API lists it."""
    stories = httpx.get(f"{reader_url}/api/v1/stories?limit=100").json()["stories"]
    return dict(max(stories, key=lambda s: (s["outlets"], s["id"])))


def _detail(reader_url: str, story_id: int) -> dict[str, Any]:
    return dict(httpx.get(f"{reader_url}/api/v1/stories/{story_id}").json())


def _background(page: Page) -> str:
    return str(page.evaluate("getComputedStyle(document.body).backgroundColor"))


def _no_horizontal_scroll(page: Page) -> None:
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1] + 1, f"{page.url} scrolls sideways: {widths}"


def test_home_lists_stories_and_opens_one(reader_url: str, open_page: OpenPage) -> None:
    top = _top(reader_url)
    page = open_page(reader_url)
    page.goto("/")
    tabs = page.get_by_role("navigation", name="Sections")
    expect(tabs.get_by_role("link", name="Top", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(tabs.get_by_role("link", name="Latest", exact=True)).to_be_visible()
    headlines = page.locator(".cards .card h2 a")
    expect(headlines.first).to_be_visible()
    assert headlines.count() >= 2
    _shoot(page, "home")
    card = page.locator(f'.cards .card h2 a[href="/stories/{top["slug"]}"]')
    expect(card).to_have_text(top["headline"])
    card.click()
    expect(page).to_have_url(re.compile(rf"/stories/{re.escape(top['slug'])}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(top["headline"])
    for name in STORY_HEADINGS:
        expect(page.get_by_role("heading", level=2, name=name, exact=True)).to_be_visible()
    expect(page.get_by_text(END)).to_be_visible()
    _shoot(page, "story-light")


def test_citation_opens_the_cited_article(reader_url: str, open_page: OpenPage) -> None:
    top = _top(reader_url)
    sources = {s["url"]: s for s in _detail(reader_url, top["id"])["sources"]}
    page = open_page(reader_url)
    page.goto(f"/stories/{top['slug']}")
    cite = page.locator('section[aria-labelledby="h-story"] a.cite').first
    href = cite.get_attribute("href")
    assert href is not None and href in sources, "a citation links to one of the sources"
    title = sources[href]["title"]
    cite.click()
    expect(page).to_have_url(href)
    assert page.url.startswith("http://127.0.0.1")
    expect(page).to_have_title(re.compile(re.escape(title)))
    expect(page.locator("h1")).to_have_text(title)


def test_search_highlights_and_leads_to_the_story(reader_url: str, open_page: OpenPage) -> None:
    top = _top(reader_url)
    word = max(re.findall(r"[^\W\d_]{4,}", top["headline"]), key=len)
    page = open_page(reader_url)
    page.goto("/")
    page.get_by_role("searchbox", name="Search stories").fill(word)
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search\?q="))
    marks = page.locator("main mark")
    expect(marks.first).to_be_visible()
    assert {m.casefold() for m in marks.all_inner_texts()} >= {word.casefold()}
    _shoot(page, "search")
    page.locator(f'main a[href="/stories/{top["slug"]}"]').first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(top["headline"])


def test_latest_pages_to_the_end_in_place(paged_url: str, open_page: OpenPage) -> None:
    page = open_page(paged_url)
    page.goto("/latest")
    cards = page.locator(".cards .card")
    expect(cards).to_have_count(20)
    end = page.locator(".pager").get_by_text(END)
    for _ in range(50):
        if end.is_visible():
            break
        page.locator(".pager").scroll_into_view_if_needed()
        page.mouse.wheel(0, 4000)
        page.wait_for_timeout(100)
    expect(end).to_be_visible()
    expect(cards).to_have_count(PAGED_STORIES)
    headlines = page.locator(".cards .card h2").all_inner_texts()
    assert len(set(headlines)) == PAGED_STORIES, "no story is listed twice"
    assert headlines == [f"Story number {n}" for n in range(PAGED_STORIES)]
    assert page.url.endswith("/latest"), "the next page was appended in place"


def test_more_stories_works_without_javascript(paged_url: str, open_page: OpenPage) -> None:
    page = open_page(paged_url, java_script_enabled=False)
    page.goto("/latest")
    expect(page.locator(".cards .card")).to_have_count(20)
    page.get_by_role("link", name="More stories").click()
    expect(page).to_have_url(re.compile(r"/latest\?page=2$"))
    expect(page.locator(".cards .card")).to_have_count(PAGED_STORIES - 20)
    expect(page.locator(".pager").get_by_text(END)).to_be_visible()


def test_theme_switch_in_place_and_remembered(reader_url: str, open_page: OpenPage) -> None:
    top = _top(reader_url)
    page = open_page(reader_url)
    page.goto(f"/stories/{top['slug']}")
    html = page.locator("html")
    light = _background(page)
    page.evaluate("window.__same_document = true")
    page.locator("a.theme-toggle").click()
    expect(html).to_have_attribute("data-theme", "dark")
    assert _background(page) != light
    assert page.evaluate("window.__same_document") is True, "switched in place, no reload"
    page.reload()
    expect(html).to_have_attribute("data-theme", "dark")
    assert _background(page) != light
    expect(page.locator("a.theme-toggle")).to_have_text("Light theme")
    _shoot(page, "story-dark")


def test_theme_switch_without_javascript(reader_url: str, open_page: OpenPage) -> None:
    top = _top(reader_url)
    page = open_page(reader_url, java_script_enabled=False)
    page.goto(f"/stories/{top['slug']}")
    light = _background(page)
    page.locator("a.theme-toggle").click()
    expect(page).to_have_url(re.compile(rf"/stories/{re.escape(top['slug'])}$"))
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert _background(page) != light
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")


def test_phone_layout_does_not_scroll_sideways(reader_url: str, open_page: OpenPage) -> None:
    top = _top(reader_url)
    page = open_page(reader_url, viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto("/")
    expect(page.locator(".cards .card").first).to_be_visible()
    _no_horizontal_scroll(page)
    _shoot(page, "phone-home")
    page.goto(f"/stories/{top['slug']}")
    expect(page.get_by_text(END)).to_be_visible()
    _no_horizontal_scroll(page)


def test_tab_first_focuses_the_skip_link(reader_url: str, open_page: OpenPage) -> None:
    page = open_page(reader_url)
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))


def test_story_page_draws_the_coverage_timeline(reader_url: str, open_page: OpenPage) -> None:
    top = _top(reader_url)
    page = open_page(reader_url)
    page.goto(f"/stories/{top['slug']}")
    chart = page.locator('section[aria-labelledby="h-timeline"] svg[role="img"]')
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 20
    assert chart.locator("rect").count() > 0, "the chart has bars"


def test_markup_from_feeds_never_runs(hostile_url: str, open_page: OpenPage) -> None:
    page = open_page(hostile_url)
    page.goto("/")
    link = page.locator(".cards .card h2 a")
    expect(link).to_have_text(HOSTILE_HEADLINE)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HOSTILE_HEADLINE)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    source = page.locator('section[aria-labelledby="h-sources"] ol a').first
    expect(source).to_have_attribute("href", "#")
    source.click()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    expect(page.get_by_role("heading", level=1)).to_have_text(HOSTILE_HEADLINE)
