"""The names a story is about, for topic pages: people, places and organisations that several of
its articles mention in their titles and leads.

There is no trained NER model offline, so names are the capitalised sequences of
`nlp.features.entities`, untyped. A name counts when at least two articles of the story carry it;
a lone word that is part of a longer name ("Lagarde" of "Christine Lagarde") is credited to that
name, so the page is named after the full form.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from storywire.models import Topic
from storywire.nlp.features import entities
from storywire.nlp.sentences import split_sentences

MAX_TOPICS = 6
_LEAD = 3
_CALENDAR = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december today yesterday tomorrow
    lunes martes miércoles jueves viernes sábado domingo montag dienstag mittwoch donnerstag
    freitag samstag sonntag utc gmt uhr cet cest est edt pst bst""".split()
)
_MAX_WORDS = 4


def _slug(name: str) -> str:
    return re.sub(r"[^\w]+", "-", name.casefold()).strip("-")[:120]


def _names(title: str, text: str) -> set[str]:
    lead = " ".join(split_sentences(text)[:_LEAD])
    found = entities(f"{title}.\n{lead}" if title else lead)
    return {
        name
        for raw in found
        for name in (part.strip() for part in re.split(r"['’]s\b", raw))
        if not name.startswith("#")
        and len(name) > 2
        and len(name.split()) <= _MAX_WORDS
        and not set(name.split()) & _CALENDAR
    }


def _display(name: str, texts: Sequence[str]) -> str:
    """The name as the articles write it (first cased occurrence), else title-cased."""
    pattern = re.compile(rf"\b{re.escape(name)}\b", re.IGNORECASE)
    for text in texts:
        match = pattern.search(text)
        if match:
            return match.group(0)
    return name.title()


def story_topics(articles: Sequence[tuple[str, str]]) -> list[Topic]:
    """Topics of a story from its (title, text) pairs, best supported first."""
    support: dict[str, set[int]] = {}
    for index, (title, text) in enumerate(articles):
        for name in _names(title, text):
            support.setdefault(name, set()).add(index)
    multi = [name for name in support if " " in name]
    credited: dict[str, set[int]] = {name: set(support[name]) for name in multi}
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
    ranked = sorted(
        ((name, len(seen)) for name, seen in credited.items() if len(seen) >= 2),
        key=lambda item: (-item[1], -len(item[0].split()), item[0]),
    )
    texts = [f"{title}\n{text}" for title, text in articles]
    topics: list[Topic] = []
    chosen: list[set[str]] = []
    for name, count in ranked:
        words = set(name.split())
        if any(words <= other or other <= words for other in chosen):
            continue  # "United Rail Workers Urw" after "United Rail Workers"
        chosen.append(words)
        topics.append(Topic(slug=_slug(name), name=_display(name, texts), weight=float(count)))
        if len(topics) == MAX_TOPICS:
            break
    return topics
