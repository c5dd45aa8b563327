"""The embedding model as storywire runs it next to two variants of it, on real articles.

    .venv/bin/python bench/embedding.py            # both clustering sets, about two minutes
    .venv/bin/python bench/embedding.py --limit 200

Data (read from ../shared/data at run time, never copied): the ECB+ and Multi-News articles of
bench/clustering.py, loaded by its own `load`, embedded as the pipeline embeds them
(`embedding_text(title, text)`).

Systems: `MiniLMEmbedder()` (the int8 build, input cut at 96 tokens: storywire's default), the
same build cut at 128 tokens (`max_tokens=128`, the default before 2026-11-29), and
`MiniLMEmbedder(int8=False)` (the packaged model as it ships, float32 arithmetic, 96 tokens),
each loaded and warmed up once (not timed), then timed (`time.perf_counter`) embedding each
set's texts in one call. Reported per set: embeddings/s of each and its ratio to the default;
the cosine between each variant's vector of a text and the default's (mean and minimum); and
storywire's clustering with each set of vectors (`ClusterConfig()` defaults, arrival seeds 0-9
exactly as bench/clustering.py runs them): mean BCubed F1 and the spread over the ten orders.

Results go to stdout and bench/results/embedding.json (git-ignored).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from clustering import (
    FILES,
    SEEDS,
    arrival,
    cluster,
    dup_groups,
    features,
    fingerprints,
    load,
    score,
)
from harness import RESULTS_DIR, data_missing, save_results

from storywire.nlp.embed import MiniLMEmbedder, Vectors
from storywire.nlp.features import embedding_text

RESULTS = RESULTS_DIR / "embedding.json"
SHIPPED = "int8, 96 tokens"


def clustering_f1(name: str, vectors: Vectors, limit: int | None) -> list[float]:
    docs = load(name, limit)
    marks = fingerprints(docs)
    gold = [d.gold for d in docs]
    found = []
    for seed in SEEDS:
        order = arrival(len(docs), seed)
        groups = dup_groups(docs, marks, order)
        assigned, *_ = cluster(features(docs, vectors, groups), order)
        found.append(score([assigned[d.id] for d in docs], gold).bcubed_f1)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="only the first N documents of each set")
    args = parser.parse_args()
    if data_missing(list(FILES.values())):
        return 2
    models = {
        SHIPPED: MiniLMEmbedder(),
        "int8, 128 tokens": MiniLMEmbedder(max_tokens=128),
        "float": MiniLMEmbedder(int8=False),
    }
    for model in models.values():
        model.embed(["warm-up"])
    sets: dict[str, dict[str, object]] = {}
    print(
        f"MiniLM as storywire runs it (the default: {SHIPPED}) next to the same build cut at 128 "
        f"tokens and the float model it is built from, {os.cpu_count()} CPUs"
    )
    for name in FILES:
        texts = [embedding_text(d.title, d.text) for d in load(name, args.limit)]
        vectors, speed = {}, {}
        for label, model in models.items():
            start = time.perf_counter()
            vectors[label] = model.embed(texts)
            speed[label] = len(texts) / (time.perf_counter() - start)
        cosine = {
            label: (vectors[SHIPPED] * v).sum(axis=1)
            for label, v in vectors.items()
            if label != SHIPPED
        }
        f1 = {label: clustering_f1(name, v, args.limit) for label, v in vectors.items()}
        row = {
            "texts": len(texts),
            "embeddings_per_s": {k: round(v, 1) for k, v in speed.items()},
            "speed_ratio_to_shipped": {k: round(v / speed[SHIPPED], 2) for k, v in speed.items()},
            "cosine_to_shipped": {
                k: {"mean": round(float(c.mean()), 4), "min": round(float(c.min()), 4)}
                for k, c in cosine.items()
            },
            "bcubed_f1_by_seed": f1,
        }
        sets[name] = row
        print(f"{name}: {len(texts)} texts")
        for label, values in f1.items():
            line = f"  {label:17s} {speed[label]:6.1f} embeddings/s"
            if label in cosine:
                line += (
                    f" (x{speed[label] / speed[SHIPPED]:.2f} of the default), cosine to the "
                    f"default's vectors mean {cosine[label].mean():.4f}, "
                    f"min {cosine[label].min():.4f}"
                )
            print(line)
            print(
                f"    clustering with its vectors: BCubed F1 mean {np.mean(values):.4f} over "
                f"{len(values)} arrival orders, spread {max(values) - min(values):.3f}"
            )
    save_results(RESULTS, {"cpus": os.cpu_count(), "sets": sets})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
