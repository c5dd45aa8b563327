"""Can the sagas our stories become be cut into their events? Within the stories one replay of
a stream forms, how well each signal tells two articles of one event from two events of one
saga, and what cutting every story again would gain.

    .venv/bin/python bench/sagas.py --cache          # both streams, a few minutes each

Why. Story precision on the real streams is lost in sagas: a war or a deal covered every hour
becomes one story that the labels split into each day's developments (bench/README.md,
thirteenth session). A split pass or an assignment rule can only cut a saga with a signal that
tells its events apart. This measures the signals before anyone builds on one.

Protocol. The same replay as `bench/stream.py` (`storywire.cluster.replay.replay`, writer off,
default `ClusterConfig()`). Each labelled pair of articles that share a story is a case; it is
positive when the labels put both in one event. Per half (`bench/labels/`):
- ROC AUC of each signal: dense cosine (MiniLM; the multilingual vectors where either article
  is not in English), TF-IDF cosine of the words the clusterer reads in headline and text, names
  overlap (the same cosine over the names and numbers it extracts), both weighted as it weighs
  them (`tfidf_vector`) with document frequencies of the whole fortnight, and closeness in time
  (-log(1 + hours apart));
- a logistic regression over all four fitted on the tune half's pairs, its AUC on both halves:
  what the signals tell together;
- a re-cut: every story of 8 or more articles is clustered again by average linkage on
  (cosine - lam * log(1 + days apart)), cut at similarity t. lam and t are chosen on the tune
  half's BCubed F1 from a small grid and reported on both halves, beside the stories as formed
  and the TF-IDF single pass peer (its threshold chosen on the tune half); the whole grid is
  printed too.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
from clustering import single_pass
from harness import (
    RESULTS_DIR,
    STREAMS,
    CachedEmbedder,
    data_missing,
    load_stream,
    save_results,
    stream_items,
    stream_models,
)
from label import WINDOWS
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from stream import THRESHOLDS, bcubed, read_events, tfidf_gram, tuned

from storywire.cluster.assign import ArticleFeatures, article_features
from storywire.cluster.replay import StreamItem, replay
from storywire.nlp.features import (
    DocumentFrequencies,
    bridge_text,
    embedding_text,
    tfidf_vector,
)
from storywire.sources.feeds import clean_description

SIGNALS = ("dense cosine", "TF-IDF cosine", "names overlap", "closeness in time")
RECUT_MIN = 8
LAMBDAS = (0.0, 0.1, 0.2, 0.3)
CUTS = (0.3, 0.4, 0.5)
HALVES = ("tune", "report")


def features(
    items: Sequence[StreamItem], embedder: CachedEmbedder, bridge: CachedEmbedder
) -> dict[str, ArticleFeatures]:
    """Each item's features as the clusterer builds them, from the cleaned feed item, with the
    replay's models and vector cache. The headline is the feed's: the dedupe stage's rubric
    stripping (an outlet's running "LIVE |") is not redone here."""
    texts = [(clean_description(i.title), clean_description(i.text)) for i in items]
    vectors = embedder.embed([embedding_text(t, x) for t, x in texts])
    bridges = bridge.embed([bridge_text(t, x) for t, x in texts])
    return {
        item.id: article_features(
            k,
            title,
            text,
            vectors[k],
            published=item.published,
            language=item.language,
            outlet=item.source,
            bridge=bridges[k],
        )
        for k, (item, (title, text)) in enumerate(zip(items, texts, strict=True))
    }


class Signals:
    """The four signals of a pair of articles. Words and names are weighted as the clusterer
    weighs them (`tfidf_vector`: sublinear TF-IDF, unit length), with document frequencies
    over the fortnight, each article's vectors computed once."""

    def __init__(self, found: Mapping[str, ArticleFeatures]) -> None:
        terms, names = DocumentFrequencies(), DocumentFrequencies()
        for f in found.values():
            terms.add(f.terms)
            names.add(f.entities)
        self.found = found
        self.terms = {a: tfidf_vector(f.terms, terms) for a, f in found.items()}
        self.names = {a: tfidf_vector(f.entities, names) for a, f in found.items()}

    def of(self, a: str, b: str) -> list[float]:
        first, second = self.found[a], self.found[b]
        return [
            _dense(first, second),
            _cosine(self.terms[a], self.terms[b]),
            _cosine(self.names[a], self.names[b]),
            -math.log1p(_days_apart(first, second) * 24),
        ]


def _cosine(x: dict[str, float], y: dict[str, float]) -> float:
    return sum(v * y.get(w, 0.0) for w, v in x.items())


def _days_apart(a: ArticleFeatures, b: ArticleFeatures) -> float:
    assert a.published is not None and b.published is not None
    return abs((a.published - b.published).total_seconds()) / 86400


def _dense(a: ArticleFeatures, b: ArticleFeatures) -> float:
    english = a.language in ("en", None) and b.language in ("en", None)
    if english or a.bridge is None or b.bridge is None:
        return float(np.dot(a.vector, b.vector))
    return float(np.dot(a.bridge, b.bridge))


def pairs(
    story: Mapping[str, int], gold: dict[str, str], found: Mapping[str, ArticleFeatures]
) -> tuple[list[tuple[str, str]], list[int]]:
    """Labelled pairs that share a story, and whether each is one event."""
    members: defaultdict[int, list[str]] = defaultdict(list)
    for article in sorted(gold):
        if article in found:
            members[story[article]].append(article)
    cases = [pair for own in members.values() for pair in combinations(own, 2)]
    return cases, [int(gold[a] == gold[b]) for a, b in cases]


@dataclass(frozen=True)
class Recut:
    """The stories of RECUT_MIN+ articles, with their members' pairwise cosines and log days
    apart, computed once for the whole grid."""

    story: Mapping[str, int]
    parts: list[tuple[int, list[str], np.ndarray, np.ndarray]]

    @classmethod
    def of(cls, story: Mapping[str, int], found: Mapping[str, ArticleFeatures]) -> Recut:
        members: defaultdict[int, list[str]] = defaultdict(list)
        for article, s in story.items():
            if article in found:
                members[s].append(article)
        parts = []
        for s, own in members.items():
            if len(own) >= RECUT_MIN:
                f = [found[a] for a in own]
                cosine = np.array([[_dense(x, y) for y in f] for x in f])
                gaps = np.log1p(np.array([[_days_apart(x, y) for y in f] for x in f]))
                parts.append((s, own, cosine, gaps))
        return cls(story, parts)

    def at(self, lam: float, cut: float) -> dict[str, object]:
        """Each story cut by average linkage on cosine - lam * log(1 + days apart), at `cut`."""
        out: dict[str, object] = dict(self.story)
        for s, own, cosine, gaps in self.parts:
            distance = np.clip(1.0 - (cosine - lam * gaps), 0.0, None)
            np.fill_diagonal(distance, 0.0)
            tree = linkage(squareform(distance, checks=False), method="average")
            labels = fcluster(tree, 1.0 - cut, criterion="distance")
            for article, part in zip(own, labels, strict=True):
                out[article] = (s, int(part))
        return out


def run(name: str, cache: bool) -> dict[str, Any]:
    window = WINDOWS[name]
    items = stream_items(load_stream(name, window.first, window.last))
    embedder, bridge = stream_models(name, cache)
    story = {item: s for item, s, _ in replay(items, embedder, bridge=lambda: bridge).rows}
    found = features(items, embedder, bridge)
    embedder.save()
    bridge.save()
    signals = Signals(found)
    gold = {half: read_events(name, half) for half in HALVES}
    cases = {half: pairs(story, gold[half], found) for half in HALVES}
    x = {h: np.array([signals.of(a, b) for a, b in cases[h][0]]) for h in HALVES}
    y = {h: np.array(cases[h][1]) for h in HALVES}
    model = LogisticRegression(max_iter=2000).fit(x["tune"], y["tune"])
    recut = Recut.of(story, found)
    grid = {(lam, cut): recut.at(lam, cut) for lam in LAMBDAS for cut in CUTS}
    chosen = max(grid, key=lambda c: (bcubed(grid[c], gold["tune"])["F1"], -c[0], -c[1]))
    ids = [i.id for i in items]
    order = sorted(range(len(items)), key=lambda k: (items[k].published, k))
    gram = tfidf_gram(items)
    peer = tuned(lambda t: single_pass(gram, order, t), THRESHOLDS, gold, ids)
    result: dict[str, Any] = {
        "chosen": {"lam": chosen[0], "cut": chosen[1]},
        "grid": {
            f"lam {lam} cut {cut}": {h: bcubed(found_, gold[h]) for h in HALVES}
            for (lam, cut), found_ in grid.items()
        },
        "halves": {},
    }
    for h in HALVES:
        auc = {
            signal: round(float(roc_auc_score(y[h], x[h][:, k])), 3)
            for k, signal in enumerate(SIGNALS)
        }
        auc["all four (fitted on tune)"] = round(
            float(roc_auc_score(y[h], model.decision_function(x[h]))), 3
        )
        result["halves"][h] = {
            "pairs": len(y[h]),
            "one event": round(float(y[h].mean()), 3),
            "auc": auc,
            "stories as formed": bcubed(story, gold[h]),
            "re-cut": bcubed(grid[chosen], gold[h]),
            f"TF-IDF single pass ({peer['choice']})": bcubed(peer["labels"], gold[h]),
        }
    return result


def show(name: str, result: dict[str, Any]) -> None:
    chosen = result["chosen"]
    print(f"\n== {name}: re-cut chosen on tune: lam {chosen['lam']}, cut {chosen['cut']}")
    print("   the re-cut grid, BCubed P/R/F1 (tune; report, not used for the choice):")
    for key, halves in result["grid"].items():
        cells = "; ".join(f"{s['P']:.3f}/{s['R']:.3f}/{s['F1']:.3f}" for s in halves.values())
        print(f"     {key:16s} {cells}")
    for half, entry in result["halves"].items():
        print(
            f"   [{half} half] {entry['pairs']} labelled pairs within our stories, "
            f"{entry['one event']:.3f} of them one event"
        )
        print("     ROC AUC: " + ", ".join(f"{k} {v:.3f}" for k, v in entry["auc"].items()))
        formed = entry["stories as formed"]
        for key in ("stories as formed", "re-cut", *[k for k in entry if k.startswith("TF-IDF")]):
            s = entry[key]
            ratio = ""
            if key == "re-cut":
                ratio = f"  re-cut/formed {s['F1'] / formed['F1']:.3f}"
            elif key != "stories as formed":
                ratio = f"  formed/peer {formed['F1'] / s['F1']:.3f}"
            print(f"     {key:34s} BCubed P {s['P']:.3f} R {s['R']:.3f} F1 {s['F1']:.3f}{ratio}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", nargs="+", choices=sorted(WINDOWS), default=sorted(WINDOWS))
    parser.add_argument("--cache", action="store_true", help="reuse vectors (development only)")
    args = parser.parse_args(argv)
    if data_missing([STREAMS / f"{s}.jsonl.gz" for s in args.streams], "the real streams"):
        return 2
    results = {}
    for name in args.streams:
        results[name] = run(name, args.cache)
        show(name, results[name])
    save_results(RESULTS_DIR / "sagas.json", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
