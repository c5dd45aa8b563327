"""Facts in a story's sentences: when two state the same fact, and when a figure is out of date.

Two sentences state the same fact when most of one's content (its content words and numbers) is
in the other's: "A strong earthquake struck southern Calveria" says little that "A magnitude 6.4
earthquake shook southern Calveria on Tuesday" does not. Neither writer keeps both;
bench/writing.py counts such pairs in every system's stories.

A figure is a count of something coverage updates (the dead, the injured, the missing, the
displaced, arrests): a number with one of their words near it. Once the coverage says 23 dead,
a sentence that says nine dead, and nothing else about the dead, is out of date; and so is an
outlet's later "at least nine" (`current_figures`).

A measure (a warning or an alert, a strike, a curfew, a lockdown, a state of emergency) is
issued, in force or lifted. Once the newest report of it says it was lifted, a sentence that
says it is in force ("A tsunami warning is in force…") is out of date too; one that says it was
issued is history and stays (`measures`). Two sentences that say different things of one
measure ("issued a tsunami warning at 14:29", "cancelled the warning at 16:20") are two facts.

A plan is told in the future tense of a day ("On June 14, Swiss voters will be able to decide
…", "The trial will resume on Monday"). Once the story's coverage has reached that day in a
later report, the plan has happened or not, and that report says which (`planned_day`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache

import snowballstemmer

from storywire.nlp.features import (
    NUMBER,
    WEEKDAYS,
    entities,
    named_days,
    normalise_number,
    terms,
    without_possessive,
)
from storywire.write.grounding import NUMBER_WORDS

# "Mostly": this share of the smaller sentence's content found in the other. 0.45 was chosen
# on the tune half of bench/repeats.py's labelled pairs among 0.4-0.6 (with bench/writing.py's
# tune-half ROUGE): it catches a third of the repeats that 0.6 let through, and few pairs of
# different facts.
RESTATED_SHARE = 0.45
# A sentence with fewer content items than this says too little to be called a repeat.
MIN_CONTENT = 3


# Marks a stated figure among the content: "=dead 9", "=6.4", "=4.25%"; and what a sentence
# says of a measure: "~warning lifted".
FIGURE, STATE = "=", "~"


def content(text: str) -> frozenset[str]:
    """A sentence's content words (lower-cased, stopwords dropped), telling numbers, the
    figures it states (its counts, `figures`, and its decimals and percentages) and what it
    says of a measure (`measures`)."""
    numbers = {name for name in entities(text) if name.startswith(NUMBER)}
    stated = {
        f"{FIGURE}{kind} {value}" for kind, values in figures(text).items() for value in values
    }
    stated |= {FIGURE + n[1:] for n in numbers if "." in n or n.endswith("%")}
    words = {_stem(without_possessive(word)) for word in terms(text)}
    said = {f"{STATE}{kind} {state}" for kind, state in measures(text)}
    return frozenset(words) | numbers | stated | said


_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """A word's stem, so that "banned" and "ban", "floated" and "floats" are one content word
    (Snowball's English stemmer; other languages' words mostly pass through)."""
    return str(_STEMMER.stemWord(word))


def restates(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether one of two sentences, given by their `content`, adds little to the other, or
    both state one figure ("killing at least nine people", "nine deaths had been confirmed")
    or say one thing of a measure; never when they say different things of one measure."""
    states = {item for item in a | b if item.startswith(STATE)}
    if len({item.rsplit(" ", 1)[0] for item in states}) < len(states):
        return False  # one measure, two states: issued, then lifted
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    if any(item.startswith((FIGURE, STATE)) for item in small & large):
        return True  # one figure, or one thing said of a measure, stated twice
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


# What a figure counts: word beginnings in English, Spanish and German (the writer's languages).
_COUNTED = {
    "dead": ("kill", "dead", "death", "died", "dies", "fatalit", "muert", "fallec", "tote",
             "getötet"),
    "injured": ("injur", "wound", "hurt", "herid", "lesionad", "verletz"),
    "missing": ("missing", "desaparec", "vermisst"),
    "displaced": ("displac", "homeless", "evacu", "desplazad", "evakuiert", "obdachlos"),
    "arrested": ("arrest", "detain", "detenid", "festgenommen", "verhaftet"),
}  # fmt: skip
# How late an outlet may repeat an older, smaller toll: within this window before a kind's
# newest figure, the largest stands (`current_figures`).
REPORTING_LAG = timedelta(hours=24)
# Counts that fall as often as they grow: the newest figure stands.
_FALLING = frozenset({"missing"})
# Words from a number to its counted word, at most.
FIGURE_WINDOW = 5
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*%?|[^\W\d_]+(?:-[^\W\d_]+)?|[,;:()]", re.UNICODE)
# Where a number's phrase ends: "23 died and about 140 were treated" counts 140 as nothing.
_BOUNDARIES = frozenset(",;:()") | {"and", "but", "while", "y", "und"}
# A year in a sentence marks it as background ("the 1987 earthquake killed 14 people").
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
_HISTORY = "from"  # "up from nine": a number after it is history
# An age is not a count: "dies at 32", "aged 32", "a 32-year-old".
_AGE_BEFORE = frozenset({"at", "aged", "age"})
_AGE_AFTER = frozenset({"year", "years", "year-old", "years-old"})
# A tally and its change, however long the phrase between them: "the death toll from the
# previous day's earthquake has risen to 23", "the number of people missing fell to four".
_TALLIES = frozenset({"toll", "number", "count", "tally", "total", "cifra", "número", "balance",
                      "zahl"})  # fmt: skip
_CHANGES = frozenset({"rose", "risen", "rises", "climbed", "climbs", "increased", "jumped",
                      "grew", "reached", "reaches", "hit", "topped", "stands", "stood", "fell",
                      "fallen", "falls", "dropped", "declined", "ascendió", "asciende", "aumentó",
                      "subió", "alcanzó", "stieg", "gestiegen", "steigt", "liegt"})  # fmt: skip
_CHANGED_TO = frozenset({"to", "at", "a", "auf", "bei"})
# Words from the change back to its tally ("number of people missing after the floods fell").
TALLY_REACH = 10
# Words from the tally to its counted word: "death toll", "number of people missing".
TALLY_WINDOW = 3


@lru_cache(maxsize=8192)
def figures(text: str) -> Mapping[str, frozenset[str]]:
    """What the sentence counts: kind ("dead", "injured", ...) -> the numbers it gives for it.
    A number a tally changes to counts the tally's kind ("the death toll ... has risen to 23"),
    or its own noun's ("rose to 23 deaths"), and nothing else;
    any other counts the kind whose word stands nearest it, within FIGURE_WINDOW words and not
    past a comma or an "and"; numbers after "from" ("up from nine") are history and ages ("dies
    at 32") are not counts. A sentence that names a year is background and gives none.

    Kept for the latest sentences: a story's current figures, its out-of-date sentences and
    its repeats all ask for them, and a story is written again each time it grows."""
    if _YEAR.search(text):
        return {}
    tokens = [token.casefold() for token in _TOKEN.findall(text)]
    kinds = [_kind(token) for token in tokens]
    found: dict[str, set[str]] = {}
    for position, token in enumerate(tokens):
        value = _value(token)
        before = tokens[position - 1] if position else ""
        after = tokens[position + 1] if position + 1 < len(tokens) else ""
        if value is None or before == _HISTORY or before in _AGE_BEFORE or after in _AGE_AFTER:
            continue
        tally = _tally(tokens, position)
        if tally is None:
            kind = _nearest_kind(tokens, kinds, position)
        else:  # the tally, or the number's own noun ("rose to 23 deaths"), says what it counts
            unit = kinds[position + 1] if position + 1 < len(kinds) else None
            kind = _nearest_kind(tokens, kinds, tally, TALLY_WINDOW) or unit
        if kind is not None:
            found.setdefault(kind, set()).add(value)
    return {kind: frozenset(values) for kind, values in found.items()}


def current_figures(dated: Iterable[tuple[str, datetime | None]]) -> dict[str, str]:
    """Kind -> the current figure the coverage gives for it. A toll or a tally that grows (the
    dead, the injured, the displaced, arrests) is the largest figure given within REPORTING_LAG
    before its newest one: an outlet repeating "at least 100" hours after others reported 320
    is late, not a revision, while a toll revised down is in every report a day later. The
    missing are found as often as more are reported, so theirs is the newest figure (the
    largest of the newest). Undated sentences say nothing of which figure is current, so
    coverage without dates has no current figures. A measure's kind -> IN_FORCE or LIFTED, as
    its newest report says (`measures`)."""
    given: dict[str, list[tuple[datetime, int, str]]] = {}
    said: dict[str, list[tuple[datetime, str]]] = {}
    for text, when in dated:
        if when is None:
            continue
        for kind, values in figures(text).items():
            given.setdefault(kind, []).extend((when, int(value), value) for value in values)
        for kind, state in measures(text):
            said.setdefault(kind, []).append((when, state))
    current: dict[str, str] = {}
    for kind, found in given.items():
        newest = max(when for when, _, _ in found)
        since = newest if kind in _FALLING else newest - REPORTING_LAG
        current[kind] = max((number, value) for when, number, value in found if when >= since)[1]
    for kind, states in said.items():  # what the newest report of a measure says of it
        newest = max(when for when, _ in states)
        lifted = any(state == LIFTED for when, state in states if when == newest)
        current[kind] = LIFTED if lifted else IN_FORCE
    return current


def out_of_date(text: str, current: dict[str, str]) -> bool:
    """Whether the sentence gives a figure, and not the current one, for something counted, or
    says a measure is in force that the coverage now says was lifted."""
    return any(
        kind in current and current[kind] not in values for kind, values in figures(text).items()
    ) or any(current.get(kind) == LIFTED and state == IN_FORCE for kind, state in measures(text))


def gives_current_figure(text: str, current: dict[str, str]) -> bool:
    """Whether the sentence gives the coverage's current figure for something counted."""
    return any(current.get(kind) in values for kind, values in figures(text).items())


# Measures coverage reports in force and then lifted: kind -> its names. "Apple Watch", an
# "emergency meeting" or "emergency services" name none.
_MEASURES = {
    kind: re.compile(rf"\b(?:{names})\b", re.IGNORECASE)
    for kind, names in {
        "warning": r"warnings?|alerts?|warnung|alerta|aviso|alerte",
        "strike": r"strikes?|walkouts?|streiks?|huelgas?|grèves?",
        "curfew": r"curfews?|ausgangssperre|toque de queda|couvre-feu",
        "lockdown": r"lockdowns?|confinement",
        "emergency": r"state of emergency|notstand|estado de emergencia|état d'urgence",
    }.items()
}
# Said of a measure: in force now (present tense: "was issued" is history), lifted, or issued.
_IN_FORCE = re.compile(
    r"\b(?:is|are|remains?|stays?|was still|were still) (?:still )?(?:in (?:force|place|effect)"
    r"|under ?way|active)\b|\b(?:continues|goes on|remains)\b|\bgilt\b|\bsigue vigente\b",
    re.IGNORECASE,
)
_LIFTED = re.compile(
    r"\b(?:lift(?:s|ed|ing)?|cancel(?:s|l?ed|l?ing)|call(?:s|ed)? off|end(?:s|ed)|is over|"
    r"rescind(?:s|ed)?|withdr(?:aw|aws|ew|awn)|scrapped|settled|expired|downgraded|"
    r"aufgehoben|beendet|levantad[oa]s?|suspendid[oa]s?)\b",
    re.IGNORECASE,
)
_ISSUED = re.compile(
    r"\b(?:issu(?:es|ed)|declar(?:es|ed)|impos(?:es|ed)|beg(?:an|un|ins)|start(?:s|ed)|"
    r"call(?:s|ed)|launch(?:es|ed)|(?:went|goes) into effect|came into force|ausgerufen|"
    r"verhängt|declarad[oa]|impuest[oa]|decretad[oa])\b",
    re.IGNORECASE,
)
IN_FORCE, LIFTED, ISSUED = "in force", "lifted", "issued"
_SAID = ((LIFTED, _LIFTED), (IN_FORCE, _IN_FORCE), (ISSUED, _ISSUED))  # the first found


@lru_cache(maxsize=8192)
def measures(text: str) -> tuple[tuple[str, str], ...]:
    """The measures the sentence names, each with what it says of it: (kind, IN_FORCE, LIFTED
    or ISSUED). A measure named without any of them is left out, as is a sentence that names a
    year (background)."""
    if _YEAR.search(text):
        return ()
    named = [kind for kind, names in _MEASURES.items() if names.search(text)]
    if not named:
        return ()
    state = next((name for name, said in _SAID if said.search(text)), None)
    return tuple((kind, state) for kind in named) if state else ()


def _tally(tokens: list[str], position: int) -> int | None:
    """Where the tally that changed to the number at `position` stands ("rose to 23",
    "reached 23"), looking back TALLY_REACH words from the change, within the phrase."""
    change = position - 1
    if change > 0 and tokens[change] in _CHANGED_TO:
        change -= 1
    if change < 0 or tokens[change] not in _CHANGES:
        return None
    for tally in range(change - 1, max(change - TALLY_REACH, 0) - 1, -1):
        if tokens[tally] in _BOUNDARIES:
            return None
        if tokens[tally] in _TALLIES:
            return tally
    return None


def _nearest_kind(
    tokens: list[str], kinds: list[str | None], position: int, reach: int = FIGURE_WINDOW
) -> str | None:
    """The kind of the counted word nearest the word at `position` (the one before it on a
    tie), looking as far as `reach` words and the phrase's boundaries."""
    for distance in range(1, reach + 1):
        for other in (position - distance, position + distance):
            if 0 <= other < len(tokens) and _within_phrase(tokens, position, other):
                kind = kinds[other]
                if kind is not None:
                    return kind
    return None


def _within_phrase(tokens: list[str], a: int, b: int) -> bool:
    low, high = sorted((a, b))
    return not any(token in _BOUNDARIES for token in tokens[low + 1 : high])


def _kind(token: str) -> str | None:
    for kind, starts in _COUNTED.items():
        if token.startswith(starts):
            return kind
    return None


def _value(token: str) -> str | None:
    """A count: a whole number, in digits or words (not a magnitude, a share or a rate)."""
    if token[0].isdigit():
        value = normalise_number(token)
        return value if value.isdigit() else None
    return NUMBER_WORDS.get(token)


# A plan: the future tense ("will", "is set to", "is due to") in English, the language the
# extractive writer writes in, and as headlines put it, without the verb ("deal scheduled to be
# signed on Sunday", gn24); not a bare "due to", which mostly gives a cause ("cancelled due to
# the strike on Monday").
_FUTURE = re.compile(
    r"\b(?:will|won['’]t|shall|(?:is|are) (?:set|due|scheduled|expected|poised|to be|slated)"
    r"(?: to)?|(?:is|are) to|(?:set|scheduled|expected|poised|slated) to)\b",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(rf"\b(?<!last )(?:on |this |next )?({'|'.join(WEEKDAYS)})\b", re.IGNORECASE)


def planned_day(text: str, published: datetime) -> date | None:
    """The day a sentence written at `published` says something will happen: the first day it
    names (a day of a month, or a weekday, the next one from `published`) in a sentence in the
    future tense, on or after the day it was written; None when it states no such plan. The
    day it was written counts only where it follows the future tense: in "Iran said on Sunday
    that talks will resume", Sunday is when it was said."""
    future = _FUTURE.search(text)
    if not future:
        return None
    written = published.date()
    named: date | None
    if days := named_days(text):
        at, month, day = days[0]
        named = _month_day(written, month, day)
    elif weekday := _WEEKDAY.search(text):
        at = weekday.start()
        named = written + timedelta(
            days=(WEEKDAYS.index(weekday[1].lower()) - written.weekday()) % 7
        )
    else:
        return None
    if named == written and at < future.start():
        return None
    return named


def _month_day(written: date, month: int, day: int) -> date | None:
    """The first such day on or after `written`, within half a year; None past that (a day
    gone by) or for no such day."""
    for year in (written.year, written.year + 1):
        try:
            named = date(year, month, day)
        except ValueError:
            return None
        if named >= written:
            return named if named - written <= timedelta(days=183) else None
    return None
