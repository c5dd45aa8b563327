"""The order a story is told in: lead, what happened, reactions, background."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from storywire.nlp.embed import default_embedder
from storywire.write.extractive import (
    ExtractiveWriter,
    SourceArticle,
    _highlights,
    _lead_first,
    _Sentence,
)
from storywire.write.narrative import Part, narrative_order, part


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ('"We will rebuild every house," the mayor said.', Part.REACTION),
        ("« Nous reconstruirons tout », a déclaré le maire.", Part.REACTION),
        ("The UN secretary-general condemned the attack on the convoy.", Part.REACTION),
        ("Opposition leaders called for an inquiry into the collapse.", Part.REACTION),
        ('The warning shots were "reckless", the prime minister said on Wednesday.', Part.REACTION),
        ("‘We were close friends,’ the former ally told the court in Manhattan.", Part.REACTION),
        ("It was the deadliest flood in the region since 1998.", Part.BACKGROUND),
        ("The company has long denied any wrongdoing.", Part.BACKGROUND),
        ("A similar law was passed last year in Denmark.", Part.BACKGROUND),
        ("For several weeks, protesters have blocked the main highways.", Part.BACKGROUND),
        ("Food prices have doubled over the past few months.", Part.BACKGROUND),
        ("Talks between the two sides stalled in recent weeks.", Part.BACKGROUND),
        # Events, though they share a word or a mark with the parts above:
        ("A blast ripped through the market on Monday morning.", Part.EVENT),
        ("A lorry slammed into the barrier on the motorway.", Part.EVENT),
        ('The so-called "iron dome" intercepted most of the rockets.', Part.EVENT),
        ("The 2026 World Cup opened in Mexico City on Thursday.", Part.EVENT),
        ("Hail damaged crops across the province overnight.", Part.EVENT),
        ('The warship fired at a yacht that made a "dangerous approach."', Part.EVENT),
        ('The ministry said the film "Civil War" was banned.', Part.EVENT),
        ("“Spider-Man: Brand New Day” hits theaters July 31.", Part.EVENT),  # a title
        ("After its debut last month, Android 17 is rolling out to phones.", Part.EVENT),
        ("The vote in parliament lasted for hours on Friday.", Part.EVENT),
    ],
)
def test_a_sentences_part_is_read_from_its_words(sentence: str, expected: Part) -> None:
    assert part(sentence, 2026) is expected


def test_a_year_is_background_only_before_the_storys_latest_report() -> None:
    sentence = "The 2025 season ended with a record crowd."
    assert part(sentence, 2026) is Part.BACKGROUND
    assert part(sentence, 2025) is Part.EVENT
    assert part(sentence, None) is Part.EVENT  # undated coverage: no year to compare


def test_the_lead_stays_first_and_each_part_keeps_its_order() -> None:
    parts = {1: Part.REACTION, 2: Part.BACKGROUND, 3: Part.EVENT, 4: Part.REACTION, 5: Part.EVENT}
    assert narrative_order([4, 1, 2, 3, 5], parts.__getitem__) == [4, 3, 5, 1, 2]
    assert narrative_order([], parts.__getitem__) == []


def test_a_written_story_tells_the_event_before_reactions_and_history() -> None:
    """In the order the reports came out, the reaction and the history would come before the
    rescue; the reader gets the news first."""
    day = datetime(2026, 3, 9, 6, tzinfo=UTC)
    texts = [
        (
            "Bridge collapses in Arlen",
            "A road bridge over the Arlen river collapsed on Monday, sending three cars into "
            "the water. The Arlen river bridge had long been due for repairs, engineers in the "
            "valley say. "
            '"This should never have happened in a modern country," said opposition leader '
            "Maria Lopez.",
        ),
        (
            "Divers search Arlen river after bridge collapse",
            "Divers pulled four people alive from the Arlen river after the bridge collapse on "
            "Monday. The regional government ordered checks on every bridge in the valley.",
        ),
    ]
    articles = [
        SourceArticle(n + 1, title, text, f"Outlet {n}", published=day + timedelta(hours=n))
        for n, (title, text) in enumerate(texts)
    ]
    story = ExtractiveWriter(default_embedder()).write(articles, words=200)
    parts = [part(s.text, 2026) for s in story.story]
    assert len(story.story) >= 4 and {Part.REACTION, Part.BACKGROUND} <= set(parts[1:])
    assert parts[1:] == sorted(parts[1:])
    assert parts.index(Part.REACTION) > 1 and parts.index(Part.BACKGROUND) > 1


def test_the_lead_states_the_event_not_a_quote_about_it() -> None:
    """The best-scoring sentence of the latest coverage is a quotation; the best-scoring event
    sentence leads instead, and the quotation keeps its place among the reactions."""
    day = datetime(2026, 6, 18, 9, tzinfo=UTC)
    texts = [
        (1, "Netflix is adapting a reality competition series based on a playground game."),
        (2, '"This is not the Simon you remember from recess," the streamer describes.'),
        (2, "The series will film in Teravale this autumn with 50 contestants."),
    ]
    sentences = [
        _Sentence(text, article, f"Outlet {article}", n, day + timedelta(hours=article),
                  Counter(), 0.0)
        for n, (article, text) in enumerate(texts)
    ]  # fmt: skip
    articles = [
        SourceArticle(a, "Netflix game show", "", f"Outlet {a}", published=day + timedelta(hours=a))
        for a in (1, 2)
    ]
    scores = np.array([0.8, 0.9, 0.5])
    part_of = {i: part(s.text, 2026) for i, s in enumerate(sentences)}.__getitem__
    assert part_of(1) is Part.REACTION
    assert _lead_first([0, 1, 2], sentences, scores, articles, part_of) == [0, 1, 2]
    assert _lead_first([1, 2], sentences, scores, articles, part_of) == [2, 1]
    quotes_only = {0: Part.REACTION, 1: Part.REACTION, 2: Part.REACTION}.__getitem__
    assert _lead_first([0, 1, 2], sentences, scores, articles, quotes_only) == [1, 0, 2]


def _highlighted(texts: list[str], scores: list[float], stale: set[int], year: int) -> list[str]:
    """The highlights of sentences from one article each, none alike, scored as given."""
    day = datetime(year, 6, 18, 9, tzinfo=UTC)
    sentences = [
        _Sentence(text, n + 1, f"Outlet {n}", 0, day, Counter(), 0.0)
        for n, text in enumerate(texts)
    ]
    similarity = np.eye(len(texts), dtype=np.float32)
    return [h.text for h in _highlights(sentences, similarity, np.array(scores), stale, year)]


def test_the_first_highlight_says_what_happened() -> None:
    texts = [
        '"This is not the Simon you remember from recess," the streamer describes.',
        "Netflix is adapting a reality competition series based on a playground game.",
        "The game show had long been a staple of children's television in the 1990s.",
    ]
    picked = _highlighted(texts, [0.9, 0.8, 0.85], set(), 2026)
    assert picked == [texts[1], texts[0], texts[2]]


def test_long_reports_still_give_the_event_a_highlight() -> None:
    """newsapi's Hamas attack: every report of the event ran past 30 words, and the only
    highlight was a reaction."""
    texts = [
        "The ambassador compared the attacks to 9/11 and vowed that the country would keep "
        "striking back.",
        "Militants fired thousands of rockets and sent dozens of fighters into towns near the "
        "border in an unprecedented surprise early morning attack during a major holiday, "
        "officials said on Saturday.",
        "The military announced a state of war alert on Saturday after militants fired a "
        "deadly barrage of rockets and sent gunmen across the border in a major escalation of "
        "the long running conflict.",
    ]
    assert _highlighted(texts, [0.5, 0.9, 0.8], set(), 2023) == [texts[1], texts[2], texts[0]]
    reaction = (
        "The military declared a state of war alert on Saturday after militants fired a deadly "
        'barrage of rockets across the border, and the defence minister said "we will answer '
        'with force".'
    )
    picked = _highlighted([texts[0], texts[1], reaction], [0.5, 0.0, 0.9], {1}, 2023)
    assert picked == [reaction, texts[0]]  # each part in score order


def test_a_day_of_reactions_does_not_lead_the_highlights() -> None:
    """The first highlight is the latest coverage's event sentence, and only an event's."""
    day = datetime(2026, 6, 18, 9, tzinfo=UTC)
    texts = [
        "Trump was booed by the crowd at the NBA finals game in New York on Thursday.",
        "The late-night host condemned the booing and praised the crowd's restraint.",
        "Knicks fans had booed visiting politicians at the arena for several years.",
    ]
    sentences = [
        _Sentence(text, n + 1, f"Outlet {n}", 0, day, Counter(), 0.0)
        for n, text in enumerate(texts)
    ]
    similarity = np.eye(3, dtype=np.float32)
    latest = {2}  # the day after: the host's reaction only
    picked = _highlights(sentences, similarity, np.array([0.5, 0.9, 0.7]), set(), 2026, latest)
    assert [h.text for h in picked] == texts
