"""Reader sections from publishers' section labels and feed folders."""

from __future__ import annotations

import pytest

from storywire.stories.category import CATEGORIES, KEYWORDS, normalise, story_category


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("World news", "World"),
        ("Politics", "Politics"),
        ("Business Day", "Business"),
        ("Markets", "Business"),
        ("Money", "Business"),
        ("Tech", "Technology"),
        ("Science", "Science"),
        ("Health", "Health"),
        ("Climate", "Climate"),
        ("Environment", "Climate"),
        ("Sport", "Sports"),
        ("Arts & Entertainment", "Culture"),
        ("Middle East", "World"),
    ],
)
def test_english_labels(label: str, expected: str) -> None:
    assert normalise(label) == expected


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        # Spanish
        ("Internacional", "World"),
        ("Economía", "Business"),
        ("Tecnología", "Technology"),
        ("Deportes", "Sports"),
        ("Ciencia", "Science"),
        ("Salud", "Health"),
        ("Medio ambiente", "Climate"),
        ("Elecciones", "Politics"),
        # German
        ("Welt", "World"),
        ("Wirtschaft", "Business"),
        ("Technik", "Technology"),
        ("Fußball", "Sports"),
        ("Fussball-Bundesliga", "Sports"),
        ("Wissenschaft", "Science"),
        ("Gesundheit", "Health"),
        ("Klima", "Climate"),
        ("Politik", "Politics"),
        ("Kultur", "Culture"),
        # French
        ("Monde", "World"),
        ("Économie", "Business"),
        ("Santé", "Health"),
        ("Politique", "Politics"),
        ("Culture", "Culture"),
        # Italian and Portuguese
        ("Esteri e mondo", "World"),
        ("Saúde", "Health"),
        ("Futebol", "Sports"),
    ],
)
def test_other_languages(label: str, expected: str) -> None:
    assert normalise(label) == expected


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("News/World", "World"),
        ("Politics/US", "Politics"),
        ("/world/europe", "World"),
        ("/sport/football/", "Sports"),
        ("News > Technology", "Technology"),
        ("Business/Technology", "Technology"),
        ("Opinion/Politics", "Politics"),
        ("world_news", "World"),
    ],
)
def test_paths_try_the_most_specific_segment_first(label: str, expected: str) -> None:
    assert normalise(label) == expected


@pytest.mark.parametrize(
    "label", [None, "", "   ", "News", "Home", "Opinion", "UK news", "Latest", "/", "Comment"]
)
def test_generic_opinion_and_unknown_labels_map_to_none(label: str | None) -> None:
    assert normalise(label) is None


@pytest.mark.parametrize(
    "label", ["WORLD", "wOrLd NeWs", "ECONOMIA", "economie", "SANTE", "Ciência"]
)
def test_case_and_accents_do_not_matter(label: str) -> None:
    assert normalise(label) is not None


def test_whole_words_only() -> None:
    assert normalise("Sportswear") is None
    assert normalise("Artificial") is None
    assert normalise("Worldwide") is None


def test_keyword_table_is_well_formed() -> None:
    assert set(KEYWORDS) == set(CATEGORIES)
    for category in CATEGORIES:
        assert normalise(category) == category


def test_majority_vote_counts_sections_and_feeds_equally() -> None:
    sections = ["World news", "Politics", "Opinion", None, "Politik"]
    feeds = ["News/World", "News/World", None, "Home", "Politics"]
    assert story_category(sections, feeds) == "World"
    assert story_category(["Sport", "Sport", "Economía"], ["Business", "Business"]) == "Business"


def test_ties_follow_category_order() -> None:
    assert story_category(["Tech", "Science"], []) == "Technology"
    assert story_category(["Culture"], ["Sports"]) == "Sports"
    assert story_category(["Klima", "Health"], ["Science", "Salud", "Umwelt"]) == "Health"


def test_nothing_usable_gives_none() -> None:
    assert story_category([], []) is None
    assert story_category([None, "News", "Opinion"], [None, "Home"]) is None
