from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storywire.errors import ParseError
from storywire.models import RawDocument
from storywire.sources.importers import read_documents

ARTICLE_HTML = (
    "<html><head><title>Tram vote</title></head><body><article><h1>Tram vote</h1>"
    + "<p>The council voted for the tram line after a long debate in the chamber.</p>" * 8
    + "</article></body></html>"
)


def test_jsonl_rows_and_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "articles.jsonl"
    rows = [
        {"url": "https://a.example/1", "title": "One", "text": "Body one.", "outlet": "A"},
        {"url": "https://a.example/2", "html": ARTICLE_HTML, "published": "2026-11-02T08:00:00Z"},
        "not an object",
        {"url": "ftp://a.example/3", "text": "x"},
        {"url": "https://a.example/4"},
    ]
    lines = [json.dumps(row) for row in rows] + ["{broken json", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    items = list(read_documents(path))
    documents = [i for i in items if isinstance(i, RawDocument)]
    errors = [i for i in items if isinstance(i, ParseError)]
    assert [d.url for d in documents] == ["https://a.example/1", "https://a.example/2"]
    assert documents[0].outlet == "A" and documents[0].text == "Body one."
    assert documents[1].published == datetime(2026, 11, 2, 8, tzinfo=UTC)
    assert len(errors) == 4 and all("articles.jsonl:" in str(e) for e in errors)


def _warc(path: Path) -> None:
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for url, content_type, body in (
            ("https://b.example/story", "text/html; charset=utf-8", ARTICLE_HTML.encode()),
            ("https://b.example/logo.png", "image/png", b"\x89PNG...."),
        ):
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), length=len(body), http_headers=headers
            )
            writer.write_record(record)


def test_warc_html_responses_become_documents(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc.gz"
    _warc(path)
    [document] = list(read_documents(path))
    assert isinstance(document, RawDocument)
    assert document.url == "https://b.example/story"
    assert document.html is not None and "tram line" in document.html
    assert document.published is not None and document.published.tzinfo is not None


def test_unreadable_files_are_clear_errors(tmp_path: Path) -> None:
    garbage = tmp_path / "bad.warc"
    garbage.write_bytes(b"this is not a warc file at all\n" * 10)
    assert all(isinstance(item, ParseError) for item in read_documents(garbage))
    with pytest.raises(ParseError, match="unknown file type"):
        list(read_documents(tmp_path / "notes.txt"))
    with pytest.raises(ParseError):
        list(read_documents(tmp_path / "missing.jsonl"))


def test_jsonl_published_forms(tmp_path: Path) -> None:
    """Timestamps go through storywire.timestamps (tested there); a bad one leaves the row
    undated and never stops the file (an offset past year 1 used to raise OverflowError)."""
    path = tmp_path / "dated.jsonl"
    published = [
        "2026-11-02T08:00:00+01:00",
        "Mon, 02 Nov 2026 08:00:00 GMT",
        "2026-11-02",
        "yesterday",
        None,
        "0001-01-01T00:00:00+01:00",
        "2026-11-03T00:00:00Z",
    ]
    rows = [
        {"url": f"https://a.example/{n}", "text": "Body.", "published": value}
        for n, value in enumerate(published)
    ]
    path.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    documents = list(read_documents(path))
    assert all(isinstance(d, RawDocument) for d in documents)
    assert [d.published for d in documents if isinstance(d, RawDocument)] == [
        datetime(2026, 11, 2, 7, tzinfo=UTC),
        datetime(2026, 11, 2, 8, tzinfo=UTC),
        datetime(2026, 11, 2, tzinfo=UTC),
        None,
        None,
        None,
        datetime(2026, 11, 3, tzinfo=UTC),
    ]


def test_a_warc_response_without_a_target_uri_is_a_parse_error(tmp_path: Path) -> None:
    """warcio raised AttributeError on it (atheris found it); the file's problem is ours to
    name, not a crash."""
    body = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html></html>"
    record = (
        b"WARC/1.0\r\nWARC-Type: response\r\nContent-Type: application/http; msgtype=response\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body + b"\r\n\r\n"
    )
    path = tmp_path / "broken.warc"
    path.write_bytes(record)
    [problem] = list(read_documents(path))
    assert isinstance(problem, ParseError) and "not a readable WARC file" in str(problem)


def test_jsonl_escapes_no_database_stores_are_cleaned(tmp_path: Path) -> None:
    """`\\u0000` and a lone `\\ud800` in a row would fail its insert (and the import with it)."""
    path = tmp_path / "escaped.jsonl"
    row = {
        "url": "https://a.example/1",
        "title": "Tram\u0000 vote \ud800",
        "text": "Body\u0000 one.",
        "authors": ["Ana\u0000"],
        "outlet": "A\udfff",
    }
    path.write_text(json.dumps(row) + "\n", encoding="ascii")
    [document] = list(read_documents(path))
    assert isinstance(document, RawDocument)
    assert (document.title, document.text) == ("Tram vote \ufffd", "Body one.")
    assert document.authors == ("Ana",) and document.outlet == "A\ufffd"
