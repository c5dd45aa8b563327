"""The demo corpus: fictional outlets and events, loaded from TOML and checked as it loads.

Wire stories are expanded here into one article per republishing outlet (trimmed to that outlet's
paragraph count), so every consumer sees plain articles with their gold story and wire group.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from storywire.errors import ParseError

CORPUS_DIR = Path(__file__).with_name("corpus")
WIRE_OUTLET = "cps"
_OFFSET = re.compile(r"([1-9]) ([01]\d|2[0-3]):([0-5]\d)")
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")


@dataclass(frozen=True, slots=True)
class DemoOutlet:
    id: str
    name: str
    language: str
    feed: str
    style: str
    date_format: str
    voice: str


@dataclass(frozen=True, slots=True)
class DemoEvent:
    id: str
    label: str
    kind: str
    summary: str
    confusable_with: str | None


@dataclass(frozen=True)
class DemoArticle:
    id: str
    outlet: str
    event: str
    phase: str
    kind: str
    opinion_mark: str | None
    section: str
    author: str
    title: str
    summary: str
    body: str
    published: timedelta
    updated: timedelta | None
    language: str
    wire: str | None

    @property
    def slug(self) -> str:
        return self.id.split("/", 1)[1]

    @property
    def path(self) -> str:
        """Where the article's page lives on its outlet's site.

        Only pieces marked by path live under /opinion/; other opinion pieces get a neutral path
        so that each of the four markings is the only signal on its pages.
        """
        if self.opinion_mark == "path":
            return f"/opinion/{self.slug}"
        if self.kind == "opinion":
            return f"/articles/{self.slug}"
        return f"/{self.section.lower()}/{self.slug}"

    @cached_property
    def paragraphs(self) -> list[str]:
        return [" ".join(p.split()) for p in self.body.split("\n\n") if p.strip()]

    @property
    def word_count(self) -> int:
        return len(_WORD.findall(self.body))


@dataclass(frozen=True)
class Corpus:
    outlets: dict[str, DemoOutlet]
    events: dict[str, DemoEvent]
    articles: list[DemoArticle]

    def by_outlet(self, outlet: str) -> list[DemoArticle]:
        return [a for a in self.articles if a.outlet == outlet]

    def manifest(self) -> dict[str, Any]:
        """The gold standard: every article with its story, kind, language and wire group."""
        return {
            "outlets": [vars_of(o) for o in self.outlets.values()],
            "events": [vars_of(e) for e in self.events.values()],
            "articles": [
                {
                    "id": a.id,
                    "outlet": a.outlet,
                    "story": a.event,
                    "phase": a.phase,
                    "kind": a.kind,
                    "opinion_mark": a.opinion_mark,
                    "language": a.language,
                    "wire": a.wire,
                    "published_offset_minutes": int(a.published.total_seconds() // 60),
                    "path": a.path,
                    "title": a.title,
                    "words": a.word_count,
                }
                for a in self.articles
            ],
        }


def vars_of(item: DemoOutlet | DemoEvent) -> dict[str, Any]:
    return {name: getattr(item, name) for name in item.__slots__}


def parse_offset(value: str) -> timedelta:
    """'2 14:20' is day 2 at 14:20 UTC, as an offset from the newsroom's epoch (day 1, 00:00)."""
    match = _OFFSET.fullmatch(value.strip())
    if match is None:
        raise ParseError(f"bad time {value!r}: expected 'D HH:MM'")
    day, hour, minute = (int(part) for part in match.groups())
    return timedelta(days=day - 1, hours=hour, minutes=minute)


def load_corpus(directory: Path = CORPUS_DIR) -> Corpus:
    try:
        raw_outlets = tomllib.loads((directory / "outlets.toml").read_text("utf-8"))["outlets"]
        outlets = {o["id"]: DemoOutlet(**o) for o in raw_outlets}
        events: dict[str, DemoEvent] = {}
        articles: list[DemoArticle] = []
        for path in sorted((directory / "events").glob("*.toml")):
            data = tomllib.loads(path.read_text("utf-8"))
            event = _event(data["event"], path)
            events[event.id] = event
            articles.extend(_articles(data, event.id, outlets))
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError) as exc:
        raise ParseError(f"demo corpus in {directory} is invalid: {exc!r}") from exc
    _check_unique(articles)
    articles.sort(key=lambda a: (a.published, a.id))
    return Corpus(outlets=outlets, events=events, articles=articles)


def _event(raw: dict[str, Any], path: Path) -> DemoEvent:
    if raw["id"] != path.stem:
        raise ParseError(f"{path.name}: event id {raw['id']!r} must match the file name")
    return DemoEvent(
        id=raw["id"],
        label=raw["label"],
        kind=raw["kind"],
        summary=raw["summary"],
        confusable_with=raw.get("confusable_with") or None,
    )


def _articles(
    data: dict[str, Any], event: str, outlets: dict[str, DemoOutlet]
) -> list[DemoArticle]:
    found = [_article(raw, event, outlets, wire=None) for raw in data.get("articles", [])]
    for wire in data.get("wire", []):
        body = f"{wire['dateline']} {wire['body'].lstrip()}"
        original = {
            **wire,
            "id": f"{WIRE_OUTLET}/{wire['id']}",
            "outlet": WIRE_OUTLET,
            "body": body,
        }
        found.append(_article(original, event, outlets, wire=wire["id"]))
        paragraphs = [p for p in body.split("\n\n") if p.strip()]
        for copy in wire.get("copies", []):
            trimmed = "\n\n".join(paragraphs[: copy["keep_paragraphs"]])
            raw = {**original, **copy, "id": f"{copy['outlet']}/{wire['id']}", "body": trimmed}
            raw.pop("keep_paragraphs")
            found.append(_article(raw, event, outlets, wire=wire["id"]))
    return found


def _article(
    raw: dict[str, Any], event: str, outlets: dict[str, DemoOutlet], wire: str | None
) -> DemoArticle:
    outlet = outlets.get(raw["outlet"])
    if outlet is None or not raw["id"].startswith(f"{raw['outlet']}/"):
        raise ParseError(f"article {raw['id']!r}: unknown outlet or id not '<outlet>/<slug>'")
    kind = raw.get("kind", "news")
    mark = raw.get("opinion_mark") or None
    if (kind == "opinion") != (mark in ("path", "section", "jsonld", "title")):
        raise ParseError(f"article {raw['id']!r}: opinion pieces need an opinion_mark")
    return DemoArticle(
        id=raw["id"],
        outlet=raw["outlet"],
        event=event,
        phase=raw.get("phase", "initial"),
        kind=kind,
        opinion_mark=mark,
        section=raw["section"],
        author=raw["author"],
        title=raw["title"],
        summary=raw["summary"],
        body=raw["body"].strip(),
        published=parse_offset(raw["published"]),
        updated=parse_offset(raw["updated"]) if raw.get("updated") else None,
        language=outlet.language,
        wire=wire,
    )


def _check_unique(articles: list[DemoArticle]) -> None:
    seen: set[str] = set()
    for article in articles:
        if article.id in seen:
            raise ParseError(f"duplicate article id {article.id!r}")
        seen.add(article.id)
