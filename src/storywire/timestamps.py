"""Timestamps written as text, read one way wherever they come from.

Page metadata (Open Graph, JSON-LD, <time>) and imported files (JSONL rows, WARC headers) carry
publication times as ISO 8601 or RFC 822 strings of varying care. Extraction and import used to
parse them separately and disagreed on edge cases; both now call `parse_timestamp`, so a string
means the same instant whichever path it arrives by.
"""

from __future__ import annotations

import re
from datetime import MAXYEAR, MINYEAR, UTC, datetime, timedelta
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
    RFC 822 zone names also include the common European, Japanese, Korean, Australian and New
    Zealand ones ("CET", "CEST", "BST", "JST", "AEDT"...). A time without a zone is taken as UTC;
    so is one with a zone name neither knows, which `email.utils` ignores. Anything else is
    None: non-strings (numbers, bytes), empty or unparsable text, and dates that fall in
    datetime's first or last year once in UTC.
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


# Zone names feeds use that email.utils does not know (it knows UT, GMT, Z and the North
# American ones), as numeric offsets. Only unambiguous ones: "IST" (India, Ireland, Israel) and
# "CST" (taken as US Central by email.utils) are left alone.
_ZONE_OFFSETS = {
    "WET": "+0000",
    "WEST": "+0100",
    "BST": "+0100",
    "CET": "+0100",
    "MET": "+0100",
    "CEST": "+0200",
    "MEST": "+0200",
    "EET": "+0200",
    "EEST": "+0300",
    "MSK": "+0300",
    "JST": "+0900",
    "KST": "+0900",
    "AEST": "+1000",
    "AEDT": "+1100",
    "NZST": "+1200",
    "NZDT": "+1300",
}
_TRAILING_ZONE = re.compile(r"\b([A-Za-z]{3,4})\s*$")


def _rfc_822(text: str) -> datetime | None:
    zone = _TRAILING_ZONE.search(text)
    if zone and zone.group(1).upper() in _ZONE_OFFSETS:
        text = text[: zone.start()] + _ZONE_OFFSETS[zone.group(1).upper()]
    try:
        return parsedate_to_datetime(text)
    # IndexError and OverflowError escape email.utils on some malformed input in some Python
    # releases (CPython gh-95087, gh-153406); both mean "not a date" here.
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


# Outlets' clocks and zone labels run a little ahead at times; more than this is a wrong date.
FUTURE_SKEW = timedelta(minutes=10)


def not_in_future(moment: datetime | None, now: datetime) -> datetime | None:
    """`moment` no later than `now` plus FUTURE_SKEW. A feed that dates an item 2999 (or a zone
    mix-up that puts it hours ahead) must not become the newest news: the front page ranks by
    the latest article, and stories match on time."""
    if moment is None:
        return None
    return min(moment, now + FUTURE_SKEW)
