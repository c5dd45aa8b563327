"""Ingestion speed end to end: storywire's fetch round next to a naive ingester, over real HTTP.

    .venv/bin/python bench/ingest.py [--pages 2000] [--database sqlite|URL]

The pages are the 181 real article pages of the ScrapingHub article-extraction-benchmark
(../shared/data/extraction/aeb), served by a child process from 20 local HTTP servers on
127.0.0.1 (20 ports = 20 hosts, so per-host politeness is what it would be on the web), each with
an RSS feed of its share of the pages. To reach `--pages` distinct URLs every real page is served
under several paths (/site{copy}/a{page}.html); each copy gets one generated sentence (its number
and eight seeded words) at the start of an early body paragraph, so copies differ, exact-hash
dedupe never short-circuits and near-duplicate detection does its full work (the copies of one
real page should end in one near-duplicate group). `--pages 300` is a quick check.

storywire: a fresh SQLite database in a temp dir (or the empty database at --database URL,
upgraded first), the 20 feeds subscribed, then one
`Pipeline(sessions, FetchPolicy(allow_loopback=True, host_delay=0.0, host_concurrency=4))
.fetch_round()`, timed with `time.perf_counter`. The round runs on one event-loop thread, so its
time splits into the synchronous stages, measured in the same run by timers (wall and thread CPU
time) wrapped around the pipeline's own calls: parse_feed, decode_html, extract_article,
fingerprint/shingles, dedupe_article, the database transactions and a few repository calls; what
is left is HTTP, asyncio and waiting. CPU time is reported next to wall time because it does not
move when other work shares the machine.

peer: what a simple script would do, in a fresh process: asyncio + httpx.AsyncClient with the same
concurrency (8 feeds at a time, 4 requests per host), feedparser for the feeds,
`trafilatura.extract` for each page, rows (url, title, text) in a plain sqlite3 table committed
once per feed.

Memory is each process's peak RSS: the storywire round in this process, the peer in its own, the
server in a third that neither figure includes. It is read from VmHWM rather than ru_maxrss,
which Linux carries across exec(), so a child started by a large parent would report the parent's
peak. Third-party imports live in the role that needs them, so the peer never loads storywire.

Results go to stdout and to bench/results/ingest.json (git-ignored).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import html
import json
import logging
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version
from pathlib import Path
from typing import Any

from harness import DATA, RESULTS_DIR, data_missing, save_results

AEB = DATA / "extraction" / "aeb"
EXPECTED = "ground-truth.json and html/<id>.html.gz of the ScrapingHub article-extraction-benchmark"
RESULTS = RESULTS_DIR / "ingest.json"
HOSTS = 20
FEED_CONCURRENCY = 8  # Pipeline's default
HOST_CONCURRENCY = 4
SEED = 20_241_118
EPOCH = datetime(2024, 11, 18, tzinfo=UTC)
REPO_DETAIL = (  # repository calls timed on their own (without the commit), for the detail line
    "add_article",
    "save_article",
    "find_articles_by_hash",
    "articles_sharing_bands",
    "articles_by_ids",
    "save_bands",
)
QUIET = ("trafilatura", "htmldate", "courlan", "justext", "charset_normalizer", "storywire")
_WORDS = (
    "harbour lantern quartz meadow violet ember orchard copper signal valley granite ribbon "
    "falcon timber beacon canyon marble willow thunder saffron compass glacier cedar pebble "
    "meteor lagoon thistle juniper prairie anchor cobalt harvest quiver summit tundra velvet "
    "whistle zephyr bramble cascade dune fjord garnet hollow ivory jasmine kelp lichen mesa "
    "nectar obsidian pylon quarry rowan sable tamarind umber vortex wharf yarrow zinnia"
).split()


def marker(index: int, copy: int) -> str:
    """The generated sentence that makes copy `copy` (page number `index`) unlike the others."""
    words = random.Random(SEED + index).sample(_WORDS, 8)
    return f"Edition {copy}, copy {index:05d}: {' '.join(words)}. "


def marker_key(index: int) -> str:
    return f"copy {index:05d}:"


# ------------------------------------------------------------------------------------ pages


@dataclass(frozen=True, slots=True)
class Base:
    """One real page, cut where the generated sentence goes."""

    head: bytes
    tail: bytes
    wrap: bool  # no body paragraph found: the sentence goes in a <p> of its own
    title: str
    summary: str


@dataclass(frozen=True, slots=True)
class Layout:
    """Where page i is served: copy i // bases of real page i % bases, on host i % hosts."""

    pages: int
    bases: int

    @property
    def hosts(self) -> int:
        return min(HOSTS, self.pages)

    def path(self, index: int) -> str:
        return f"/site{index // self.bases}/a{index % self.bases}.html"

    def host_pages(self, host: int) -> range:
        return range(host, self.pages, self.hosts)


_P_START = re.compile(r"<p[\s>]", re.I)
_BODY = re.compile(r"<body[^>]*>", re.I)
_SCRIPT = re.compile(r"<(script|style|template)\b.*?</\1\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title", re.I | re.S)


def _plain(fragment: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


def insertion_point(page: str, gold: str) -> tuple[int, bool]:
    """Where the generated sentence goes: inside the second <p> (or the only one) whose text
    opens a paragraph of the hand-checked article body (the first is sometimes a lead that
    extractors drop), else before the body's opening words, else just after <body>."""
    masked = _SCRIPT.sub(lambda m: " " * len(m.group()), page)  # no <p> inside JSON or JS
    body = _BODY.search(masked)
    start = body.end() if body else 0
    found: list[int] = []
    for match in _P_START.finditer(masked, start):
        inner = masked.find(">", match.start()) + 1
        end = masked.find("</p", inner)
        text = _plain(masked[inner:end]) if end > 0 else ""
        if len(text) >= 40 and text[:40] in gold:
            found.append(inner)
            if len(found) == 2:
                break
    if found:
        return found[-1], False
    words = gold.split()
    for count in (6, 4, 3, 2):
        probe = " ".join(words[:count])
        for spelling in (probe, html.escape(probe, quote=False)):
            at = masked.find(spelling, start)
            while at >= 0 and masked.rfind("<", 0, at) > masked.rfind(">", 0, at):
                at = masked.find(spelling, at + 1)  # inside a tag: an attribute, keep looking
            if at >= 0:
                return at, False
    return start, True


def load_bases() -> list[Base]:
    from storywire.sources.fetch import decode_html

    truth = json.loads((AEB / "ground-truth.json").read_text(encoding="utf-8"))
    bases = []
    for page_id in sorted(truth):
        page = decode_html(
            gzip.decompress((AEB / "html" / f"{page_id}.html.gz").read_bytes()), None
        )
        gold = " ".join(truth[page_id]["articleBody"].split())
        at, wrap = insertion_point(page, gold)
        title = _TITLE.search(page)
        bases.append(
            Base(
                head=page[:at].encode("utf-8") + (b"<p>" if wrap else b""),
                tail=(b"</p>" if wrap else b"") + page[at:].encode("utf-8"),
                wrap=wrap,
                title=_plain(title.group(1)) if title else f"Article {page_id[:8]}",
                summary=gold[:280],
            )
        )
    return bases


def rss(layout: Layout, bases: list[Base], host: int, origin: str) -> bytes:
    items = []
    for index in layout.host_pages(host):
        base = bases[index % layout.bases]
        link = html.escape(origin + layout.path(index))
        items.append(
            f"<item><title>{html.escape(base.title)}</title><link>{link}</link>"
            f'<guid isPermaLink="true">{link}</guid>'
            f"<pubDate>{format_datetime(EPOCH + timedelta(minutes=index), usegmt=True)}</pubDate>"
            f"<description>{html.escape(base.summary)}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>Bench outlet {host}</title><link>{origin}/</link>"
        f"<description>Real article pages, host {host}</description><language>en</language>"
        + "".join(items)
        + "</channel></rss>\n"
    ).encode("utf-8")


# ----------------------------------------------------------------------------------- server


class _HostServer(ThreadingHTTPServer):
    daemon_threads = True
    host: int
    layout: Layout
    bases: list[Base]
    feed: bytes

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that hung up: normal
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real sites and httpx's pool expect
    server: _HostServer
    _PAGE = re.compile(r"^/site(\d+)/a(\d+)\.html$")

    def do_GET(self) -> None:
        site = self.server
        if self.path == "/feed.xml":
            self._send(site.feed, "application/rss+xml; charset=utf-8")
            return
        if self.path == "/robots.txt":
            self._send(b"User-agent: *\nAllow: /\n", "text/plain; charset=utf-8")
            return
        match = self._PAGE.match(self.path)
        if match:
            copy, number = int(match.group(1)), int(match.group(2))
            index = copy * site.layout.bases + number
            if (
                number < site.layout.bases
                and index < site.layout.pages
                and index % site.layout.hosts == site.host
            ):
                base = site.bases[number]
                body = base.head + marker(index, copy).encode("utf-8") + base.tail
                self._send(body, "text/html; charset=utf-8")
                return
        self._send(b"not found\n", "text/plain; charset=utf-8", 404)

    def _send(self, body: bytes, content_type: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(pages: int) -> int:
    """Child role: start the hosts, print their ports as one JSON line, serve until stdin closes."""
    bases = load_bases()
    layout = Layout(pages, len(bases))
    servers = []
    for host in range(layout.hosts):
        server = _HostServer(("127.0.0.1", 0), _Handler)
        server.host, server.layout, server.bases = host, layout, bases
        server.feed = rss(layout, bases, host, f"http://127.0.0.1:{server.server_address[1]}")
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    ports = [server.server_address[1] for server in servers]
    wrapped = sum(base.wrap for base in bases)
    print(json.dumps({"ports": ports, "bases": len(bases), "wrapped": wrapped}), flush=True)
    sys.stdin.read()  # the parent closes our stdin when it is done (or dies)
    for server in servers:
        server.shutdown()
        server.server_close()
    return 0


class Servers:
    """The server child process, from start to shutdown."""

    def __init__(self, pages: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--role", "serve", "--pages", str(pages)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.close()
            raise RuntimeError("the page server did not start")
        started = json.loads(line)
        self.ports: list[int] = started["ports"]
        self.layout = Layout(pages, started["bases"])
        self.wrapped: int = started["wrapped"]

    @property
    def feed_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}/feed.xml" for port in self.ports]

    def cpu_seconds(self) -> float:
        return _cpu_of(self.process.pid)

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# -------------------------------------------------------------------------------- measuring


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _cpu_of(pid: int) -> float:
    """CPU seconds a live process has used (Linux /proc); NaN where that cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mib() -> float:
    """Resident set size now (Linux /proc); NaN where that cannot be read."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return float("nan")
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_rss_mib() -> float:
    """Peak RSS of this process: VmHWM, because Linux carries ru_maxrss across exec(), so a child
    started from a large parent would report the parent's size; ru_maxrss without /proc."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) / 1024 if match else float("nan")


class Stopwatch:
    """Seconds and calls spent in wrapped functions; the pipeline is one thread, so no locking."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()  # wall clock
        self.cpu: Counter[str] = Counter()  # this thread's CPU time: immune to other load
        self.calls: Counter[str] = Counter()

    def _add(self, key: str, wall: float, cpu: float) -> None:
        self.seconds[key] += time.perf_counter() - wall
        self.cpu[key] += time.thread_time() - cpu
        self.calls[key] += 1

    def wrap(self, key: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                self._add(key, wall, cpu)

        return timed

    def wrap_context(self, key: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @contextlib.contextmanager
        def timed(*args: Any, **kwargs: Any) -> Iterator[Any]:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                with function(*args, **kwargs) as value:
                    yield value
            finally:
                self._add(key, wall, cpu)

        return timed

    @contextlib.contextmanager
    def patched(self, targets: list[tuple[Any, str, str, bool]]) -> Iterator[None]:
        """Replace module attributes (module, name, key, is_context) by timed wrappers."""
        saved = [(module, name, getattr(module, name)) for module, name, _, _ in targets]
        try:
            for module, name, key, is_context in targets:
                wrap = self.wrap_context if is_context else self.wrap
                setattr(module, name, wrap(key, getattr(module, name)))
            yield
        finally:
            for module, name, original in saved:
                setattr(module, name, original)


class RefusedError(Exception):
    """The run cannot go ahead (a non-empty database)."""


# -------------------------------------------------------------------------------- storywire


def run_storywire(servers: Servers, database: str, workers: int = 0) -> dict[str, Any]:
    import storywire.pipeline as pipeline_module
    from storywire.extract import workers as extraction
    from storywire.ingest import dedupe
    from storywire.models import NewFeed, Stage, TextSource
    from storywire.pipeline import Pipeline
    from storywire.sources import feeds, fetch
    from storywire.sources.fetch import FetchPolicy
    from storywire.store import db, repo

    with tempfile.TemporaryDirectory(prefix="storywire-ingest-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'storywire.db'}" if database == "sqlite" else database
        with db.engine_for(url) as engine:
            db.upgrade(engine)
        with db.connect(url) as sessions:
            with db.transaction(sessions) as session:
                if repo.list_feeds(session) or repo.count_articles(session):
                    raise RefusedError("the --database database is not empty: give an empty one")
                for feed_url in servers.feed_urls:
                    repo.add_feed(session, NewFeed(url=feed_url))
            pipeline = Pipeline(
                sessions,
                FetchPolicy(allow_loopback=True, host_delay=0.0, host_concurrency=HOST_CONCURRENCY),
                feed_concurrency=FEED_CONCURRENCY,
                extract_workers=workers,
            )
            watch = Stopwatch()
            targets = [
                (feeds, "parse_feed", "feed parse", False),
                (fetch, "decode_html", "page decode", False),
                # In worker processes extraction cannot be timed from here (nor pickled wrapped).
                *([(extraction, "extract_article", "extraction", False)] if not workers else []),
                (dedupe, "fingerprint", "dedupe compute", False),
                (dedupe, "shingles", "dedupe compute", False),
                (dedupe, "is_near_duplicate", "dedupe compute", False),
                (pipeline_module, "dedupe_article", "dedupe total", False),
                (db, "transaction", "transactions", True),
                *((repo, name, f"repo.{name}", False) for name in REPO_DETAIL),
            ]
            rss_before, load = _rss_mib(), os.getloadavg()[0]
            cpu, server_cpu = _cpu_self(), servers.cpu_seconds()
            start = time.perf_counter()
            with watch.patched(targets):
                report = asyncio.run(pipeline.fetch_round())
            wall = time.perf_counter() - start
            cpu, server_cpu = _cpu_self() - cpu, servers.cpu_seconds() - server_cpu
            peak = _peak_rss_mib()  # before the checks below load every article

            with db.transaction(sessions) as session:
                articles = [
                    a for stage in Stage for a in repo.articles_at_stage(session, stage, 10**7)
                ]
    index_of = {servers.layout.path(i): i for i in range(servers.layout.pages)}
    with_page = [a for a in articles if a.text_source is TextSource.PAGE]
    kept = sum(
        marker_key(index_of.get("/" + a.url.split("/", 3)[-1], -1)) in a.text for a in with_page
    )
    errors = Counter(_error_kind(a.error) for a in articles if a.error)
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "server_cpu_s": server_cpu,
        "load_before": load,
        "rss_before_mib": rss_before,
        "peak_rss_mib": peak,
        "new_articles": report.new_articles,
        "feed_errors": [f"{f.feed_url}: {f.error}" for f in report.errors],
        "articles": len(articles),
        "with_page_text": len(with_page),
        "page_errors": dict(errors),
        "stages": dict(Counter(a.stage.value for a in articles)),
        "marker_kept": kept,
        "distinct_hashes": len({a.content_hash for a in articles if a.content_hash}),
        "near_dup_groups": len({a.near_dup_group for a in articles}),
        "timers": {
            "seconds": dict(watch.seconds),
            "cpu_s": dict(watch.cpu),
            "calls": dict(watch.calls),
        },
    }


def _error_kind(error: str) -> str:
    """A page error without its URL, so equal causes count together."""
    return re.sub(r"^\S+: ", "", error)[:80]


def stage_split(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Stage rows on the event-loop thread: wall seconds (they add up to the round's wall time),
    CPU seconds (they add up to the process's CPU time) and calls."""
    timers = result["timers"]

    def row(stage: str, key: str, minus: str | None = None, calls: str | None = None) -> Any:
        wall, cpu = timers["seconds"].get(key, 0.0), timers["cpu_s"].get(key, 0.0)
        if minus:
            wall, cpu = (
                wall - timers["seconds"].get(minus, 0.0),
                cpu - timers["cpu_s"].get(minus, 0.0),
            )
        count = timers["calls"].get(calls or key, 0)
        return {"stage": stage, "seconds": wall, "cpu_s": cpu, "calls": count}

    rows = [
        row("feed parse", "feed parse"),
        row("page decode", "page decode"),
        row("extraction", "extraction"),
        row("dedupe: shingles + MinHash", "dedupe compute", calls="dedupe total"),
        row("dedupe: lookups + band writes", "dedupe total", minus="dedupe compute"),
        row("other database work", "transactions", minus="dedupe total"),
    ]
    rest = {
        "stage": "HTTP, asyncio, waiting (rest)",
        "seconds": result["wall_s"] - sum(r["seconds"] for r in rows),
        "cpu_s": result["cpu_s"] - sum(r["cpu_s"] for r in rows),
        "calls": 0,
    }
    return [*rows, rest]


# ------------------------------------------------------------------------------------- peer


def run_peer(servers: Servers) -> dict[str, Any]:
    """The peer in a fresh process, so that its memory and imports are its own."""
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            *("--role", "peer", "--pages", str(servers.layout.pages)),
            *("--ports", ",".join(map(str, servers.ports)), "--bases", str(servers.layout.bases)),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the peer failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def peer(ports: list[int], layout: Layout) -> int:
    """Child role: ingest like a simple script would, then print one JSON line of results."""
    import sqlite3

    import feedparser  # type: ignore[import-untyped]
    import httpx
    import trafilatura

    _quiet()
    index_of = {layout.path(i): i for i in range(layout.pages)}

    async def ingest(connection: sqlite3.Connection) -> Counter[str]:
        failures: Counter[str] = Counter()
        feeds = asyncio.Semaphore(FEED_CONCURRENCY)
        async with httpx.AsyncClient(timeout=30.0) as client:

            async def one_feed(url: str) -> None:
                async with feeds:
                    response = await client.get(url)
                    entries = feedparser.parse(response.content).entries
                    host = asyncio.Semaphore(HOST_CONCURRENCY)

                    async def one_page(entry: Any) -> None:
                        try:
                            async with host:
                                page = await client.get(entry.link)
                            page.raise_for_status()
                            text = trafilatura.extract(page.text, url=entry.link) or ""
                        except Exception as exc:  # a simple script logs and goes on
                            failures[type(exc).__name__] += 1
                            text = ""
                        connection.execute(
                            "INSERT OR IGNORE INTO articles (url, title, text) VALUES (?, ?, ?)",
                            (entry.link, entry.get("title", ""), text),
                        )

                    await asyncio.gather(*(one_page(entry) for entry in entries))
                    connection.commit()

            urls = [f"http://127.0.0.1:{port}/feed.xml" for port in ports]
            await asyncio.gather(*(one_feed(url) for url in urls))
        return failures

    with tempfile.TemporaryDirectory(prefix="storywire-ingest-peer-") as tmp:
        connection = sqlite3.connect(Path(tmp) / "peer.db")
        connection.execute("CREATE TABLE articles (url TEXT PRIMARY KEY, title TEXT, text TEXT)")
        rss_before, load = _rss_mib(), os.getloadavg()[0]
        cpu = _cpu_self()
        start = time.perf_counter()
        failures = asyncio.run(ingest(connection))
        wall = time.perf_counter() - start
        cpu = _cpu_self() - cpu
        peak = _peak_rss_mib()
        rows = connection.execute("SELECT url, text FROM articles").fetchall()
        connection.close()
    with_text = [(url, text) for url, text in rows if text.strip()]
    kept = sum(
        marker_key(index_of.get("/" + url.split("/", 3)[-1], -1)) in text for url, text in with_text
    )
    result = {
        "wall_s": wall,
        "cpu_s": cpu,
        "load_before": load,
        "rss_before_mib": rss_before,
        "peak_rss_mib": peak,
        "articles": len(rows),
        "with_page_text": len(with_text),
        "page_errors": dict(failures),
        "marker_kept": kept,
    }
    print(json.dumps(result))
    return 0


# ------------------------------------------------------------------------------------ report


def _quiet() -> None:
    logging.basicConfig(level=logging.ERROR)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.ERROR)


def print_report(report: dict[str, Any]) -> None:
    ours, theirs = report["storywire"], report["peer"]
    setup = report["setup"]
    print(
        f"storywire ingestion: {setup['pages']} pages ({setup['real_pages']} real pages, "
        f"copies made distinct) from {setup['hosts']} local hosts; {setup['database']}; "
        f"{setup['cpus']} CPUs; {FEED_CONCURRENCY} feeds x {HOST_CONCURRENCY} requests per host"
    )
    print("peer: asyncio + httpx + feedparser + trafilatura.extract + sqlite3, same concurrency")
    print(f"{'':28s} {'storywire':>12s} {'peer':>12s}")
    lines = [
        ("articles stored", "articles", "d"),
        ("  with the page's text", "with_page_text", "d"),
        ("  injected sentence kept", "marker_kept", "d"),
        ("wall time (s)", "wall_s", ".1f"),
        ("articles/s (page text)", "articles_per_s", ".1f"),
        ("CPU, its process (s)", "cpu_s", ".1f"),
        ("articles per CPU second", "articles_per_cpu_s", ".1f"),
        ("load average before", "load_before", ".1f"),
        ("RSS before the round (MiB)", "rss_before_mib", ".0f"),
        ("peak RSS (MiB)", "peak_rss_mib", ".0f"),
    ]
    for label, key, spec in lines:
        print(f"{label:28s} {ours[key]:>12{spec}} {theirs[key]:>12{spec}}")
    ratio = report["ratio"]
    print(
        f"storywire / peer: speed x{ratio['articles_per_s']:.2f} (per CPU second "
        f"x{ratio['articles_per_cpu_s']:.2f}), peak memory x{ratio['peak_rss']:.2f}"
    )
    print()
    print("storywire's round by stage (one event-loop thread; wall rows add up to the wall time)")
    print(
        f"{'stage':32s} {'wall s':>7s} {'share':>6s} {'CPU s':>7s} {'calls':>6s} "
        f"{'CPU ms/call':>11s} {'per CPU s':>9s}"
    )
    for row in ours["stage_split"]:
        calls, cpu = row["calls"], row["cpu_s"]
        share = row["seconds"] / ours["wall_s"] if ours["wall_s"] else 0.0
        per_call = f"{1000 * cpu / calls:11.1f}" if calls else f"{'':11s}"
        rate = f"{calls / cpu:9.1f}" if calls and cpu > 0 else f"{'':9s}"
        print(
            f"{row['stage']:32s} {row['seconds']:7.1f} {share:6.1%} {cpu:7.1f} {calls:6d} "
            f"{per_call} {rate}"
        )
    timers = ours["timers"]
    detail = ", ".join(
        f"{name} {1000 * timers['cpu_s'].get(f'repo.{name}', 0.0) / calls:.1f}"
        for name in REPO_DETAIL
        if (calls := timers["calls"].get(f"repo.{name}", 0))
    )
    print(f"database calls, CPU ms per call (before commit): {detail}")
    print(
        f"CPU: storywire's process {ours['cpu_s']:.1f} s in {ours['wall_s']:.1f} s wall "
        f"({ours['cpu_s'] / ours['wall_s']:.0%} of one core); page server "
        f"{ours['server_cpu_s']:.1f} s"
    )
    print(
        f"dedupe: {ours['distinct_hashes']} distinct content hashes, {ours['near_dup_groups']} "
        f"near-duplicate groups (copies of {setup['real_pages_used']} real pages)"
    )
    print(f"stages reached: {ours['stages']}")
    errors = ours["feed_errors"] or "none"
    print(f"storywire feed errors: {errors}; page errors: {ours['page_errors'] or 'none'}")
    print(f"peer page errors: {theirs['page_errors'] or 'none'}")


def build_report(
    args: argparse.Namespace, servers: Servers, ours: dict[str, Any], theirs: dict[str, Any]
) -> dict[str, Any]:
    for result in (ours, theirs):
        result["articles_per_s"] = result["with_page_text"] / result["wall_s"]
        result["articles_per_cpu_s"] = result["with_page_text"] / result["cpu_s"]
    ours["stage_split"] = stage_split(ours)
    database = (
        "SQLite (fresh, temp dir)"
        if args.database == "sqlite"
        else f"{args.database.split(':', 1)[0]} (--database, upgraded)"
    )
    return {
        "benchmark": "end-to-end ingestion over local HTTP",
        "setup": {
            "pages": args.pages,
            "real_pages": servers.layout.bases,
            "real_pages_used": min(args.pages, servers.layout.bases),
            "real_pages_without_body_paragraph": servers.wrapped,
            "hosts": servers.layout.hosts,
            "feed_concurrency": FEED_CONCURRENCY,
            "host_concurrency": HOST_CONCURRENCY,
            "database": database,
            "cpus": len(os.sched_getaffinity(0)),
            "python": platform.python_version(),
            "versions": {
                name: version(name)
                for name in ("storywire", "trafilatura", "httpx", "feedparser", "sqlalchemy")
            },
        },
        "storywire": ours,
        "peer": theirs,
        "ratio": {
            "articles_per_s": ours["articles_per_s"] / theirs["articles_per_s"],
            "articles_per_cpu_s": ours["articles_per_cpu_s"] / theirs["articles_per_cpu_s"],
            "peak_rss": ours["peak_rss_mib"] / theirs["peak_rss_mib"],
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="distinct article URLs to serve")
    parser.add_argument(
        "--database", default="sqlite", help="'sqlite' (a fresh temp file) or an empty database URL"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="extraction worker processes (storywire's extract_workers setting; 0: in-process)",
    )
    parser.add_argument("--role", choices=("main", "serve", "peer"), help=argparse.SUPPRESS)
    parser.add_argument("--ports", help=argparse.SUPPRESS)
    parser.add_argument("--bases", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "serve":
        return serve(args.pages)
    if args.role == "peer":
        return peer([int(p) for p in args.ports.split(",")], Layout(args.pages, args.bases))
    if args.pages < 1:
        parser.error("--pages must be at least 1")
    if data_missing([AEB / "ground-truth.json", AEB / "html"], EXPECTED):
        return 2
    _quiet()
    servers = Servers(args.pages)
    try:
        try:
            ours = run_storywire(servers, args.database, args.workers)
        except RefusedError as exc:
            print(exc, file=sys.stderr)
            return 2
        theirs = run_peer(servers)
    finally:
        servers.close()
    report = build_report(args, servers, ours, theirs)
    print_report(report)
    save_results(RESULTS, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
