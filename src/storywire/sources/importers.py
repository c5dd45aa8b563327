"""Bulk import: JSONL files and WARC archives turned into RawDocuments for the pipeline.

JSONL rows are `{url, title, html | text, published, outlet}` (extra keys ignored). WARC files
(plain or gzipped) contribute their HTML `response` records. A bad row is reported and skipped;
it never stops the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from storywire.errors import ParseError
from storywire.models import RawDocument
from storywire.sources.fetch import decode_html
from storywire.sources.unicode import storable
from storywire.timestamps import parse_timestamp

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")


def read_documents(path: Path) -> Iterator[RawDocument | ParseError]:
    """Documents of a JSONL or WARC file; problems with single records come back as ParseError."""
    name = path.name.lower()
    if name.endswith(WARC_SUFFIXES):
        yield from read_warc(path)
    elif name.endswith(JSONL_SUFFIXES):
        yield from read_jsonl(path)
    else:
        raise ParseError(f"{path}: unknown file type (expected .jsonl or .warc[.gz])")


def read_jsonl(path: Path) -> Iterator[RawDocument | ParseError]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ParseError(f"{path}: {exc.strerror}") from exc
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                yield _jsonl_document(json.loads(raw))
            except (ValueError, TypeError, KeyError) as exc:
                yield ParseError(f"{path}:{number}: {exc}")


def _jsonl_document(row: object) -> RawDocument:
    if not isinstance(row, dict):
        raise TypeError("each line must be a JSON object")
    url = row["url"]
    html, text = row.get("html"), row.get("text")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ValueError(f"url must be an http(s) URL, not {url!r}")
    if not (isinstance(html, str) and html.strip()) and not (
        isinstance(text, str) and text.strip()
    ):
        raise ValueError("row has neither html nor text")
    authors = row.get("authors") or ([row["author"]] if row.get("author") else [])
    return RawDocument(
        url=storable(url),
        html=storable(html) if isinstance(html, str) else None,
        text=storable(text) if isinstance(text, str) else None,
        title=_text(row.get("title")),
        published=parse_timestamp(row.get("published")),
        outlet=_text(row.get("outlet")),
        authors=tuple(storable(str(a)) for a in authors),
        summary=_text(row.get("summary")),
    )


def _text(value: object) -> str | None:
    """A field as storable text (JSON escapes can carry NUL and lone surrogates), or None."""
    return storable(str(value)) if value else None


def read_warc(path: Path) -> Iterator[RawDocument | ParseError]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ParseError(f"{path}: {exc.strerror}") from exc
    with handle:
        try:
            for record in ArchiveIterator(handle):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                if record.http_headers.get_statuscode() != "200":
                    continue
                content_type = record.http_headers.get_header("Content-Type") or ""
                if "html" not in content_type.lower():
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                body = record.content_stream().read()
                yield RawDocument(
                    url=url,
                    html=decode_html(body, content_type),
                    published=parse_timestamp(record.rec_headers.get_header("WARC-Date")),
                )
        except ArchiveLoadFailed as exc:
            yield ParseError(f"{path}: not a readable WARC file ({exc})")
        except Exception as exc:  # warcio has no exception contract past that one; keep ours
            yield ParseError(f"{path}: not a readable WARC file ({type(exc).__name__}: {exc})")
