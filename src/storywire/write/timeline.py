"""A story's coverage timeline: articles per time bin, stacked by outlet, as inline SVG.

Drawn on the server so the page needs no JavaScript, from a small element tree whose every text
and attribute is escaped on output, so outlet names cannot break out of the markup (ElementTree
did the same at three times the cost, a sixth of a story page's time). Each bar carries its
colour twice: a fill attribute, so the chart stands alone, and a class s0..s6, so the reader's
stylesheet can retune colours per theme. The default palette is mid-luminance (at least 3:1
contrast on white and on near-black) and text uses currentColor, so the chart reads in both
light and dark themes without CSS.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape, quoteattr

from storywire.models import Article

__all__ = ["MAX_BINS", "OTHER_OUTLETS", "PALETTE", "Coverage", "coverage_svg", "story_svg"]

MAX_BINS = 72
OTHER_OUTLETS = "Other outlets"
# One colour per named outlet, the last (grey) for "Other outlets".
PALETTE = ("#4e79a7", "#d9762b", "#59a14f", "#d65f5f", "#9d7ac4", "#3a9b94", "#8c8c8c")
_STEPS_HOURS = (1, 3, 6, 12, 24)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Characters XML 1.0 cannot carry even escaped; written out, they would break the page.
_INVALID_XML_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LEGEND_ROW = 14
_AXIS_ROW = 14
_CHAR_W = 6.2  # rough advance of an 11px sans-serif character, to lay out text without a font
_TOOLTIP_OUTLETS = 8


@dataclass(frozen=True, slots=True)
class Coverage:
    """One article on the timeline; `at` is whichever time the caller trusts (publish or fetch)."""

    at: datetime
    outlet: str


def _day(t: datetime) -> str:
    return f"{t.day} {_MONTHS[t.month - 1]}"


def _stamp(t: datetime) -> str:
    return f"{_day(t)} {t.year} {t:%H:%M} UTC"


def _choose_bins(first: datetime, last: datetime) -> tuple[timedelta, datetime, int]:
    """Bins aligned to the UTC clock, so the same hours get the same bars on every render."""
    days = max(2, (last - first) // timedelta(days=MAX_BINS))
    hourly = (timedelta(hours=h) for h in _STEPS_HOURS)
    for step in itertools.chain(hourly, (timedelta(days=d) for d in itertools.count(days))):
        start = _EPOCH + ((first - _EPOCH) // step) * step
        count = (last - start) // step + 1
        if count <= MAX_BINS:
            return step, start, count
    raise AssertionError("unreachable: the day steps grow without bound")


def _bin_label(start: datetime, step: timedelta) -> str:
    end = start + step
    if step < timedelta(days=1):
        end_hour = "24:00" if end.day != start.day else f"{end:%H:%M}"
        return f"{start:%H:%M}–{end_hour} UTC, {_day(start)}"
    if step == timedelta(days=1):
        return _day(start)
    return f"{_day(start)} – {_day(end - timedelta(days=1))}"


def _per(step: timedelta) -> str:
    hours = step // timedelta(hours=1)
    if hours == 1:
        return "hour"
    if hours < 24:
        return f"{hours} hours"
    return "day" if hours == 24 else f"{hours // 24} days"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _clean(name: str) -> str:
    return _INVALID_XML_CHARS.sub("", name).strip() or "Unknown outlet"


def _fmt(x: float) -> str:
    """Two decimals keep the markup small and byte-identical between renders."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


@dataclass(slots=True)
class _Element:
    tag: str
    attrs: dict[str, str]
    text: str | None = None
    children: list[_Element] = field(default_factory=list)

    def write(self, out: list[str]) -> None:
        out.append(f"<{self.tag}")
        out.extend(f" {name}={quoteattr(value)}" for name, value in self.attrs.items())
        if self.text is None and not self.children:
            out.append(" />")
            return
        out.append(">")
        if self.text is not None:
            out.append(escape(self.text))
        for child in self.children:
            child.write(out)
        out.append(f"</{self.tag}>")


def _el(parent: _Element | None, tag: str, text: str | None = None, **attrs: object) -> _Element:
    """Element with attributes from keywords: `class_` -> class, `data_count` -> data-count."""
    values = {
        k.rstrip("_").replace("_", "-"): _fmt(v) if isinstance(v, float) else str(v)
        for k, v in attrs.items()
    }
    element = _Element(tag, values, text)
    if parent is not None:
        parent.children.append(element)
    return element


def story_svg(articles: Sequence[Article], outlet_names: Mapping[int | None, str]) -> str:
    """A story's chart from its member articles: the one drawing the story stages store and the
    reader draws for a story stored without one."""
    return coverage_svg(
        [Coverage(a.when, outlet_names.get(a.outlet_id, "Unknown outlet")) for a in articles]
    )


def coverage_svg(
    points: Sequence[Coverage], *, width: int = 640, height: int = 120, max_outlets: int = 6
) -> str:
    """Return the chart as an <svg> string for inlining in HTML, or "" when there is no coverage."""
    if not 1 <= max_outlets <= len(PALETTE) - 1:
        raise ValueError(f"max_outlets must be between 1 and {len(PALETTE) - 1}")
    if width <= 0 or height <= 0:
        raise ValueError("width and height must be positive")
    if any(p.at.tzinfo is None or p.at.utcoffset() is None for p in points):
        raise ValueError("coverage times must be timezone-aware")
    if not points:
        return ""
    items = sorted((p.at.astimezone(UTC), _clean(p.outlet)) for p in points)
    totals = Counter(name for _, name in items)
    ranked = sorted(totals, key=lambda name: (-totals[name], name))
    other = len(PALETTE) - 1
    series = {name: i if i < max_outlets else other for i, name in enumerate(ranked)}
    first, last = items[0][0], items[-1][0]
    step, start, nbins = _choose_bins(first, last)
    bins: list[Counter[str]] = [Counter() for _ in range(nbins)]
    for at, name in items:
        bins[(at - start) // step][name] += 1

    ids = "cov-" + hashlib.sha256(repr(items).encode()).hexdigest()[:10]
    root = _el(
        None, "svg", xmlns="http://www.w3.org/2000/svg", role="img", class_="coverage-timeline",
        viewBox=f"0 0 {width} {height}", width="100%", preserveAspectRatio="xMidYMid meet",
        font_family="sans-serif", font_size=11, aria_labelledby=f"{ids}-t {ids}-d",
    )  # fmt: skip
    when = f"on {_stamp(first)}" if first == last else f"between {_stamp(first)} and {_stamp(last)}"
    summary = f"{_plural(len(items), 'article')} from {_plural(len(ranked), 'outlet')} {when}"
    _el(root, "title", f"Coverage timeline: {summary}", id=f"{ids}-t")
    busiest = max(range(nbins), key=lambda i: (bins[i].total(), -i))
    peak = _bin_label(start + busiest * step, step)
    peak += f" with {_plural(bins[busiest].total(), 'article')}"
    desc = f"Articles per {_per(step)}, stacked by outlet. Busiest: {peak}."
    _el(root, "desc", desc, id=f"{ids}-d")

    entries = [(i, name) for i, name in enumerate(ranked[:max_outlets])]
    if len(ranked) > max_outlets:
        entries.append((other, OTHER_OUTLETS))
    top = _legend(_el(root, "g", class_="legend"), entries, width)
    bottom = height - _AXIS_ROW
    slot = width / nbins
    bar_w = min(max(slot * 0.8, 1.0), 32.0)
    scale = max(bottom - top, 10) / max(b.total() for b in bins)
    bars = _el(root, "g", class_="bars")
    for i, counts in enumerate(bins):
        if not counts:
            continue
        group = _el(bars, "g", class_="bin", data_start=(start + i * step).isoformat())
        named = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        parts = ", ".join(f"{name} {n}" for name, n in named[:_TOOLTIP_OUTLETS])
        if rest := named[_TOOLTIP_OUTLETS:]:
            parts += f", {_plural(len(rest), 'other outlet')} {sum(n for _, n in rest)}"
        label = _bin_label(start + i * step, step)
        _el(group, "title", f"{label}: {_plural(counts.total(), 'article')} ({parts})")
        stacked: Counter[int] = Counter()
        for name, n in counts.items():
            stacked[series[name]] += n
        y = float(bottom)
        for cls in sorted(stacked):
            y -= stacked[cls] * scale
            _el(
                group, "rect", class_=f"s{cls}", fill=PALETTE[cls], x=i * slot + (slot - bar_w) / 2,
                y=y, width=bar_w, height=stacked[cls] * scale, data_count=stacked[cls],
            )  # fmt: skip

    _el(
        root, "line", class_="baseline", x1=0, x2=width, y1=bottom, y2=bottom,
        stroke="currentColor", stroke_opacity=0.5, stroke_width=1,
    )  # fmt: skip
    axis = _el(root, "g", class_="axis", fill="currentColor")
    for index in sorted({0, nbins // 2 if nbins >= 5 and width >= 320 else 0, nbins - 1}):
        at = start + index * step
        text = _day(at) if step >= timedelta(days=1) else f"{_day(at)} {at:%H:%M}"
        centre, half = (index + 0.5) * slot, len(text) * _CHAR_W / 2
        x, anchor = (centre, "middle") if half <= centre <= width - half else (0.0, "start")
        if centre > width / 2 and anchor == "start":
            x, anchor = float(width), "end"
        _el(axis, "text", text, x=x, y=height - 3, text_anchor=anchor)
    out: list[str] = []
    root.write(out)
    return "".join(out)


def _legend(legend: _Element, entries: list[tuple[int, str]], width: int) -> int:
    """Lay out legend swatches in rows that fit the width; returns where the plot may start."""
    x, row = 0.0, 0
    for cls, label in entries:
        shown = label if len(label) <= 28 else label[:27] + "…"
        item_w = 24 + len(shown) * _CHAR_W
        if x > 0 and x + item_w > width:
            x, row = 0.0, row + 1
        item = _el(legend, "g", class_=f"s{cls}", data_outlet=label)
        y = row * _LEGEND_ROW
        _el(item, "rect", class_=f"s{cls}", fill=PALETTE[cls], x=x, y=y + 2, width=8, height=8)
        _el(item, "text", shown, x=x + 12, y=y + 10, fill="currentColor")
        x += item_w
    return (row + 1) * _LEGEND_ROW + 4
