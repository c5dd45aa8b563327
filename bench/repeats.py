"""Repeated facts: how often the writers' test that one sentence states another's fact
(`storywire.write.facts.restates`) agrees with sentence pairs we labelled, next to two plain
judges in the same run.

    .venv/bin/python bench/repeats.py      # 381 pairs, well under a minute

Pairs (`bench/labels/repeats-multinews.tsv`, ids and positions only): two sentences of one story
that `ExtractiveWriter.write` (200 words, the service's budget) wrote on 2026-12-06 from a row of
the Multi-News validation sample (`summarization/multinews-val250.jsonl`, read at run time), each
given as document:sentence (`split_sentences`, then `clean_sentence`, as the writer reads them).
Those stories had already passed the writer's own tests, so the pairs are what they let through.
Of the pairs with a MiniLM cosine of 0.45 or more, all of 0.65 or more were taken and 60 below
at random per half: shares of the `different` pairs are of this sample, not of all pairs.

Labels (protocol in bench/labels/README.md): `repeat` (one states nothing of substance the other
does not), `overlap` (they share a main fact, each has one of its own), `different`.

Judges, per pair:
- storywire: `facts.restates` over the two sentences' `facts.content` (stemmed content words,
  numbers and figures): the smaller one mostly inside the other, or one figure stated by both;
- peers: the MiniLM cosine of the two sentences >= t, and the Jaccard overlap of their content
  words (`nlp.features.terms`, exact) >= j, each threshold chosen on the tune half as the one
  that catches as many `repeat` pairs as ours there (the strictest such): then the judges
  differ in what else they flag.

Halves: by row position, as bench/writing.py (even rows tune, odd rows report). Printed per half:
the share of `repeat` pairs each judge catches, and the shares of `overlap` and `different` pairs
it flags.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from harness import DATA, RESULTS_DIR, data_missing, save_results
from label import LABELS

from storywire.nlp.embed import default_embedder
from storywire.nlp.features import terms
from storywire.nlp.sentences import split_sentences
from storywire.write.extractive import ExtractiveWriter, SourceArticle, clean_sentence
from storywire.write.facts import content, restates

FILE = DATA / "summarization" / "multinews-val250.jsonl"
GOLD = LABELS / "repeats-multinews.tsv"
KINDS = ("repeat", "overlap", "different")
COSINES = tuple(round(0.45 + 0.01 * k, 2) for k in range(41))
JACCARDS = tuple(round(0.05 + 0.01 * k, 2) for k in range(46))


@dataclass(frozen=True, slots=True)
class Pair:
    row: int
    half: str
    label: str
    a: str
    b: str


def read_pairs() -> tuple[list[Pair], list[dict[str, Any]]]:
    rows = [json.loads(line) for line in FILE.read_text(encoding="utf-8").splitlines() if line]
    position = {str(row["id"]): n for n, row in enumerate(rows)}
    pairs = []
    with GOLD.open(encoding="utf-8") as handle:
        for number, fields in enumerate(csv.reader(handle, delimiter="\t"), start=1):
            if not fields or fields[0].startswith("#"):
                continue
            row, at_a, at_b, label = fields
            if label not in KINDS:
                raise ValueError(f"{GOLD}:{number}: {label!r} is not one of {KINDS}")
            documents = rows[position[row]]["documents"]

            def sentence(at: str, documents: list[str] = documents) -> str:
                document, index = (int(n) for n in at.split(":"))
                return clean_sentence(split_sentences(documents[document])[index])

            half = "tune" if position[row] % 2 == 0 else "report"
            pairs.append(Pair(position[row], half, label, sentence(at_a), sentence(at_b)))
    return pairs, rows


def flagged(pairs: Sequence[Pair], judge: Callable[[int], bool]) -> dict[str, Any]:
    """Per label, how many of the pairs the judge calls a repeat, and the share."""
    result: dict[str, Any] = {}
    for kind in KINDS:
        members = [n for n, pair in enumerate(pairs) if pair.label == kind]
        hits = sum(judge(n) for n in members)
        result[kind] = {"flagged": hits, "of": len(members), "share": hits / max(len(members), 1)}
    return result


def matched(
    pairs: Sequence[Pair], tune: list[int], values: list[float], choices: Sequence[float], aim: int
) -> float:
    """The threshold whose caught `repeat` pairs of the tune half come closest to `aim` (the
    higher one in a tie: the stricter judge)."""

    def caught(t: float) -> int:
        return sum(values[n] >= t for n in tune if pairs[n].label == "repeat")

    return min(choices, key=lambda t: (abs(caught(t) - aim), -t))


def written_together(
    pairs: Sequence[Pair], rows: list[dict[str, Any]], writer: ExtractiveWriter
) -> dict[str, dict[str, tuple[int, int]]]:
    """Per half and label: how many pairs the writer, as it is now, still puts together in the
    story it writes from their row (as the pairs were found: one `SourceArticle` per document,
    titled by its first sentence, 200 words). Fewer `repeat` pairs is the aim; `different`
    pairs kept together is information kept."""
    told: dict[int, set[str]] = {}
    for row in sorted({p.row for p in pairs}):
        documents = rows[row]["documents"]
        articles = [
            SourceArticle(n + 1, (split_sentences(d) or [""])[0], d, f"source {n + 1}")
            for n, d in enumerate(documents)
        ]
        told[row] = {item.text for item in writer.write(articles).story}
    result: dict[str, dict[str, tuple[int, int]]] = {}
    for half in ("tune", "report"):
        result[half] = {}
        for kind in KINDS:
            chosen = [p for p in pairs if p.half == half and p.label == kind]
            kept = sum(p.a in told[p.row] and p.b in told[p.row] for p in chosen)
            result[half][kind] = (kept, len(chosen))
    return result


def main() -> int:
    if data_missing([FILE], "the Multi-News validation sample"):
        return 1
    pairs, rows = read_pairs()
    embedder = default_embedder()
    vectors = embedder.embed([text for p in pairs for text in (p.a, p.b)])
    cosine = [float(vectors[2 * n] @ vectors[2 * n + 1]) for n in range(len(pairs))]
    words = [(set(terms(p.a)), set(terms(p.b))) for p in pairs]
    jaccard = [len(a & b) / max(len(a | b), 1) for a, b in words]
    ours = [restates(content(p.a), content(p.b)) for p in pairs]
    tune = [n for n, p in enumerate(pairs) if p.half == "tune"]
    aim = sum(ours[n] for n in tune if pairs[n].label == "repeat")
    t = matched(pairs, tune, cosine, COSINES, aim)
    j = matched(pairs, tune, jaccard, JACCARDS, aim)
    judges: dict[str, Callable[[int], bool]] = {
        "storywire": lambda n: ours[n],
        f"cosine >= {t}": lambda n: cosine[n] >= t,
        f"content-word Jaccard >= {j}": lambda n: jaccard[n] >= j,
    }
    report: dict[str, Any] = {"pairs": len(pairs), "halves": {}}
    for half in ("tune", "report"):
        subset = [n for n, p in enumerate(pairs) if p.half == half]
        chosen = [pairs[n] for n in subset]
        report["halves"][half] = {
            name: flagged(chosen, lambda k, judge=judge, subset=subset: judge(subset[k]))
            for name, judge in judges.items()
        }
    for half, entry in report["halves"].items():
        counts = {kind: entry["storywire"][kind]["of"] for kind in KINDS}
        print(f"\n{half} half: {counts['repeat']} repeat, {counts['overlap']} overlap, "
              f"{counts['different']} different pairs")  # fmt: skip
        for name, figures in entry.items():
            caught = figures["repeat"]
            print(
                f"  {name:30s} repeats caught {caught['share']:.0%} ({caught['flagged']}), "
                f"overlaps flagged {figures['overlap']['share']:.0%}, "
                f"different flagged {figures['different']['share']:.0%} "
                f"({figures['different']['flagged']})"
            )
    together = written_together(pairs, rows, ExtractiveWriter(embedder))
    report["written together"] = together
    print("\nlabelled pairs whose two sentences the writer still puts in one story (of the pairs)")
    for half, counts in together.items():
        print(f"  {half}: " + ", ".join(f"{kind} {n} of {of}" for kind, (n, of) in counts.items()))
    save_results(RESULTS_DIR / "repeats.json", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
