"""The one Retry-After reading and backoff that the fetcher and the LLM client share."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storywire.retry import Backoff, retry_after

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        ("Sat, 05 Dec 2026 12:01:30 GMT", 90.0),
        ("Sat, 05 Dec 2026 11:00:00 GMT", 0.0),  # in the past: no wait
        ("Sat Dec  5 12:00:10 2026", 10.0),  # asctime, read as UTC
        (None, None),
        ("", None),
        ("soon", None),
        ("-5", None),
        ("1.5", None),
        ("nan", None),
        ("1e9", None),
        ("²", None),
        ("9" * 40, None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates_and_nothing_else(
    header: str | None, seconds: float | None
) -> None:
    assert retry_after(header, now=NOW) == seconds


def test_backoff_takes_the_servers_wait_up_to_its_cap_else_a_jittered_doubling() -> None:
    backoff = Backoff(base=0.5, cap=30.0)
    ceilings: list[float] = []

    def top(low: float, high: float) -> float:
        ceilings.append(high)
        return high

    assert [backoff.delay(n, None, top) for n in range(8)] == [
        0.5,
        1.0,
        2.0,
        4.0,
        8.0,
        16.0,
        30.0,
        30.0,
    ]
    assert backoff.delay(0, "3", top) == 3.0
    assert backoff.delay(0, "86400", top) == 30.0
    assert len(ceilings) == 8  # the server's wait draws no jitter
