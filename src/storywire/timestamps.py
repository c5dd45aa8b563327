"""Timestamps written as text, read one way wherever they come from.

Page metadata (Open Graph, JSON-LD, <time>) and imported files (JSONL rows, WARC headers) carry
publication times as ISO 8601 or RFC 822 strings of varying care. Extraction and import used to
parse them separately and disagreed on edge cases; both now call `parse_timestamp`, so a string
means the same instant whichever path it arrives by.
"""

from __future__ import annotations

from datetime import MAXYEAR, MINYEAR, UTC, datetime
from email.utils import parsedate_to_datetime

# datetime's first and last years hold placeholders, not publication times: Go's zero time
# (0001-01-01T00:00:00Z, which Hugo writes for undated pages) and 9999-12-31 "never" values.
# Leaving them out also keeps a year of headroom for date arithmetic downstream.
_FIRST_YEAR = MINYEAR + 1
_LAST_YEAR = MAXYEAR - 1


def parse_timestamp(value: object) -> datetime | None:
    """`value` as an aware UTC datetime, or None when it is not a usable timestamp.

    Accepts a string, surrounding whitespace ignored, in one of two forms:
    - ISO 8601 as `datetime.fromisoformat` reads it: `Z` or a numeric offset, date-only
      ("2026-11-02", midnight), lowercase `t`/`z` (RFC 3339 allows them);
    - RFC 822/2822 as `email.utils` reads it ("Mon, 02 Nov 2026 08:00:00 GMT"): numeric offsets
      and the zone names it knows (UT, UTC, GMT, Z and the North American ones: AST/ADT,
      EST/EDT, CST/CDT, MST/MDT, PST/PDT).
    A time without a zone is taken as UTC; so is one whose RFC 822 zone name `email.utils` does
    not know ("CET"), which it ignores. Anything else is None: non-strings (numbers, bytes),
    empty or unparsable text, and dates that fall in datetime's first or last year once in UTC.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    parsed = _iso_8601(text) or _rfc_822(text)
    if parsed is None:
        return None
    try:
        utc = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except OverflowError:  # an offset that pushes year 1 or 9999 past datetime's range
        return None
    return utc if _FIRST_YEAR <= utc.year <= _LAST_YEAR else None


def _iso_8601(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        return None


def _rfc_822(text: str) -> datetime | None:
    try:
        return parsedate_to_datetime(text)
    # IndexError and OverflowError escape email.utils on some malformed input in some Python
    # releases (CPython gh-95087, gh-153406); both mean "not a date" here.
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
