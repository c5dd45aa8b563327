"""The labelling tool for the real streams: sheets to read, labels to check.

    python bench/label.py sheet gn24      # writes bench/results/labelling/gn24-{tune,report}.txt
    python bench/label.py check gn24      # validates bench/labels/gn24-*.tsv and prints coverage
    python bench/label.py show gn24 EVENT # the labelled members of one event, with their text

A sheet lists, day by day, stories the system formed on the stream (the largest multi-outlet
ones, the largest single-outlet ones, where blobs hide, and a few at random) with their members
and their nearest misses: articles it left out that score close, including articles in other
languages that share names. A person (or a helper) reads each block and writes one line per
article to `bench/labels/<stream>-<half>.tsv`:

    id <TAB> event <TAB> thread

`event` is a key for one real-world happening (`2026-06-15-media-merger`); `thread` is the
ongoing saga it belongs to (`israel-hamas-war`), or empty. Keys are names the labeller makes
up; no article text ever goes into the repository. Sheets are written under bench/results,
which git ignores, because they quote the articles.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from harness import (
    RESULTS_DIR,
    STREAMS,
    CachedEmbedder,
    data_missing,
    load_stream,
    stream_items,
)

from storywire.cluster.replay import replay
from storywire.nlp.embed import MiniLMEmbedder
from storywire.nlp.features import embedding_text, entities

LABELS = Path(__file__).resolve().parent / "labels"
SHEETS = RESULTS_DIR / "labelling"
CACHE = RESULTS_DIR / "cache"
KEY = re.compile(r"^[a-z0-9][a-z0-9.-]*$")


@dataclass(frozen=True)
class Window:
    """A stream's labelled fortnight: the first week tunes, the second reports."""

    first: str
    last: str
    tune: tuple[str, ...]
    report: tuple[str, ...]

    def half(self, day: str) -> str | None:
        return "tune" if day in self.tune else "report" if day in self.report else None


def _days(start: str, count: int) -> tuple[str, ...]:
    from datetime import date, timedelta

    first = date.fromisoformat(start)
    return tuple((first + timedelta(days=k)).isoformat() for k in range(count))


WINDOWS = {
    "gn24": Window("2026-06-08", "2026-06-21", _days("2026-06-08", 7), _days("2026-06-15", 7)),
    "newsapi": Window("2023-10-01", "2023-10-14", _days("2023-10-01", 7), _days("2023-10-08", 7)),
}
PER_DAY = {"gn24": 8, "newsapi": 8}  # stories per day in a sheet: 7 days x 8 > 40 per half
SHOWN = 12  # members shown per story (evenly over time when it has more)
MISSES = 5  # nearest same-language misses per story
FOREIGN = 3  # nearest other-language misses per story (by shared names)


def label_path(stream: str, half: str, second: bool = False) -> Path:
    """The gold of one half, or with `second` the same articles labelled again by a second
    labeller who never saw the first labels (`labels/second/`: their agreement)."""
    return (LABELS / "second" if second else LABELS) / f"{stream}-{half}.tsv"


def read_labels(stream: str, half: str, second: bool = False) -> dict[str, tuple[str, str]]:
    """id -> (event, thread) from the committed labels of one half (empty when none yet)."""
    path = label_path(stream, half, second)
    if not path.is_file():
        return {}
    labels: dict[str, tuple[str, str]] = {}
    with path.open(encoding="utf-8") as handle:
        for number, row in enumerate(csv.reader(handle, delimiter="\t"), start=1):
            if not row or row[0].startswith("#"):
                continue
            if len(row) not in (2, 3):
                raise ValueError(f"{path}:{number}: want id, event[, thread]; got {row!r}")
            article, event, thread = (*row, "")[:3]
            for key in filter(None, (event, thread)):
                if not KEY.match(key):
                    raise ValueError(f"{path}:{number}: {key!r} is not a key ([a-z0-9.-])")
            if article in labels:
                raise ValueError(f"{path}:{number}: {article} is labelled twice")
            labels[article] = (event, thread)
    return labels


def read_links(stream: str) -> list[tuple[str, str]]:
    """The sampled thread links of a stream (`labels/links-<stream>.tsv`): pairs of articles,
    the first of each of two stories that a replay linked into one thread. Their labels in the
    halves say whether the link joined one saga."""
    path = LABELS / f"links-{stream}.tsv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as handle:
        rows = [r for r in csv.reader(handle, delimiter="\t") if r and not r[0].startswith("#")]
    for number, row in enumerate(rows, start=1):
        if len(row) != 2:
            raise ValueError(f"{path}: link {number}: want two ids; got {row!r}")
    return [(a, b) for a, b in rows]


# ----------------------------------------------------------------------------------- sheets


def make_sheets(stream: str) -> None:
    window = WINDOWS[stream]
    items = load_stream(stream, window.first, window.last)
    embedder = CachedEmbedder(MiniLMEmbedder(), CACHE / f"stream-{stream}.npz")
    stories = [story for _, story, _ in replay(stream_items(items), embedder).rows]
    vectors = embedder.embed([embedding_text(i["title"], i["text"]) for i in items])
    embedder.save()
    names = [set(entities(f"{i['title']}\n\n{i['text']}")) for i in items]
    days = [i["published"][:10] for i in items]
    members: defaultdict[int, list[int]] = defaultdict(list)
    for index, story in enumerate(stories):
        members[story].append(index)
    rng = random.Random(f"{stream}-sheet")
    for half in ("tune", "report"):
        lines: list[str] = []
        shown: set[int] = set()
        days_of_half = set(getattr(window, half))
        for day in getattr(window, half):
            chosen = _choose(members, items, days, day, PER_DAY[stream], rng)
            lines.append(f"\n######## {day}: {len(chosen)} stories\n")
            for number, story in enumerate(chosen, start=1):
                own = [i for i in members[story] if days[i] in days_of_half]
                misses = [
                    i
                    for i in _misses(own, items, vectors, names, days, window)
                    if days[i] in days_of_half
                ]
                outlets = len({items[i]["source"] for i in members[story]})
                lines.append(
                    f"=== {day} block {number}: system story {story}, {len(members[story])} "
                    f"articles, {outlets} outlets"
                )
                lines.extend(_row(i, items, shown) for i in _sample(own))
                lines.append("  -- nearest misses (not in this story):")
                lines.extend(_row(i, items, shown) for i in misses)
                lines.append("")
        path = SHEETS / f"{stream}-{half}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines), encoding="utf-8")
        print(f"{path}: {len(shown)} articles to label")


def _choose(
    members: dict[int, list[int]],
    items: list[dict],
    days: list[str],
    day: str,
    count: int,
    rng: random.Random,
) -> list[int]:
    """Stories that start on `day`: the widest, the largest single-outlet ones, some at random."""
    starting = [s for s, own in members.items() if len(own) >= 2 and days[own[0]] == day]

    def outlets(story: int) -> int:
        return len({items[i]["source"] for i in members[story]})

    wide = sorted(starting, key=lambda s: (-outlets(s), -len(members[s]), s))[: count // 2]
    single = sorted(
        (s for s in starting if outlets(s) == 1 and s not in wide),
        key=lambda s: (-len(members[s]), s),
    )[: count // 4]
    rest = sorted(s for s in starting if s not in wide and s not in single)
    extra = rng.sample(rest, min(len(rest), count - len(wide) - len(single)))
    return wide + single + sorted(extra)


def _sample(own: list[int]) -> list[int]:
    if len(own) <= SHOWN:
        return own
    step = (len(own) - 1) / (SHOWN - 1)
    return sorted({own[round(k * step)] for k in range(SHOWN)})


def _misses(
    own: list[int],
    items: list[dict],
    vectors: np.ndarray,
    names: list[set[str]],
    days: list[str],
    window: Window,
) -> list[int]:
    """The closest articles left out: same language by vector and names, others by names."""
    inside = set(own)
    span = {days[i] for i in own}
    near_days = {d for d in (*window.tune, *window.report) if _adjacent(d, span)}
    pool = [i for i in range(len(items)) if i not in inside and days[i] in near_days]
    language = Counter(items[i]["language"] for i in own).most_common(1)[0][0]
    centroid = vectors[own].mean(axis=0)
    story_names = set().union(*(names[i] for i in own))
    same = [i for i in pool if items[i]["language"] == language]
    dense = vectors[same] @ centroid if same else np.zeros(0)
    score = [float(d) + 0.1 * len(names[i] & story_names) for i, d in zip(same, dense, strict=True)]
    ranked = [same[k] for k in np.argsort(score)[::-1][:MISSES]]
    foreign = sorted(
        (i for i in pool if items[i]["language"] != language and len(names[i] & story_names) >= 1),
        key=lambda i: (-len(names[i] & story_names), i),
    )[:FOREIGN]
    return ranked + foreign


def _adjacent(day: str, span: set[str]) -> bool:
    from datetime import date

    return any(abs((date.fromisoformat(day) - date.fromisoformat(d)).days) <= 1 for d in span)


def _row(index: int, items: list[dict], shown: set[int]) -> str:
    item = items[index]
    if index in shown:
        return f"  {item['id']} (listed above)"
    shown.add(index)
    when = item["published"][:16].replace("T", " ")
    text = " ".join(item["text"].split())
    text = text[:220] + "..." if len(text) > 220 else text
    head = f"{item['id']} | {when} | {item['source']} | {item['language']}"
    return f"  {head} | {item['title']} || {text}"


# ------------------------------------------------------------------------------------ check


def check(stream: str) -> int:
    window = WINDOWS[stream]
    items = {i["id"]: i for i in load_stream(stream, window.first, window.last)}
    status = 0
    for half in ("tune", "report"):
        try:
            labels = read_labels(stream, half)
            second = read_labels(stream, half, second=True)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            status = 1
            continue
        if second and set(second) != set(labels):
            print(f"{stream}-{half}: the second labels cover other articles than the first "
                  f"({len(set(second) ^ set(labels))} differ)", file=sys.stderr)  # fmt: skip
            status = 1
        unknown = [a for a in labels if a not in items]
        wrong_half = [
            a for a in labels if a in items and window.half(items[a]["published"][:10]) != half
        ]
        for problem, ids in (("not in the window", unknown), ("in the other half", wrong_half)):
            if ids:
                print(f"{stream}-{half}: {len(ids)} ids {problem}: {ids[:5]}", file=sys.stderr)
                status = 1
        known = {a: v for a, v in labels.items() if a in items}
        print(f"{stream}-{half}: {_coverage(known, items)}")
        if second:
            print(f"{stream}-{half}, second labeller: {_coverage(second, items)}")
    try:
        links = read_links(stream)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    halves = {**read_labels(stream, "tune"), **read_labels(stream, "report")}
    unlabelled = [pair for pair in links if not all(a in halves for a in pair)]
    if unlabelled:
        print(f"{stream}: {len(unlabelled)} sampled links with an unlabelled end: "
              f"{unlabelled[:3]}", file=sys.stderr)  # fmt: skip
        status = 1
    return status


def _coverage(labels: dict[str, tuple[str, str]], items: dict[str, dict]) -> str:
    events: defaultdict[str, list[str]] = defaultdict(list)
    for article, (event, _) in labels.items():
        events[event].append(article)
    multi = [e for e, own in events.items() if len(own) >= 2]
    languages = [e for e in multi if len({items[a]["language"] for a in events[e]}) > 1]
    threads = {t for _, t in labels.values() if t}
    return (
        f"{len(labels)} articles, {len(events)} events ({len(multi)} with 2+ articles, "
        f"{len(languages)} across languages), {len(threads)} threads, "
        f"{len({items[a]['published'][:10] for a in labels})} days, "
        f"{len({items[a]['source'] for a in labels})} outlets"
    )


def show(stream: str, event: str) -> int:
    window = WINDOWS[stream]
    items = {i["id"]: i for i in load_stream(stream, window.first, window.last)}
    found = 0
    for half in ("tune", "report"):
        for article, (key, thread) in read_labels(stream, half).items():
            if event in (key, thread):
                item = items[article]
                print(f"{half} {key} [{thread}] {article} | {item['published']} | "
                      f"{item['source']} | {item['title']}")  # fmt: skip
                found += 1
    return 0 if found else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("sheet", "check", "show"))
    parser.add_argument("stream", choices=sorted(WINDOWS))
    parser.add_argument("event", nargs="?")
    args = parser.parse_args(argv)
    if data_missing([STREAMS / f"{args.stream}.jsonl.gz"]):
        return 2
    if args.command == "sheet":
        make_sheets(args.stream)
        return 0
    if args.command == "check":
        return check(args.stream)
    return show(args.stream, args.event or "")


if __name__ == "__main__":
    sys.exit(main())
