"""Subjectivity classifier: fit on CheckThat! 2025 train, measure on dev, next to peers.

    python bench/subjectivity.py          # evaluate the shipped weights and the peers
    python bench/subjectivity.py --fit    # refit the weights from train and print them

Peers in the same run: the majority class, and a bag-of-words logistic regression (unigrams,
fitted on the same train split) — what a vocabulary model buys over the stylistic cues.
"""

from __future__ import annotations

import argparse
import csv
import math
import time
from collections import Counter

from harness import DATA, data_missing

from storywire.nlp.sentences import words
from storywire.nlp.subjectivity import WEIGHTS, fit_weights, subjectivity

SUBJECTIVITY = DATA / "subjectivity"


def load(split: str) -> tuple[list[str], list[int]]:
    with (SUBJECTIVITY / f"{split}_en.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [r["sentence"] for r in rows], [int(r["label"] == "SUBJ") for r in rows]


def scores(predicted: list[int], gold: list[int]) -> tuple[float, float]:
    """Accuracy and macro-F1 (the CheckThat! task's official measure)."""
    accuracy = sum(p == g for p, g in zip(predicted, gold, strict=True)) / len(gold)
    f1s = []
    for label in (0, 1):
        tp = sum(p == g == label for p, g in zip(predicted, gold, strict=True))
        fp = sum(p == label != g for p, g in zip(predicted, gold, strict=True))
        fn = sum(g == label != p for p, g in zip(predicted, gold, strict=True))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return accuracy, sum(f1s) / 2


def bag_of_words(train: list[str], labels: list[int], test: list[str]) -> list[int]:
    counts = Counter(t.lower() for s in train for t in words(s))
    vocabulary = [w for w, c in counts.items() if c > 1]
    index = {w: i for i, w in enumerate(vocabulary)}
    weights, bias = [0.0] * len(index), 0.0

    def features(sentence: str) -> set[int]:
        return {index[t.lower()] for t in words(sentence) if t.lower() in index}

    rows = [features(s) for s in train]
    for _ in range(60):
        for row, label in zip(rows, labels, strict=True):
            z = bias + sum(weights[i] for i in row)
            error = 1 / (1 + math.exp(-z)) - label
            bias -= 0.1 * error
            for i in row:
                weights[i] -= 0.1 * (error + 0.001 * weights[i])
    return [int(bias + sum(weights[i] for i in features(s)) > 0) for s in test]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", action="store_true", help="refit and print the weights")
    args = parser.parse_args()
    if data_missing([SUBJECTIVITY / "train_en.tsv", SUBJECTIVITY / "dev_en.tsv"]):
        return 2
    train, train_labels = load("train")
    dev, dev_labels = load("dev")
    weights = fit_weights(train, train_labels) if args.fit else WEIGHTS
    if args.fit:
        print("WEIGHTS =", weights)
    start = time.perf_counter()
    ours = [int(subjectivity(s, weights) > 0.5) for s in dev]
    rate = len(dev) / (time.perf_counter() - start)
    majority = [Counter(train_labels).most_common(1)[0][0]] * len(dev)
    bow = bag_of_words(train, train_labels, dev)
    print(f"CheckThat! 2025 subjectivity, English dev ({len(dev)} sentences)")
    print(f"{'system':28s} {'accuracy':>9s} {'macro-F1':>9s}")
    for name, predicted in (
        ("storywire stylistic cues", ours),
        ("peer: bag-of-words logreg", bow),
        ("peer: majority class", majority),
    ):
        accuracy, f1 = scores(predicted, dev_labels)
        print(f"{name:28s} {accuracy:9.3f} {f1:9.3f}")
    print(f"storywire: {rate:,.0f} sentences/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
