"""Readers while ingestion runs: many concurrent clients on the reader, first served alone, then
while `storywire run` reads a newsroom that keeps publishing, in the same run.

    .venv/bin/python bench/load.py                          # 200 clients, 60 s per phase
    .venv/bin/python bench/load.py --connections 50 --duration 10   # a quick check

Data: the demo newsroom (this project's own writing) with its clock running at 600x. Half of
its outlets are read first (`storywire fetch`), so the reader has stories; the other half are
subscribed when the ingesting phase starts, so `run` has their whole backlog to fetch,
extract, cluster and write while the readers read.
Reader: `storywire serve --workers N` (bench/web.py's Server) over that SQLite database.
Load: bench/web.py's Python load generator (processes of asyncio + httpx keep-alive clients,
closed-loop) over the home page, every featured story's page, the stories API and the Atom feed.
Phases: **alone** (the peer: the same reader with nothing else running) and **ingesting**
(`storywire run --interval 2` in its own process). Printed per phase: requests/s, p50/p99,
non-2xx answers and client errors, and the resident memory of the reader's processes at the
start and end of the phase (and of `run`'s), so growth shows. The ratio is ingesting / alone.
Results go to stdout and bench/results/load.json.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from harness import RESULTS_DIR, save_results

from storywire.demo.server import Newsroom, SimClock
from storywire.models import NewFeed
from storywire.store import db, repo
from web import Load, run_python_load, start_ours, storywire_command


def _rss_mib(pid: int) -> float:
    from web import _tree

    total = 0
    for child in _tree(pid):
        try:
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1)


def _subscribe(url: str, feeds: list[str]) -> None:
    with db.connect(url) as sessions, db.transaction(sessions) as session:
        for feed in feeds:
            repo.add_feed(session, NewFeed(url=feed))


def _articles(url: str) -> int:
    with db.connect(url) as sessions, db.transaction(sessions) as session:
        return repo.count_articles(session)


def _paths(base: str) -> list[str]:
    stories = httpx.get(f"{base}/api/v1/stories?limit=100", timeout=30).json()["stories"]
    pages = [f"/stories/{story['slug']}" for story in stories]
    return ["/", *pages, "/api/v1/stories", "/feeds/top.atom"]


def _phase(
    name: str, base: str, paths: list[str], args: argparse.Namespace, pids: dict[str, int]
) -> dict[str, Any]:
    before = {who: _rss_mib(pid) for who, pid in pids.items()}
    load: Load = run_python_load(base, paths, args, args.duration)
    after = {who: _rss_mib(pid) for who, pid in pids.items()}
    print(
        f"  {name:<10} {load.rps:8.1f} req/s  p50 {load.p50_ms or 0:7.1f} ms  "
        f"p99 {load.p99_ms or 0:7.1f} ms  non-2xx {load.non_2xx_3xx}  errors {load.errors or 0}  "
        + "  ".join(f"{who} RSS {before[who]} -> {after[who]} MiB" for who in pids),
        flush=True,
    )
    return {"load": asdict(load), "rss_before_mib": before, "rss_after_mib": after}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--threads", type=int, default=2, help="load generator processes")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        url = f"sqlite:///{tmp / 'load.db'}"
        clock = SimClock(datetime(2026, 11, 2, tzinfo=UTC), start=timedelta(days=1), speed=600)
        with Newsroom(clock=clock) as newsroom:
            with db.engine_for(url) as engine:
                db.upgrade(engine)
            outlets = list(newsroom.corpus.outlets)
            half = len(outlets) // 2
            _subscribe(url, [newsroom.feed_url(o) for o in outlets[:half]])
            env = {
                **os.environ,
                "STORYWIRE_DATABASE_URL": url,
                "STORYWIRE_ALLOW_LOOPBACK": "true",
                "STORYWIRE_FETCH_HOST_DELAY": "0",
                "NO_COLOR": "1",
            }
            subprocess.run(
                [*storywire_command(), "fetch"], env=env, check=True, capture_output=True
            )
            server = start_ours(url, args.workers, tmp)
            try:
                server.wait_ready()
                paths = _paths(server.base)
                print(
                    f"reader: {args.workers} workers, {len(paths)} paths, {args.connections} "
                    f"clients for {args.duration:.0f} s per phase",
                    flush=True,
                )
                results = {
                    "alone": _phase(
                        "alone", server.base, paths, args, {"reader": server.process.pid}
                    )
                }
                # The other outlets' feeds are due at once: `run` has their whole
                # backlog to fetch, extract, cluster and write while the readers read.
                before = _articles(url)
                _subscribe(url, [newsroom.feed_url(o) for o in outlets[half:]])
                run_log = (tmp / "run.log").open("wb")
                run = subprocess.Popen(
                    [*storywire_command(), "run", "--interval", "2"],
                    env=env,
                    stdout=run_log,
                    stderr=subprocess.STDOUT,
                )
                time.sleep(3)
                pids = {"reader": server.process.pid, "run": run.pid}
                results["ingesting"] = _phase("ingesting", server.base, paths, args, pids)
                run.send_signal(signal.SIGTERM)
                run.wait(timeout=120)
                run_log.close()
                results["articles_before"], results["articles_after"] = before, _articles(url)
            finally:
                server.stop()
    alone, ingesting = results["alone"]["load"], results["ingesting"]["load"]
    ratio = ingesting["rps"] / alone["rps"] if alone["rps"] else 0.0
    ingested = results["articles_after"] - results["articles_before"]
    print(f"ingesting / alone: {ratio:.2f} of the requests/s; {ingested} articles ingested")
    results["ratio_rps"] = round(ratio, 3)
    save_results(RESULTS_DIR / "load.json", results)


if __name__ == "__main__":
    main()
