"""The online clusterer's decisions on hand-made articles (no model needed)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from storywire.cluster import assign
from storywire.cluster.assign import (
    ArticleFeatures,
    StoryClusterer,
    _normalised_cut,
    article_features,
)
from storywire.cluster.config import ClusterConfig
from storywire.cluster.index import CentroidIndex
from storywire.models import JoinReason
from storywire.nlp.features import headline_fixtures
from storywire.stories.importance import Coverage, front_rank, importance

T0 = datetime(2026, 11, 2, 8, tzinfo=UTC)


def _vector(seed: int, noise: float = 0.0, base: int | None = None) -> np.ndarray:
    rng = np.random.default_rng(seed if base is None else base)
    vector = rng.normal(size=384)
    if noise:
        vector = vector + noise * np.random.default_rng(seed).normal(size=384)
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def _article(
    article_id: int,
    topic: int,
    words: str,
    names: str,
    hours: float = 0,
    language: str = "en",
    group: int | None = None,
) -> ArticleFeatures:
    return ArticleFeatures(
        id=article_id,
        vector=_vector(article_id, noise=0.3, base=topic),
        terms=Counter(words.split()),
        entities=Counter(names.split()),
        published=T0 + timedelta(hours=hours),
        language=language,
        dup_group=group,
    )


QUAKE = "earthquake magnitude struck coast buildings collapsed rescue dead toll aftershock"
BANK = "central bank raised interest rate inflation governor krona policy vote"


def test_same_event_joins_and_other_events_start_stories() -> None:
    clusterer = StoryClusterer()
    first = clusterer.assign(_article(1, 1, QUAKE, "teravale calveria #6.4"))
    second = clusterer.assign(_article(2, 1, QUAKE + " school", "teravale calveria solen #6.4"))
    other = clusterer.assign(_article(3, 2, BANK, "norland saelen #4.25%", hours=1))
    assert first.created and first.reason == "new story"
    assert second.story_id == first.story_id and not second.created
    assert second.reason == "similar coverage" and second.score is not None
    assert other.created and other.story_id != first.story_id


def test_syndicated_copies_always_share_a_story() -> None:
    clusterer = StoryClusterer()
    original = clusterer.assign(_article(1, 1, QUAKE, "teravale", group=1))
    copy = clusterer.assign(_article(2, 9, BANK, "norland", group=1, hours=2))
    assert copy.story_id == original.story_id and copy.reason == "syndicated copy"


def test_look_alike_event_with_other_names_stays_apart() -> None:
    """Two reports (articles, not feed items: a feed item this close to a member would be a
    paraphrase of it) of two earthquakes: the names gate keeps them apart."""
    clusterer = StoryClusterer()
    first = clusterer.assign(
        replace(
            _article(
                1, 1, QUAKE + " teravale solen school", "teravale calveria solen vantes #6.4 #9"
            ),
            words=400,
        )
    )
    other = clusterer.assign(
        replace(
            _article(
                2,
                1,
                "earthquake magnitude struck tsunami warning islands ferries greyhaven injured",
                "ormsby greyhaven oduya tsunami #5.9 #3",
                hours=30,
            ),
            words=400,
        )
    )
    assert other.created and other.story_id != first.story_id


def test_a_look_alike_feed_item_that_is_no_paraphrase_stays_apart() -> None:
    """The same two earthquakes as feed items whose vectors are close (the topic) but under
    `paraphrase_similarity`: the names gate and the threshold keep them apart."""
    clusterer = StoryClusterer()
    quake = _article(
        1, 1, QUAKE + " teravale solen school", "teravale calveria solen vantes #6.4 #9"
    )
    first = clusterer.assign(quake)
    look_alike = replace(
        _article(
            2,
            1,
            "earthquake magnitude struck tsunami warning islands ferries greyhaven injured",
            "ormsby greyhaven oduya tsunami #5.9 #3",
            hours=30,
        ),
        vector=_vector(2, noise=0.8, base=1),
    )
    assert 0.7 <= float(quake.vector @ look_alike.vector) < ClusterConfig().paraphrase_similarity
    other = clusterer.assign(look_alike)
    assert other.created and other.story_id != first.story_id


def test_other_languages_join_only_on_shared_names_and_numbers() -> None:
    clusterer = StoryClusterer()
    english = clusterer.assign(_article(1, 1, QUAKE, "teravale calveria solen vantes #6.4"))
    weak = clusterer.assign(_article(2, 5, "terremoto costa", "calveria", language="es"))
    strong = clusterer.assign(
        _article(3, 6, "terremoto magnitud", "teravale calveria solen vantes #6.4", language="es")
    )
    assert weak.created
    assert strong.story_id == english.story_id and strong.reason == "names and numbers"


def _bridge(event: int, seed: int, noise: float = 0.3) -> np.ndarray:
    """A multilingual vector near `event`'s, in a 512-dimensional space."""
    vector = np.random.default_rng(1000 + event).normal(size=512)
    vector += noise * np.random.default_rng(seed).normal(size=512)
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def _bridged(
    article_id: int, topic: int, words: str, names: str, language: str, event: int, hours: float
) -> ArticleFeatures:
    """An article with a multilingual vector that follows its `event`, not its language."""
    return replace(
        _article(article_id, topic, words, names, hours=hours, language=language),
        bridge=_bridge(event, seed=article_id),
    )


def test_other_languages_join_on_multilingual_vectors_without_shared_names() -> None:
    clusterer = StoryClusterer(bridge_dim=512)
    english = clusterer.assign(_bridged(1, 1, QUAKE, "teravale calveria #6.4", "en", 1, 0))
    bank = clusterer.assign(_bridged(2, 2, BANK, "norland saelen #4.25%", "en", 2, 1))
    german = clusterer.assign(_bridged(3, 7, "erdbeben küste tote", "teravale", "de", 1, 2))
    french = clusterer.assign(_bridged(4, 8, "banque centrale taux", "norland", "fr", 2, 3))
    other = clusterer.assign(_bridged(5, 9, "élection présidentielle", "ormsby", "fr", 3, 4))
    assert german.story_id == english.story_id and german.reason == "multilingual similarity"
    assert french.story_id == bank.story_id
    assert other.created
    # Without multilingual vectors the German article, naming one place, starts its own story.
    plain = StoryClusterer()
    plain.assign(_article(1, 1, QUAKE, "teravale calveria #6.4"))
    assert plain.assign(_article(3, 7, "erdbeben küste tote", "teravale", language="de")).created


def test_within_a_language_the_main_model_cant_read_the_multilingual_vectors_decide() -> None:
    """Two German feed items on one event: the main model (English) puts their vectors far
    apart, and only the multilingual ones say they are one event. They join, and a German
    item on another event does not; read with the main model, the second item fails the
    member check and starts a story of its own."""
    first = _bridged(1, 7, "erdbeben küste tote", "teravale", "de", 1, 0)
    again = _bridged(2, 8, "erdbeben küste opfer", "teravale", "de", 1, 1)
    other = _bridged(3, 9, "wahl parlament stimmen", "ormsby", "de", 2, 2)
    assert float(np.dot(first.vector, again.vector)) < 0.2
    clusterer = StoryClusterer(bridge_dim=512)
    story = clusterer.assign(first).story_id
    joined = clusterer.assign(again)
    assert joined.story_id == story and joined.reason == "similar coverage"
    assert clusterer.assign(other).created
    main_model = StoryClusterer(ClusterConfig(main_languages=("en", "de")), bridge_dim=512)
    main_model.assign(first)
    assert main_model.assign(again).created


def test_two_stories_in_a_language_the_main_model_cant_read_merge_on_multilingual_centroids() -> (
    None
):
    """Two German stories of one event (as stored, say before a restart), worded apart and far
    apart in the main model's space: the merge pass reads their multilingual centroids and
    joins them, and would not with the main model reading German."""
    first = [
        _bridged(1, 7, "erdbeben küste tote stadt", "teravale", "de", 1, 0),
        _bridged(2, 7, "erdbeben küste tote häuser", "teravale", "de", 1, 1),
    ]
    second = [
        _bridged(3, 8, "erdbeben küste opfer region", "teravale", "de", 1, 2),
        _bridged(4, 8, "erdbeben küste opfer retter", "teravale", "de", 1, 3),
    ]
    merged = {}
    for languages in (("en",), ("en", "de")):
        clusterer = StoryClusterer(ClusterConfig(main_languages=languages), bridge_dim=512)
        clusterer.restore(1, first, dormant=False)
        clusterer.restore(2, second, dormant=False)
        merged[languages] = clusterer.merge_pass()
    assert merged[("en",)] == [(2, 1)]
    assert merged[("en", "de")] == []


def _topic_and_two_german_headlines() -> tuple[
    list[ArticleFeatures], ArticleFeatures, ArticleFeatures
]:
    """Four English reports of one topic; a German headline near their multilingual centroid
    but near none of them (another event on the topic); a German translation of one."""
    members = [_bridged(i, 1, QUAKE, "teravale calveria #6.4", "en", i, i) for i in range(1, 5)]
    topical = np.sum([_bridge(event, seed=10 + event) for event in range(1, 5)], axis=0)
    between = replace(
        _article(5, 7, "erdbeben küste", "teravale", hours=5, language="de"),
        bridge=(topical / np.linalg.norm(topical)).astype(np.float32),
    )
    translation = _bridged(6, 8, "erdbeben küste tote", "teravale", "de", 2, 6)
    return members, between, translation


def test_a_feed_item_in_another_language_must_be_near_a_member_not_only_the_centroid() -> None:
    """An English story that gathered four reports of one topic has a multilingual centroid
    near anything on that topic. A German headline near that centroid but near none of the
    four (another event on the topic) starts its own story; a German translation of one of
    them joins. Before the member check read across languages, the first joined too."""
    members, between, translation = _topic_and_two_german_headlines()
    clusterer = StoryClusterer(bridge_dim=512)
    story = {clusterer.assign(article).story_id for article in members}
    assert len(story) == 1
    assert clusterer.assign(between).created
    joined = clusterer.assign(translation)
    assert joined.story_id in story and joined.reason == "multilingual similarity"


def test_a_single_article_in_another_language_merges_only_if_near_a_member() -> None:
    """The merge pass's single-article test is the one the article would face arriving now,
    the member check included: the German headline near the topic's centroid but near none of
    the four reports stays apart, the translation of one of them joins."""
    members, between, translation = _topic_and_two_german_headlines()
    for german, merges in ((between, False), (translation, True)):
        clusterer = StoryClusterer(ClusterConfig(bridge_threshold=0.99), bridge_dim=512)
        story = {clusterer.assign(article).story_id for article in members}.pop()
        single = clusterer.assign(german)
        assert single.created  # the bar is too high for it to join on arrival
        clusterer.config = ClusterConfig()
        assert clusterer.merge_pass({single.story_id}) == (
            [(single.story_id, story)] if merges else []
        )


def test_the_member_check_reads_each_member_of_a_mixed_story_as_it_can() -> None:
    """A story of two German reports and one English report of a side angle. An English
    headline on the event is near none of them by the main model (which can't read German),
    but its multilingual vector is near the German reports': it passes the member check. An
    English headline near no member in either space does not. Before, the main model's
    vectors of the German members decided and the first failed too."""
    members = [
        _bridged(1, 7, "erdbeben küste tote", "teravale", "de", 1, 0),
        _bridged(2, 8, "erdbeben küste opfer", "teravale", "de", 1, 1),
        _bridged(3, 3, "rescue dogs volunteers", "teravale", "en", 5, 2),
    ]
    clusterer = StoryClusterer(bridge_dim=512)
    clusterer.restore(1, members, dormant=False)
    story = clusterer.stories[1]
    on_event = _bridged(4, 4, QUAKE, "teravale", "en", 1, 3)
    elsewhere = _bridged(5, 4, QUAKE, "teravale", "en", 6, 3)
    assert max(float(np.dot(on_event.vector, m.vector)) for m in members) < 0.6
    assert clusterer._near_a_member(on_event, story)
    assert not clusterer._near_a_member(elsewhere, story)


def test_stories_in_two_languages_merge_on_their_multilingual_centroids() -> None:
    """A French story that formed before the English coverage arrived joins it in the merge
    pass; a French story on another event stays apart."""
    clusterer = StoryClusterer(ClusterConfig(bridge_threshold=0.99), bridge_dim=512)
    french = clusterer.assign(_bridged(1, 7, "séisme côte morts", "teravale", "fr", 1, 0))
    other = clusterer.assign(_bridged(2, 8, "banque centrale taux", "norland", "fr", 2, 0))
    english = clusterer.assign(_bridged(3, 1, QUAKE, "teravale calveria #6.4", "en", 1, 1))
    assert english.created  # the bar is too high for an article to join on arrival
    clusterer.config = ClusterConfig()
    merged = clusterer.merge_pass({english.story_id})
    assert merged == [(english.story_id, french.story_id)]  # the older story stays
    assert other.story_id in clusterer.stories
    # Threads stay within a language (a saga's link across languages lost on the tune week).
    assert clusterer.thread_links({other.story_id}) == []


SERIES = "market blog stocks shares index traders dollar bonds oil day"


def test_a_series_editions_of_other_days_are_other_stories() -> None:
    """One outlet's daily blog repeats its words every day; the day its headline names tells
    the editions apart. An undated report joins either, and a story whose dated headlines
    include the day takes a new report of that day."""
    clusterer = StoryClusterer()
    wednesday = replace(_article(1, 1, SERIES, "ledger"), dates=frozenset({"10-4"}))
    friday = replace(_article(2, 1, SERIES, "ledger", hours=48), dates=frozenset({"10-6"}))
    undated = _article(3, 1, SERIES, "ledger", hours=49)
    again = replace(_article(4, 1, SERIES, "ledger", hours=50), dates=frozenset({"10-4", "10-6"}))
    first = clusterer.assign(wednesday)
    second = clusterer.assign(friday)
    assert second.created and second.story_id != first.story_id
    assert clusterer.assign(undated).story_id in (first.story_id, second.story_id)
    assert not clusterer.assign(again).created
    same_day = StoryClusterer()
    day = same_day.assign(wednesday)
    assert same_day.assign(replace(friday, dates=frozenset({"10-4"}))).story_id == day.story_id


def test_a_dormant_edition_is_not_revived_by_another_days() -> None:
    """A dormant story keeps the days its headlines named (its members' features are let go),
    so the next edition of a weekly series starts a story of its own; the same day's report
    revives it."""
    monday = replace(_article(1, 1, SERIES, "ledger"), dates=frozenset({"10-2"}))
    quiet = ClusterConfig().window / timedelta(hours=1) + 4  # past the window, not twice it
    later = _article(2, 2, BANK, "norland", hours=quiet)  # moves the clock: Monday goes dormant
    for day, revived in (("10-9", False), ("10-2", True)):
        clusterer = StoryClusterer()
        first = clusterer.assign(monday)
        clusterer.assign(later)
        assert first.story_id in clusterer.dormant_ids()
        edition = replace(_article(3, 1, SERIES, "ledger", hours=quiet + 1), dates=frozenset({day}))
        decision = clusterer.assign(edition)
        assert (decision.story_id == first.story_id) is revived, day


def test_stories_whose_headlines_name_other_days_do_not_merge() -> None:
    def stories(days: tuple[str, str]) -> StoryClusterer:
        clusterer = StoryClusterer(ClusterConfig(merge_threshold=0.3))
        for story, day in zip((1, 2), days, strict=True):
            members = [
                replace(_article(10 * story + n, 1, SERIES, "ledger"), dates=frozenset({day}))
                for n in range(2)
            ]
            clusterer.restore(story, members, dormant=False)
        return clusterer

    assert stories(("10-4", "10-6")).merge_pass() == []
    assert stories(("10-4", "10-4")).merge_pass() == [(2, 1)]


GUIDE = "how to watch live stream online free kick-off channel group match cup"


def _guide(article_id: int, headline: str, hours: float = 0) -> ArticleFeatures:
    """One outlet's watch guide: the same words and vector for every match, only the sides
    its headline names differ."""
    guide = _article(article_id, 1, GUIDE, "cup", hours=hours)
    return replace(guide, fixtures=headline_fixtures(headline))


def test_a_series_guides_to_other_matches_are_other_stories() -> None:
    """A watch guide to each match repeats the series' words; the sides its headline names
    tell the matches apart. A live page of one of the matches joins that match's story, and a
    piece that names no fixture may join either."""
    clusterer = StoryClusterer()
    first = clusterer.assign(_guide(1, "How to watch Norland vs. Calveria online", 0))
    second = clusterer.assign(_guide(2, "How to watch South Teravale vs. Solen online", 20))
    assert second.created and second.story_id != first.story_id
    live = clusterer.assign(_guide(3, "Calveria v Norland LIVE: the group match", 21))
    assert live.story_id == first.story_id and not live.created
    unnamed = clusterer.assign(_guide(4, "How to watch every group match online", 22))
    assert unnamed.story_id in (first.story_id, second.story_id)
    plain = StoryClusterer()  # the same guides with the sides left out of their headlines
    first = plain.assign(_article(1, 1, GUIDE, "cup"))
    assert plain.assign(_article(2, 1, GUIDE, "cup", hours=20)).story_id == first.story_id


def test_stories_whose_headlines_name_other_fixtures_do_not_merge() -> None:
    def stories(headlines: tuple[str, str]) -> StoryClusterer:
        clusterer = StoryClusterer(ClusterConfig(merge_threshold=0.3))
        for story, headline in zip((1, 2), headlines, strict=True):
            members = [_guide(10 * story + n, headline, n) for n in range(2)]
            clusterer.restore(story, members, dormant=False)
        return clusterer

    assert stories(("Norland vs Calveria", "Solen vs Teravale")).merge_pass() == []
    assert stories(("Norland vs Calveria", "Calveria v Norland")).merge_pass() == [(2, 1)]


def test_the_clusterer_reads_the_fixtures_of_the_headline() -> None:
    vector = np.zeros(4, dtype=np.float32)
    guide = article_features(1, "How to watch Norland vs. Calveria online", "", vector)
    assert guide.fixtures == headline_fixtures("Norland v Calveria")


def test_dormant_story_is_revived_or_followed_up() -> None:
    config = ClusterConfig(window=timedelta(hours=12))
    clusterer = StoryClusterer(config)
    story = clusterer.assign(_article(1, 1, QUAKE, "teravale calveria #6.4")).story_id
    clusterer.assign(_article(2, 2, BANK, "norland #4.25%", hours=20))
    assert story in clusterer.dormant_ids()
    revived = clusterer.assign(_article(3, 1, QUAKE, "teravale calveria #6.4", hours=24))
    assert revived.story_id == story and revived.reason == "revived"
    assert story not in clusterer.dormant_ids()

    strict = StoryClusterer(ClusterConfig(window=timedelta(hours=12), revive_threshold=0.99))
    old = strict.assign(_article(1, 1, QUAKE, "teravale calveria #6.4")).story_id
    strict.assign(_article(2, 2, BANK, "norland #4.25%", hours=20))
    follow = strict.assign(_article(3, 1, QUAKE, "teravale calveria #6.4", hours=24))
    assert follow.created and follow.follows == old


def _two_stories(config: ClusterConfig, sizes: tuple[int, int]) -> tuple[StoryClusterer, int, int]:
    """Stories 1 and 2 (restored, so no decision joined them) with the same event's articles."""
    clusterer = StoryClusterer(config)
    ids = iter(range(1, 10))
    for story, size in zip((1, 2), sizes, strict=True):
        members = [_article(next(ids), 1, QUAKE, "teravale calveria #6.4") for _ in range(size)]
        clusterer.restore(story, members, dormant=False)
    return clusterer, 1, 2


def test_merge_pass_joins_stories_that_converged_and_old_ids_resolve() -> None:
    clusterer, a, b = _two_stories(ClusterConfig(merge_threshold=0.3), (2, 2))
    assert clusterer.merge_pass() == [(b, a)]
    assert clusterer.resolve(b) == a
    assert clusterer.assignments() == {1: a, 2: a, 3: a, 4: a}


def test_stories_of_several_articles_merge_only_above_the_merge_threshold() -> None:
    config = ClusterConfig(merge_threshold=0.99, merge_dense=2.0)
    clusterer, _, _ = _two_stories(config, (2, 2))
    assert clusterer.merge_pass() == []


def test_big_stories_of_one_event_merge_on_close_centroids_though_their_names_differ() -> None:
    """Each report names other people, so the stories' names overlap, and their gated score,
    stays low; their dense and TF-IDF centroids say they are one event. A story on the same
    topic in other words stays apart."""

    def stories(config: ClusterConfig) -> StoryClusterer:
        clusterer = StoryClusterer(config)
        ids = iter(range(1, 20))
        for story, words in ((1, QUAKE), (2, QUAKE), (3, BANK)):
            members = [
                _article(n, 1, words, f"teravale witness{n} official{n} agency{n}")
                for n in (next(ids) for _ in range(4))
            ]
            clusterer.restore(story, members, dormant=False)
        return clusterer

    assert stories(ClusterConfig(merge_dense=2.0)).merge_pass() == [], "gated score alone"
    clusterer = stories(ClusterConfig())
    assert clusterer.merge_pass() == [(2, 1)]
    assert clusterer.resolve(3) == 3


def test_a_single_article_story_joins_on_the_assignment_test_and_the_larger_story_survives() -> (
    None
):
    """The lone article may have missed the story before it grew: it joins on the test it
    would pass arriving now, not the merge threshold, and the established story keeps its id."""
    clusterer, single, grown = _two_stories(ClusterConfig(merge_threshold=0.99), (1, 3))
    assert clusterer.merge_pass(only={grown}) == [(single, grown)]
    assert clusterer.assignments() == dict.fromkeys(range(1, 5), grown)
    strict, single, grown = _two_stories(
        ClusterConfig(threshold=1.01, merge_threshold=0.99), (1, 3)
    )
    assert strict.merge_pass() == []


def test_replaying_the_same_arrivals_gives_the_same_stories() -> None:
    articles = [_article(i, i % 3, QUAKE if i % 2 else BANK, f"n{i % 3} x{i}") for i in range(30)]
    runs = []
    for _ in range(2):
        clusterer = StoryClusterer()
        for article in articles:
            clusterer.assign(article)
        runs.append(clusterer.assignments())
    assert runs[0] == runs[1]


def test_restore_rebuilds_state_without_new_decisions() -> None:
    clusterer = StoryClusterer()
    clusterer.restore(7, [_article(1, 1, QUAKE, "teravale calveria #6.4")], dormant=False)
    joined = clusterer.assign(_article(2, 1, QUAKE, "teravale calveria #6.4"))
    assert joined.story_id == 7
    assert clusterer.assign(_article(3, 2, BANK, "norland")).story_id == 8


def test_centroid_index_is_exact_and_reuses_slots() -> None:
    index = CentroidIndex(dim=384, capacity=2)
    for key in range(5):
        index.upsert(key, _vector(key))
    assert len(index) == 5
    assert index.search(_vector(3), 2)[0] == 3
    assert index.search(_vector(4), 1) == [4]  # the last slot used, after the index grew
    index.remove(3)
    assert 3 not in index and index.search(_vector(3), 1) != [3]
    index.upsert(9, _vector(3))
    assert index.search(_vector(3), 1) == [9]


def test_importance_rewards_outlets_wire_pickup_growth_and_recency() -> None:
    now = T0 + timedelta(hours=1)
    one_outlet = [Coverage(1, T0, None, i) for i in range(4)]
    four_outlets = [Coverage(i, T0, None, i) for i in range(4)]
    assert front_rank(four_outlets) > front_rank(one_outlet)
    wire = [Coverage(i, T0, 100, i) for i in range(4)]
    assert front_rank(wire) > front_rank(four_outlets)
    spread = [Coverage(i, T0 - timedelta(hours=12 * i), None, i) for i in range(4)]
    assert front_rank(four_outlets) > front_rank(spread), "growing when last touched"
    rank = front_rank(four_outlets)
    assert importance(rank, now + timedelta(days=2)) < importance(rank, now) / 3
    assert importance(front_rank([]), now) == 0.0
    assert importance(rank, now + timedelta(days=1)) == pytest.approx(
        importance(rank, now) / 2, abs=1e-3
    )


def test_front_rank_sinks_a_story_nobody_touched_below_fresh_news() -> None:
    """The order at any moment follows from the stored ranks alone: a big story last covered
    three days ago ranks below a small one covered today, with neither rescored."""
    big_old = front_rank([Coverage(i, T0, None, i) for i in range(12)])
    small_new = front_rank([Coverage(i, T0 + timedelta(days=3), None, i) for i in range(3)])
    assert small_new > big_old
    for now in (T0 + timedelta(days=3), T0 + timedelta(days=5)):
        assert importance(small_new, now) > importance(big_old, now)
    same_day = front_rank([Coverage(i, T0 + timedelta(hours=2), None, i) for i in range(3)])
    assert big_old > same_day, "on the same day, twelve outlets beat three"


def test_merge_pass_can_be_limited_to_changed_stories() -> None:
    clusterer, a, b = _two_stories(ClusterConfig(merge_threshold=0.3), (2, 2))
    assert clusterer.merge_pass(only=set()) == []
    assert clusterer.merge_pass(only={b}) == [(b, a)]


LOOK_ALIKE = "earthquake magnitude struck tsunami warning islands ferries injured aftershock"


def _fused(
    first: int = 4, second: int = 3, groups: tuple[int | None, int | None] = (None, None)
) -> StoryClusterer:
    """Story 1 (restored, so no decision made it) holding two look-alike earthquakes: `first`
    Teravale reports, then `second` Greyhaven reports."""
    teravale = [
        _article(i, 1, QUAKE + " teravale", "teravale calveria solen #6.4", group=groups[0])
        for i in range(1, first + 1)
    ]
    greyhaven = [
        _article(i, 1, LOOK_ALIKE + " greyhaven", "greyhaven ormsby oduya #5.9", group=groups[1])
        for i in range(first + 1, first + second + 1)
    ]
    clusterer = StoryClusterer(ClusterConfig(split_min_articles=6))
    clusterer.restore(1, teravale + greyhaven, dormant=False)
    return clusterer


def test_split_pass_separates_two_events_that_one_story_fused() -> None:
    clusterer = _fused()
    splits = clusterer.split_pass()
    # The new story takes the next id after every story the clusterer holds.
    assert [(s.story_id, s.new_story_id, s.moved) for s in splits] == [(1, 2, (5, 6, 7))]
    assert clusterer.assignments() == {1: 1, 2: 1, 3: 1, 4: 1, 5: 2, 6: 2, 7: 2}
    # The halves are never merged again, even on a merge test every pair passes, and a new
    # report of either event joins its own story.
    assert clusterer.merge_pass() == []
    later = clusterer.assign(
        _article(8, 1, LOOK_ALIKE + " greyhaven", "greyhaven ormsby oduya #5.9", hours=1)
    )
    assert later.story_id == 2


def test_split_pass_leaves_one_event_and_small_or_unchanged_stories_alone() -> None:
    one_event = StoryClusterer(ClusterConfig(split_min_articles=6))
    members = [_article(i, 1, QUAKE, "teravale calveria #6.4") for i in range(1, 9)]
    one_event.restore(1, members, dormant=False)
    assert one_event.split_pass() == []
    assert _fused(first=3, second=2).split_pass() == []  # fewer than split_min_articles
    assert _fused().split_pass(only=set()) == []
    assert _fused(first=5, second=1).split_pass() == []  # a half needs two articles
    # Two threads of one event (the quake, the aid effort) share its names: not split, though
    # their words differ enough that without the names test they would be.
    names = "teravale calveria solen #6.4"
    members = [_article(i, 1, QUAKE, names) for i in range(1, 5)]
    members += [_article(i, 2, BANK + " aid convoy", names) for i in range(5, 8)]
    for names_test, expected in ((0.4, 0), (1.01, 1)):
        threads = StoryClusterer(ClusterConfig(split_min_articles=6, split_names=names_test))
        threads.restore(1, members, dormant=False)
        assert len(threads.split_pass()) == expected


def test_split_pass_checks_a_story_again_only_once_it_has_grown_by_a_quarter() -> None:
    clusterer = _fused()
    clusterer.stories[1].split_checked = 6  # checked at six articles; seven is not 7.5
    assert clusterer.split_pass() == []
    clusterer.stories[1].split_checked = 5
    assert len(clusterer.split_pass()) == 1


def test_split_pass_never_separates_syndicated_copies() -> None:
    assert _fused(groups=(7, 7)).split_pass() == []


def test_normalised_cut_finds_the_two_blocks() -> None:
    similarity = np.full((6, 6), 0.05)
    similarity[:4, :4] = similarity[4:, 4:] = 0.6
    side = _normalised_cut(similarity)
    assert sorted(np.flatnonzero(side).tolist()) in ([0, 1, 2, 3], [4, 5])


def test_stories_kept_apart_are_never_merged() -> None:
    clusterer, a, b = _two_stories(ClusterConfig(merge_threshold=0.3), (2, 2))
    clusterer.keep_apart(b, a)
    assert clusterer.merge_pass() == []


def test_split_pass_does_not_cut_off_outliers_that_are_no_event_of_their_own() -> None:
    """A story's odd pieces (a local angle, an editorial) share a few words with its reports
    and none with each other: the cut puts them on one side, but that side is no event."""
    members = [_article(i, 1, QUAKE, "teravale calveria #6.4") for i in range(1, 7)]
    members += [
        _article(7, 3, "rescue dead toll homeowners mortgage bills", "skarnes"),
        _article(8, 4, "buildings collapsed aftershock editorial courage readers", "board"),
    ]
    clusterer = StoryClusterer(ClusterConfig(split_min_articles=6))
    clusterer.restore(1, members, dormant=False)
    assert clusterer.split_pass() == []
    assert _fused().split_pass() != []  # two events, each of a piece, are still separated


def _item(
    article_id: int, vector: np.ndarray, words: str, names: str, hours: float
) -> ArticleFeatures:
    """A feed item: a headline and a line, so few words (`words` counts them)."""
    return ArticleFeatures(
        id=article_id,
        vector=vector,
        terms=Counter(words.split()),
        entities=Counter(names.split()),
        published=T0 + timedelta(hours=hours),
        language="en",
        words=len(words.split()),
    )


def _between(a: np.ndarray, b: np.ndarray, weight: float) -> np.ndarray:
    mixed = (1 - weight) * a + weight * b
    return (mixed / np.linalg.norm(mixed)).astype(np.float32)


def test_a_topic_story_does_not_absorb_a_new_event_on_its_topic() -> None:
    """Feed items on one tournament: each match's items join each other, and a new match's
    first item, close to the topic's centroid but to no member, starts its own story."""
    topic = _vector(100)
    words = "world cup match live stream how to watch group kick off"
    clusterer = StoryClusterer()
    matches = [_between(topic, _vector(200 + k), 0.55) for k in range(4)]
    stories = set()
    for k, match in enumerate(matches):
        for copy in range(2):
            item = _item(10 * k + copy, _between(match, _vector(300 + 10 * k + copy), 0.1), words,
                         "World Cup", hours=k + copy / 4)  # fmt: skip
            stories.add(clusterer.assign(item).story_id)
    assert len(stories) == 4
    new_match = _between(topic, _vector(299), 0.55)
    decision = clusterer.assign(_item(99, new_match, words, "World Cup", hours=5))
    assert decision.created


def test_a_feed_item_that_paraphrases_a_member_joins_at_a_lower_story_score() -> None:
    """Two outlets' headlines of one report in other words: no word or name in common, so
    the story score is only the dense part, under the threshold; a cosine of 0.8 or more to
    a member is what lets it in. Without the rule, or for a long article, it starts a story."""
    report = _vector(100)
    first = _item(1, _between(report, _vector(201), 0.1), "roof collapses during mass", "", 0)
    paraphrase = _between(report, _vector(202), 0.15)
    assert float(first.vector @ paraphrase) >= 0.8

    def arrival(config: ClusterConfig, words: str) -> tuple[int, assign.Decision]:
        clusterer = StoryClusterer(config)
        story = clusterer.assign(first).story_id
        return story, clusterer.assign(_item(2, paraphrase, words, "", 1))

    story, joined = arrival(ClusterConfig(), "church caves in killing nine")
    assert joined.story_id == story and joined.reason == JoinReason.SIMILAR_COVERAGE
    assert joined.score is not None and joined.score < ClusterConfig().threshold
    _, alone = arrival(ClusterConfig(paraphrase_similarity=1.01), "church caves in killing")
    assert alone.created
    _, long = arrival(ClusterConfig(), " ".join(f"word{k}" for k in range(90)))
    assert long.created


def test_the_member_check_leaves_long_articles_to_the_story_score() -> None:
    topic = _vector(100)
    long_words = " ".join(f"word{k}" for k in range(90))
    clusterer = StoryClusterer()
    first = clusterer.assign(_item(1, _between(topic, _vector(201), 0.55), long_words, "Cup", 0))
    other = clusterer.assign(_item(2, _between(topic, _vector(202), 0.55), long_words, "Cup", 1))
    assert other.story_id == first.story_id  # same words and names: the score decides


def test_dormant_stories_are_revived_from_their_index_and_forgotten_later() -> None:
    config = ClusterConfig()
    clusterer = StoryClusterer(config)
    first = clusterer.assign(_article(1, 1, QUAKE, "teravale calveria #6.4"))
    later = config.window + timedelta(hours=1)
    clusterer.assign(_article(2, 2, BANK, "norland", hours=later.total_seconds() / 3600))
    assert first.story_id in clusterer.dormant_ids()
    revived = clusterer.assign(
        _article(3, 1, QUAKE, "teravale calveria #6.4", hours=later.total_seconds() / 3600 + 1)
    )
    assert revived.story_id == first.story_id and revived.reason == "revived"
    much_later = later + timedelta(hours=2) + 2 * config.window
    clusterer.assign(_article(4, 2, BANK, "norland", hours=much_later.total_seconds() / 3600))
    assert first.story_id not in clusterer.stories
    again = clusterer.assign(
        _article(5, 1, QUAKE, "teravale calveria #6.4", hours=much_later.total_seconds() / 3600)
    )
    assert again.created  # forgotten, as a restarted pipeline would not restore it


def test_stories_of_one_saga_are_linked_into_a_thread_and_kept_apart() -> None:
    """The trial's opening and its verdict days later are two stories of one thread; an
    unrelated story is in no thread with them."""
    clusterer = StoryClusterer()
    trial = "trial court jury testimony prosecutors defence judge fraud"
    opening = clusterer.assign(_article(1, 1, trial + " opening", "Halvorsen Kestria #2026"))
    clusterer.assign(_article(2, 1, trial + " witness", "Halvorsen Kestria", hours=2))
    verdict = clusterer.assign(
        _article(3, 7, trial + " verdict guilty sentence", "Halvorsen Kestria #12", hours=24 * 4)
    )
    other = clusterer.assign(_article(4, 2, BANK, "norland saelen", hours=24 * 4 + 1))
    assert verdict.created and verdict.story_id != opening.story_id
    links = clusterer.thread_links({verdict.story_id, other.story_id})
    assert links == [(verdict.story_id, opening.story_id)]
    # Linked once: a later round that touches it again adds no second link into the saga.
    assert clusterer.thread_links({verdict.story_id}) == []


def test_a_shopping_piece_is_an_item_of_its_own() -> None:
    """Deals posts around one sale share its words and names, each on another product: none
    joins a story by similarity, no report joins one, none merges or threads. A copy of one
    is still a copy."""
    sale = "sale deals discount price headphones laptops shoppers amazon prime day"

    def clustered(shopping: bool) -> list[int]:
        clusterer = StoryClusterer()
        posts = [
            replace(_article(n, 1, sale, "Amazon Prime", hours=n, group=n), shopping=shopping)
            for n in (1, 2)
        ]
        report = _article(3, 1, sale, "Amazon Prime", hours=3, group=3)
        copy = replace(_article(4, 1, sale, "Amazon Prime", hours=4, group=1), shopping=shopping)
        return [clusterer.assign(a).story_id for a in (*posts, report, copy)]

    assert clustered(shopping=False) == [1, 1, 1, 1]
    assert clustered(shopping=True) == [1, 2, 3, 1]

    def passes(
        shopping: bool, later: bool = False
    ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """The merge pass and the thread links with story 2 (`later`: the verdict's story, not
        the opening's) a shopping piece's."""
        clusterer, _, b = _two_stories(ClusterConfig(merge_threshold=0.3), (2, 2))
        clusterer.stories[b].shopping = shopping
        merged = clusterer.merge_pass()
        apart = StoryClusterer()
        trial = "trial court jury testimony prosecutors defence judge fraud"
        opening = apart.assign(_article(1, 1, trial + " opening", "Halvorsen Kestria #2026"))
        apart.assign(_article(2, 1, trial + " witness", "Halvorsen Kestria", hours=2))
        apart.stories[opening.story_id].shopping = shopping and not later
        verdict = apart.assign(
            _article(3, 7, trial + " verdict guilty sentence", "Halvorsen Kestria #12", hours=96)
        )
        apart.stories[verdict.story_id].shopping = shopping and later
        return merged, apart.thread_links({verdict.story_id})

    assert passes(shopping=False) == ([(2, 1)], [(2, 1)])
    assert passes(shopping=True) == ([], [])
    assert passes(shopping=True, later=True) == ([], [])


def test_a_story_near_only_the_latest_story_of_a_thread_does_not_join_it() -> None:
    """A war's stories make a thread; a summit story that shares words and names with its
    ceasefire talks alone would chain the war to diplomacy and trade with a link to that one
    story. Against the thread's latest stories as a whole it falls short, so it stays out;
    without that test (cohesion 0) it is linked."""
    war = "war troops offensive front shelling"
    reports = [
        (1, war + " city captured siege", "Kestria Norland Varnholt"),
        (5, war + " drone strike refinery", "Kestria Norland Varnholt"),
        (7, war + " bridge destroyed river", "Kestria Norland Varnholt"),
        (6, war + " ceasefire talks envoys", "Kestria Norland Geneva"),
    ]
    summit = "ceasefire talks envoys summit geneva leaders"
    for cohesion, linked in ((ClusterConfig().thread_cohesion, False), (0.0, True)):
        clusterer = StoryClusterer(ClusterConfig(thread_cohesion=cohesion))
        stories = [
            clusterer.assign(_article(n + 1, topic, words, names, hours=24 * n)).story_id
            for n, (topic, words, names) in enumerate(reports)
        ]
        assert len(set(stories)) == len(stories)
        for story in stories:
            clusterer.thread_links({story})
        assert clusterer.threads.members(stories[0]) == set(stories)
        talks = clusterer.assign(_article(9, 3, summit, "Geneva Ostmark Saelen", hours=24 * 4))
        links = clusterer.thread_links({talks.story_id})
        assert links == ([(talks.story_id, stories[-1])] if linked else [])


def test_a_threads_stories_in_other_languages_do_not_keep_a_story_out() -> None:
    """A saga's latest stories are French; an English story that fits its English stories
    joins it: the story score compares stories of one language, so only those count."""
    trial = "trial court jury testimony prosecutors defence judge fraud"
    clusterer = StoryClusterer()
    opening = clusterer.assign(_article(1, 1, trial + " opening", "Halvorsen Kestria #2026"))
    witness = clusterer.assign(_article(2, 5, trial + " witness", "Halvorsen Kestria", hours=20))
    assert clusterer.thread_links({witness.story_id}) == [(witness.story_id, opening.story_id)]
    procès = "procès tribunal jury témoins procureurs défense juge fraude"
    days = ["audience", "témoignage", "plaidoirie", "expertise", "réquisitoire", "délibéré"]
    for n, words in enumerate(days):
        french = clusterer.assign(
            _article(10 + n, 20 + n, f"{procès} {words}", "Halvorsen", hours=30 + n, language="fr")
        )
        clusterer.threads.join(french.story_id, opening.story_id)
    verdict = clusterer.assign(
        _article(20, 7, trial + " verdict guilty sentence", "Halvorsen Kestria #12", hours=40)
    )
    assert clusterer.thread_links({verdict.story_id}) == [(verdict.story_id, witness.story_id)]


def _saga(candidates: int = ClusterConfig().candidates) -> tuple[StoryClusterer, int, int]:
    """A bus crash told mostly in English (one Italian report among them), and the Italian
    story of the inquiry into it the next day: other words, main vectors unrelated (the main
    model reads no Italian), multilingual vectors halfway between the crash and another event.
    Returns the clusterer and the two stories."""
    clusterer = StoryClusterer(ClusterConfig(candidates=candidates), bridge_dim=512)
    crash = "bus crash overpass tourists killed driver"
    reports = [(1, crash, "en"), (2, crash + " victims", "en"), (3, "pullman incidente", "it")]
    story = 0
    for article_id, words, language in reports:
        story = clusterer.assign(
            _bridged(article_id, 1, words, "Mestre Venice", language, 1, article_id)
        ).story_id
    inquiry = "procura perizia guardrail sequestro"
    side = 0
    for article_id in (4, 5):
        article = _article(article_id, 30 + article_id, inquiry, "Mestre", 24, "it")
        halfway = _between(_bridge(1, seed=article_id), _bridge(3, seed=article_id), 0.6)
        side = clusterer.assign(replace(article, bridge=halfway)).story_id
    assert side != story
    return clusterer, story, side


def test_a_saga_in_two_languages_is_threaded_by_its_multilingual_vectors() -> None:
    """The inquiry's story shares no words with the crash's and its main vector says nothing;
    their multilingual centroids stand in for both, so it joins the crash's thread. An Italian
    story of another event, with the same reading, does not."""
    clusterer, story, side = _saga()
    assert clusterer.thread_links({side}) == [(side, story)]
    other = "elezioni regionali voto seggi"
    unrelated = [_bridged(n, 40 + n, other, "Bolzano", "it", 2, 25 + n / 10) for n in range(6, 8)]
    stories = {clusterer.assign(article).story_id for article in unrelated}
    assert len(stories) == 1 and clusterer.thread_links(stories) == []


def _strike(config: ClusterConfig) -> tuple[StoryClusterer, int]:
    """A story of two reports of a strike, with multilingual vectors; and its id."""
    clusterer = StoryClusterer(config, bridge_dim=512)
    words = "strike walkout nurses picket hospitals"
    stories = {
        clusterer.assign(_bridged(n, 1, words, "Kaiser", "en", 1, n)).story_id for n in (1, 2)
    }
    assert len(stories) == 1
    return clusterer, stories.pop()


def test_a_sagas_next_story_in_other_words_is_threaded_by_its_multilingual_centroid() -> None:
    """The strike and, a day later, the deal that ends it: one saga, in other words and names
    and with unrelated main vectors, so the story score is near nothing. Their multilingual
    centroids are close, which links them; without `thread_bridge_similarity` they stay
    apart."""
    for similarity, linked in ((ClusterConfig().thread_bridge_similarity, True), (math.inf, False)):
        clusterer, strike = _strike(ClusterConfig(thread_bridge_similarity=similarity))
        deal = clusterer.assign(
            _bridged(3, 2, "contract agreement ratified vote", "Oakland", "en", 1, 24)
        )
        assert deal.created
        links = clusterer.thread_links({deal.story_id})
        assert links == ([(deal.story_id, strike)] if linked else [])


@pytest.mark.parametrize(("event", "linked"), [(1, True), (2, False)])
def test_a_story_of_the_same_names_whose_headlines_say_other_things_is_not_threaded(
    event: int, linked: bool
) -> None:
    """Two stories that share the trial's words and names clear the story score; when their
    multilingual centroids say the headlines are unrelated (another `event`: cosine near 0,
    under `thread_bridge_floor`), no link is made. With the floor at -1 it would be."""
    trial = "trial court jury testimony prosecutors defence judge fraud"
    for floor in (ClusterConfig().thread_bridge_floor, -1.0):
        clusterer = StoryClusterer(ClusterConfig(thread_bridge_floor=floor), bridge_dim=512)
        opening = clusterer.assign(_bridged(1, 1, trial + " opening", "Halvorsen", "en", 1, 0))
        clusterer.assign(_bridged(2, 1, trial + " witness", "Halvorsen", "en", 1, 2))
        later = _bridged(3, 7, trial + " verdict sentence", "Halvorsen", "en", event, 96)
        verdict = clusterer.assign(later)
        assert verdict.created
        links = clusterer.thread_links({verdict.story_id})
        expected = [(verdict.story_id, opening.story_id)] if linked or floor < 0 else []
        assert links == expected


@pytest.mark.parametrize(
    ("similarity", "linked"), [(ClusterConfig().thread_bridge_similarity, False), (0.5, True)]
)
def test_a_story_only_halfway_to_a_sagas_multilingual_centroid_is_not_threaded(
    similarity: float, linked: bool
) -> None:
    """A story whose multilingual vector is halfway between the strike and another event
    (cosine 0.54 to the strike's centroid) and that shares nothing else with it is not linked;
    with the bar lowered to 0.5 it would be."""
    clusterer, strike = _strike(ClusterConfig(thread_bridge_similarity=similarity))
    bridge = _between(_bridge(1, seed=4), _bridge(5, seed=4), 0.6)
    centroid = clusterer.stories[strike].bridge_centroid
    assert centroid is not None and float(bridge @ centroid) == pytest.approx(0.54, abs=0.01)
    halfway = _article(4, 3, "election ballots count turnout", "Ormsby", hours=25)
    other = clusterer.assign(replace(halfway, bridge=bridge))
    assert other.created
    assert clusterer.thread_links({other.story_id}) == (
        [(other.story_id, strike)] if linked else []
    )


@pytest.mark.parametrize(("names", "linked"), [("Mestre Venice", True), ("Ormsby", False)])
def test_a_sagas_story_in_a_language_none_of_its_stories_share_is_threaded(
    names: str, linked: bool
) -> None:
    """The bus crash's stories are English and Italian; a Russian story of the inquiry shares
    no language with them, so the multilingual centroids compare them, against the stricter
    `thread_bridge_threshold`. Halfway close (cosine under `thread_bridge_similarity`), it
    joins when it names the crash's places, and not when it names nothing of the saga."""
    clusterer, story, _ = _saga()
    crash = clusterer.stories[story].bridge_centroid
    assert crash is not None
    bridge = _between(_bridge(1, seed=7), _bridge(6, seed=7), 0.6)
    assert 0.3 < float(bridge @ crash) < ClusterConfig().thread_bridge_similarity
    russian = replace(
        _article(7, 40, "следствие водитель автобус", names, hours=30, language="ru"),
        bridge=bridge,
    )
    inquiry = clusterer.assign(russian)
    assert inquiry.created
    links = clusterer.thread_links({inquiry.story_id})
    assert links == ([(inquiry.story_id, story)] if linked else [])


def test_a_story_the_main_model_cannot_read_finds_its_saga_by_its_multilingual_centroid() -> None:
    """With two candidates per index (the story itself is one), the inquiry's main centroid
    finds only an Italian decoy story that is nearer by the main model's vector; its
    multilingual centroid finds the crash."""
    clusterer, story, side = _saga(candidates=2)
    decoy = clusterer.assign(
        ArticleFeatures(
            id=9,
            vector=clusterer.stories[side].centroid,
            terms=Counter("sciopero treni".split()),
            entities=Counter(["Trenitalia"]),
            published=T0 + timedelta(hours=23),
            language="it",
            bridge=_bridge(4, seed=9),
        )
    )
    assert story not in clusterer._index.search(clusterer.stories[side].centroid, 2)
    assert decoy.story_id not in (story, side)
    assert clusterer.thread_links({side}) == [(side, story)]


def test_an_item_that_shares_the_storys_names_and_words_may_word_the_event_its_own_way() -> None:
    """Its headline is further from every member than the member check asks (0.7), but its
    story score is high, so the looser bar (0.6) applies; the same headline with other words
    and names scores low and needs the strict bar."""
    event = _vector(400)
    words = "protesters police tear gas summit geneva"
    clusterer = StoryClusterer()
    first = clusterer.assign(_item(1, event, words, "Geneva G7", 0))
    paraphrase = _between(event, _vector(401), 0.5)
    similarity = float(paraphrase @ event)
    config = clusterer.config
    assert config.member_similarity_named <= similarity < config.member_similarity
    joined = clusterer.assign(_item(2, paraphrase, words + " clash", "Geneva G7", 1))
    assert joined.story_id == first.story_id and joined.score is not None
    assert joined.score >= config.named_score
    strict = StoryClusterer(ClusterConfig(member_similarity_named=config.member_similarity))
    strict.assign(_item(1, event, words, "Geneva G7", 0))
    assert strict.assign(_item(2, paraphrase, words + " clash", "Geneva G7", 1)).created


def test_articles_features_share_one_string_per_word(monkeypatch: pytest.MonkeyPatch) -> None:
    """An active story keeps its members' features: two articles' copies of a word are one
    object, and the shared table is bounded."""
    vector = np.zeros(384, dtype=np.float32)
    text = "Flooding closed the Norland coastal railway on Tuesday, officials said."
    first = article_features(1, "Norland floods", text, vector)
    second = article_features(2, "Norland floods", " ".join(["railway", *text.split()]), vector)
    shared = [w for w in first.terms if w in second.terms]
    assert shared and all(any(w is o for o in second.terms) for w in shared)
    name = next(iter(first.entities))
    assert any(name is other for other in second.entities)
    monkeypatch.setattr(assign, "_SHARED_LIMIT", 3)
    third = article_features(3, "Storm", "A storm hit the harbour town of Ostwick.", vector)
    assert len(assign._SHARED_WORDS) <= len(third.terms) + len(third.entities)


def test_a_copy_of_an_article_whose_story_was_forgotten_is_placed_like_any_other() -> None:
    """A story quiet for twice the window is forgotten; a later copy in its near-duplicate
    group (a re-post a week on) used to look the dead story up and stop the round."""
    clusterer = StoryClusterer()
    first = clusterer.assign(_article(1, 0, "rail strike union pay", "Norland Rail", group=1))
    week = 24 * 7
    later = clusterer.assign(
        _article(2, 0, "rail strike union pay", "Norland Rail", hours=week, group=1)
    )
    assert later.story_id != first.story_id and later.reason is not JoinReason.SYNDICATED_COPY
    assert clusterer.group_story == {1: later.story_id}
    copy = clusterer.assign(
        _article(3, 0, "rail strike union pay", "Norland Rail", hours=week + 1, group=1)
    )
    assert (copy.story_id, copy.reason) == (later.story_id, JoinReason.SYNDICATED_COPY)


def test_a_copy_of_an_article_in_a_dormant_story_wakes_the_story() -> None:
    """A re-post of a dormant story's article after the window is coverage again: the story
    is active, found by the next report of its event, and no longer in the dormant index."""
    config = ClusterConfig()
    clusterer = StoryClusterer(config)
    first = clusterer.assign(_article(1, 1, QUAKE, "teravale calveria #6.4", group=1))
    hours = (config.window + timedelta(hours=1)).total_seconds() / 3600
    clusterer.assign(_article(2, 2, BANK, "norland", hours=hours))
    assert first.story_id in clusterer.dormant_ids()
    copy = clusterer.assign(
        _article(3, 1, QUAKE, "teravale calveria #6.4", hours=hours + 1, group=1)
    )
    assert (copy.story_id, copy.reason) == (first.story_id, JoinReason.SYNDICATED_COPY)
    assert first.story_id not in clusterer.dormant_ids()
    next_report = clusterer.assign(_article(4, 1, QUAKE, "teravale calveria #6.4", hours=hours + 2))
    assert (next_report.story_id, next_report.reason) == (first.story_id, "similar coverage")


def _days_of_news(clusterer: StoryClusterer, days: range, per_day: int = 12) -> None:
    """Articles on events of their own, each with words and names no other day uses."""
    for day in days:
        for n in range(per_day):
            i = day * per_day + n
            words = " ".join(f"w{i}x{k}" for k in range(8))
            clusterer.assign(_article(i + 1, 1000 + i, words, f"name{i} place{i}", hours=24 * day))


def test_what_the_clusterer_holds_follows_the_window_not_the_history() -> None:
    """A service runs for months: the frequencies, the term numbering, the article-to-story map
    and the stories stay what the last days need, as a restart would rebuild them."""
    clusterer = StoryClusterer()
    _days_of_news(clusterer, range(10))
    sizes = (
        len(clusterer.df.counts),
        len(clusterer.entity_df.counts),
        len(clusterer.article_story),
        len(clusterer.stories),
    )
    _days_of_news(clusterer, range(10, 60))
    later = (
        len(clusterer.df.counts),
        len(clusterer.entity_df.counts),
        len(clusterer.article_story),
        len(clusterer.stories),
    )
    held = 2 * ClusterConfig().window.days + 1  # today and twice the window before
    assert later == sizes, "twice the window's days of them, then as many"
    assert clusterer.df.documents == held * 12, "the window's days"
    assert len(clusterer._terms) < 2 * 8 * 12 * held + 4096 < 8 * 12 * 60
    kept = StoryClusterer(keep_assignments=True)
    _days_of_news(kept, range(60))
    assert len(kept.assignments()) == 60 * 12, "a benchmark still sees every article"


def test_split_pass_scores_only_a_huge_storys_latest_articles_and_the_rest_follow_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(assign, "SPLIT_MAX_SCORED", 8)
    old = [_article(i, 1, QUAKE + " teravale", "teravale calveria solen #6.4") for i in (1, 2)]
    clusterer = _fused(first=6, second=4)  # articles 1-6 Teravale, 7-10 Greyhaven
    clusterer.restore(1, old + clusterer.stories[1].articles[2:], dormant=False)
    scored: list[int] = []
    pairwise = clusterer._pairwise

    def counted(articles: list[ArticleFeatures]) -> np.ndarray:
        scored.append(len(articles))
        return pairwise(articles)

    monkeypatch.setattr(clusterer, "_pairwise", counted)
    splits = clusterer.split_pass()
    assert scored == [8]  # the latest eight of ten
    assert [s.moved for s in splits] == [(7, 8, 9, 10)]
    assert {a: s for a, s in clusterer.assignments().items() if a <= 2} == {1: 1, 2: 1}
