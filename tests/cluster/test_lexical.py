"""Sparse TF-IDF arithmetic over shared term ids, checked against plain dictionary arithmetic."""

from __future__ import annotations

import math
import random
from collections import Counter

import numpy as np
import pytest

from storywire.cluster.assign import ArticleFeatures, StoryState
from storywire.cluster.lexical import TermSpace, TermVector


def _random_weights(rng: random.Random, vocabulary: list[str], size: int) -> dict[str, float]:
    return {term: rng.uniform(0.01, 1.0) for term in rng.sample(vocabulary, size)}


def _dict_dot(a: dict[str, float], b: dict[str, float]) -> float:
    return sum(weight * b.get(term, 0.0) for term, weight in a.items())


def _dict_sum(*vectors: dict[str, float]) -> dict[str, float]:
    total: dict[str, float] = {}
    for vector in vectors:
        for term, weight in vector.items():
            total[term] = total.get(term, 0.0) + weight
    return total


def test_dot_products_and_sums_match_dictionary_arithmetic() -> None:
    rng = random.Random(7)
    vocabulary = [f"w{i}" for i in range(600)]
    space = TermSpace()
    plain = [_random_weights(rng, vocabulary, rng.randint(1, 200)) for _ in range(12)]
    vectors = [space.vector(weights) for weights in plain]
    story_plain = _dict_sum(*plain[1:6])
    story = TermVector()
    for vector in vectors[1:6]:
        story = story.plus(vector)
    assert sorted(story.ids.tolist()) == story.ids.tolist()
    assert story.norm() == pytest.approx(math.sqrt(_dict_dot(story_plain, story_plain)))
    others = [story, *vectors[6:], TermVector()]
    found = space.dots(vectors[0], others)
    expected = [_dict_dot(plain[0], story_plain), *(_dict_dot(plain[0], p) for p in plain[6:]), 0]
    assert found == pytest.approx(expected)
    # The scratch row is clean afterwards: a second article is not credited with the first's terms.
    assert space.dots(vectors[6], [vectors[0]]) == pytest.approx([_dict_dot(plain[6], plain[0])])


def test_the_term_numbering_grows_past_the_scratch_row() -> None:
    space = TermSpace()
    many = {f"term{i}": 1.0 for i in range(10_000)}
    first = space.vector(many)
    second = space.vector({"term9999": 2.0, "fresh": 3.0})
    assert len(space) == 10_001
    assert space.dots(second, [first]) == [2.0]
    assert space.dots(first, [second, first]) == [2.0, 10_000.0]


def test_an_empty_vector_has_no_overlap() -> None:
    space = TermSpace()
    empty = space.vector({})
    some = space.vector({"quake": 0.5})
    assert space.dots(empty, [some]) == [0.0]
    assert space.dots(some, [empty]) == [0.0]
    assert empty.plus(some).weights.tolist() == [0.5]


def test_a_story_keeps_the_sum_of_its_articles_tfidf_through_joins_and_merges() -> None:
    space = TermSpace()
    plain = [{"quake": 0.6, "toll": 0.8}, {"quake": 0.8, "rescue": 0.6}, {"toll": 1.0}]
    a = StoryState(1, np.zeros(384, dtype=np.float32))
    b = StoryState(2, np.zeros(384, dtype=np.float32))
    for index, (story, weights) in enumerate(zip((a, a, b), plain, strict=True)):
        article = ArticleFeatures(index, np.ones(384, dtype=np.float32), Counter(), Counter())
        story.add(article, space.vector(weights))
    assert a.terms_norm == pytest.approx(math.sqrt(1.4**2 + 0.8**2 + 0.6**2))
    a.absorb(b)
    total = _dict_sum(*plain)
    assert a.terms_norm == pytest.approx(math.sqrt(_dict_dot(total, total)))
    probe = space.vector({"toll": 1.0})
    assert space.dots(probe, [a.terms]) == pytest.approx([1.8])


def test_the_gram_matrix_holds_every_pairwise_dot_product() -> None:
    rng = random.Random(3)
    vocabulary = [f"w{i}" for i in range(300)]
    space = TermSpace()
    plain = [_random_weights(rng, vocabulary, rng.randint(1, 80)) for _ in range(7)] + [{}]
    gram = space.gram([space.vector(weights) for weights in plain])
    expected = [[_dict_dot(a, b) for b in plain] for a in plain]
    assert np.allclose(gram, np.array(expected))
    assert space.gram([]).shape == (0, 0)


def test_compacting_keeps_every_product_of_the_vectors_held_and_forgets_the_other_terms() -> None:
    rng = random.Random(5)
    vocabulary = [f"term{i}" for i in range(3000)]
    space = TermSpace()
    held_weights = [_random_weights(rng, vocabulary[:1000], 40) for _ in range(6)]
    held = [space.vector(w) for w in held_weights]
    for _ in range(50):  # vectors of articles since forgotten, words no held vector uses
        space.vector(_random_weights(rng, vocabulary[1000:], 40))
    before = [space.dots(v, held) for v in held]
    compacted = space.compact(held)
    assert len(space) == len(set().union(*held_weights)) < 1000
    after = [space.dots(v, compacted) for v in compacted]
    assert np.allclose(after, before)
    again = space.vector(held_weights[0])
    assert space.dots(again, compacted) == pytest.approx(before[0]), "old words keep their ids"
    grown = space.vector({"new": 1.0, **held_weights[1]})
    assert space.dots(grown, compacted)[1] == pytest.approx(before[1][1])
