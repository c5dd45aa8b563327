"""The order a story is told in: its lead, then what happened, then what was said about it,
then the background. A news report is written so (the inverted pyramid), and a reader who stops
early has the news, not a quote about it or the history behind it.

A sentence's part is read from its words, cheaply and in the languages the writer reads:
- a **reaction** quotes someone (a quotation of at least three words, most of them not
  capitalised: "“Spider-Man: Brand New Day” opens in July" quotes a title; or a shorter one
  with its speaker: 'was "reckless", Starmer said') or reports a response ("condemned",
  "welcomed", "praised", "vowed", "called for"...);
- **background** names an earlier year than the story's latest report ("the 1987 earthquake",
  "since 2019") or says it is history ("last year", "for decades", "for several weeks", "over
  the past months", "has long", "previously"; not "last month", which is often the news itself:
  "after its debut last month, Android 17 is rolling out");
- everything else is the **event**: what happened, where, when, to whom, and what followed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from enum import IntEnum

# Quotation marks: double ones of any script, and curly single ones (a straight ' is too often
# an apostrophe); a curly apostrophe inside a quotation only cuts it short.
_QUOTED = re.compile(r"[“\"«„]([^“”\"«»„]{1,600})[”\"»“]|‘([^‘’]{1,600})’")
QUOTED_WORDS = 3  # a quotation, not a quoted name or term ('the so-called "iron dome"')
TITLE_SHARE = 0.6  # of a quotation's words capitalised: a title ("“Spider-Man: Brand New Day”")
# Verbs of response, as whole forms: "blast", "hail" and "slammed into" are events.
_REACTION = re.compile(
    r"\b(?:condemn(?:s|ed|ing)?|welcom(?:es|ed|ing)|prais(?:es|ed|ing)|critici[sz](?:es|ed|ing)|"
    r"hailed|vow(?:s|ed)|mourn(?:s|ed|ing)|denounc(?:es|ed|ing)|lament(?:s|ed)|"
    r"applaud(?:s|ed)|decri(?:es|ed)|call(?:s|ed)? for|paid tribute|"
    r"express(?:es|ed)? (?:concern|sorrow|condolences|shock|outrage|regret|support)|"
    r"condamn(?:e|é|ent)|dénonc(?:e|é)|salu(?:e|é)|verurteilt(?:e|en)?|begrüßt(?:e|en)?|"
    r"kritisiert(?:e|en)?|conden[óa]|critic[óa]|lament[óa])\b",
    re.IGNORECASE,
)
# Who said it: a quotation of any length with its speaker ('was "reckless", Starmer said').
_SPEECH = re.compile(
    r"\b(?:said|says|told|tells|added|adds|wrote|writes|declared|a déclaré|a dit|sagte|"
    r"erklärte|dijo|afirmó|declaró)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
_HISTORY = re.compile(
    r"\b(?:last (?:year|season|decade)|in recent (?:years|months|weeks)|"
    r"for (?:(?:several|many|some) )?(?:weeks|months|years|decades|centuries)|"
    r"over the (?:past|last) (?:(?:few|several) )?(?:weeks|months|years)|"
    r"(?:has|have|had) long|previously|historically|in the past|earlier this year|"
    r"l'an dernier|l'année dernière|el año pasado|letztes jahr|im vergangenen jahr)\b",
    re.IGNORECASE,
)


class Part(IntEnum):
    """Where a sentence belongs in the story, in the order the parts are told."""

    EVENT = 0
    REACTION = 1
    BACKGROUND = 2


def part(sentence: str, year: int | None = None) -> Part:
    """The sentence's part; `year` is the year of the story's latest report (a sentence naming
    it, "the 2026 World Cup", is not background)."""
    quoted = [a or b for a, b in _QUOTED.findall(sentence)]
    if any(_spoken(q.split()) for q in quoted) or _REACTION.search(sentence):
        return Part.REACTION
    if _SPEECH.search(sentence) and any(not _titled(q.split()) for q in quoted):
        return Part.REACTION
    if _HISTORY.search(sentence):
        return Part.BACKGROUND
    if year is not None and any(int(y) < year for y in _YEAR.findall(sentence)):
        return Part.BACKGROUND
    return Part.EVENT


def _spoken(words: list[str]) -> bool:
    """Whether quoted words are someone's words: a few of them, not a title in capitals."""
    return len(words) >= QUOTED_WORDS and not _titled(words)


def _titled(words: list[str]) -> bool:
    return sum(word[:1].isupper() for word in words) >= TITLE_SHARE * len(words)


def narrative_order(chosen: Sequence[int], part_of: Callable[[int], Part]) -> list[int]:
    """The chosen sentences (their lead first, the rest in the order events were reported)
    with the lead kept first and the rest grouped by part, each part in its given order."""
    if not chosen:
        return []
    lead, *rest = chosen
    return [lead, *sorted(rest, key=part_of)]
