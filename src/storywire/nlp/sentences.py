"""Sentence segmentation that works across English, Spanish and German news prose."""

from __future__ import annotations

import re

# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st mt no nos vs etc inc ltd co corp bros gov sen rep gen col lt sgt "
    "capt jan feb mar apr jun jul aug sep sept oct nov dec approx dept est fig e.g i.e u.s u.k "
    "intl natl assn univ govt ave blvd rev hon mme "
    "sra srta dña lic ing av dra núm pág aprox "
    "bzw ca evtl ggf inkl nr str usw vgl z.b d.h u.a dt".split()
)
# Starts only at the first mark of a run and never gives back what it took (possessive), so a
# run of ten thousand dots is one attempt, not ten thousand: linear, not quadratic.
_CANDIDATE = re.compile(r"(?<![.!?…])([.!?…]++[\"'”’»)]*+)(\s++)(?=[\"'“‘«(¿¡]?[A-ZÀ-ÖØ-Þ0-9])")
_WORD = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph or article, keeping their punctuation."""
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n|\n", text):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        start = 0
        for match in _CANDIDATE.finditer(paragraph):
            end = match.end(1)
            head = paragraph[start:end]
            last_word = head.rstrip(".!?…\"'”’»)").rsplit(" ", 1)[-1].lower()
            if match.group(1).startswith(".") and (
                last_word.rstrip(".") in _ABBREVIATIONS or len(last_word) == 1
            ):
                continue
            sentences.append(head.strip())
            start = match.end()
        tail = paragraph[start:].strip()
        if tail:
            sentences.append(tail)
    return sentences


def words(text: str) -> list[str]:
    return _WORD.findall(text)
