"""Seed inputs for the fuzzers, built at run time (nothing is committed): the demo newsroom's
feeds, OPML, article pages and texts served over loopback, a JSONL line and a WARC record made
from one of its pages, and the real feeds in ../shared/data/feeds when that folder is there.
A fuzzer that starts from valid documents reaches far deeper than one starting from nothing.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storywire.demo.server import Newsroom, SimClock

SHARED_FEEDS = Path(__file__).resolve().parents[2] / "shared" / "data" / "feeds"
PAGES = 12


def write_seeds(root: Path) -> dict[str, Path]:
    """One folder of seed files per target under `root`."""
    folders = {name: root / name for name in ("feed", "opml", "html", "jsonl", "warc", "text")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    clock = SimClock(datetime(2026, 11, 2, tzinfo=UTC), start=timedelta(days=3))
    with Newsroom(clock=clock) as newsroom:
        outlets = list(newsroom.corpus.outlets)
        for outlet in outlets:
            # The first byte picks the content type the target passes (fuzz/targets.feed).
            body = httpx.get(newsroom.feed_url(outlet), timeout=10).content
            (folders["feed"] / f"{outlet}.xml").write_bytes(b"\x01" + body)
        (folders["opml"] / "newsroom.opml").write_bytes(httpx.get(newsroom.opml_url).content)
        released = newsroom.released()[:PAGES]
        for number, item in enumerate(released):
            page = httpx.get(item.url, timeout=10).content
            (folders["html"] / f"page-{number}.html").write_bytes(page)
            (folders["text"] / f"text-{number}.txt").write_text(
                "\n\n".join(item.article.paragraphs), encoding="utf-8"
            )
        page = (folders["html"] / "page-0.html").read_bytes()
    row = {"url": "https://a.example/story", "title": "A story", "html": page.decode()}
    (folders["jsonl"] / "rows.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    (folders["warc"] / "crawl.warc").write_bytes(_warc(page))
    if SHARED_FEEDS.is_dir():
        for path in SHARED_FEEDS.iterdir():
            (folders["feed"] / path.name).write_bytes(b"\x00" + path.read_bytes())
    return folders


def _warc(page: bytes) -> bytes:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    headers = StatusAndHeaders(
        "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
    )
    record = writer.create_warc_record(
        "https://a.example/story",
        "response",
        payload=io.BytesIO(page),
        length=len(page),
        http_headers=headers,
    )
    writer.write_record(record)
    return buffer.getvalue()
