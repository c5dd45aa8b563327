"""Throughput from raw HTML, end to end, in three set-ups, next to a naive ingester.

    .venv/bin/python bench/throughput.py [--pages 20000] [--postgres URL] [--workers 3]

The pages are bench/ingest.py's: the 181 real article pages of the ScrapingHub
article-extraction-benchmark (../shared/data/extraction/aeb), each served under many paths with a
generated sentence that makes every copy different, from 20 local HTTP servers with an RSS feed
each, in a child process. Every set-up reads the same `--pages` pages, and each is timed from
its start to the moment every article is written into a story:

- **one process**: `storywire fetch --all` (fetch, extract on `extract_workers` = 2 processes,
  dedupe, embed, assign, write) on a fresh SQLite database;
- **workers**: `--workers` `storywire worker --drain` processes (extraction in-process) on the
  empty PostgreSQL database at `--postgres` (skipped without it); its schema is wiped first;
- **Ray backfill**: `storywire backfill --engine ray --workers 2` of the same pages as a JSONL
  shard (fetched beforehand, not timed) on a fresh SQLite database.

The peer is bench/ingest.py's naive ingester in the same run: httpx + feedparser +
`trafilatura.extract`, rows in sqlite3, no dedupe, embedding or stories. Its articles/s is a
ceiling for the fetch-and-extract part only.

Memory is each storywire process's resident set, sampled every 0.5 s from /proc: the peak
(VmHWM) and the RSS when the database first held 25% and 100% of the pages (the issue's "after
5k and after 20k" at --pages 20000). For the workers it is the largest worker's; for the Ray
backfill, the driver's (Ray's actors are separate processes, not counted).

Results go to stdout and to bench/results/throughput.json (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from harness import RESULTS_DIR, data_missing, save_results
from ingest import AEB, EXPECTED, Servers, run_peer

RESULTS = RESULTS_DIR / "throughput.json"
STORYWIRE = str(Path(sys.executable).with_name("storywire"))


def _status_mib(pid: int, field: str) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan")
    match = re.search(rf"^{field}:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) / 1024 if match else float("nan")


def _count(url: str) -> int:
    """Articles stored so far (a read beside the writer: WAL on SQLite, MVCC on PostgreSQL)."""
    from storywire.store import db, repo

    try:
        with db.connect(url) as sessions, db.transaction(sessions) as session:
            return repo.count_articles(session)
    except Exception:  # the schema is being created, or the file is locked for a moment
        return 0


class Sampler:
    """Samples the processes' RSS and the stored article count until stopped."""

    def __init__(self, url: str, pages: int) -> None:
        self.url, self.pages = url, pages
        self.pids: list[int] = []
        self.peak: dict[int, float] = {}
        self.at: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self, pids: list[int]) -> Sampler:
        self.pids = pids
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            rss = max((_status_mib(pid, "VmRSS") for pid in self.pids), default=float("nan"))
            for pid in self.pids:
                hwm = _status_mib(pid, "VmHWM")
                if hwm == hwm:  # not NaN: the process is alive
                    self.peak[pid] = max(self.peak.get(pid, 0.0), hwm)
            stored = _count(self.url)
            for label, share in (("25%", 0.25), ("100%", 1.0)):
                if label not in self.at and stored >= share * self.pages:
                    self.at[label] = rss

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        self._thread.join()
        return {
            "peak_rss_mib": max(self.peak.values(), default=float("nan")),
            "rss_mib_at": self.at,
        }


def _fresh_sqlite(folder: Path, name: str) -> str:
    from storywire.store import db

    url = f"sqlite:///{folder / name}"
    with db.engine_for(url) as engine:
        db.upgrade(engine)
    return url


def _subscribe(url: str, feeds: list[str]) -> None:
    from storywire.models import NewFeed
    from storywire.store import db, repo

    with db.connect(url) as sessions, db.transaction(sessions) as session:
        for feed in feeds:
            repo.add_feed(session, NewFeed(url=feed))


def _written(url: str) -> tuple[int, int]:
    """Articles stored, and how many of them reached stage WRITTEN."""
    from storywire.models import Stage
    from storywire.store import db, repo

    with db.connect(url) as sessions, db.transaction(sessions) as session:
        counts = repo.articles_by_stage(session)
    return sum(counts.values()), counts.get(Stage.WRITTEN.value, 0)


def _env(url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "STORYWIRE_DATABASE_URL": url,
        "STORYWIRE_ALLOW_LOOPBACK": "true",
        "STORYWIRE_FETCH_HOST_DELAY": "0",
        "STORYWIRE_FETCH_HOST_CONCURRENCY": "4",
        **extra,
    }


def _timed(commands: list[list[str]], env: dict[str, str], url: str, pages: int) -> dict[str, Any]:
    """Run `commands` at once and wait for all; seconds, memory and what they stored."""
    start = time.perf_counter()
    processes = [
        subprocess.Popen(c, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]
    sampler = Sampler(url, pages).start([p.pid for p in processes])
    failures = []
    for process in processes:
        _, stderr = process.communicate(timeout=7200)
        if process.returncode != 0:
            failures.append(stderr[-2000:])
    wall = time.perf_counter() - start
    memory = sampler.stop()
    if failures:
        raise RuntimeError("storywire failed:\n" + "\n".join(failures))
    stored, written = _written(url)
    return {
        "wall_s": wall,
        "articles": stored,
        "written": written,
        "articles_per_s": stored / wall,
        **memory,
    }


def one_process(servers: Servers, folder: Path, pages: int) -> dict[str, Any]:
    url = _fresh_sqlite(folder, "one.db")
    _subscribe(url, servers.feed_urls)
    return _timed([[STORYWIRE, "fetch", "--all"]], _env(url), url, pages)


def workers(servers: Servers, postgres: str, count: int, pages: int) -> dict[str, Any]:
    from sqlalchemy import text

    from storywire.store import db

    with db.engine_for(postgres) as engine, engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    with db.engine_for(postgres) as engine:
        db.upgrade(engine)
    _subscribe(postgres, servers.feed_urls)
    command = [STORYWIRE, "worker", "--drain", "--interval", "0.5"]
    env = _env(postgres, STORYWIRE_EXTRACT_WORKERS="0")
    return _timed([command] * count, env, postgres, pages)


def ray_backfill(servers: Servers, folder: Path, pages: int) -> dict[str, Any]:
    shard = folder / "pages.jsonl"
    with httpx.Client(timeout=30) as client, shard.open("w", encoding="utf-8") as out:
        for index in range(pages):
            port = servers.ports[index % len(servers.ports)]
            page = f"http://127.0.0.1:{port}{servers.layout.path(index)}"
            out.write(json.dumps({"url": page, "html": client.get(page).text}) + "\n")
    url = _fresh_sqlite(folder, "ray.db")
    command = [STORYWIRE, "backfill", "--engine", "ray", "--workers", "2", str(shard)]
    return _timed([command], _env(url), url, pages)


def print_report(report: dict[str, Any]) -> None:
    pages = report["pages"]
    peer = report["peer"]
    peer_rate = peer["articles"] / peer["wall_s"] if peer.get("wall_s") else float("nan")
    print(f"\nthroughput from raw HTML: {pages} pages ({report['machine']})")
    print(f"{'set-up':<24}{'articles/s':>12}{'x peer':>8}{'written':>9}{'peak MB':>9}  RSS at")
    for name, row in report["setups"].items():
        if "skipped" in row:
            print(f"{name:<24}  skipped: {row['skipped']}")
            continue
        at = ", ".join(f"{k}: {v:.0f} MB" for k, v in row["rss_mib_at"].items())
        print(
            f"{name:<24}{row['articles_per_s']:>12.1f}{row['articles_per_s'] / peer_rate:>8.2f}"
            f"{row['written']:>9}{row['peak_rss_mib']:>9.0f}  {at}"
        )
    print(
        f"{'peer (fetch + extract)':<24}{peer_rate:>12.1f}{1:>8.2f}{'-':>9}"
        f"{peer.get('peak_rss_mib', float('nan')):>9.0f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20_000)
    parser.add_argument("--postgres", help="an empty PostgreSQL database for the workers")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--skip", action="append", default=[], help="one, workers or ray")
    args = parser.parse_args()
    if data_missing([AEB / "ground-truth.json", AEB / "html"], EXPECTED):
        return 2
    report: dict[str, Any] = {
        "pages": args.pages,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "setups": {},
    }
    servers = Servers(args.pages)
    try:
        report["peer"] = run_peer(servers)
        with tempfile.TemporaryDirectory(prefix="storywire-throughput-") as tmp:
            folder = Path(tmp)
            setups = {
                "one process": lambda: one_process(servers, folder, args.pages),
                f"{args.workers} workers (PostgreSQL)": lambda: (
                    workers(servers, args.postgres, args.workers, args.pages)
                    if args.postgres
                    else {"skipped": "no --postgres"}
                ),
                "Ray backfill (2 actors)": lambda: ray_backfill(servers, folder, args.pages),
            }
            for (name, run), key in zip(setups.items(), ("one", "workers", "ray"), strict=True):
                if key in args.skip:
                    report["setups"][name] = {"skipped": "--skip"}
                    continue
                print(f"running: {name}", file=sys.stderr, flush=True)
                report["setups"][name] = run()
    finally:
        servers.close()
    print_report(report)
    save_results(RESULTS, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
