from __future__ import annotations

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
