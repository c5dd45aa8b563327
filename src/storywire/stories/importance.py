"""How prominent a story is, for ranking the front page.

    importance = coverage × (1 + growth) × recency
    coverage   = log2(1 + distinct outlets) + 0.5 × log2(1 + wire copies)
    growth     = share of the story's articles published in the 6 hours up to its latest one
    recency    = 0.5 ** (hours since the latest article / 24)

Distinct outlets dominate (ten outlets on one event is news; ten articles from one outlet may not
be), wire pickup counts half (syndication spreads a story without new reporting), a story that was
still gathering coverage when it last grew ranks up to twice as high, and attention halves every
day without news.

Only recency changes with the clock, and it halves every story alike, so the order of any two
stories never changes while neither gets coverage. The store keeps that order as one number that
never goes stale, `front_rank` = log2(coverage × (1 + growth)) + days from EPOCH to the latest
article; the importance at any moment is 2 ** (front_rank − days from EPOCH to that moment).
A story nobody touched for a week sinks below today's news without being rescored.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

GROWTH_WINDOW = timedelta(hours=6)
HALF_LIFE = timedelta(hours=24)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Coverage:
    outlet: int | None
    published: datetime
    dup_group: int | None
    article_id: int


def _half_lives(moment: datetime) -> float:
    return (moment - EPOCH) / HALF_LIFE


def front_rank(members: Sequence[Coverage]) -> float:
    """The story's place on the front page at every moment (higher first); see the module doc."""
    if not members:
        return -math.inf
    outlets = len({m.outlet for m in members if m.outlet is not None}) or 1
    group_sizes: dict[int, int] = {}
    for member in members:
        if member.dup_group is not None:
            group_sizes[member.dup_group] = group_sizes.get(member.dup_group, 0) + 1
    wire_copies = sum(size - 1 for size in group_sizes.values())
    coverage = math.log2(1 + outlets) + 0.5 * math.log2(1 + wire_copies)
    latest = max(m.published for m in members)
    growth = sum(1 for m in members if latest - m.published <= GROWTH_WINDOW) / len(members)
    return math.log2(coverage * (1 + growth)) + _half_lives(latest)


def importance(rank: float, now: datetime) -> float:
    """The importance at `now` of a story whose front rank is `rank` (0 for no coverage)."""
    return float(round(2 ** min(rank - _half_lives(now), 64.0), 4))
