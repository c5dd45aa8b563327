"""parse_timestamp: the one reading of text timestamps that extraction and import share."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storywire.timestamps import parse_timestamp

EIGHT = datetime(2026, 11, 2, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ISO 8601 with Z, any case RFC 3339 allows
        ("2026-11-02T08:00:00Z", EIGHT),
        ("2026-11-02T08:00:00.250Z", EIGHT.replace(microsecond=250_000)),
        ("2026-11-02t08:00:00z", EIGHT),
        ("20261102T080000Z", EIGHT),
        # offsets, converted to UTC (across midnight too)
        ("2026-11-02T09:00:00+01:00", EIGHT),
        ("2026-11-02T03:00:00-05:00", EIGHT),
        ("2026-11-02T13:30:00+0530", EIGHT),
        ("2026-11-03T01:00:00+17:00", EIGHT),
        ("2026-11-02T08:00:00+00:00", EIGHT),
        # naive: taken as UTC
        ("2026-11-02T08:00:00", EIGHT),
        ("2026-11-02 08:00", EIGHT),
        # date-only: midnight UTC
        ("2026-11-02", datetime(2026, 11, 2, tzinfo=UTC)),
        ("2026-11-02Z", datetime(2026, 11, 2, tzinfo=UTC)),
    ],
)
def test_iso_8601(text: str, expected: datetime) -> None:
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mon, 02 Nov 2026 08:00:00 GMT", EIGHT),
        ("Mon, 02 Nov 2026 08:00:00 UT", EIGHT),
        ("Mon, 02 Nov 2026 08:00:00 Z", EIGHT),
        ("Mon, 02 Nov 2026 03:00:00 EST", EIGHT),
        ("Mon, 02 Nov 2026 01:00:00 PDT", EIGHT),
        ("mon, 02 nov 2026 02:00:00 cst", EIGHT),
        ("Mon, 02 Nov 2026 09:00:00 +0100", EIGHT),
        ("Mon, 02 Nov 2026 04:00:00 -0400", EIGHT),
        ("Mon, 02 Nov 2026 08:00:00 +0000 (UTC)", EIGHT),
        ("02 Nov 2026 08:00 GMT", EIGHT),
        ("Mon, 02 Nov 26 08:00:00 GMT", EIGHT),  # two-digit year, read as POSIX does
        # zone names feeds use beyond the North American ones
        ("Mon, 02 Nov 2026 09:00:00 CET", EIGHT),
        ("Mon, 02 Nov 2026 10:00:00 cest", EIGHT),
        ("Mon, 02 Nov 2026 09:00:00 BST", EIGHT),
        ("Mon, 02 Nov 2026 17:00:00 JST", EIGHT),
        ("Mon, 02 Nov 2026 19:00:00 AEDT", EIGHT),
        # RFC 2822's "-0000" (zone unknown), no zone, or a name nobody knows: UTC
        ("Mon, 02 Nov 2026 08:00:00 -0000", EIGHT),
        ("Mon, 02 Nov 2026 08:00:00", EIGHT),
        ("Mon, 02 Nov 2026 08:00:00 XYZ", EIGHT),
    ],
)
def test_rfc_822(text: str, expected: datetime) -> None:
    assert parse_timestamp(text) == expected


def test_results_are_aware_utc() -> None:
    for text in ("2026-11-02T09:00:00+01:00", "2026-11-02", "Mon, 02 Nov 2026 03:00:00 EST"):
        parsed = parse_timestamp(text)
        assert parsed is not None and parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [" 2026-11-02T08:00:00Z", "2026-11-02T08:00:00Z\n", "\t Mon, 02 Nov 2026 08:00:00 GMT \r\n"],
)
def test_surrounding_whitespace_is_ignored(text: str) -> None:
    assert parse_timestamp(text) == EIGHT


@pytest.mark.parametrize("value", [None, "", "   ", "\n\t"])
def test_empty_is_none(value: str | None) -> None:
    assert parse_timestamp(value) is None


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "garbage, garbage garbage",
        "Z",
        "2026",
        "1730534400",  # epoch seconds are not guessed at
        "Nov 2026",
        "02 Nov 2026",  # RFC 822 needs a time
        "2026-13-02",
        "2026-11-31",
        "2026-11-02T25:00:00",
        # Trailing text is not salvaged for its date (extraction used to keep the date part)
        "2026-11-02T08:00:00 PST",
        "2026-11-02 garbage",
        "2026-11-02T08:00:00+01:00[Europe/Berlin]",
        "Mon, 32 Nov 2026 08:00:00 GMT",
        "Mon, 02 Nov 2026 08:00:00 +2400",  # offset beyond a day
        "17 June , 2022",  # raised IndexError in email.utils before CPython gh-95087
    ],
)
def test_unparsable_text_is_none(text: str) -> None:
    assert parse_timestamp(text) is None


@pytest.mark.parametrize(
    "value",
    [0, 1730534400, 1.5, True, b"2026-11-02T08:00:00Z", ["2026-11-02"], {"date": "2026-11-02"}],
)
def test_non_strings_are_none(value: object) -> None:
    assert parse_timestamp(value) is None


def test_datetimes_are_not_strings() -> None:
    assert parse_timestamp(EIGHT) is None


@pytest.mark.parametrize(
    "text",
    [
        # outside datetime's range
        "0000-01-01",
        "10000-01-01",
        "Mon, 02 Nov 99999 08:00:00 GMT",
        # inside it until the offset is applied (these raised OverflowError before)
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "Fri, 31 Dec 9999 23:30:00 -0100",
        # the first and last years: placeholders (Go's zero time, "never"), not times
        "0001-01-01T00:00:00Z",
        "0001-01-01",
        "9999-12-31",
        "9999-12-31T23:59:59.999999",
        "0002-01-01T00:30:00+01:00",  # year 1 once in UTC
    ],
)
def test_out_of_range_dates_are_none(text: str) -> None:
    assert parse_timestamp(text) is None


def test_the_years_next_to_the_ends_are_kept() -> None:
    assert parse_timestamp("0002-01-01") == datetime(2, 1, 1, tzinfo=UTC)
    assert parse_timestamp("9998-12-31T23:00:00-00:30") == datetime(
        9998, 12, 31, 23, 30, tzinfo=UTC
    )
