from __future__ import annotations

import time

import pytest

from storywire.nlp.sentences import split_sentences


def test_splits_on_sentence_ends_but_not_abbreviations() -> None:
    text = (
        'Dr. Amara Quint said the probe was healthy. "It worked," she said. '
        "Mr. Berge takes over on Monday! Will shares recover? Analysts at Fjordline Inc. doubt it."
    )
    assert split_sentences(text) == [
        "Dr. Amara Quint said the probe was healthy.",
        '"It worked," she said.',
        "Mr. Berge takes over on Monday!",
        "Will shares recover?",
        "Analysts at Fjordline Inc. doubt it.",
    ]


def test_names_with_abbreviated_words_stay_whole() -> None:
    """Seen on a written page of gn24: a highlight "KVIFF Promises, part of the industry
    program of Karlovy Vary Intl." cut from "… Intl. Film Festival, …"."""
    text = (
        "The showcase is part of the industry program of Karlovy Vary Intl. Film Festival. "
        "The Natl. Assn. of Broadcasters met on Penn Ave. Tuesday. Rev. Lee spoke."
    )
    assert split_sentences(text) == [
        "The showcase is part of the industry program of Karlovy Vary Intl. Film Festival.",
        "The Natl. Assn. of Broadcasters met on Penn Ave. Tuesday.",
        "Rev. Lee spoke.",
    ]


def test_a_company_ending_in_bros_does_not_end_the_sentence() -> None:
    """Seen on a written page: "…to join Warner Bros.’" and a fragment "Ocean’s prequel…"."""
    text = (
        "Wagner Moura is negotiating to join Warner Bros.’ Ocean’s prequel opposite Margot "
        "Robbie. Cooper is directing the prequel for Warner Bros. Pictures."
    )
    assert split_sentences(text) == [
        "Wagner Moura is negotiating to join Warner Bros.’ Ocean’s prequel opposite Margot Robbie.",
        "Cooper is directing the prequel for Warner Bros. Pictures.",
    ]


def test_paragraphs_always_end_sentences_and_numbers_stay_whole() -> None:
    text = "Rates rose to 4.25 per cent.\n\nThe krona gained 1.2%. Bonds fell"
    assert split_sentences(text) == [
        "Rates rose to 4.25 per cent.",
        "The krona gained 1.2%.",
        "Bonds fell",
    ]


def test_spanish_and_german() -> None:
    assert split_sentences("¿Qué pasó? El Sr. Ibarra marcó. ¡Gol!") == [
        "¿Qué pasó?",
        "El Sr. Ibarra marcó.",
        "¡Gol!",
    ]
    assert split_sentences(
        "Die Bahn fährt wieder, z.B. nach Brennmark. Der Streik ist vorbei."
    ) == [
        "Die Bahn fährt wieder, z.B. nach Brennmark.",
        "Der Streik ist vorbei.",
    ]


@pytest.mark.parametrize(
    "text",
    ["A" + "." * 50_000 + "b", ". " * 50_000 + "x", "Yes" + "!?" * 50_000, "A." + " " * 50_000],
    ids=["dots", "dot-space", "marks", "spaces"],
)
def test_runs_of_punctuation_split_in_linear_time(text: str) -> None:
    """A hostile page of 100 KB of dots took minutes when every dot started a new attempt."""
    started = time.perf_counter()
    split_sentences(text)
    assert time.perf_counter() - started < 0.5
