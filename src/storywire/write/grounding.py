"""Is a written sentence supported by the source sentences it cites? A pure, cheap check.

A generated sentence is publishable only when it passes five tests against its cited sources:

1. **Numbers.** Every number in it (digits of any size, dates and years included, and English
   number words from "two" to "twenty") occurs in the cited sentences. Numbers are compared after
   the normalisation `nlp.features` uses ("6,4" == "6.4", "1,000" == "1.000" == "1000"), and
   "23 percent", "23 per cent", "23 Prozent" and "23 %" all read as "23%". A number is a claim of
   the sentence that states it, so it must come from a cited sentence, not from elsewhere in the
   article. Nor may it come from elsewhere in the cited sentences: a number is a claim about the
   words beside it, so where the sentence has content words (`features.terms`, light stem as in
   3) within `NUMBER_WINDOW` words of a number, the number must occur in a cited sentence with
   at least one of them within `NUMBER_WINDOW` words of it (every word and number counts as a
   position). "23 dead" and "57 injured" cited must not become "57 dead", nor "shot three times"
   become "shot five times" because "ages 5 and 7" is cited; "killed 23 people" is grounded by
   "23 people were killed". A number with no content word beside it (the 3 of "it was on May
   3.", where "on" and "may" are stopwords) only has to occur. Why a window of 2: on the tune
   half of `bench/grounding.py` it is the only one of 2-5 that lets at most 2% of changed
   numbers through (0%, against 2.2-3.3% for 3-5); the price is faithful sentences that move a
   number away from its words ("paid $40,000" from "paid the company $40,000"): 12.6% of the
   well-supported ones are rejected, against 9.2% without slots.
2. **Names.** Every name (the capitalised words `entities()` finds, plus the later words of a
   capitalised run that opens a sentence, as in "Maria Lopez said") occurs, case-insensitively, in
   the cited sentences. Two kinds may come from the wider `context` (the cited articles) instead:
   a word of a name whose other words the cited sentences hold (an article names someone once in
   full and then by surname: "Collin Rose" is grounded where the cited sentence says "Rose"), and
   the name in an attribution ("the AP reports", "tells CNN", "per Reuters"). Any other name
   from elsewhere in the article is a claim the cited sentences do not make: on
   `bench/grounding.py`'s tune half, allowing every name of the article let 67% of swapped names
   through; this rule lets 32% through, for 1.2 points more wrongly rejected faithful sentences.
   Dotted abbreviations (single capitals each followed by a dot: "U.S.", "D.C.", "U.K.") are read
   without their dots on both sides first, as writers and sources spell them either way: "US" is
   grounded by "U.S.", "UK" still is not; a month's abbreviation matches the month ("Nov." and
   "November").
3. **Overlap.** At least half (`MIN_OVERLAP`) of the sentence's distinct content words (stopwords
   and numbers excluded, `features.terms`) occur in the cited sentences, compared on a light stem
   (plural and past-tense endings dropped, then the first five letters, which also works for
   Spanish and German). Why a half: a restatement of one to three sentences keeps most of their
   content words (who, what, where) and changes the grammar around them, so a faithful paraphrase
   clears a half comfortably; a sentence that brings mostly its own words is saying something its
   sources do not, or cites the wrong ones. Names and numbers are checked exactly above, so the
   overlap only has to catch invented content, not verify every word.
4. **Negation.** A word the sentence denies (the first content word after "not", "never",
   "n't", "no", "without", "lack" and the like, in its clause) must not be one the cited
   sentences only state, and a word it states must not be one they only deny: "have not
   uncovered" against a cited "have uncovered", "was man-made" against "was not man-made". A word
   the cited sentences both state and deny is not judged.
5. **Roles.** Two names around a verb (at most six words apart, with a content word and no
   clause mark between them) must stand in the order a cited sentence holding both puts them,
   read through the passive: "A beat B" is grounded by "B was beaten by A", not by "B beat A".

What the check cannot see: a negation or a changed role in words the cited sentences do not
share (a paraphrase: "was found" for "has been unearthed"), a swap to a name or date the cited
sentences hold elsewhere, and number words beyond English (digits written in sources as "tres"
or "drei" are understood).
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from storywire.nlp.features import (
    MONTHS,
    NUMBER,
    WEEKDAYS,
    entities,
    normalise_number,
    terms,
    without_possessive,
)
from storywire.nlp.sentences import split_sentences

MIN_OVERLAP = 0.5
NUMBER_WINDOW = 2

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*%?")
_PERCENT_WORDS = re.compile(r"(\d)\s*(?:%|percent\b|per cent\b|por ciento\b|prozent\b)", re.I)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Words and numbers as `features.terms` and `_NUMBER` read them, in order: the word positions a
# number's slot is measured in.
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+(?:[.,]\d+)*%?", re.UNICODE)
# "U.S.", "D.C.", "U.K.": single capitals, each with its dot (at least two), not inside a word.
_DOTTED = re.compile(r"(?<![\w.])(?:[A-ZÀ-ÖØ-Þ]\.){2,}")
_OPENING_RUN = re.compile(r"^\W*[A-ZÀ-ÖØ-Þ][\w'’.-]*((?:\s+[A-ZÀ-ÖØ-Þ][\w'’.-]*)+)")
# Where a clause ends, for the reach of a negation and the stretch between two names.
_CLAUSE = re.compile(r"[,;:!?()\"“”]|\.(?=\s|$)|\s[—–-]\s|—|–")
_NEGATIONS = frozenset(
    "not never no nobody nothing none neither nor cannot without lack lacks".split()
)
# "not only X but Y", "not just X" state X.
_NOT_NEGATING = frozenset("only just merely simply".split())
# Words between a negation and the word it turns ("did not even respond"), not content here.
_AUXILIARIES = frozenset(
    "did does doing done has have had was were been being also even yet still ever".split()
)
_RUN = re.compile(r"[A-ZÀ-ÖØ-Þ][\w'’.-]*(?:\s+[A-ZÀ-ÖØ-Þ][\w'’.-]*)*")
# Who reported: "the AP reports", "reports Reuters", "per the AP", "tells CNN", "told AFP".
_ATTRIBUTION = re.compile(
    r"\b(?:reports?|reported|per|tells|told|according to)\s+(?:the\s+)?"
    r"([A-Z][\w'’&-]*(?:\s+[A-Z][\w'’&-]*){0,3})"
    r"|\b([A-Z][\w'’&-]*(?:\s+[A-Z][\w'’&-]*){0,3})\s+(?:reports|reported)\b"
)
_MONTHS = {month[:3]: month for month in MONTHS} | {"sept": "september"}
# Months and weekdays are names to the name check, but never one of two sides of an action.
_DATE_WORDS = frozenset(_MONTHS) | frozenset(MONTHS) | frozenset(WEEKDAYS)
_ROLE_WORDS = 6  # words between two names compared for order
_OCCURRENCES = 20  # of each name in a cited sentence, so a hostile one costs little
_SUFFIXES = ("ing", "ed", "es", "s")
_NOT_NAMES = frozenset("a an the of de del la von der van al y".split())

_ENGLISH_NUMBERS = {
    word: str(value)
    for value, word in enumerate(
        "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split(),
        start=2,
    )
}
# Number words a source may use for a digit the writer prints. Spanish "once" (11) is left out:
# it is an English word too.
NUMBER_WORDS = {
    **_ENGLISH_NUMBERS,
    **{w: str(v) for v, w in enumerate("dos tres cuatro cinco seis siete ocho nueve".split(), 2)},
    **{w: str(v) for v, w in enumerate("zwei drei vier fünf sechs sieben acht neun".split(), 2)},
    "diez": "10",
    "zehn": "10",
    "doce": "12",
    "elf": "11",
    "zwölf": "12",
}


@dataclass(frozen=True, slots=True)
class Claim:
    """One written sentence and the ids of the source sentences it cites; `label` names it in
    problem reports ("story sentence 2")."""

    text: str
    sources: tuple[str, ...]
    label: str = ""


def check_sentence(sentence: str, sources: list[str], context: Sequence[str] = ()) -> list[str]:
    """What is unsupported in `sentence` given the cited source texts; empty when grounded.

    Numbers, content words, negations and roles must come from `sources`; a name only from
    `context` (the cited articles) where it completes a cited name or says who reported."""
    if not sources:
        return ["cites no source"]
    cited = _fold(" ".join(sources))
    undotted = _undot(sentence)
    each = [_fold(_undot(source)) for source in sources]  # folded once for the rules below
    problems = _number_problems(sentence, sources, cited)
    problems += _name_problems(undotted, " ".join(each), context)
    problems += _polarity_problems(_fold(undotted), each)
    problems += _role_problems(undotted, sources, each)
    words = set(terms(sentence))
    if not words:
        problems.append("has no content words to check")
    else:
        stems = {_stem(w) for w in terms(cited)}
        shared = sum(_stem(w) in stems for w in words)
        if shared < MIN_OVERLAP * len(words):
            problems.append(
                f"only {shared} of its {len(words)} content words are in the cited sources "
                f"(needs {MIN_OVERLAP:.0%})"
            )
    return problems


def check_story(
    items: Iterable[Claim],
    sources_by_id: Mapping[str, str],
    context_by_id: Mapping[str, str] | None = None,
) -> list[str]:
    """Every problem of every claim, each prefixed with the claim's label and text, ready to be
    shown to a writer (or a model) that should fix them. `context_by_id` maps a source id to the
    text around it (its article), where names may also be found."""
    problems: list[str] = []
    for item in items:
        head = f"{item.label}: " if item.label else ""
        head += f'"{item.text}"'
        unknown = [s for s in item.sources if s not in sources_by_id]
        known = list(dict.fromkeys(s for s in item.sources if s in sources_by_id))
        problems += [f"{head} cites {s}, which is not a source sentence" for s in unknown]
        if unknown and not known:
            continue
        context = list(dict.fromkeys((context_by_id or {}).get(s, "") for s in known))
        found = check_sentence(item.text, [sources_by_id[s] for s in known], context)
        problems += [f"{head}: {p}" for p in found]
    return problems


def _number_problems(sentence: str, sources: list[str], cited: str) -> list[str]:
    """Each number of `sentence` must be in the cited sources (`cited`, folded), and where the
    sentence has content words beside it, in a cited sentence beside one of them."""
    problems: list[str] = []
    available = _numbers(cited)
    slots: dict[str, set[str]] = {}  # number -> content stems beside it in a cited sentence
    for source in sources:
        for number, near in _slots(_fold(source), NUMBER_WORDS):
            for form in {number, number.rstrip("%")}:
                slots.setdefault(form, set()).update(near)
    misplaced: dict[str, list[str]] = {}  # number -> the words beside it no cited slot has
    for number, near in _slots(_fold(sentence), _ENGLISH_NUMBERS):
        if near and not near.keys() & slots.get(number, set()):
            misplaced.setdefault(number, sorted(set(near.values())))
    for number, shown in sorted(_numbers_written(sentence).items()):
        if number not in available:
            problems.append(f"number {shown} is not in the cited sources")
        elif number in misplaced:
            words = " or ".join(f"'{word}'" for word in misplaced[number])
            problems.append(f"number {shown} is in the cited sources, but not next to {words}")
    return problems


def _name_problems(undotted: str, cited: str, context: Sequence[str]) -> list[str]:
    """Each name must be in the cited sentences (`cited`, folded), with two exceptions that
    may come from the cited articles (`context`): a word of a longer name whose other words the
    cited sentences hold ("Collin Rose" where they say "Rose"), and a name that only says who
    reported ("the AP reports", "tells CNN")."""
    wider = f"{cited} {_fold(_undot(' '.join(context)))}"
    runs = [_fold(run).split() for run in _RUN.findall(undotted)]
    reporters = {
        word
        for match in _ATTRIBUTION.finditer(undotted)
        for word in _fold(match.group(1) or match.group(2)).split()
    }
    problems = []
    for name in sorted(_names(undotted)):
        forms = (name, _MONTHS.get(name, name))
        if any(_holds(cited, form) for form in forms):
            continue
        partners = {w for run in runs if name in run for w in run if w not in (name, *_NOT_NAMES)}
        from_context = name in reporters or any(_holds(cited, w) for w in partners)
        if not (from_context and any(_holds(wider, form) for form in forms)):
            problems.append(f"name '{name}' is not in the cited sources")
    return problems


def _holds(folded: str, name: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", folded) is not None


def _polarity_problems(folded: str, cited: list[str]) -> list[str]:
    """A word the sentence denies must be denied in a cited sentence, and a word it states must
    not be one the cited sentences only deny: "have not uncovered" against a cited "have
    uncovered", "was man-made" against a cited "was not man-made"."""
    denied, stated = _polarity(folded)
    cited_denied: dict[str, str] = {}
    cited_stated: dict[str, str] = {}
    for source in cited:
        source_denied, source_stated = _polarity(source)
        cited_denied |= source_denied
        cited_stated |= source_stated
    problems = [
        f"it denies '{word}', which the cited sources state"
        for stem, word in sorted(denied.items())
        if stem in cited_stated and stem not in cited_denied
    ]
    problems += [
        f"it states '{word}', which the cited sources deny"
        for stem, word in sorted(stated.items())
        if stem in cited_denied and stem not in cited_stated and stem not in denied
    ]
    return problems


def _polarity(folded: str) -> tuple[dict[str, str], dict[str, str]]:
    """(denied, stated): the first content word after each negation in its clause, and every
    other content word, stem -> word. The first word is the one a negation turns: "did not
    immediately respond" denies "immediately" as well, but "was not found in the car" does not
    deny the car."""
    denied: dict[str, str] = {}
    stated: dict[str, str] = {}
    for clause in _CLAUSE.split(folded):
        content = set(terms(clause)) - _NEGATIONS
        negating = False
        for token in _TOKEN.findall(clause):
            if token in _NEGATIONS or token.endswith(("n't", "n’t")):
                negating = True
            elif token in _NOT_NEGATING:
                negating = False
            elif token in content and token not in _AUXILIARIES:
                (denied if negating else stated).setdefault(_stem(token), token)
                negating = False
    return denied, stated


def _role_problems(undotted: str, sources: list[str], cited: list[str]) -> list[str]:
    """Two names around a verb must stand in the order a cited sentence puts them ("A beat B"
    is not grounded by "B beat A"), read through the passive: "B was beaten by A" puts them the
    same way round. Only names that some cited sentence (`cited`, folded) holds together are
    compared."""
    folded = _fold(undotted)
    names = _names(undotted) - _DATE_WORDS
    opening = _TOKEN.search(folded)
    if opening and opening.group() in _names(_undot(" ".join(sources))) - _DATE_WORDS:
        names.add(opening.group())  # "Jackson beat Rihanna": a name the sources write as one
    placed = [
        (position, without_possessive(match.group()), match.start(), match.end())
        for position, match in enumerate(_TOKEN.finditer(folded))
        if without_possessive(match.group()) in names
    ]
    places = [_places(source, names) for source in cited]
    problems: list[str] = []
    checked: set[tuple[str, str, bool]] = set()
    for (first, a, _, a_end), (second, b, b_start, _) in itertools.pairwise(placed):
        stretch = folded[a_end:b_start]
        if a == b or second - first - 1 > _ROLE_WORDS or not terms(stretch):
            continue
        if _CLAUSE.search(stretch):
            continue
        passive = "by" in _TOKEN.findall(stretch)
        if (a, b, passive) in checked:
            continue
        checked.add((a, b, passive))
        ways = set().union(*(_order(found, a, b) for found in places))
        if ways and not ways & {(True, passive), (False, not passive)}:
            problems.append(f"it puts '{a}' and '{b}' the other way round from the cited sources")
    return problems


def _places(folded: str, names: set[str]) -> dict[str, list[int]]:
    """Word positions of each of `names` in a cited sentence, and of "by" (the passive's mark)."""
    places: dict[str, list[int]] = {}
    for position, written in enumerate(_TOKEN.findall(folded)):
        token = without_possessive(written)
        if token in names or token == "by":
            places.setdefault(token, []).append(position)
    return places


def _order(places: dict[str, list[int]], a: str, b: str) -> set[tuple[bool, bool]]:
    """Every way a cited sentence puts the two names: (a comes first, "by" stands between
    them), over their first few occurrences; empty when it lacks either name."""
    marks = places.get("by", [])
    return {
        (
            first < second,
            bisect.bisect(marks, min(first, second)) < bisect.bisect(marks, max(first, second)),
        )
        for first in places.get(a, [])[:_OCCURRENCES]
        for second in places.get(b, [])[:_OCCURRENCES]
    }


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split())).casefold()


def _numbers(folded: str) -> set[str]:
    """Numbers a text states: its digits (a percentage also stands for its bare number) and the
    number words it spells out."""
    found: set[str] = set()
    for number in _numbers_written(folded):
        found.add(number)
        found.add(number.rstrip("%"))
    found |= {NUMBER_WORDS[w] for w in _WORD.findall(folded) if w in NUMBER_WORDS}
    return found


def _numbers_written(text: str) -> dict[str, str]:
    """Normalised number -> as written, for the digits and English number words of `text`."""
    text = _PERCENT_WORDS.sub(r"\1%", text)
    found = {normalise_number(m.group()): m.group() for m in _NUMBER.finditer(text)}
    for word in _WORD.findall(text.casefold()):
        if word in _ENGLISH_NUMBERS:
            found.setdefault(_ENGLISH_NUMBERS[word], word)
    return found


def _slots(folded: str, number_words: Mapping[str, str]) -> list[tuple[str, dict[str, str]]]:
    """Each occurrence of a number in `folded` (digits, normalised, or one of `number_words`)
    with the content words within NUMBER_WINDOW words of it, stem -> word. Every word and number
    counts as a position; only `features.terms` words that are not numbers are content."""
    text = _PERCENT_WORDS.sub(r"\1%", folded)
    content = set(terms(text))
    tokens: list[tuple[str, str]] = []  # ("#", number) | (stem, word) | ("", word)
    for token in _TOKEN.findall(text):
        if token[0].isdigit():
            tokens.append(("#", normalise_number(token)))
        elif token in number_words:
            tokens.append(("#", number_words[token]))
        else:
            word = _MONTHS.get(token, token)  # "nov. 3" stands beside the month of "november 3"
            tokens.append((_stem(word) if token in content else "", token))
    found: list[tuple[str, dict[str, str]]] = []
    for position, (kind, value) in enumerate(tokens):
        if kind == "#":
            window = tokens[max(0, position - NUMBER_WINDOW) : position + NUMBER_WINDOW + 1]
            found.append((value, {stem: word for stem, word in window if stem not in ("", "#")}))
    return found


def _undot(text: str) -> str:
    """Dotted abbreviations without their dots: "U.S." -> "US", "D.C." -> "DC"."""
    return _DOTTED.sub(lambda match: match.group().replace(".", ""), text)


def _names(sentence: str) -> set[str]:
    """Single-word names, folded: `entities()` leaves out a sentence's opening run (its first
    word may be an ordinary one), so the run's later words are added here."""
    names = {k for k in entities(sentence) if not k.startswith(NUMBER) and " " not in k}
    for part in split_sentences(sentence):
        opening = _OPENING_RUN.match(part)
        if opening:
            names |= {w.lower() for w in opening.group(1).split()}
    cleaned = {without_possessive(_fold(n)).strip(".'’-") for n in names}
    return {n for n in cleaned if n and n not in _NOT_NAMES}


def _stem(word: str) -> str:
    word = word.casefold()
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:5]
