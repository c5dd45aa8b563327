"""Headlines that keep up with the news: does a story's headline state what its coverage says
now, on real streams, at moments when the coverage has moved on?

    .venv/bin/python bench/headlines.py                 # both streams, about a minute each
    .venv/bin/python bench/headlines.py sheet gn24      # a labelling sheet (git-ignored)
    .venv/bin/python bench/headlines.py check gn24      # validate the labels

Cases. The labelled events of `bench/labels/<stream>-{tune,report}.tsv` with at least
MIN_MEMBERS articles from at least two outlets over at least MIN_SPAN: the events whose news can
change while they are told. Each is judged at two moments: just after its first report past the
middle of its span, and just after its last report. At a moment the story is the event's
articles published by then.

Gold. `bench/labels/headlines-<stream>.tsv`: for each (event, moment), the ids of the titles a
news editor could run as the story's headline then: titles that state the event's news as the
coverage tells it at that moment, its latest development included (not a state a later report
has superseded: a lower toll, "strips" once the coverage says the honour was returned), and
that report rather than preview, run live, explain, ask or opine. Made with `sheet` (the
candidate titles of every moment, in time order) by reading each title against the others; ids
only.

Protocol. The event's articles go through `storywire.cluster.replay.replay`, the stages a fetch
round runs (feed-item cleaning, language and kind, dedupe with its rubrics), and at each moment
the service's writer (`ExtractiveWriter.write`, as the write stage calls it on the stored
articles) writes the story; its headline is right when it is one of the acceptable titles'
headlines. Peers, same articles, same moments: the newest title, the first title, and the title
nearest the centre of all titles' MiniLM vectors (what a centroid-picking aggregator shows).
The first week is the tune half, the second the report half (`bench/label.py`'s `WINDOWS`),
each printed.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from harness import (
    RESULTS_DIR,
    STREAMS,
    data_missing,
    load_stream,
    save_results,
    stream_items,
    stream_models,
)
from label import LABELS, WINDOWS, read_labels
from sqlalchemy import select

from storywire.cluster.replay import replay
from storywire.store import db, repo, tables
from storywire.stories.writing import source_article
from storywire.timestamps import parse_timestamp
from storywire.write.extractive import ExtractiveWriter, SourceArticle, article_headline

MIN_MEMBERS, MIN_OUTLETS, MIN_SPAN = 4, 2, timedelta(hours=12)
AFTER = timedelta(minutes=1)  # a moment falls just after the report that opens it
STORYWIRE, NEWEST, FIRST, CENTRE = "storywire", "newest title", "first title", "centre title"


@dataclass(frozen=True, slots=True)
class Moment:
    """An event judged at a time: its articles published by then, oldest first."""

    event: str
    half: str
    at: datetime
    members: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str]:
        return self.event, self.at.isoformat(timespec="minutes")


def moments(raw: Sequence[dict[str, Any]], stream: str) -> list[Moment]:
    """The moments of every event that may change while it is told (see the docstring)."""
    published: dict[str, datetime] = {}
    for r in raw:
        when = parse_timestamp(r["published"])
        if when is not None:
            published[r["id"]] = when
    source = {r["id"]: r["source"] for r in raw}
    found = []
    for half in ("tune", "report"):
        events: defaultdict[str, list[str]] = defaultdict(list)
        for article, (event, _) in read_labels(stream, half).items():
            if article in published:
                events[event].append(article)
        for event, members in sorted(events.items()):
            members.sort(key=lambda a: (published[a], a))
            first, last = published[members[0]], published[members[-1]]
            if (
                len(members) < MIN_MEMBERS
                or len({source[a] for a in members}) < MIN_OUTLETS
                or last - first < MIN_SPAN
            ):
                continue
            middle = first + (last - first) / 2
            opening = next(a for a in members if published[a] >= middle)
            seen: set[tuple[str, ...]] = set()
            for when in (published[opening] + AFTER, last + AFTER):
                shown = tuple(a for a in members if published[a] <= when)
                if shown not in seen:
                    seen.add(shown)
                    found.append(Moment(event, half, when, shown))
    return found


def gold_path(stream: str) -> Path:
    return LABELS / f"headlines-{stream}.tsv"


def read_gold(stream: str) -> dict[tuple[str, str], frozenset[str]]:
    """(event, moment) -> the acceptable titles' ids."""
    path = gold_path(stream)
    if not path.is_file():
        return {}
    gold: dict[tuple[str, str], frozenset[str]] = {}
    with path.open(encoding="utf-8") as handle:
        for number, row in enumerate(csv.reader(handle, delimiter="\t"), start=1):
            if not row or row[0].startswith("#"):
                continue
            if len(row) != 3:
                raise ValueError(f"{path}:{number}: want event, moment, ids; got {row!r}")
            event, at, ids = row
            key = (event, at)
            if key in gold:
                raise ValueError(f"{path}:{number}: {key} is labelled twice")
            gold[key] = frozenset(filter(None, ids.split(",")))
    return gold


# ----------------------------------------------------------------------------------- running


def headlines(
    stream: str, raw: Sequence[dict[str, Any]], cases: Sequence[Moment], cache: bool = False
) -> dict[tuple[str, str], dict[str, str]]:
    """For each moment, (method -> the id of the title it heads the story with). The whole
    window is replayed, so that the dedupe stage knows each outlet's rubrics from its other
    titles as the service would; with `cache`, vectors come from `bench/stream.py --cache`'s
    files (development only)."""
    items = stream_items(list(raw))
    wanted = {a for m in cases for a in m.members}
    url_of = {i.id: i.url for i in items if i.id in wanted}
    embedder, bridge = stream_models(stream, cache, write=False)
    writer = ExtractiveWriter(embedder)
    due = sorted(cases, key=lambda m: m.at)
    chosen: dict[tuple[str, str], dict[str, str]] = {}

    def at_round(sessions: db.Sessions, end: datetime) -> None:
        ready = [m for m in due if m.at <= end and m.key not in chosen]
        if not ready:
            return
        urls = {url_of[item] for m in ready for item in m.members}
        url = tables.ArticleRow.url
        with db.transaction(sessions) as session:
            ids = dict(
                session.execute(select(url, tables.ArticleRow.id).where(url.in_(urls))).all()
            )
            stored = {a.id: a for a in repo.articles_by_ids(session, list(ids.values()))}
            outlets = repo.outlet_names(session)
        for moment in ready:
            articles = {
                item: source_article(stored[ids[url_of[item]]], outlets) for item in moment.members
            }
            chosen[moment.key] = _choices(writer, articles)

    replay(items, embedder, after_round=at_round, bridge=lambda: bridge)
    return chosen


def _choices(writer: ExtractiveWriter, articles: dict[str, SourceArticle]) -> dict[str, str]:
    """Each method's headline, as the id of the (first, oldest) article that bears it."""
    order = sorted(articles, key=lambda i: (articles[i].published, i))
    titles = {i: article_headline(articles[i]) for i in order}
    written = writer.write(list(articles.values())).headline
    vectors = writer.embedder.embed([titles[i] for i in order])
    centre = vectors.mean(axis=0)
    return {
        STORYWIRE: next((i for i in order if titles[i] == written), ""),
        NEWEST: order[-1],
        FIRST: order[0],
        CENTRE: order[int(np.argmax(vectors @ centre))],
    }


def score(
    cases: Sequence[Moment],
    chosen: dict[tuple[str, str], dict[str, str]],
    gold: dict[tuple[str, str], frozenset[str]],
    titles: dict[str, str],
) -> dict[str, Any]:
    """Per half and method, the share of labelled moments headed by an acceptable title (a
    title equal to an acceptable one counts as it). Moments with no acceptable title (only
    previews and analyses, say) are counted apart: every method fails them."""
    result: dict[str, Any] = {}
    for half in ("tune", "report"):
        labelled = [m for m in cases if m.half == half and m.key in gold]
        judged = [m for m in labelled if gold[m.key] and m.key in chosen]
        entry: dict[str, Any] = {
            "moments": len(judged),
            "none acceptable": sum(not gold[m.key] for m in labelled),
        }
        for method in (STORYWIRE, NEWEST, FIRST, CENTRE):
            right = sum(
                titles.get(chosen[m.key][method]) in {titles[a] for a in gold[m.key]}
                for m in judged
            )
            entry[method] = round(right / len(judged), 3) if judged else None
        result[half] = entry
    return result


def run(stream: str, cache: bool = False) -> dict[str, Any]:
    window = WINDOWS[stream]
    raw = load_stream(stream, window.first, window.last)
    cases = moments(raw, stream)
    gold = read_gold(stream)
    chosen = headlines(stream, raw, [m for m in cases if gold.get(m.key)], cache)
    titles = {r["id"]: r["title"].strip() for r in raw}
    return {
        "moments": len(cases),
        "labelled": sum(m.key in gold for m in cases),
        "halves": score(cases, chosen, gold, titles),
        "misses": [
            {
                "event": m.event,
                "at": m.key[1],
                "half": m.half,
                "ours": titles[chosen[m.key][STORYWIRE]],
            }
            for m in cases
            if m.key in chosen
            and titles[chosen[m.key][STORYWIRE]] not in {titles[a] for a in gold[m.key]}
        ],
    }


# ----------------------------------------------------------------------------------- labelling


def make_sheet(stream: str) -> None:
    window = WINDOWS[stream]
    raw = load_stream(stream, window.first, window.last)
    by_id = {r["id"]: r for r in raw}
    path = RESULTS_DIR / "labelling" / f"headlines-{stream}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for moment in moments(raw, stream):
            out.write(f"\n=== {moment.event}\t{moment.key[1]}\t({moment.half})\n")
            for article in moment.members:
                item = by_id[article]
                text = " ".join(item["text"].split())[:240]
                out.write(
                    f"{article} | {item['source']} | {item['published'][:16]} | "
                    f"{item['language']} | {item['title'].strip()}\n      {text}\n"
                )
    print(f"sheet: {path}")


def check(stream: str) -> int:
    window = WINDOWS[stream]
    raw = load_stream(stream, window.first, window.last)
    cases = {m.key: m for m in moments(raw, stream)}
    gold = read_gold(stream)
    problems = [f"{key}: not a moment" for key in gold if key not in cases]
    problems += [
        f"{key}: {article} is not among its titles"
        for key, ids in gold.items()
        if key in cases
        for article in ids
        if article not in cases[key].members
    ]
    for problem in problems:
        print(problem)
    print(f"{stream}: {len(gold)} of {len(cases)} moments labelled, {len(problems)} problems")
    return 1 if problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", nargs="?", choices=("run", "sheet", "check"), default="run")
    parser.add_argument("streams", nargs="*", default=["gn24", "newsapi"])
    parser.add_argument("--cache", action="store_true", help="reuse vectors (development only)")
    args = parser.parse_args(argv)
    if data_missing([STREAMS / f"{s}.jsonl.gz" for s in args.streams], "the streams"):
        return 1
    if args.command == "sheet":
        for stream in args.streams:
            make_sheet(stream)
        return 0
    if args.command == "check":
        return max(check(stream) for stream in args.streams)
    report = {stream: run(stream, args.cache) for stream in args.streams}
    for stream, result in report.items():
        print(f"\n{stream}: {result['labelled']} of {result['moments']} moments labelled")
        for half, entry in result["halves"].items():
            ours = entry[STORYWIRE]
            peers = "  ".join(
                f"{m} {entry[m]:.3f}" + (f" (ours x{ours / entry[m]:.2f})" if entry[m] else "")
                for m in (NEWEST, CENTRE, FIRST)
            )
            print(
                f"  {half}: {entry['moments']} moments ({entry['none acceptable']} with no "
                f"acceptable title, left out)  {STORYWIRE} {ours:.3f}  |  {peers}"
            )
    save_results(RESULTS_DIR / "headlines.json", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
