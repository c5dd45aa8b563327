"""When to send an HTTP request again, for the fetcher and the LLM client alike: one reading of
Retry-After (RFC 9110 10.2.3) and one backoff. Which statuses are worth a retry stays with each
caller: a feed server's 502 is transient, an LLM server's 500 is not worth the wait."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# ASCII digits only (str.isdigit() also passes '²', and float() takes "nan" and "1e9"), and few
# enough that int() takes them.
_SECONDS = re.compile(r"[0-9]{1,18}")


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """The seconds a Retry-After header asks for, given as delay-seconds or as an HTTP-date
    (a date in the past asks for none); None when the header is absent or neither."""
    if value is None:
        return None
    value = value.strip()
    if _SECONDS.fullmatch(value):
        return float(int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # the asctime form and a "-0000" zone give no zone; HTTP means UTC
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Full-jitter exponential backoff (base * 2**attempt, at most `cap` seconds), unless the
    server said how long to wait."""

    base: float = 0.5
    cap: float = 30.0

    def delay(
        self, attempt: int, header: str | None, jitter: Callable[[float, float], float]
    ) -> float:
        """Seconds before retry number `attempt` + 1: the Retry-After `header`, held to `cap`,
        when it reads as one; else a `jitter(0, ceiling)` draw (random.uniform in production)."""
        asked = retry_after(header)
        if asked is not None:
            return min(asked, self.cap)
        return jitter(0.0, min(self.cap, self.base * 2**attempt))
