"""Memory over a long run: does the service's working set follow the active window, not the
history? Weeks of a real stream replayed through the service's own path, with the resident
memory read as the items arrive, next to the same replay with the window switched off.

    .venv/bin/python bench/memory.py                          # 2026-03-01 to 2026-04-15, ~6 min x 2
    .venv/bin/python bench/memory.py --last 2026-03-10        # a quick check

Data: the `gn24` stream (`shared/data/streams/gn24.jsonl.gz`, read at run time), the items
published from `--first` to `--last`, about 600 a day from 48 outlets.
Ours: `storywire.cluster.replay.replay` (feed-item cleaning, dedupe, both embeddings,
assignment, the merge, split and thread passes, on a fresh SQLite database; the writer off),
with ClusterConfig's defaults: a story that gets no new article for `window` (3 days) goes
dormant and lets go of its members' features, and one quiet for twice that is dropped.
Peer: the same replay with `window` set to ten years, so every story stays active and keeps
its members' features: what the clusterer would hold if it were bounded by history.
Each runs in a fresh process; its resident memory (VmRSS, and the peak VmHWM) is read from
/proc after the round in which the item count passes each checkpoint. Nothing here is tuned;
the two halves of the period are printed separately all the same (the figures at the end of
each), as every benchmark here does.
Results go to stdout and bench/results/memory.json.
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import sys
import time
from bisect import bisect_right
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from harness import RESULTS_DIR, STREAMS, data_missing, load_stream, save_results, stream_items

STREAM = STREAMS / "gn24.jsonl.gz"
CHECKPOINT = 2500  # items between readings


def _memory_mib() -> tuple[float, float]:
    """This process's resident memory now and at its peak, in MiB."""
    status = Path("/proc/self/status").read_text()
    found = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.M))
    return int(found["VmRSS"]) / 1024, int(found["VmHWM"]) / 1024


def run(first: str, last: str, window_days: float) -> dict[str, Any]:
    """One replay in this process; the readings as (items so far, RSS, peak) and the time."""
    from storywire.cluster.config import ClusterConfig
    from storywire.cluster.replay import replay
    from storywire.nlp.embed import default_embedder
    from storywire.store import db

    items = stream_items(load_stream("gn24", first, last))
    arrivals = sorted(i.published for i in items if i.published is not None)
    readings: list[tuple[int, float, float]] = [(0, *_memory_mib())]

    def reading(sessions: db.Sessions, now: datetime) -> None:
        done = bisect_right(arrivals, now)
        if done >= readings[-1][0] + CHECKPOINT or done == len(arrivals):
            readings.append((done, *_memory_mib()))

    config = ClusterConfig(window=timedelta(days=window_days))
    started = time.perf_counter()
    replay(items, default_embedder(), config=config, after_round=reading)
    return {
        "items": len(items),
        "seconds": round(time.perf_counter() - started, 1),
        "readings": readings,
    }


def _in_child(first: str, last: str, window_days: float) -> dict[str, Any]:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(run, (first, last, window_days))


def _at(readings: list[list[float]], items: int) -> list[float]:
    """The first reading at or past `items`."""
    return next((r for r in readings if r[0] >= items), readings[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first", default="2026-03-01")
    parser.add_argument("--last", default="2026-04-15")
    args = parser.parse_args()
    if data_missing([STREAM]):
        return 2
    days = (date.fromisoformat(args.last) - date.fromisoformat(args.first)).days + 1
    middle = (date.fromisoformat(args.first) + timedelta(days=days // 2 - 1)).isoformat()
    report: dict[str, Any] = {"first": args.first, "last": args.last, "runs": {}}
    for name, window in (("storywire (3-day window)", 3.0), ("peer: no window", 3650.0)):
        print(f"running: {name}", file=sys.stderr, flush=True)
        report["runs"][name] = _in_child(args.first, args.last, window)
    half = len(load_stream("gn24", args.first, middle))
    total = report["runs"]["storywire (3-day window)"]["items"]
    marks = [m for m in (5000, 10000, 20000, 30000, 40000) if m < total]
    print(f"\nresident memory (MiB) over a replay of gn24, {args.first} to {args.last}")
    print(
        f"{'run':<26}"
        + "".join(f"{m // 1000}k items".rjust(11) for m in marks)
        + f"{'1st half':>10}{'end':>8}{'peak':>8}{'items/s':>9}"
    )
    for name, result in report["runs"].items():
        readings = result["readings"]
        print(
            f"{name:<26}"
            + "".join(f"{_at(readings, m)[1]:>11.0f}" for m in marks)
            + f"{_at(readings, half)[1]:>10.0f}{readings[-1][1]:>8.0f}{readings[-1][2]:>8.0f}"
            + f"{result['items'] / result['seconds']:>9.1f}"
        )
    print(f"1st half: after its {half} items (to {middle}); end: after all {total}")
    save_results(RESULTS_DIR / "memory.json", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
