"""The coverage timeline SVG, read back with ElementTree as a browser's parser would."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

import pytest

from storywire.write.timeline import MAX_BINS, OTHER_OUTLETS, PALETTE, Coverage, coverage_svg

NS = "{http://www.w3.org/2000/svg}"
T0 = datetime(2024, 11, 29, 14, 5, tzinfo=UTC)


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    return root


def _bins(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{NS}g[@class='bars']/{NS}g[@class='bin']")


def _legend(root: ET.Element) -> dict[str, str]:
    """Maps each colour class to the outlet name it stands for."""
    items = root.findall(f"{NS}g[@class='legend']/{NS}g")
    return {item.attrib["class"]: item.attrib["data-outlet"] for item in items}


def _totals_by_outlet(root: ET.Element) -> Counter[str]:
    legend = _legend(root)
    totals: Counter[str] = Counter()
    for group in _bins(root):
        for rect in group.findall(f"{NS}rect"):
            totals[legend[rect.attrib["class"]]] += int(rect.attrib["data-count"])
    return totals


def _bin_sizes(root: ET.Element) -> list[int]:
    return [sum(int(r.attrib["data-count"]) for r in g.findall(f"{NS}rect")) for g in _bins(root)]


def test_empty_input_draws_nothing() -> None:
    assert coverage_svg([]) == ""


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        coverage_svg([Coverage(datetime(2024, 11, 29, 14), "Civic Observer")])  # noqa: DTZ001


def test_hourly_bars_sum_to_articles_and_tooltips_name_outlets() -> None:
    points = [
        Coverage(T0, "Civic Observer"),
        Coverage(T0 + timedelta(minutes=30), "Civic Observer"),
        Coverage(T0 + timedelta(minutes=40), "Meridian Herald"),
        Coverage(T0 + timedelta(hours=5), "Meridian Herald"),
    ]
    svg = coverage_svg(points)
    assert not svg.startswith("<?xml")
    root = _parse(svg)
    assert root.attrib["role"] == "img"
    assert root.attrib["width"] == "100%"
    assert root.attrib["viewBox"] == "0 0 640 120"
    title_id, desc_id = root.attrib["aria-labelledby"].split()
    title = root.find(f"{NS}title")
    assert title is not None and title.attrib["id"] == title_id
    assert title.text == (
        "Coverage timeline: 4 articles from 2 outlets between 29 Nov 2024 14:05 UTC "
        "and 29 Nov 2024 19:05 UTC"
    )
    desc = root.find(f"{NS}desc")
    assert desc is not None and desc.attrib["id"] == desc_id
    assert "per hour" in (desc.text or "")
    assert _bin_sizes(root) == [3, 1]
    assert _totals_by_outlet(root) == {"Civic Observer": 2, "Meridian Herald": 2}
    tip = _bins(root)[0].find(f"{NS}title")
    assert tip is not None
    assert tip.text == "14:00–15:00 UTC, 29 Nov: 3 articles (Civic Observer 2, Meridian Herald 1)"
    assert root.find(f"{NS}line[@class='baseline']") is not None
    axis = [t.text for t in root.findall(f"{NS}g[@class='axis']/{NS}text")]
    assert axis[0] == "29 Nov 14:00" and axis[-1] == "29 Nov 19:00"
    assert svg == coverage_svg(list(reversed(points)))


def test_rects_carry_class_and_palette_fill() -> None:
    root = _parse(coverage_svg([Coverage(T0, "A"), Coverage(T0, "B")]))
    for rect in root.iter(f"{NS}rect"):
        index = int(rect.attrib["class"].removeprefix("s"))
        assert rect.attrib["fill"] == PALETTE[index]


def test_outlets_beyond_the_top_six_are_grouped() -> None:
    points = [
        Coverage(T0 + timedelta(minutes=i), f"Outlet {n}") for n in range(9) for i in range(10 - n)
    ]
    root = _parse(coverage_svg(points))
    legend = _legend(root)
    assert list(legend.values()) == [*(f"Outlet {n}" for n in range(6)), OTHER_OUTLETS]
    assert legend["s6"] == OTHER_OUTLETS
    totals = _totals_by_outlet(root)
    assert totals == {**{f"Outlet {n}": 10 - n for n in range(6)}, OTHER_OUTLETS: 4 + 3 + 2}
    title = root.find(f"{NS}title")
    assert title is not None and "from 9 outlets" in (title.text or "")
    tip = _bins(root)[0].find(f"{NS}title")
    assert tip is not None
    assert (tip.text or "").endswith("Outlet 6 4, Outlet 7 3, 1 other outlet 2)")


def test_ten_day_span_widens_bins() -> None:
    points = [Coverage(T0 + timedelta(hours=h), f"Outlet {h % 4}") for h in range(0, 240, 2)]
    points.append(Coverage(T0 + timedelta(days=10), "Late Gazette"))
    root = _parse(coverage_svg(points))
    sizes = _bin_sizes(root)
    assert len(sizes) <= MAX_BINS
    assert sum(sizes) == len(points)
    assert sum(_totals_by_outlet(root).values()) == len(points)
    desc = root.find(f"{NS}desc")
    assert desc is not None and "per 6 hours" in (desc.text or "")


def test_months_long_span_uses_multi_day_bins() -> None:
    points = [Coverage(T0 + timedelta(days=d), "Almanac") for d in range(0, 400, 3)]
    sizes = _bin_sizes(_parse(coverage_svg(points)))
    assert len(sizes) <= MAX_BINS
    assert sum(sizes) == len(points)


def test_single_article() -> None:
    at = datetime(2024, 11, 29, 15, 30, tzinfo=timezone(timedelta(hours=1)))
    root = _parse(coverage_svg([Coverage(at, "Civic Observer")]))
    assert _bin_sizes(root) == [1]
    title = root.find(f"{NS}title")
    assert title is not None
    assert title.text == "Coverage timeline: 1 article from 1 outlet on 29 Nov 2024 14:30 UTC"
    axis = [t.text for t in root.findall(f"{NS}g[@class='axis']/{NS}text")]
    assert axis == ["29 Nov 14:00"]


def test_outlet_names_are_escaped() -> None:
    hostile = "<script>alert(1)</script>"
    svg = coverage_svg([Coverage(T0, hostile), Coverage(T0, '"& Sons'), Coverage(T0, "Bad\x00")])
    assert "<script>" not in svg
    assert _totals_by_outlet(_parse(svg)) == {hostile: 1, '"& Sons': 1, "Bad": 1}


def test_invalid_sizes_are_rejected() -> None:
    with pytest.raises(ValueError, match="max_outlets"):
        coverage_svg([Coverage(T0, "A")], max_outlets=7)
    with pytest.raises(ValueError, match="positive"):
        coverage_svg([Coverage(T0, "A")], width=0)
