"""A reader section for each story, from the free-text labels outlets and feeds already carry.

Publishers label articles with `article:section` values ("World news", "Economía", "Politics/US")
and readers file feeds in OPML folders ("News/World"); none of it is a shared vocabulary. A small
keyword table maps those labels onto a fixed set of sections, and a story takes the section most
of its coverage points to.

Matching choices:
- Labels are folded (case, accents, ß -> ss) and split into word tokens; only whole tokens match,
  so "sportswear" is not Sports and "Wirtschaftspolitik" (one German compound) is not matched.
- Paths ("News/World", "/world/europe", "News > World") are tried from the most specific segment
  back to the root; within a segment the first token (or two-word phrase) that matches wins.
- Generic and opinion labels ("News", "Home", "Opinion", "UK news") map to nothing, so they never
  outvote a label that says what the story is about; "Opinion/Politics" still counts as Politics.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping

__all__ = ["CATEGORIES", "KEYWORDS", "normalise", "story_category"]

CATEGORIES: tuple[str, ...] = (
    "World", "Politics", "Business", "Technology", "Science", "Health", "Climate", "Sports",
    "Culture",
)  # fmt: skip

# Keywords in English, Spanish, German, French, Italian and Portuguese, written as publishers
# write them; they are folded like the labels before matching. Two-word keywords match phrases.
KEYWORDS: Mapping[str, frozenset[str]] = {
    "World": frozenset({
        "world", "worldnews", "international", "internacional", "internationale",
        "internazionale", "mundo", "welt", "ausland", "monde", "mondo", "foreign", "global",
        "europe", "europa", "asia", "africa", "americas", "middle east", "oriente medio",
    }),
    "Politics": frozenset({
        "politics", "political", "política", "politik", "politique", "politica", "elections",
        "election", "elecciones", "wahlen", "wahl", "élections", "elezioni", "eleições",
        "government", "congress", "parliament", "parlament",
    }),
    "Business": frozenset({
        "business", "economy", "economics", "economía", "economia", "économie", "wirtschaft",
        "finance", "finanzas", "finanzen", "finances", "finanza", "finanças", "markets",
        "mercados", "money", "dinero", "geld", "companies", "empresas", "unternehmen",
        "entreprises", "bourse", "borsa", "negocios", "negócios",
    }),
    "Technology": frozenset({
        "tech", "technology", "tecnología", "tecnologia", "technologie", "technologies",
        "technik", "digital", "netzwelt", "internet", "gadgets", "informatique", "computing",
    }),
    "Science": frozenset({
        "science", "sciences", "ciencia", "ciencias", "ciência", "wissenschaft", "wissen",
        "scienza", "scienze", "space", "espacio", "weltraum", "astronomy",
    }),
    "Health": frozenset({
        "health", "salud", "gesundheit", "santé", "salute", "saúde", "medicine", "medizin",
        "médecine", "medicina", "wellness", "wellbeing",
    }),
    "Climate": frozenset({
        "climate", "environment", "klima", "klimawandel", "umwelt", "clima", "climat",
        "environnement", "ambiente", "medio ambiente", "planète", "sustainability",
        "nachhaltigkeit",
    }),
    "Sports": frozenset({
        "sport", "sports", "deportes", "deporte", "fußball", "football", "fútbol", "soccer",
        "calcio", "futebol", "esporte", "esportes", "desporto", "tennis", "cricket", "rugby",
        "golf", "basketball", "baloncesto", "olympics", "nba", "nfl", "f1",
    }),
    "Culture": frozenset({
        "culture", "cultura", "kultur", "feuilleton", "arts", "art", "entertainment", "books",
        "libros", "livres", "libri", "livros", "literatur", "film", "films", "movies", "cinema",
        "cine", "cinéma", "kino", "music", "música", "musik", "musique", "musica", "theatre",
        "theater", "teatro", "théâtre", "television", "tv", "stage", "showbiz", "celebrity",
    }),
}  # fmt: skip

_SEGMENT_SEPARATORS = re.compile(r"[/\\>»|]")
_TOKEN = re.compile(r"[^\W_]+")


def _fold(text: str) -> str:
    """Casefold and drop accents, so "Économie", "economie" and "ECONOMIE" are one word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _build_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for category in CATEGORIES:
        for keyword in KEYWORDS[category]:
            folded = " ".join(_TOKEN.findall(_fold(keyword)))
            if lookup.setdefault(folded, category) != category:
                raise ValueError(f"keyword {keyword!r} is listed under two categories")
    return lookup


_LOOKUP = _build_lookup()


def _match_segment(segment: str) -> str | None:
    tokens = _TOKEN.findall(_fold(segment))
    for i, token in enumerate(tokens):
        phrase = " ".join(tokens[i : i + 2])
        found = _LOOKUP.get(phrase) or _LOOKUP.get(token)
        if found:
            return found
    return None


def normalise(label: str | None) -> str | None:
    """Map one free-text section label to a category; None when it says nothing usable."""
    if not label:
        return None
    for segment in reversed(_SEGMENT_SEPARATORS.split(label)):
        found = _match_segment(segment)
        if found:
            return found
    return None


def story_category(
    article_sections: Iterable[str | None], feed_categories: Iterable[str | None]
) -> str | None:
    """Majority vote over every label a story's coverage carries; ties go to the earlier category.

    Each article section and each feed category (the caller passes one per article) is one vote.
    """
    votes = Counter(
        category
        for label in (*article_sections, *feed_categories)
        if (category := normalise(label)) is not None
    )
    if not votes:
        return None
    return max(CATEGORIES, key=lambda category: (votes[category], -CATEGORIES.index(category)))
