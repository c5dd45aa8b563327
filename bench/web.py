"""Reader under load: `storywire serve` over a seeded database next to a static ASGI peer.

    .venv/bin/python bench/web.py                              # 10,000 stories, ~2 min once seeded
    .venv/bin/python bench/web.py --stories 500 --duration 3   # a quick check
    .venv/bin/python bench/web.py --database-url postgresql://...  # seeded if empty

Data (read from ../shared/data at run time, never copied): the Multi-News validation sample
(`summarization/multinews-val250.jsonl`), 250 rows of 1-9 real source articles (`documents`,
already split; the "|||||" marker of raw Multi-News does not occur in this file).

Seed. Each of the 250 rows is written once into a story revision: by default with the real
`ExtractiveWriter(default_embedder()).write(articles)` (one `SourceArticle` per document, id =
position + 1, title = the document's first sentence by `split_sentences`, outlet "source i"),
0.8-2 s a row, cached in bench/results/web-written-extractive.json (keyed by a digest of the
data file and of the writer's source) so the 3.5-9 minutes are spent once; `--writer lead` writes
the documents' first sentences instead, in a second. Story i (0 <= i < --stories) is row
i mod 250, copy k = i div 250: its own articles (one per document, its own URL, the document as
text, its first sentence as title), 40 synthetic outlets "Outlet 01".."Outlet 40" assigned
round-robin over the articles, one story (headline "... (k)" for k >= 1, slug from the headline
and i), one membership per article and one revision whose highlights and body are the row's
written sentences with their citations mapped to this copy's article ids. Times are spread over
30 days (story i at a pseudo-shuffled point, its articles 17 minutes apart); importance comes from
`storywire.stories.importance` as in the pipeline. Everything goes through `store.repo` and
`store.db`, committed 250 stories per transaction. The default database is SQLite at
bench/results/web-seed-<N>-<writer>.sqlite, reused while it holds exactly N stories (`--reseed`
rebuilds it); a `--database-url` database is seeded when empty, reused when it holds N stories,
and rebuilt (downgraded to nothing and upgraded) only with `--reseed`.

Serve. `storywire serve` (the console script next to this interpreter) in its own process, with
STORYWIRE_DATABASE_URL, STORYWIRE_WEB_HOST=127.0.0.1 and STORYWIRE_WEB_PORT=<a free port>,
and `--workers N` from this script's flag (default: one per CPU, the deployment docs/reader.md
advises). It is ready when GET / answers 200; it is stopped at the end (SIGTERM, then SIGKILL
after 10 s).

Load. wrk (`-t2 -c32 -d10s --latency --timeout 10s` by default; see --help) with a Lua script
that rotates over the endpoint's paths, each wrk thread from its own offset: home `/`, story
`/stories/<id>` over every seeded story id in a seeded shuffle (so no one cached page flatters
the figure), search `/search?q=<word>` over up to 100 words taken from the headlines, and the
Atom feed `/feeds/top.atom`. Each endpoint is warmed up (`--warmup` seconds, not counted) and then
measured. Without wrk (or with `--load python`), the load comes from `--threads` processes of
asyncio + httpx keep-alive clients that record every request's latency. Latency is closed-loop
(the next request on a connection waits for the previous answer), from send to last byte.
Before the load, 20 requests per endpoint check the status codes; wrk's "Non-2xx or 3xx
responses" and socket errors are reported for the load itself. A route whose answers are not 2xx
(e.g. search before it exists) is marked "not 2xx", measured anyway, and kept out of the target.

Peer, in the same run: the exact answer (status, headers, body) to one story page request,
the home page, the first search and the feed, fetched from our server first, served by a tiny
pure-ASGI app (no FastAPI, no database; the same headers too, ETag included, but for the ones
uvicorn writes) under the same uvicorn with the settings `storywire serve` gives it (log level
warning, so no access log) and the same worker count, in its own process, loaded identically;
ours and the peer are measured in turn per endpoint. It is a ceiling for this machine, load
generator and uvicorn included. The ratio is ours / peer requests per second. "srv ms/req" is
the server process tree's CPU time (user + system, from /proc) during the measured load divided by
the requests answered.

Target (issue #16; #6 asked for 500): with 10,000 stories, the story page at >= 1,000
requests/s with p99 < 100 ms on 2 cores, served alone. Results go to stdout and
bench/results/web.json (git-ignored).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import json
import logging
import math
import multiprocessing
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from harness import DATA, RESULTS_DIR, data_missing, save_results

ROOT = Path(__file__).resolve().parents[1]
FILE = DATA / "summarization" / "multinews-val250.jsonl"
RESULTS = RESULTS_DIR / "web.json"
WRITER_SOURCE = ROOT / "src" / "storywire" / "write" / "extractive.py"
OUTLETS = 40
BATCH = 250  # stories per transaction
SPREAD = timedelta(days=30)
END = datetime(2025, 6, 30, 18, 0, tzinfo=UTC)
ARTICLE_GAP = timedelta(minutes=17)
TARGET_RPS, TARGET_P99_MS, TARGET_STORIES = 1000.0, 100.0, 10_000
ENDPOINTS = ("home", "story", "search", "feed")
CHECK_REQUESTS = 20
SEARCH_WORDS = 100
STOP_WORDS = frozenset(
    "about after again against before being below between could during every first under "
    "their there these those through until where which while would other since still".split()
)


# ------------------------------------------------------------------------------------------ data


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    documents: list[str]


@dataclass(frozen=True, slots=True)
class Written:
    """One row's story: sentences with citations as 1-based positions of the row's documents."""

    headline: str
    highlights: list[tuple[str, tuple[int, ...]]]
    body: list[tuple[str, tuple[int, ...]]]


def load_rows() -> list[Row]:
    rows = []
    for line in FILE.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            documents = [d for d in row["documents"] if d.strip()]
            if documents:
                rows.append(Row(str(row["id"]), documents))
    return rows


def first_sentence(document: str, limit: int = 200) -> str:
    from storywire.nlp.sentences import split_sentences

    sentences = split_sentences(document)
    title = sentences[0] if sentences else " ".join(document.split())
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def _digest(*paths: Path) -> str:
    hasher = hashlib.sha256()
    for path in paths:
        hasher.update(path.read_bytes())
    return hasher.hexdigest()[:16]


# --------------------------------------------------------------------------------------- writing


def write_extractive(rows: Sequence[Row]) -> list[Written]:
    from storywire.nlp.embed import default_embedder
    from storywire.write.extractive import ExtractiveWriter, SourceArticle

    writer = ExtractiveWriter(default_embedder())
    written = []
    for row in rows:
        articles = [
            SourceArticle(id=j, title=first_sentence(d), text=d, outlet=f"source {j}")
            for j, d in enumerate(row.documents, start=1)
        ]
        story = writer.write(articles)
        written.append(
            Written(
                headline=story.headline or articles[0].title,
                highlights=[(h.text, tuple(h.citations)) for h in story.highlights],
                body=[(s.text, tuple(s.citations)) for s in story.story],
            )
        )
    return written


def write_lead(rows: Sequence[Row], words: int = 200) -> list[Written]:
    """The cheap writer: the documents' first sentences, round-robin, up to `words` words."""
    from storywire.nlp.sentences import split_sentences

    written = []
    for row in rows:
        per_document = [split_sentences(d) for d in row.documents]
        body: list[tuple[str, tuple[int, ...]]] = []
        used = 0
        for depth in range(max(len(s) for s in per_document)):
            for j, sentences in enumerate(per_document, start=1):
                if depth < len(sentences) and used < words:
                    body.append((sentences[depth], (j,)))
                    used += len(sentences[depth].split())
        highlights: list[tuple[str, tuple[int, ...]]] = []
        for j, sentences in enumerate(per_document, start=1):
            if sentences and len(highlights) < 3:
                highlights.append((sentences[0], (j,)))
        written.append(Written(first_sentence(row.documents[0]), highlights, body))
    return written


def written_rows(rows: Sequence[Row], writer: str) -> tuple[list[Written], dict[str, Any]]:
    """Each row written once; the extractive writer's output is cached between runs."""
    if writer == "lead":
        start = time.perf_counter()
        written = write_lead(rows)
        return written, {"writer": writer, "seconds": round(time.perf_counter() - start, 2)}
    cache = RESULTS_DIR / "web-written-extractive.json"
    key = _digest(FILE, WRITER_SOURCE)
    if cache.is_file():
        stored = json.loads(cache.read_text(encoding="utf-8"))
        if stored.get("key") == key and len(stored["rows"]) >= len(rows):
            written = [
                Written(
                    r["headline"],
                    [(t, tuple(c)) for t, c in r["highlights"]],
                    [(t, tuple(c)) for t, c in r["body"]],
                )
                for r in stored["rows"][: len(rows)]
            ]
            info = {"writer": writer, "cached": True, "seconds": stored["seconds"], "key": key}
            return written, info
    print(f"writing {len(rows)} stories with ExtractiveWriter (cached afterwards) ...", flush=True)
    start = time.perf_counter()
    written = write_extractive(rows)
    seconds = round(time.perf_counter() - start, 2)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    cache.write_text(
        json.dumps({"key": key, "seconds": seconds, "rows": [asdict(w) for w in written]}) + "\n",
        encoding="utf-8",
    )
    print(f"  written in {seconds:.0f} s ({seconds / len(rows):.2f} s a story)", flush=True)
    return written, {"writer": writer, "cached": False, "seconds": seconds, "key": key}


# --------------------------------------------------------------------------------------- seeding


def story_time(i: int, n: int) -> datetime:
    """Story i's latest coverage: spread over SPREAD, in a fixed pseudo-shuffled order."""
    step = 7919 if math.gcd(7919, n) == 1 else 1
    return END - SPREAD * (((i * step) % n) / n)


def seed(url: str, n: int, rows: Sequence[Row], written: Sequence[Written]) -> dict[str, int]:
    from storywire.models import (
        CitedText,
        JoinReason,
        Membership,
        NewArticle,
        NewOutlet,
        NewStory,
        NewStoryRevision,
        Stage,
        TextSource,
    )
    from storywire.slugs import story_slug
    from storywire.store import db, repo
    from storywire.stories.importance import Coverage, front_rank
    from storywire.write.timeline import Coverage as TimelinePoint
    from storywire.write.timeline import coverage_svg

    with db.engine_for(url) as engine:
        db.upgrade(engine)
    counts = Counter[str]()
    with db.connect(url) as sessions:
        with db.transaction(sessions) as session:
            outlets = [
                repo.upsert_outlet(
                    session,
                    NewOutlet(
                        name=f"Outlet {o:02d}",
                        homepage=f"https://outlet-{o:02d}.example/",
                        slug=f"outlet-{o:02d}",
                        language="en",
                    ),
                )
                for o in range(1, OUTLETS + 1)
            ]
        counts["outlets"] = len(outlets)
        for start in range(0, n, BATCH):
            with db.transaction(sessions) as session:
                for i in range(start, min(n, start + BATCH)):
                    row, story = rows[i % len(rows)], written[i % len(rows)]
                    copy = i // len(rows)
                    latest = story_time(i, n)
                    ids: list[int] = []
                    times: list[datetime] = []
                    names: list[str] = []
                    coverage = []
                    for j, document in enumerate(row.documents):
                        outlet = outlets[counts["articles"] % OUTLETS]
                        when = latest - ARTICLE_GAP * (len(row.documents) - 1 - j)
                        url_ = f"{outlet.homepage}{row.id}/{copy}/{j + 1}"
                        article, _ = repo.add_article(
                            session,
                            NewArticle(
                                url=url_,
                                canonical_url=url_,
                                title=first_sentence(document),
                                text=document,
                                outlet_id=outlet.id,
                                published_at=when,
                                fetched_at=when,
                                language="en",
                                stage=Stage.WRITTEN,
                                text_source=TextSource.IMPORT,
                            ),
                        )
                        assert article.id is not None
                        ids.append(article.id)
                        times.append(when)
                        names.append(outlet.name)
                        coverage.append(Coverage(outlet.id, when, None, article.id))
                        counts["articles"] += 1
                    headline = story.headline if copy == 0 else f"{story.headline} ({copy})"
                    first = latest - ARTICLE_GAP * (len(row.documents) - 1)
                    # As the pipeline stores it: the coverage chart is drawn when coverage changes.
                    chart = coverage_svg(
                        [TimelinePoint(when, name) for when, name in zip(times, names, strict=True)]
                    )
                    stored = repo.add_story(
                        session,
                        NewStory(
                            slug=story_slug(headline, i + 1),
                            headline=headline,
                            published_at=first,
                            updated_at=latest,
                            front_rank=front_rank(coverage),
                            timeline_svg=chart,
                        ),
                    )
                    assert stored.id is not None
                    for article_id, when in zip(ids, times, strict=True):
                        repo.add_membership(
                            session, Membership(stored.id, article_id, when, JoinReason.NEW_STORY)
                        )
                        counts["memberships"] += 1

                    def cited(
                        items: list[tuple[str, tuple[int, ...]]], ids: list[int] = ids
                    ) -> list[CitedText]:
                        return [CitedText(t, tuple(ids[c - 1] for c in cs)) for t, cs in items]

                    repo.add_revision(
                        session,
                        NewStoryRevision(
                            story_id=stored.id,
                            number=0,
                            created_at=latest,
                            headline=headline,
                            highlights=cited(story.highlights),
                            story=cited(story.body),
                        ),
                    )
                    counts["stories"] += 1
                    counts["revisions"] += 1
            if (start // BATCH) % 8 == 7:
                print(f"  {counts['stories']:,} of {n:,} stories", flush=True)
    return dict(counts)


def stored_stories(url: str) -> tuple[list[int], list[str]] | None:
    """Story ids and headlines, or None when the database is missing or not at the schema."""
    from sqlalchemy import select

    from storywire.errors import StorywireError
    from storywire.store import db
    from storywire.store.tables import StoryRow

    try:
        with db.connect(url) as sessions, db.transaction(sessions) as session:
            found = session.execute(select(StoryRow.id, StoryRow.headline).order_by(StoryRow.id))
            pairs = list(found)
    except StorywireError:
        return None
    except Exception as exc:  # no such table, cannot connect: treat as not seeded
        logging.getLogger(__name__).debug("cannot read %s: %s", url, exc)
        return None
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _sqlite_path(url: str) -> Path | None:
    from sqlalchemy import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(parsed.database or "")
    return None


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@dataclass(frozen=True, slots=True)
class Seeded:
    url: str
    ids: list[int]
    headlines: list[str]
    info: dict[str, Any]


def ensure_seeded(args: argparse.Namespace) -> Seeded:
    """The database at N stories: reused, or (re)built and seeded."""
    default = args.database_url is None
    path: Path | None
    if default:
        path = RESULTS_DIR / f"web-seed-{args.stories}-{args.writer}.sqlite"
        url = f"sqlite:///{path}"
    else:
        url = args.database_url
        path = _sqlite_path(url)
    sidecar = path.with_suffix(".seed.json") if path is not None else None
    found = None if args.reseed else stored_stories(url)
    if found is not None and len(found[0]) == args.stories:
        info: dict[str, Any] = {"cached": True}
        if sidecar is not None and sidecar.is_file():
            info |= json.loads(sidecar.read_text(encoding="utf-8"))
            info["cached"] = True
        return Seeded(url, found[0], found[1], {"url": _display_url(url), **info})
    if found is not None and found[0] and not default and not args.reseed:
        raise SystemExit(
            f"{_display_url(url)} holds {len(found[0]):,} stories, not {args.stories:,}: "
            "give an empty database, or --reseed to drop its tables and seed it again"
        )
    from storywire.store import db

    if path is not None and (default or args.reseed):
        _remove_sqlite(path)
        if sidecar is not None:
            sidecar.unlink(missing_ok=True)
    elif args.reseed:
        with db.engine_for(url) as engine:
            db.downgrade(engine, "base")
    rows = load_rows()[: args.stories]
    start = time.perf_counter()
    written, writing = written_rows(rows, args.writer)
    print(f"seeding {args.stories:,} stories into {_display_url(url)} ...", flush=True)
    seed_start = time.perf_counter()
    counts = seed(url, args.stories, rows, written)
    info = {
        "cached": False,
        "writing": writing,
        "database_seconds": round(time.perf_counter() - seed_start, 2),
        "total_seconds": round(time.perf_counter() - start, 2),
        "counts": counts,
        "seeded_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if sidecar is not None:
        sidecar.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    if path is not None:
        info["file_mib"] = round(path.stat().st_size / 2**20, 1)
    print(
        f"  seeded in {info['database_seconds']:.0f} s (writing {writing['seconds']:.0f} s"
        f"{', cached' if writing.get('cached') else ''}): {counts}",
        flush=True,
    )
    found = stored_stories(url)
    assert found is not None and len(found[0]) == args.stories
    return Seeded(url, found[0], found[1], {"url": _display_url(url), **info})


def _display_url(url: str) -> str:
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)


# --------------------------------------------------------------------------------------- servers

PEER_APP = '''
"""Static ASGI peer: fixed response bytes per route, nothing else."""
import base64
import json
import os
from pathlib import Path

_manifest = json.loads(Path(os.environ["WEB_BENCH_BODIES"]).read_text())
_routes = {}
for _name, _r in _manifest.items():
    _body = base64.b64decode(_r["body"])
    _headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in _r["headers"]]
    _headers.append((b"content-length", str(len(_body)).encode()))
    _routes[_name] = (_r["status"], _headers, _body)
_missing = (404, [(b"content-type", b"text/plain"), (b"content-length", b"0")], b"")


def _route(path):
    if path == "/":
        return _routes.get("home", _missing)
    if path.startswith("/stories/"):
        return _routes.get("story", _missing)
    if path == "/search":
        return _routes.get("search", _missing)
    if path == "/feeds/top.atom":
        return _routes.get("feed", _missing)
    return _missing


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    status, headers, body = _route(scope["path"])
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def storywire_command() -> list[str]:
    script = Path(sys.executable).parent / "storywire"
    if script.is_file():
        return [str(script)]
    found = shutil.which("storywire")
    if found is None:
        raise SystemExit("the storywire console script was not found (pip install -e .)")
    return [found]


# Headers that uvicorn writes itself, or that describe the connection rather than the answer.
HOP_HEADERS = frozenset({"date", "server", "content-length", "transfer-encoding", "connection"})


def http_get(url: str, timeout: float = 30.0) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) of one GET; HTTP errors are answers, not exceptions."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, list(response.headers.items()), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, list(exc.headers.items()), exc.read()


class Server:
    """A server in its own process group, ready once GET / answers 200."""

    def __init__(
        self, name: str, command: list[str], env: dict[str, str], port: int, tmp: Path
    ) -> None:
        self.name, self.port = name, port
        self.base = f"http://127.0.0.1:{port}"
        self.log = tmp / f"{name}.log"
        with self.log.open("wb") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                command,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 120.0, any_status: bool = False) -> float:
        """Seconds until GET / answers 200 (any status at all with `any_status`)."""
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} server exited early:\n{self.log_tail()}")
            with contextlib.suppress(OSError):
                status = http_get(self.base + "/", timeout=30.0)[0]
                if status == 200 or any_status:
                    return time.perf_counter() - start
            time.sleep(0.2)
        raise SystemExit(f"{self.name} server: GET / did not answer in {timeout:.0f} s")

    def log_tail(self, lines: int = 20) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def cpu_seconds(self) -> float:
        return sum(_cpu_of(pid) for pid in _tree(self.process.pid))

    def rss_mib(self) -> float:
        total = 0
        for pid in _tree(self.process.pid):
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        return round(total / 1024, 1)

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def _tree(pid: int) -> list[int]:
    """The process and its descendants (from /proc/<pid>/task/*/children)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
    return found


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_ours(url: str, workers: int, tmp: Path) -> Server:
    port = free_port()
    env = {
        **os.environ,
        "STORYWIRE_DATABASE_URL": url,
        "STORYWIRE_WEB_HOST": "127.0.0.1",
        "STORYWIRE_WEB_PORT": str(port),
        "NO_COLOR": "1",
    }
    command = [*storywire_command(), "serve", "--workers", str(workers)]
    return Server("storywire", command, env, port, tmp)


def start_peer(bodies: dict[str, dict[str, Any]], workers: int, tmp: Path) -> Server:
    (tmp / "web_bench_peer.py").write_text(PEER_APP, encoding="utf-8")
    manifest = tmp / "bodies.json"
    manifest.write_text(json.dumps(bodies), encoding="utf-8")
    port = free_port()
    code = (  # uvicorn as `storywire serve` runs it: log level warning, so no access log
        "import uvicorn; uvicorn.run('web_bench_peer:app', host='127.0.0.1', "
        f"port={port}, log_level='warning', workers={workers})"
    )
    env = {
        **os.environ,
        "WEB_BENCH_BODIES": str(manifest),
        "PYTHONPATH": os.pathsep.join(p for p in (str(tmp), os.environ.get("PYTHONPATH")) if p),
    }
    return Server("peer", [sys.executable, "-c", code], env, port, tmp)


# ------------------------------------------------------------------------------------------ load


@dataclass
class Load:
    requests: int
    seconds: float
    rps: float
    p50_ms: float | None
    p90_ms: float | None
    p99_ms: float | None
    non_2xx_3xx: int
    errors: dict[str, int] = field(default_factory=dict)
    server_cpu_ms_per_request: float | None = None
    generator: str = ""


WRK_SCRIPT = """
local paths = {%s}
local counter = 0
function setup(thread)
  thread:set("offset", counter * 7919)
  counter = counter + 1
end
local i = 0
function request()
  i = i + 1
  return wrk.format(nil, paths[((offset or 0) + i) %% #paths + 1])
end
"""


def wrk_script(paths: Sequence[str]) -> str:
    return WRK_SCRIPT % ",".join(json.dumps(p) for p in paths)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", value.strip()).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse_wrk(text: str) -> dict[str, Any]:
    percentiles = {
        float(p): _ms(v) for p, v in re.findall(r"^\s+([\d.]+)%\s+([\d.]+[a-z]+)\s*$", text, re.M)
    }
    done = re.search(r"(\d+) requests in ([\d.]+[a-z]+)", text)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if done is None or rps is None:
        raise RuntimeError(f"cannot read wrk's output:\n{text}")
    errors: dict[str, int] = {}
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    if socket_errors:
        for name, value in zip(
            ("connect", "read", "write", "timeout"), socket_errors.groups(), strict=True
        ):
            if int(value):
                errors[name] = int(value)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    return {
        "requests": int(done.group(1)),
        "seconds": _ms(done.group(2)) / 1000,
        "rps": float(rps.group(1)),
        "percentiles_ms": percentiles,
        "non_2xx_3xx": int(non_2xx.group(1)) if non_2xx else 0,
        "errors": errors,
    }


def run_wrk(
    base: str, paths: Sequence[str], args: argparse.Namespace, duration: float, tmp: Path
) -> Load:
    script = tmp / "rotate.lua"
    script.write_text(wrk_script(paths), encoding="utf-8")
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{duration:g}s"]
    command += ["--latency", f"--timeout={args.timeout:g}s", "-s", str(script), base + "/"]
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=duration + 120
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    parsed = parse_wrk(done.stdout)
    p = parsed["percentiles_ms"]
    return Load(
        requests=parsed["requests"],
        seconds=parsed["seconds"],
        rps=parsed["rps"],
        p50_ms=p.get(50.0),
        p90_ms=p.get(90.0),
        p99_ms=p.get(99.0),
        non_2xx_3xx=parsed["non_2xx_3xx"],
        errors=parsed["errors"],
        generator="wrk",
    )


def _python_worker(
    base: str, paths: list[str], connections: int, duration: float, timeout: float, offset: int
) -> tuple[list[float], dict[int, int], dict[str, int]]:
    """One load process: `connections` keep-alive loops for `duration` seconds."""
    import httpx

    async def run() -> tuple[list[float], dict[int, int], dict[str, int]]:
        latencies: list[float] = []
        statuses: Counter[int] = Counter()
        errors: Counter[str] = Counter()
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout) as client:
            deadline = time.perf_counter() + duration

            async def loop(start: int) -> None:
                i = start
                while time.perf_counter() < deadline:
                    i += 1
                    sent = time.perf_counter()
                    try:
                        response = await client.get(paths[i % len(paths)])
                        await response.aread()
                    except httpx.TimeoutException:
                        errors["timeout"] += 1
                        continue
                    except httpx.HTTPError:
                        errors["read"] += 1
                        continue
                    latencies.append((time.perf_counter() - sent) * 1000)
                    statuses[response.status_code] += 1

            await asyncio.gather(*(loop(offset + 7919 * c) for c in range(connections)))
        return latencies, dict(statuses), dict(errors)

    return asyncio.run(run())


def run_python_load(
    base: str, paths: Sequence[str], args: argparse.Namespace, duration: float
) -> Load:
    per_process = [
        args.connections // args.threads + (k < args.connections % args.threads)
        for k in range(args.threads)
    ]
    context = multiprocessing.get_context("spawn")
    with context.Pool(len(per_process)) as pool:
        started = time.perf_counter()
        results = pool.starmap(
            _python_worker,
            [
                (base, list(paths), c, duration, args.timeout, k * 104729)
                for k, c in enumerate(per_process)
                if c
            ],
        )
        elapsed = time.perf_counter() - started
    latencies = sorted(x for r in results for x in r[0])
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    for _, s, e in results:
        statuses.update(s)
        errors.update(e)
    seconds = min(elapsed, duration) if latencies else elapsed

    def pct(q: float) -> float | None:
        if not latencies:
            return None
        return latencies[min(len(latencies) - 1, math.ceil(q / 100 * len(latencies)) - 1)]

    return Load(
        requests=len(latencies),
        seconds=round(seconds, 2),
        rps=round(len(latencies) / seconds, 2) if seconds else 0.0,
        p50_ms=pct(50),
        p90_ms=pct(90),
        p99_ms=pct(99),
        non_2xx_3xx=sum(v for k, v in statuses.items() if not 200 <= k < 400),
        errors=dict(errors),
        generator="python (multiprocessing + asyncio + httpx keep-alive)",
    )


def measure(server: Server, paths: Sequence[str], args: argparse.Namespace, tmp: Path) -> Load:
    def load(duration: float) -> Load:
        if args.load == "wrk":
            return run_wrk(server.base, paths, args, duration, tmp)
        return run_python_load(server.base, paths, args, duration)

    if args.warmup > 0:
        load(args.warmup)
    before = server.cpu_seconds()
    result = load(args.duration)
    used = server.cpu_seconds() - before
    if result.requests:
        result.server_cpu_ms_per_request = round(1000 * used / result.requests, 3)
    return result


def status_check(base: str, paths: Sequence[str]) -> tuple[dict[int, int], float]:
    """Status codes and mean body size of the first CHECK_REQUESTS paths, before the load."""
    statuses: Counter[int] = Counter()
    sizes = []
    for path in list(paths)[:CHECK_REQUESTS]:
        status, _, body = http_get(base + path)
        statuses[status] += 1
        sizes.append(len(body))
    return dict(sorted(statuses.items())), sum(sizes) / max(len(sizes), 1)


# -------------------------------------------------------------------------------------- endpoints


def search_words(headlines: Sequence[str]) -> list[str]:
    counts = Counter(
        word
        for headline in headlines
        for word in re.findall(r"[a-z]+", headline.lower())
        if len(word) >= 5 and word not in STOP_WORDS
    )
    words = sorted(w for w, _ in counts.most_common(SEARCH_WORDS))
    random.Random(1).shuffle(words)
    return words


def endpoint_paths(ids: Sequence[int], headlines: Sequence[str]) -> dict[str, list[str]]:
    shuffled = list(ids)
    random.Random(0).shuffle(shuffled)
    return {
        "home": ["/"],
        "story": [f"/stories/{i}" for i in shuffled],
        "search": [f"/search?q={w}" for w in search_words(headlines)] or ["/search?q=news"],
        "feed": ["/feeds/top.atom"],
    }


def verdict(statuses: dict[int, int], load: Load) -> str:
    """ "ok" when every answer was 2xx and nothing failed, else what went wrong."""
    if statuses and not any(200 <= s < 300 for s in statuses):
        return "not 2xx (" + ",".join(str(s) for s in statuses) + ")"
    problems = []
    if any(not 200 <= s < 300 for s in statuses) or load.non_2xx_3xx:
        problems.append(f"{load.non_2xx_3xx} non-2xx")
    problems += [f"{n} {kind}" for kind, n in load.errors.items()]
    return ", ".join(problems) or "ok"


# ------------------------------------------------------------------------------------------ main


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def _f(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def fetch_bodies(
    base: str, endpoints: Sequence[str], paths: dict[str, list[str]]
) -> dict[str, dict[str, Any]]:
    """The exact answer to each endpoint's first path: what the peer will serve."""
    bodies = {}
    for endpoint in endpoints:
        status, headers, body = http_get(base + paths[endpoint][0])
        bodies[endpoint] = {
            "status": status,
            "headers": [(k.lower(), v) for k, v in headers if k.lower() not in HOP_HEADERS],
            "body": base64.b64encode(body).decode("ascii"),
            "bytes": len(body),
        }
    return bodies


def run_endpoints(
    args: argparse.Namespace,
    seeded: Seeded,
    endpoints: Sequence[str],
    workers: int,
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Both servers up, then per endpoint: ours loaded, then the peer; both stopped after."""
    paths = endpoint_paths(seeded.ids, seeded.headlines)
    rows: dict[str, dict[str, Any]] = {}
    servers: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="storywire-web-bench-") as name:
        tmp = Path(name)
        ours = start_ours(seeded.url, workers, tmp)
        peer: Server | None = None
        try:
            servers["ours_ready_s"] = round(ours.wait_ready(), 2)
            checks = {e: status_check(ours.base, paths[e]) for e in endpoints}
            bodies = fetch_bodies(ours.base, endpoints, paths)
            peer = start_peer(bodies, workers, tmp)
            servers["peer_ready_s"] = round(peer.wait_ready(any_status=True), 2)
            for endpoint in endpoints:
                print(f"loading {endpoint} ...", flush=True)
                statuses, mean_bytes = checks[endpoint]
                peer_statuses, _ = status_check(peer.base, paths[endpoint][:3])
                mine = measure(ours, paths[endpoint], args, tmp)
                theirs = measure(peer, paths[endpoint], args, tmp)
                rows[endpoint] = {
                    "paths": len(paths[endpoint]),
                    "example": paths[endpoint][0],
                    "status_check": {str(k): v for k, v in statuses.items()},
                    "peer_status_check": {str(k): v for k, v in peer_statuses.items()},
                    "mean_body_bytes": round(mean_bytes),
                    "peer_body_bytes": bodies[endpoint]["bytes"],
                    "verdict": verdict(statuses, mine),
                    "ours": asdict(mine),
                    "peer": asdict(theirs),
                    "rps_ratio": round(mine.rps / theirs.rps, 4) if theirs.rps else None,
                }
            servers["ours_rss_mib_at_end"] = ours.rss_mib()
            servers["peer_rss_mib_at_end"] = peer.rss_mib()
        finally:
            if peer is not None:
                peer.stop()
            ours.stop()
    return rows, servers


def target_check(rows: dict[str, dict[str, Any]], stories: int) -> dict[str, Any]:
    target: dict[str, Any] = {
        "endpoint": "story",
        "rps": TARGET_RPS,
        "p99_ms": TARGET_P99_MS,
        "stories": TARGET_STORIES,
        "at_target_size": stories >= TARGET_STORIES,
        "passed": None,
    }
    story = rows.get("story")
    if story is not None:
        mine = story["ours"]
        target["passed"] = bool(
            story["verdict"] == "ok"
            and mine["rps"] >= TARGET_RPS
            and mine["p99_ms"] is not None
            and mine["p99_ms"] < TARGET_P99_MS
        )
    return target


def print_report(report: dict[str, Any]) -> None:
    database, load, server = report["database"], report["load"], report["server"]
    if database["cached"]:
        seconds = database.get("total_seconds")
        seed_note = "cached" + (f", seeded earlier in {seconds:.0f} s" if seconds else "")
    else:
        seed_note = f"seeded now in {database['total_seconds']:.0f} s"
    if load["generator"] == "wrk":
        generator = (
            f"wrk -t{load['threads']} -c{load['connections']} -d{load['duration_s']:g}s "
            f"--latency --timeout {load['timeout_s']:g}s"
        )
    else:
        generator = (
            f"python load: {load['threads']} processes, {load['connections']} connections, "
            f"{load['duration_s']:g} s"
        )
    workers = server["workers"]
    print()
    print(
        f"Reader under load: {report['stories']:,} stories ({database['backend']}, {seed_note}); "
        f"storywire serve, {workers} process{'es' if workers > 1 else ''}"
        f"; {generator}, after "
        f"{load['warmup_s']:g} s of warm-up; {report['cpus']} CPUs shared by the load generator "
        "and the servers"
    )
    print(
        "peer: the same response bytes from a pure-ASGI app under the same uvicorn "
        "(no FastAPI, no database)"
    )
    print(
        f"{'endpoint':8s} {'answers':14s} {'ours rps':>9s} {'p50 ms':>7s} {'p99 ms':>7s} "
        f"{'srv ms/req':>10s} {'bytes':>7s} | {'peer rps':>9s} {'p50 ms':>7s} {'p99 ms':>7s} "
        f"{'srv ms/req':>10s} | {'ours/peer':>9s}"
    )
    for endpoint, r in report["endpoints"].items():
        mine, theirs = r["ours"], r["peer"]
        ratio = "-" if r["rps_ratio"] is None else f"x{r['rps_ratio']:.3f}"
        answers = r["verdict"] if len(r["verdict"]) <= 14 else "see below"
        print(
            f"{endpoint:8s} {answers:14s} {_f(mine['rps']):>9s} {_f(mine['p50_ms']):>7s} "
            f"{_f(mine['p99_ms']):>7s} {_f(mine['server_cpu_ms_per_request'], 2):>10s} "
            f"{r['mean_body_bytes']:>7,d} | {_f(theirs['rps']):>9s} {_f(theirs['p50_ms']):>7s} "
            f"{_f(theirs['p99_ms']):>7s} {_f(theirs['server_cpu_ms_per_request'], 2):>10s} | "
            f"{ratio:>9s}"
        )
    for endpoint, r in report["endpoints"].items():
        if r["verdict"] != "ok":
            print(
                f"  {endpoint}: {r['verdict']}; before the load, {r['example']} and the next "
                f"{CHECK_REQUESTS - 1} answered {r['status_check']}"
            )
    target = report["target"]
    story = report["endpoints"].get("story")
    if story is not None:
        mine = story["ours"]
        size = (
            "" if target["at_target_size"] else f" (at {report['stories']:,} stories, not 10,000)"
        )
        print(
            f"target, story page: >= {TARGET_RPS:.0f} requests/s and p99 < {TARGET_P99_MS:.0f} ms: "
            f"{'PASS' if target['passed'] else 'FAIL'} ({_f(mine['rps'])} requests/s, p99 "
            f"{_f(mine['p99_ms'])} ms){size}"
        )
    print(
        f"servers ready after: ours {server['ready_s']} s, peer {report['peer']['ready_s']} s; "
        f"RSS at the end: ours {server['rss_mib_at_end']} MiB, peer "
        f"{report['peer']['rss_mib_at_end']} MiB; load average at start "
        f"{', '.join(f'{x:.2f}' for x in report['load_average_at_start'])}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=10_000, help="stories in the database")
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: SQLite in bench/results)")
    parser.add_argument("--reseed", action="store_true", help="seed again even if cached")
    parser.add_argument(
        "--writer",
        choices=("extractive", "lead"),
        default="extractive",
        help="how the 250 rows are written (extractive: the real writer, cached)",
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads / load processes")
    parser.add_argument("--connections", type=int, default=32, help="open connections in all")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of load not counted")
    parser.add_argument("--timeout", type=float, default=10.0, help="request timeout, seconds")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="server processes (default: one per CPU, as docs/reader.md advises)",
    )
    parser.add_argument(
        "--load",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator (auto: wrk when installed)",
    )
    parser.add_argument(
        "--endpoints",
        default=",".join(ENDPOINTS),
        help=f"comma-separated subset of {','.join(ENDPOINTS)}",
    )
    args = parser.parse_args()
    endpoints = [e.strip() for e in args.endpoints.split(",") if e.strip()]
    if unknown := sorted(set(endpoints) - set(ENDPOINTS)):
        parser.error(f"unknown endpoints: {', '.join(unknown)}")
    if args.stories < 1 or args.threads < 1 or args.connections < args.threads:
        parser.error("need --stories >= 1 and --connections >= --threads >= 1")
    if args.duration <= 0 or args.warmup < 0 or args.workers < 1:
        parser.error("need --duration > 0, --warmup >= 0 and --workers >= 1")
    if args.load == "auto":
        args.load = "wrk" if shutil.which("wrk") else "python"
    elif args.load == "wrk" and shutil.which("wrk") is None:
        parser.error("wrk is not installed (Debian: apt-get install wrk); try --load python")
    if data_missing([FILE]):
        return 2
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("alembic", "storywire"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    load_avg = os.getloadavg()
    seeded = ensure_seeded(args)
    workers = args.workers
    rows, servers = run_endpoints(args, seeded, endpoints, workers)

    report = {
        "benchmark": "reader under load (storywire serve)",
        "python": platform.python_version(),
        "versions": {p: _version(p) for p in ("storywire", "fastapi", "starlette", "uvicorn")},
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in load_avg],
        "stories": args.stories,
        "database": {
            "backend": "SQLite" if _sqlite_path(seeded.url) else "PostgreSQL",
            **seeded.info,
        },
        "server": {
            "command": f"storywire serve --workers {workers}",
            "workers": workers,
            "ready_s": servers.get("ours_ready_s"),
            "rss_mib_at_end": servers.get("ours_rss_mib_at_end"),
        },
        "peer": {
            "what": "pure-ASGI app serving the fixed bytes under uvicorn, same worker count",
            "ready_s": servers.get("peer_ready_s"),
            "rss_mib_at_end": servers.get("peer_rss_mib_at_end"),
        },
        "load": {
            "generator": args.load,
            "threads": args.threads,
            "connections": args.connections,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "timeout_s": args.timeout,
        },
        "endpoints": rows,
        "target": target_check(rows, args.stories),
    }
    print_report(report)
    save_results(RESULTS, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
