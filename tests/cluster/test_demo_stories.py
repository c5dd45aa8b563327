"""Story detection on the demo newsroom's manifest, with the real embedding model."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from storywire.cluster.replay import StreamItem, replay
from storywire.demo.corpus import Corpus, load_corpus
from storywire.nlp.embed import Vectors, default_embedder

EPOCH = datetime(2026, 11, 2, tzinfo=UTC)


class _Cached:
    """The real model, with each text embedded once for the whole module."""

    def __init__(self) -> None:
        self._model = default_embedder()
        self.name, self.dim = self._model.name, self._model.dim
        self._cache: dict[str, Vectors] = {}

    def embed(self, texts: Sequence[str]) -> Vectors:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        for text, vector in zip(missing, self._model.embed(missing), strict=True):
            self._cache[text] = vector
        import numpy as np

        return np.stack([self._cache[t] for t in texts])


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus()


@pytest.fixture(scope="module")
def embedder() -> _Cached:
    return _Cached()


def _articles(corpus: Corpus) -> list[StreamItem]:
    return [
        StreamItem(a.id, a.title, "\n\n".join(a.paragraphs), EPOCH + a.published, a.outlet)
        for a in corpus.articles
    ]


def _stories(articles: list[StreamItem], embedder: _Cached) -> dict[str, int]:
    return {item: story for item, story, _ in replay(articles, embedder).rows}


@pytest.fixture(scope="module")
def stories(corpus: Corpus, embedder: _Cached) -> dict[str, int]:
    return _stories(_articles(corpus), embedder)


def bcubed_f1(predicted: dict[str, int], gold: dict[str, str]) -> float:
    members, classes = defaultdict(set), defaultdict(set)
    for item in predicted:
        members[predicted[item]].add(item)
        classes[gold[item]].add(item)
    precision = sum(
        len(members[predicted[i]] & classes[gold[i]]) / len(members[predicted[i]])
        for i in predicted
    ) / len(predicted)
    recall = sum(
        len(members[predicted[i]] & classes[gold[i]]) / len(classes[gold[i]]) for i in predicted
    ) / len(predicted)
    return 2 * precision * recall / (precision + recall)


def _majority(stories: dict[str, int], ids: list[str]) -> int:
    return Counter(stories[i] for i in ids).most_common(1)[0][0]


def test_wire_copies_share_a_story(corpus: Corpus, stories: dict[str, int]) -> None:
    wires = defaultdict(set)
    for article in corpus.articles:
        if article.wire:
            wires[article.wire].add(stories[article.id])
    assert wires and all(len(found) == 1 for found in wires.values())


def test_one_offs_stay_alone(corpus: Corpus, stories: dict[str, int]) -> None:
    sizes = Counter(stories.values())
    for article in corpus.articles:
        if corpus.events[article.event].kind == "one-off":
            assert sizes[stories[article.id]] == 1, article.id


def test_later_developments_join_their_story(corpus: Corpus, stories: dict[str, int]) -> None:
    for event in {a.event for a in corpus.articles if a.phase == "development"}:
        english = [a for a in corpus.articles if a.event == event and a.language == "en"]
        initial = [a.id for a in english if a.phase == "initial"]
        later = [a.id for a in english if a.phase == "development"]
        story = _majority(stories, initial)
        joined = sum(stories[i] == story for i in later)
        assert joined >= len(later) - 1, (event, joined, len(later))


def test_look_alike_earthquakes_stay_apart(corpus: Corpus, stories: dict[str, int]) -> None:
    teravale = {stories[a.id] for a in corpus.articles if a.event == "quake-teravale"}
    ormsby = {stories[a.id] for a in corpus.articles if a.event == "quake-ormsby"}
    assert not teravale & ormsby


def test_look_alike_rate_decisions_stay_apart(corpus: Corpus, stories: dict[str, int]) -> None:
    """Norland raises and Kestria holds on the same afternoon, and the Kestria reports mention
    Norland's move: in the published order the first Kestria report joins the Norland story,
    and the split pass separates the two."""
    norland = {stories[a.id] for a in corpus.articles if a.event == "rates-norland"}
    kestria = {stories[a.id] for a in corpus.articles if a.event == "rates-kestria"}
    assert not norland & kestria


def test_other_languages_never_join_a_different_event(
    corpus: Corpus, stories: dict[str, int]
) -> None:
    """The documented rule: Spanish or German articles join an English story only on shared
    names and numbers, and then it is the story of their own event."""
    english_story = {}
    for event in corpus.events:
        ids = [a.id for a in corpus.articles if a.event == event and a.language == "en"]
        if ids:
            english_story[event] = _majority(stories, ids)
    joined = 0
    for article in corpus.articles:
        if article.language == "en":
            continue
        for event, story in english_story.items():
            if stories[article.id] == story and event != article.event:
                assert {article.event, event} == {"rates-norland", "rates-kestria"}, article.id
        joined += stories[article.id] == english_story.get(article.event)
    assert joined >= 8


def test_overall_quality_on_the_manifest(corpus: Corpus, stories: dict[str, int]) -> None:
    gold = {a.id: a.event for a in corpus.articles}
    assert bcubed_f1(stories, gold) >= 0.9


def test_arrival_order_within_a_day_barely_matters(corpus: Corpus, embedder: _Cached) -> None:
    """Shuffling arrivals within each day moves BCubed F1 by less than 0.02."""
    gold = {a.id: a.event for a in corpus.articles}
    in_order = bcubed_f1(_stories(_articles(corpus), embedder), gold)
    for seed in range(1, 10):
        rng = random.Random(seed)
        by_day = defaultdict(list)
        for article in _articles(corpus):
            assert article.published is not None
            by_day[article.published.date()].append(article)
        shuffled = []
        for day in sorted(by_day):
            batch = by_day[day]
            times = sorted(a.published for a in batch if a.published)
            rng.shuffle(batch)
            # The day's times, dealt out to the articles in their new order.
            shuffled += [
                StreamItem(a.id, a.title, a.text, when, a.source)
                for a, when in zip(batch, times, strict=True)
            ]
        score = bcubed_f1(_stories(shuffled, embedder), gold)
        assert abs(score - in_order) < 0.02, (seed, score, in_order)
