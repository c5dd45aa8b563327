"""The demo corpus keeps every promise the foundation issue makes, checked from its manifest."""

from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from storywire.demo.corpus import CORPUS_DIR, Corpus, load_corpus, parse_offset
from storywire.errors import ParseError
from storywire.extract.opinion import classify_kind


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus()


def test_counts(corpus: Corpus) -> None:
    manifest = corpus.manifest()
    articles = manifest["articles"]
    assert len(manifest["outlets"]) >= 12
    assert len({o["name"] for o in manifest["outlets"]}) == len(manifest["outlets"])
    multi = [e for e in manifest["events"] if e["kind"] == "multi"]
    assert len(multi) >= 10
    assert {a["published_offset_minutes"] // 1440 for a in articles} == {0, 1, 2}
    in_range = [a for a in articles if 150 <= a["words"] <= 500]
    assert len(in_range) == len(articles) >= 80


def test_multi_outlet_events_have_several_outlets(corpus: Corpus) -> None:
    outlets = defaultdict(set)
    for article in corpus.articles:
        outlets[article.event].add(article.outlet)
    for event in corpus.events.values():
        if event.kind == "multi":
            assert len(outlets[event.id]) >= 3, event.id
        else:
            assert len(outlets[event.id]) == 1, event.id


def test_syndicated_wire_stories(corpus: Corpus) -> None:
    groups = defaultdict(list)
    for article in corpus.articles:
        if article.wire:
            groups[article.wire].append(article)
    events_with_wire = {articles[0].event for articles in groups.values()}
    assert len(events_with_wire) >= 3
    for articles in groups.values():
        original = next(a for a in articles if a.outlet == "cps")
        copies = [a for a in articles if a.outlet != "cps"]
        assert 2 <= len(copies) <= 3
        assert len({a.title for a in articles}) == len(articles), "each copy has its own headline"
        for copy in copies:
            assert original.paragraphs[: len(copy.paragraphs)] == copy.paragraphs
            assert len(copy.paragraphs) <= len(original.paragraphs)
        assert any(len(c.paragraphs) < len(original.paragraphs) for c in copies), "trimmed"


def test_opinion_pieces_use_every_real_world_marking(corpus: Corpus) -> None:
    opinions = [a for a in corpus.articles if a.kind == "opinion"]
    assert len(opinions) >= 6
    assert {a.opinion_mark for a in opinions} == {"path", "section", "jsonld", "title"}
    for article in opinions:
        if article.opinion_mark == "title":  # "Opinion | …", "Editorial: …", "X review: …"
            assert classify_kind("https://e.example/a/x", article.title, None)[1].startswith(
                "title:"
            ), article.title
        if article.opinion_mark == "path":
            assert article.path.startswith("/opinion/")


def test_stories_that_develop_on_a_later_day(corpus: Corpus) -> None:
    developing = {
        a.event for a in corpus.articles if a.phase == "development" and a.published.days >= 1
    }
    assert len(developing) >= 2
    for event in developing:
        first = min(a.published for a in corpus.articles if a.event == event)
        last = max(a.published for a in corpus.articles if a.event == event)
        assert last.days > first.days


def test_confusable_pairs_point_at_each_other(corpus: Corpus) -> None:
    pairs = {
        frozenset((e.id, e.confusable_with)) for e in corpus.events.values() if e.confusable_with
    }
    assert len(pairs) >= 2
    for pair in pairs:
        a, b = sorted(pair)
        assert corpus.events[a].confusable_with == b and corpus.events[b].confusable_with == a


def test_one_offs_and_other_languages(corpus: Corpus) -> None:
    one_offs = [e for e in corpus.events.values() if e.kind == "one-off"]
    assert len(one_offs) >= 3
    foreign = [a for a in corpus.articles if a.language in ("es", "de")]
    assert len(foreign) >= 8
    english_events = {a.event for a in corpus.articles if a.language == "en"}
    assert {a.event for a in foreign} <= english_events
    assert Counter(a.language for a in foreign).keys() == {"es", "de"}


def test_ids_and_paths_are_unique_per_outlet(corpus: Corpus) -> None:
    assert len({a.id for a in corpus.articles}) == len(corpus.articles)
    assert len({(a.outlet, a.path) for a in corpus.articles}) == len(corpus.articles)


def test_times_parse_strictly() -> None:
    assert parse_offset("2 14:20").total_seconds() == (24 + 14) * 3600 + 20 * 60
    for bad in ("14:20", "0 10:00", "2 25:00", "day 2"):
        with pytest.raises(ParseError):
            parse_offset(bad)


def test_a_broken_event_file_is_a_clear_error(tmp_path: Path) -> None:
    copy = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, copy)
    (copy / "events" / "broken.toml").write_text('[event]\nid = "broken"\nlabel = "x\n')
    with pytest.raises(ParseError, match="invalid"):
        load_corpus(copy)
    (copy / "events" / "broken.toml").write_text(
        '[event]\nid = "other"\nlabel = "x"\nkind = "one-off"\nsummary = "s"\n'
    )
    with pytest.raises(ParseError, match="must match the file name"):
        load_corpus(copy)
