"""Waiting for a busy host's turn is politeness, not slowness: it must not time a fetch out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from storywire.demo.server import Newsroom, SimClock
from storywire.sources.fetch import Fetcher, FetchPolicy


def test_queued_page_fetches_do_not_time_out_while_waiting_their_turn() -> None:
    policy = FetchPolicy(
        allow_loopback=True, host_concurrency=1, host_delay=0.1, total_timeout=0.5, retries=0
    )
    with Newsroom(clock=SimClock(datetime(2026, 11, 2, tzinfo=UTC), start=timedelta(days=3))) as n:
        urls = [item.url for item in n.released("civic-observer")][:12]

        async def fetch_all() -> list[int]:
            async with Fetcher(policy) as fetcher:
                results = await asyncio.gather(*(fetcher.fetch_page(u) for u in urls))
            return [r.status for r in results]

        # Twelve pages spaced 0.1 s apart queue for over a second, twice the 0.5 s budget.
        assert asyncio.run(fetch_all()) == [200] * len(urls)
