"""Extraction in killable workers: a page past the time or memory limit is an ExtractError that
names the limit, and the next page is extracted as usual."""

from __future__ import annotations

import asyncio
import time

import pytest

from storywire import metrics
from storywire.errors import ExtractError
from storywire.extract.workers import ExtractionPool

GOOD = (
    "<html><head><title>Quake hits the valley</title></head><body><article>"
    "<h1>Quake hits the valley</h1>"
    + "".join(
        f"<p>Paragraph {i}: rescuers searched collapsed building number {i} through the night "
        "as aftershocks continued across the valley.</p>"
        for i in range(12)
    )
    + "</article></body></html>"
)
# 2.7 MB of table cells: about 8 s of extraction here, so far past the 1 s limit below.
TABLE = (
    "<html><body><table>"
    + "".join(f"<tr><td>cell {i} text here</td><td>more {i}</td></tr>" for i in range(48_000))
    + "</table></body></html>"
)
# Millions of elements: the tree alone needs far more than the budget below.
HUGE = "<html><body><div>" + "<p>word " * 300_000 + "</div></body></html>"


def _run(pool: ExtractionPool, html: str, url: str) -> tuple[str, float]:
    started = time.perf_counter()
    try:
        text = asyncio.run(pool.extract(html, url)).text
    except ExtractError as exc:
        text = f"error: {exc}"
    return text, time.perf_counter() - started


def test_a_page_past_the_time_limit_is_stopped_and_the_next_one_extracted() -> None:
    with ExtractionPool(1, timeout=1.0) as pool:
        text, seconds = _run(pool, TABLE, "https://slow.example/table")
        assert text.startswith("error: https://slow.example/table: extraction took longer than 1")
        assert seconds < 4
        text, _ = _run(pool, GOOD, "https://news.example/quake")
        assert "rescuers searched collapsed building" in text


def test_a_page_past_the_memory_budget_fails_without_taking_the_worker_down() -> None:
    with ExtractionPool(1, timeout=30.0, memory=40 << 20) as pool:
        assert "rescuers" in _run(pool, GOOD, "https://news.example/first")[0]
        text, seconds = _run(pool, HUGE, "https://huge.example/page")
        assert text.startswith("error: https://huge.example/page") and seconds < 10
        assert "rescuers" in _run(pool, GOOD, "https://news.example/after")[0]


def test_the_pool_is_bounded_by_its_workers_not_by_hostile_pages() -> None:
    """Two slow pages on two workers take one time limit, not two."""
    with ExtractionPool(2, timeout=1.0) as pool:

        async def both() -> tuple[object, object]:
            return await asyncio.gather(
                pool.extract(TABLE, "https://slow.example/1"),
                pool.extract(TABLE, "https://slow.example/2"),
                return_exceptions=True,
            )

        started = time.perf_counter()
        results = asyncio.run(both())
        assert all(isinstance(r, ExtractError) for r in results)
        assert time.perf_counter() - started < 4


def test_closing_stops_a_page_in_progress() -> None:
    pool = ExtractionPool(1, timeout=60.0)

    async def start_and_close() -> None:
        task = asyncio.ensure_future(pool.extract(TABLE, "https://slow.example/long"))
        await asyncio.sleep(0.5)
        pool.close()
        with pytest.raises((ExtractError, asyncio.CancelledError, RuntimeError)):
            await asyncio.wait_for(task, 10)

    started = time.perf_counter()
    asyncio.run(start_and_close())
    assert time.perf_counter() - started < 10


def test_the_limit_a_page_met_is_its_error_reason_for_the_metrics() -> None:
    with ExtractionPool(1, timeout=1.0) as pool:
        with pytest.raises(ExtractError) as slow:
            asyncio.run(pool.extract(TABLE, "https://slow.example/table"))
        with pytest.raises(ExtractError) as empty:
            asyncio.run(pool.extract("<html><body><p>Hi</p></body></html>", "https://a.example/"))
    assert metrics.failure(slow.value) == "timeout"
    assert metrics.failure(empty.value) == "no_article"


def test_a_worker_gets_the_language_the_feed_declares() -> None:
    """The page has no `lang`; the feed's declared language reaches the worker process."""
    timetable = (
        "<html><body><article><h1>Zomerdienst</h1><p>Tram Norland-Calveria: 06:10, 07:40, 09:15, "
        "10:45, 12:15, 13:45, 15:15, 16:45, 18:15, 19:45. Teravale-Brisa: 06:45, 08:20, 10:05, "
        "11:50, 13:35, 15:20, 17:05, 18:50. Corlan-Ostmark: 07:05, 08:50, 10:35, 12:20.</p>"
        "</article></body></html>"
    )
    with ExtractionPool(1, timeout=30.0) as pool:
        assert asyncio.run(pool.extract(GOOD, "https://news.example/q", "nl")).language == "en"
        found = asyncio.run(pool.extract(timetable, "https://news.example/t", "nl"))
        assert found.language == "nl"
