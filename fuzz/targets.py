"""What the fuzzers feed hostile bytes to: every parser of outside input and the writer's text
cleaners. A target raises nothing but the error its parser documents (ParseError,
ExtractError); anything else, an input slower than a second, or text the store cannot hold
(NUL, a lone surrogate) in what a parser returns, is a failure.

`fuzz/run.py` drives them with atheris (coverage-guided, `make fuzz`); `tests/test_fuzz.py`
with hypothesis on every test run.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from storywire.errors import ExtractError, ParseError
from storywire.extract.article import extract_article
from storywire.extract.urls import canonical_url, http_url, redact_url, redact_urls_in, site
from storywire.models import RawDocument
from storywire.nlp.sentences import split_sentences
from storywire.sources.feeds import linked_entries, parse_feed
from storywire.sources.importers import read_jsonl, read_warc
from storywire.sources.opml import parse_opml
from storywire.sources.unicode import storable
from storywire.timestamps import parse_timestamp
from storywire.write.extractive import clean_headline, clean_sentence, usable
from storywire.write.grounding import check_sentence

BASE = "https://fuzz.example/feed"
CONTENT_TYPES = (None, "application/rss+xml", "application/json", "text/html; charset=latin-1")


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def feed(data: bytes) -> None:
    content_type = CONTENT_TYPES[data[0] % len(CONTENT_TYPES)] if data else None
    try:
        parsed = linked_entries(parse_feed(data[1:], BASE, content_type))
    except ParseError:
        return
    for entry in parsed.entries:
        assert entry.url is not None and http_url(entry.url) == entry.url
        _assert_storable(entry.title, entry.summary, entry.content_html, *entry.authors)


def _assert_storable(*values: str | None) -> None:
    for value in values:
        assert value is None or storable(value) == value, repr(value)


def opml(data: bytes) -> None:
    try:
        parse_opml(data)
    except ParseError:
        return


def html(data: bytes) -> None:
    try:
        article = extract_article(_text(data), "https://fuzz.example/article")
    except ExtractError:
        return
    _assert_storable(article.title, article.text, *article.authors)


def jsonl(data: bytes) -> None:
    for document in _import(data, ".jsonl", read_jsonl):
        if isinstance(document, RawDocument):
            _assert_storable(document.title, document.text, document.html, document.summary)


def warc(data: bytes) -> None:
    _import(data, ".warc", read_warc)


def _import(
    data: bytes, suffix: str, read: Callable[[Path], Iterator[RawDocument | ParseError]]
) -> list[RawDocument | ParseError]:
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        handle.write(data)
        handle.flush()
        try:
            return list(read(Path(handle.name)))
        except ParseError:
            return []


def text(data: bytes) -> None:
    """Sentence splitting, the writer's cleaners and the grounding check on any text: the
    first half is the written sentence, the second its cited source."""
    value = _text(data)
    sentences = split_sentences(value)
    for sentence in sentences:
        assert sentence.strip()
        usable(clean_sentence(sentence))
    clean_headline(value, "The Herald")
    middle = len(value) // 2
    assert isinstance(check_sentence(value[:middle], [value[middle:]], sentences), list)


def urls(data: bytes) -> None:
    """Every function that takes a URL or a date from a feed."""
    value = _text(data)
    for function in (canonical_url, redact_url, redact_urls_in, site, parse_timestamp):
        try:
            function(value)
        except ValueError:
            if function is not canonical_url:
                raise
    image = http_url(value, base=BASE)
    assert image is None or image.startswith(("http://", "https://"))


TARGETS: dict[str, Callable[[bytes], None]] = {
    "feed": feed,
    "opml": opml,
    "html": html,
    "jsonl": jsonl,
    "warc": warc,
    "text": text,
    "urls": urls,
}
