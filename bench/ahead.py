"""Embedding ahead (`storywire.nlp.embed.EmbedAhead`) on and off, on the same real stream.

    .venv/bin/python bench/ahead.py [--stream gn24] [--items 2500] [--repeats 4]

The first `--items` items of a stream by publication time (`../shared/data/streams/`, read at
run time) go through `storywire.cluster.replay.replay`, the service's own stages with the
writer off, with no vector cache: once with the articles embedded as they are deduplicated (the
default) and once with `ahead_threads=0`, where the embed stage embeds every article itself
(the code path before 2026-12-07). The two runs alternate, `--repeats` times each, the first of
each pair taking turns, because a shared machine's speed drifts over minutes: what compares is
each pair's ratio, not two averages. The stories must come out the same both ways (MiniLM
embeds each text alone), and the script says whether they did. The peer in the same run is the
TF-IDF single pass of bench/stream.py on the same items, in memory (no storage, dedupe or
embedding): a ceiling, not a like-for-like service.

Results go to stdout and bench/results/ahead.json (git-ignored).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence

from clustering import single_pass
from harness import RESULTS_DIR, STREAMS, data_missing, load_stream, save_results, stream_items
from label import WINDOWS
from stream import tfidf_gram

from storywire.cluster.replay import replay
from storywire.nlp.embed import default_bridge, default_embedder

PEER_THRESHOLD = 0.3  # bench/stream.py's choice on both streams' tune weeks


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stream", choices=sorted(WINDOWS), default="gn24")
    parser.add_argument("--items", type=int, default=2500)
    parser.add_argument("--repeats", type=int, default=4)
    args = parser.parse_args(argv)
    if data_missing([STREAMS / f"{args.stream}.jsonl.gz"], "the real streams"):
        return 2
    window = WINDOWS[args.stream]
    raw = load_stream(args.stream, window.first, window.last)
    items = stream_items(sorted(raw, key=lambda r: r["published"])[: args.items])
    main_model, bridge = default_embedder(), default_bridge()
    assert bridge is not None
    main_model.embed(["warm up"])
    bridge.embed(["warm up"])

    speeds: dict[str, list[float]] = {"ahead": [], "in the stage": []}
    rows = []
    for repeat in range(args.repeats):
        arms = [("ahead", None), ("in the stage", 0)]
        for name, threads in arms if repeat % 2 == 0 else arms[::-1]:
            started = time.perf_counter()
            replayed = replay(items, main_model, bridge=lambda: bridge, ahead_threads=threads)
            speeds[name].append(len(items) / (time.perf_counter() - started))
            rows.append(replayed.rows)
            print(f"repeat {repeat + 1}, embedding {name}: {speeds[name][-1]:.1f} articles/s")
    ratios = [a / b for a, b in zip(speeds["ahead"], speeds["in the stage"], strict=True)]

    started = time.perf_counter()
    gram = tfidf_gram(items)
    single_pass(gram, list(range(len(items))), PEER_THRESHOLD)  # the items are in time order
    peer = len(items) / (time.perf_counter() - started)

    same = all(r == rows[0] for r in rows)
    result = {
        "stream": args.stream,
        "items": len(items),
        "articles_per_s": speeds,
        "ratios": ratios,
        "median_ratio": statistics.median(ratios),
        "same_stories": same,
        "tfidf_articles_per_s": round(peer, 1),
    }
    print(
        f"\n{args.stream}, first {len(items)} items: embedding ahead / in the stage, per pair "
        f"{', '.join(f'x{r:.2f}' for r in ratios)} (median x{result['median_ratio']:.2f}); "
        f"ahead median {statistics.median(speeds['ahead']):.1f} articles/s; stories the same "
        f"both ways: {same}; TF-IDF single pass in memory {peer:.1f} articles/s"
    )
    save_results(RESULTS_DIR / "ahead.json", result)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
