"""When two sentences of a story state the same fact: most of one's content (its content words
and numbers) is in the other's. "A strong earthquake struck southern Calveria" says little that
"A magnitude 6.4 earthquake shook southern Calveria on Tuesday" does not. Neither writer keeps
both; bench/writing.py counts such pairs in every system's stories."""

from __future__ import annotations

from collections.abc import Sequence

from storywire.nlp.features import NUMBER, entities, terms

# "Mostly": this share of the smaller sentence's content found in the other.
RESTATED_SHARE = 0.6
# A sentence with fewer content items than this says too little to be called a repeat.
MIN_CONTENT = 3


def content(text: str) -> frozenset[str]:
    """A sentence's content words (lower-cased, stopwords dropped) and telling numbers."""
    numbers = {name for name in entities(text) if name.startswith(NUMBER)}
    return frozenset(terms(text)) | numbers


def restates(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether one of two sentences, given by their `content`, adds little to the other."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    if len(small) < MIN_CONTENT:
        return False
    return len(small & large) >= RESTATED_SHARE * len(small)


def repeated_pairs(sentences: Sequence[str]) -> list[tuple[int, int]]:
    """The pairs (i, j), i < j, of sentences that state the same fact."""
    contents = [content(sentence) for sentence in sentences]
    return [
        (i, j)
        for i in range(len(contents))
        for j in range(i + 1, len(contents))
        if restates(contents[i], contents[j])
    ]


def each_fact_once(sentences: Sequence[str]) -> list[int]:
    """The positions of the sentences to keep, in order: each one that restates none kept
    before it."""
    kept: list[int] = []
    contents: list[frozenset[str]] = []
    for index, sentence in enumerate(sentences):
        found = content(sentence)
        if not any(restates(found, other) for other in contents):
            kept.append(index)
            contents.append(found)
    return kept
