"""Readers while ingestion runs: the reader under a closed-loop load, first served alone, then
while `storywire run` ingests real pages in another process, at its default priority
(`ingest_nice` 10) and at the reader's own (`ingest_nice` 0), in one run.

    .venv/bin/python bench/load.py                               # 50 connections, 30 s a phase
    .venv/bin/python bench/load.py --duration 10 --pages 1000    # a quick check

Reader: `storywire serve --workers N` (bench/web.py's Server) over a SQLite database holding
half of the demo newsroom's outlets (`storywire fetch`), so it has stories to show.
Ingestion: `storywire run --interval 2` subscribed to bench/ingest.py's page servers (the real
ScrapingHub pages, made distinct, with RSS feeds from 20 local hosts), `--pages` new pages per
ingesting phase (a new set of hosts each time), enough to keep it busy for the whole phase:
fetch, extract (2 worker processes), dedupe, embed, cluster and write.
Load: wrk (`apt-get install wrk`; without it, bench/web.py's Python generator) with
`--connections` connections over the home page, every featured story's page, the stories API
and the Atom feed, after a warm-up.
Printed per phase: requests/s, p50/p99, non-2xx answers and socket errors, the pages `run`
extracted and the articles it wrote into stories during the phase, and the resident memory of
the reader's processes (and of `run`'s) at its start and end. The peer is the reader alone;
the ratio is ingesting / alone. The issue's target (#16): p99 under 250 ms with no errors
while ingestion runs.
Results go to stdout and bench/results/load.json.
"""

from __future__ import annotations

import argparse
import os
import shutil
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
from ingest import Servers

from storywire.demo.server import Newsroom, SimClock
from storywire.models import NewFeed
from storywire.store import db, repo
from web import Load, run_python_load, run_wrk, start_ours, storywire_command


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


def _processed(url: str) -> tuple[int, int]:
    """Articles past the fetch stage (their page fetched and extracted, or given up on), and
    those written into a story."""
    with db.connect(url) as sessions, db.transaction(sessions) as session:
        stages = repo.articles_by_stage(session)
    return sum(stages.values()) - stages.get("fetched", 0), stages.get("written", 0)


def _paths(base: str) -> list[str]:
    stories = httpx.get(f"{base}/api/v1/stories?limit=100", timeout=30).json()["stories"]
    pages = [f"/stories/{story['slug']}" for story in stories]
    return ["/", *pages, "/api/v1/stories", "/feeds/top.atom"]


def _load(base: str, paths: list[str], args: argparse.Namespace, tmp: Path, seconds: float) -> Load:
    if args.load == "wrk":
        return run_wrk(base, paths, args, seconds, tmp)
    return run_python_load(base, paths, args, seconds)


def _phase(
    name: str,
    base: str,
    paths: list[str],
    args: argparse.Namespace,
    tmp: Path,
    pids: dict[str, int],
    url: str,
) -> dict[str, Any]:
    _load(base, paths, args, tmp, args.warmup)
    before = {who: _rss_mib(pid) for who, pid in pids.items()}
    extracted, written = _processed(url)
    load = _load(base, paths, args, tmp, args.duration)
    ingested = [now - then for now, then in zip(_processed(url), (extracted, written), strict=True)]
    after = {who: _rss_mib(pid) for who, pid in pids.items()}
    errors = sum(load.errors.values()) if load.errors else 0
    print(
        f"  {name:<22} {load.rps:8.1f} req/s  p50 {load.p50_ms or 0:7.1f} ms  "
        f"p99 {load.p99_ms or 0:7.1f} ms  non-2xx {load.non_2xx_3xx}  errors {errors}  "
        f"pages extracted {ingested[0]}, articles written {ingested[1]}  "
        + "  ".join(f"{who} RSS {before[who]} -> {after[who]} MiB" for who in pids),
        flush=True,
    )
    return {
        "load": asdict(load),
        "pages_extracted": ingested[0],
        "articles_written": ingested[1],
        "rss_before_mib": before,
        "rss_after_mib": after,
    }


def _ingesting(
    name: str,
    nice: int,
    base: str,
    paths: list[str],
    args: argparse.Namespace,
    tmp: Path,
    url: str,
    env: dict[str, str],
    reader: int,
) -> dict[str, Any]:
    """A phase with `storywire run` at `ingest_nice` = `nice` reading new pages throughout."""
    servers = Servers(args.pages)
    try:
        _subscribe(url, servers.feed_urls)
        with (tmp / f"run-{nice}.log").open("wb") as log:
            run = subprocess.Popen(
                [*storywire_command(), "run", "--interval", "2"],
                env={**env, "STORYWIRE_INGEST_NICE": str(nice)},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a session of its own, as systemd starts a service
            )
            try:
                time.sleep(5)  # models loaded, the first pages in
                return _phase(name, base, paths, args, tmp, {"reader": reader, "run": run.pid}, url)
            finally:
                run.send_signal(signal.SIGTERM)
                try:
                    run.wait(timeout=120)
                except subprocess.TimeoutExpired:
                    run.kill()
                    run.wait()
    finally:
        servers.close()


def _target(row: dict[str, Any]) -> str:
    load = row["load"]
    errors = sum(load["errors"].values()) + load["non_2xx_3xx"]
    met = (load["p99_ms"] or 0) < 250 and errors == 0
    return f"{'met' if met else 'NOT met'} (p99 {load['p99_ms'] or 0:.1f} ms, {errors} errors)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--pages", type=int, default=3000, help="new pages per ingesting phase")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads / load processes")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--load", choices=("auto", "wrk", "python"), default="auto")
    args = parser.parse_args()
    if args.load == "auto":
        args.load = "wrk" if shutil.which("wrk") else "python"

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        url = f"sqlite:///{tmp / 'load.db'}"
        clock = SimClock(datetime(2026, 11, 2, tzinfo=UTC), start=timedelta(days=1), speed=600)
        with Newsroom(clock=clock) as newsroom:
            with db.engine_for(url) as engine:
                db.upgrade(engine)
            outlets = list(newsroom.corpus.outlets)
            _subscribe(url, [newsroom.feed_url(o) for o in outlets[: len(outlets) // 2]])
            env = {
                **os.environ,
                "STORYWIRE_DATABASE_URL": url,
                "STORYWIRE_ALLOW_LOOPBACK": "true",
                "STORYWIRE_FETCH_HOST_DELAY": "0",
                "STORYWIRE_FETCH_HOST_CONCURRENCY": "4",
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
                f"reader: {args.workers} workers, {len(paths)} paths; {args.load}, "
                f"{args.connections} connections, {args.duration:.0f} s a phase; "
                f"{args.pages} new pages per ingesting phase",
                flush=True,
            )
            reader = server.process.pid
            results: dict[str, Any] = {
                "alone": _phase("alone", server.base, paths, args, tmp, {"reader": reader}, url)
            }
            for name, nice in (("ingesting (nice 10)", 10), ("ingesting (nice 0)", 0)):
                results[name] = _ingesting(
                    name, nice, server.base, paths, args, tmp, url, env, reader
                )
        finally:
            server.stop()
    alone = results["alone"]["load"]["rps"]
    for name in ("ingesting (nice 10)", "ingesting (nice 0)"):
        ratio = results[name]["load"]["rps"] / alone if alone else 0.0
        print(
            f"{name}: x{ratio:.2f} of the requests/s alone; p99 < 250 ms, no errors: "
            + _target(results[name])
        )
    results["args"] = vars(args)
    save_results(RESULTS_DIR / "load.json", results)


if __name__ == "__main__":
    main()
