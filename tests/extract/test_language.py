"""Language identification: the text decides, unless it is too little to tell."""

from __future__ import annotations

import pytest

from storywire.extract.language import identify_language

GERMAN = (
    "Der Stadtrat hat am Dienstag beschlossen, die Straßenbahnlinie bis zum neuen Hafen zu "
    "verlängern. Die Bauarbeiten sollen im Frühjahr beginnen und zwei Jahre dauern."
)


@pytest.mark.parametrize(
    ("text", "declared", "language"),
    [
        ("How to watch Norland vs. Calveria online for free", None, "pcm"),  # too little text
        ("How to watch Norland vs. Calveria online for free", "en-GB", "en"),
        (GERMAN, None, "de"),
        (GERMAN, "en", "de"),  # the model is sure: a page or feed can mislabel an article
        ("Harbour bridge reopens", "nl", "nl"),  # under 40 characters: the declared one
        ("Harbour bridge reopens", None, None),
    ],
)
def test_the_declared_language_wins_only_where_the_text_cannot_tell(
    text: str, declared: str | None, language: str | None
) -> None:
    assert identify_language(text, declared) == language
