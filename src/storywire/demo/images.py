"""Lead images for the demo outlets: original SVG illustrations drawn from the corpus itself.

Real coverage comes with pictures, and readers show them on story cards; the demo newsroom has no
photographs to borrow, so it draws an abstract composition per article instead. Everything is
derived from hashes of the article's ids, so the same article always gets the same bytes.

Which articles have one follows how outlets work: wire copy (the agency's own text and every
outlet's republished copy) travels without pictures; staff news articles carry one; opinion
pieces are illustrated only by magazine-style outlets, while broadsheets and tabloids run their
columns as text. So some coverage of an event has an image and some does not.
"""

from __future__ import annotations

import colorsys
import hashlib
import xml.etree.ElementTree as ET
from functools import lru_cache

from storywire.demo.corpus import WIRE_OUTLET, DemoArticle, DemoOutlet

WIDTH = 1200
HEIGHT = 675
IMAGE_TYPE = "image/svg+xml"
_PREFIX = "/images/"
_SUFFIX = ".svg"
_SVG_NS = "http://www.w3.org/2000/svg"
_ILLUSTRATION = {"en": "Illustration", "es": "Ilustración", "de": "Illustration"}


def has_lead_image(article: DemoArticle, outlet: DemoOutlet) -> bool:
    """Whether the article is published with an illustration (the rule in the module docstring)."""
    if article.wire is not None or article.outlet == WIRE_OUTLET or outlet.style == "wire":
        return False
    if article.kind == "opinion":
        return outlet.style == "magazine"
    return True


def image_path(article: DemoArticle) -> str:
    """Where the article's image lives on its outlet's site, beside its pages."""
    return f"{_PREFIX}{article.slug}{_SUFFIX}"


def slug_of_image_path(path: str) -> str | None:
    """The article slug an image path names, or None when the path is not an image path."""
    if not (path.startswith(_PREFIX) and path.endswith(_SUFFIX)):
        return None
    slug = path[len(_PREFIX) : -len(_SUFFIX)]
    return slug if slug and "/" not in slug else None


def image_alt(article: DemoArticle) -> str:
    """The alt text and caption: says it is an illustration, not a photograph of the event."""
    word = _ILLUSTRATION.get(article.language, _ILLUSTRATION["en"])
    return f"{word}: {article.title}"


class _Draw:
    """An endless, deterministic stream of numbers in [0, 1) from SHA-256 of a key."""

    def __init__(self, key: str) -> None:
        self._key = key.encode("utf-8")
        self._block = 0
        self._bytes = b""

    def unit(self) -> float:
        if len(self._bytes) < 2:
            self._bytes += hashlib.sha256(self._key + b"#%d" % self._block).digest()
            self._block += 1
        pair, self._bytes = self._bytes[:2], self._bytes[2:]
        return int.from_bytes(pair, "big") / 65536

    def between(self, low: float, high: float) -> int:
        return round(low + (high - low) * self.unit())


def _colour(hue: float, saturation: float, lightness: float) -> str:
    red, green, blue = colorsys.hls_to_rgb(hue % 1.0, lightness, saturation)
    return "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in (red, green, blue)))


def _add(parent: ET.Element, tag: str, **attributes: str | int) -> ET.Element:
    return ET.SubElement(parent, tag, {k.replace("_", "-"): str(v) for k, v in attributes.items()})


@lru_cache(maxsize=256)
def render_svg(article: DemoArticle, outlet: DemoOutlet) -> str:
    """The article's illustration as SVG text (about 1 KB).

    The palette comes from the event, so an event's coverage looks related across outlets; the
    layout comes from the article and the accent from the outlet, so each picture is its own.
    """
    palette = _Draw(f"event:{article.event}")
    layout = _Draw(f"article:{article.id}")
    hue = palette.unit()
    accent = _colour(_Draw(f"outlet:{outlet.id}").unit(), 0.75, 0.5)

    svg = ET.Element(
        "svg",
        {
            "xmlns": _SVG_NS,
            "viewBox": f"0 0 {WIDTH} {HEIGHT}",
            "width": str(WIDTH),
            "height": str(HEIGHT),
            "role": "img",
        },
    )
    ET.SubElement(svg, "title").text = image_alt(article)
    gradient = _add(ET.SubElement(svg, "defs"), "linearGradient", id="bg", x1=0, y1=0, x2=1, y2=1)
    _add(gradient, "stop", offset=0, stop_color=_colour(hue, 0.45, 0.2))
    _add(gradient, "stop", offset=1, stop_color=_colour(hue + 0.1, 0.55, 0.46))
    _add(svg, "rect", width=WIDTH, height=HEIGHT, fill="url(#bg)")

    _add(
        svg,
        "circle",
        cx=layout.between(240, 960),
        cy=layout.between(140, 360),
        r=layout.between(110, 260),
        fill=_colour(hue + 0.5, 0.6, 0.62),
        opacity="0.55",
    )
    for band in range(2):
        x, y = layout.between(-100, 900), layout.between(60, 520)
        _add(
            svg,
            "rect",
            x=x,
            y=y,
            width=layout.between(300, 700),
            height=layout.between(40, 110),
            rx=20,
            transform=f"rotate({layout.between(-35, 35)} {x} {y})",
            fill=_colour(hue + 0.15 + 0.2 * band + 0.1 * palette.unit(), 0.5, 0.55),
            opacity="0.45",
        )
    ridge = [f"0,{HEIGHT}"]
    ridge += [f"{x},{layout.between(400, 560)}" for x in range(0, WIDTH + 1, 200)]
    ridge.append(f"{WIDTH},{HEIGHT}")
    _add(svg, "polygon", points=" ".join(ridge), fill=_colour(hue, 0.4, 0.14), opacity="0.8")

    _add(svg, "rect", width=WIDTH, height=14, fill=accent)
    label = article.section.upper()[:24]
    tag = _add(svg, "g", font_family="Helvetica, Arial, sans-serif", font_weight="bold")
    _add(tag, "rect", x=48, y=577, width=48 + 26 * len(label), height=58, fill=accent)
    text = _add(tag, "text", x=72, y=617, font_size=32, letter_spacing=2, fill="#ffffff")
    text.text = label
    return ET.tostring(svg, encoding="unicode")
