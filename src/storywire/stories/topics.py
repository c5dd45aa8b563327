"""The names a story is about, for topic pages: people, places and organisations that several of
its articles mention in their titles and leads.

There is no trained NER model offline, so names are the capitalised sequences of
`nlp.features.entities`, untyped. A name counts when at least two articles of the story carry it;
a lone word that is part of a longer name ("Lagarde" of "Christine Lagarde") is credited to that
name, so the page is named after the full form.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from storywire.models import Topic
from storywire.nlp.features import MONTHS, NUMBER, WEEKDAYS, entities, without_possessive
from storywire.nlp.sentences import split_sentences

MAX_TOPICS = 6
_LEAD = 3
_CALENDAR = frozenset(WEEKDAYS + MONTHS) | frozenset(
    """today yesterday tomorrow lunes martes miércoles jueves viernes sábado domingo montag
    dienstag mittwoch donnerstag freitag samstag sonntag utc gmt uhr cet cest est edt pst
    bst""".split()
)
_MAX_WORDS = 4
_PIECE = re.compile(r"[^\W\d_][\w'’-]*|\d\S*|[^\w\s]")
_OPENERS = frozenset("\"“‘'’(:—–-«")


def _slug(name: str) -> str:
    return re.sub(r"[^\w]+", "-", name.casefold()).strip("-")[:120]


def _names(title: str, text: str) -> frozenset[str]:
    return _lead_names(title, " ".join(split_sentences(text)[:_LEAD]))


@lru_cache(maxsize=8192)
def _lead_names(title: str, lead: str) -> frozenset[str]:
    """The names of an article's title and lead, kept for the next refresh of its story, which
    reads every member again (a third of the story refresh's time on gn24). Keyed by the lead,
    not the whole text: 8,192 leads are a few megabytes."""
    found = entities(f"{title}.\n{lead}" if title else lead)
    return frozenset(
        name
        for raw in found
        for name in (_drop_acronym(part.strip()) for part in re.split(r"['’]s\b", raw))
        if not name.startswith(NUMBER)
        and len(name) > 2
        and len(name.split()) <= _MAX_WORDS
        and not set(name.split()) & _CALENDAR
    )


def _main_language(languages: Sequence[str | None] | None) -> str | None:
    known = Counter(language for language in languages or () if language)
    return known.most_common(1)[0][0] if known else None


def _drop_acronym(name: str) -> str:
    """ "united rail workers urw" -> "united rail workers": the "(URW)" after a name is the
    name again, and the tokenizer has dropped its parentheses."""
    words = name.split()
    if len(words) > 2 and words[-1] == "".join(w[0] for w in words[:-1]):
        return " ".join(words[:-1])
    return name


def _display(name: str, texts: Sequence[str]) -> str:
    """The name as the articles write it (first cased occurrence), else title-cased."""
    pattern = re.compile(rf"\b{re.escape(name)}\b", re.IGNORECASE)
    for text in texts:
        for match in pattern.finditer(text):
            if not match.group(0).isupper() or len(match.group(0)) <= 4:
                return match.group(0)  # "HALLSTAD (CPS) --" datelines shout; prefer "Hallstad"
    return name.title()


def story_topics(
    articles: Sequence[tuple[str, str]],
    outlets: Sequence[object] | None = None,
    languages: Sequence[str | None] | None = None,
) -> list[Topic]:
    """Topics of a story from its (title, text) pairs, best supported first. With `outlets`
    (one per article, None when unknown) support counts outlets, not articles, so one outlet's
    pair of articles cannot make a topic on its own.

    With `languages` (one per article), a name found outside the story's main language counts
    only when the main language uses it too or two other languages both do (for a run of
    words, when each of its words does). German capitalises every noun, so one German report's
    capitalised run ("Buchhaltungssoftware Halvard Chefin Lindqvist") is not a name, and a
    Spanish report spells out an agency the English coverage names in English; but a governor
    named in German and Spanish reports is a name."""
    main = _main_language(languages)
    support: dict[str, set[object]] = {}
    foreign: dict[str, set[object]] = {}
    spoken: dict[str, set[str]] = {}
    for index, (title, text) in enumerate(articles):
        source = outlets[index] if outlets is not None else None
        key = source if source is not None else ("article", index)
        language = languages[index] if languages is not None else None
        for name in _names(title, text):
            if main and language and language != main:
                foreign.setdefault(name, set()).add(key)
                spoken.setdefault(name, set()).add(language)
            else:
                support.setdefault(name, set()).add(key)

    def shared(name: str) -> bool:
        return name in support or len(spoken.get(name, ())) >= 2

    for name, seen in foreign.items():
        # "Lukas Hoffer" in one Spanish report, when German ones say "Hoffer" and "Lukas" too
        if shared(name) or (" " in name and all(shared(word) for word in name.split())):
            support.setdefault(name, set()).update(seen)
    multi = [name for name in support if " " in name]
    credited: dict[str, set[object]] = {name: set(support[name]) for name in multi}
    for word, seen in support.items():
        if " " in word:
            continue
        holders = [name for name in multi if word in name.split()]
        best = max(holders, key=lambda name: (len(support[name]), name), default=None)
        # "Teravale" said by 13 articles is its own topic, not part of a phrase said by two.
        if best is not None and (len(support[best]) >= 3 or 2 * len(support[best]) >= len(seen)):
            credited[best] |= seen
        else:
            credited[word] = set(seen)
    texts = [f"{title}\n{text}" for title, text in articles]
    sentences = [sentence for text in texts for sentence in split_sentences(text)]
    credited = _fold_acronyms(credited)
    topics: list[Topic] = []
    chosen: list[set[str]] = []
    for name, count in sorted(
        ((name, len(seen)) for name, seen in credited.items() if len(seen) >= 2),
        key=lambda item: (-item[1], -len(item[0].split()), item[0]),
    ):
        words = set(name.split())
        if any(words <= other or other <= words for other in chosen):
            continue  # "United Rail Workers Urw" after "United Rail Workers"
        if not _written_as_a_name(name, texts, sentences):
            continue
        chosen.append(words)
        topics.append(Topic(slug=_slug(name), name=_display(name, texts), weight=float(count)))
        if len(topics) == MAX_TOPICS:
            break
    return topics


def _fold_acronyms(credited: dict[str, set[object]]) -> dict[str, set[object]]:
    """ "csa" is "continental space agency" and "cpd" the end of "calverian civil protection
    directorate": an acronym of another name (or of its last words) is credited to that name."""
    folded = {name: set(seen) for name, seen in credited.items()}
    longer = sorted((o for o in credited if " " in o), key=lambda o: (-len(credited[o]), o))
    for name in credited:
        if " " in name or not 2 <= len(name) <= 5:
            continue
        expansion = next(
            (
                other
                for other in longer
                if any(
                    "".join(w[0] for w in other.split()[start:]) == name
                    for start in range(len(other.split()) - 1)
                )
            ),
            None,
        )
        if expansion is not None:
            folded[expansion] |= folded.pop(name)
    return folded


def _written_as_a_name(name: str, texts: Sequence[str], sentences: Sequence[str]) -> bool:
    """Whether some article writes the name as one: a run of words with nothing but spaces
    between them ("Cruz, Ferrán and …" is two names, not "Cruz Ferrán"), and a single word
    capitalised mid-sentence on its own, not only as part of a longer name or at a sentence
    start ("Civil protection chiefs …", "… Calverian Civil Protection Directorate")."""
    words = name.split()
    if len(words) > 1:
        pattern = r"\s+".join(re.escape(w) for w in words)
        return any(re.search(rf"\b{pattern}\b", text, re.IGNORECASE) for text in texts)
    word = words[0]
    return any(word in sentence.lower() and _alone(word, sentence) for sentence in sentences)


@lru_cache(maxsize=1 << 14)
def _pieces(sentence: str) -> tuple[str, ...]:
    """The sentence's words (possessive 's dropped), numbers and punctuation marks. Cached: a
    story's sentences are read for each of its candidate names, and again when it next grows."""
    return tuple(without_possessive(piece) for piece in _PIECE.findall(sentence))


def _alone(word: str, sentence: str) -> bool:
    """`word` capitalised in `sentence`, neither opening it (or a quote or clause) nor next to
    another capitalised word."""
    pieces = _pieces(sentence)
    for i, piece in enumerate(pieces):
        if piece.lower() != word or not piece[0].isupper() or i == 0:
            continue
        before, after = pieces[i - 1], pieces[i + 1] if i + 1 < len(pieces) else ""
        named_before = before[0].isupper() and i > 1  # "Then Lagarde": a sentence's opener
        if before in _OPENERS or named_before or after[:1].isupper():
            continue
        return True
    return False
