"""Offline replay: a file of articles through the same online clusterer the service uses.

This is the evaluation entry point (`storywire cluster`): no database, no network. Articles are
replayed in time order (input order breaks ties), near-duplicates are grouped exactly as the
pipeline groups them, and the merge pass runs once at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from storywire.cluster.assign import ClusterConfig, StoryClusterer, article_features
from storywire.dedupe import fingerprint, is_near_duplicate
from storywire.extract.language import identify_language
from storywire.nlp.embed import Embedder
from storywire.nlp.features import embedding_text

_EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ReplayArticle:
    id: str
    title: str
    text: str
    published: datetime | None = None
    source: str | None = None
    language: str | None = None


def replay(
    articles: Sequence[ReplayArticle], embedder: Embedder, config: ClusterConfig | None = None
) -> list[tuple[str, int]]:
    """(article id, story number) for every article, in input order."""
    order = sorted(range(len(articles)), key=lambda i: (articles[i].published or _EARLIEST, i))
    vectors = embedder.embed([embedding_text(a.title, a.text) for a in articles])
    groups = _duplicate_groups(articles)
    clusterer = StoryClusterer(config, dim=embedder.dim)
    for index in order:
        article = articles[index]
        body = f"{article.title}\n\n{article.text}"
        clusterer.assign(
            article_features(
                index,
                article.title,
                article.text,
                vectors[index],
                published=article.published,
                language=article.language or identify_language(body),
                outlet=article.source,
                dup_group=groups[index],
            )
        )
    clusterer.passes()
    stories = clusterer.assignments()
    return [(article.id, stories[index]) for index, article in enumerate(articles)]


def _duplicate_groups(articles: Sequence[ReplayArticle]) -> list[int]:
    """Near-duplicate group of each article: the index of the first copy seen."""
    prints = [fingerprint(f"{a.title}\n\n{a.text}") for a in articles]
    by_hash: dict[str, int] = {}
    by_band: dict[tuple[int, int], list[int]] = {}
    groups: list[int] = []
    for index, mark in enumerate(prints):
        group = by_hash.get(mark.content_hash)
        if group is None:
            candidates = sorted(
                {other for band in enumerate(mark.bands) for other in by_band.get(band, [])}
            )
            group = next(
                (
                    groups[other]
                    for other in candidates
                    if is_near_duplicate(mark.shingles, prints[other].shingles)
                ),
                index,
            )
        by_hash.setdefault(mark.content_hash, group)
        for band in enumerate(mark.bands):
            by_band.setdefault(band, []).append(index)
        groups.append(group)
    return groups
