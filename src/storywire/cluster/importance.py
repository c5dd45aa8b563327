"""How prominent a story is, for ranking the front page.

    importance = coverage × (1 + growth) × recency
    coverage   = log2(1 + distinct outlets) + 0.5 × log2(1 + wire copies)
    growth     = share of the story's articles published in the last 6 hours
    recency    = 0.5 ** (hours since the latest article / 24)

Distinct outlets dominate (ten outlets on one event is news; ten articles from one outlet may not
be), wire pickup counts half (syndication spreads a story without new reporting), a story that is
still gathering coverage ranks up to twice as high, and attention halves every day without news.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

GROWTH_WINDOW = timedelta(hours=6)
HALF_LIFE_HOURS = 24.0


@dataclass(frozen=True, slots=True)
class Coverage:
    outlet: int | None
    published: datetime | None
    dup_group: int | None
    article_id: int


def importance(members: Sequence[Coverage], now: datetime) -> float:
    if not members:
        return 0.0
    outlets = len({m.outlet for m in members if m.outlet is not None}) or 1
    group_sizes: dict[int, int] = {}
    for member in members:
        if member.dup_group is not None:
            group_sizes[member.dup_group] = group_sizes.get(member.dup_group, 0) + 1
    wire_copies = sum(size - 1 for size in group_sizes.values())
    coverage = math.log2(1 + outlets) + 0.5 * math.log2(1 + wire_copies)
    times = [m.published for m in members if m.published is not None]
    latest = max(times) if times else now
    recent = sum(1 for t in times if now - t <= GROWTH_WINDOW)
    growth = recent / len(members)
    hours = max((now - latest).total_seconds() / 3600, 0.0)
    recency = 0.5 ** (hours / HALF_LIFE_HOURS)
    return float(round(coverage * (1 + growth) * recency, 4))
