"""Every knob of the story clusterer, with its meaning. There is one configuration for every
data set; docs/stories.md's settings table is generated from this module
(`python -m storywire.cluster.config`) and a test keeps the two equal."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, fields
from datetime import timedelta
from typing import Any


def _knob(default: Any, meaning: str) -> Any:
    return field(default=default, metadata={"meaning": meaning})


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    threshold: float = _knob(0.2, "story score an article needs to join a story")
    dense_weight: float = _knob(0.25, "weight of the centroid cosine in the story score")
    tfidf_weight: float = _knob(0.6, "weight of the TF-IDF cosine in the story score")
    entity_weight: float = _knob(0.15, "weight of the names overlap in the story score")
    entity_gate: float = _knob(
        0.5, "how much of the score a names mismatch takes away (gate = 1 - g * (1 - names))"
    )
    candidates: int = _knob(16, "active (and dormant) stories nearest by centroid that are scored")
    time_scale: timedelta = field(
        default=timedelta(hours=36),
        metadata={"meaning": "time scale of the recency factor (0.75 to 1)"},
    )
    window: timedelta = field(
        default=timedelta(days=2),
        metadata={"meaning": "a story without new articles this long goes dormant; twice: dropped"},
    )
    merge_threshold: float = _knob(0.62, "combined score at which two stories merge")
    merge_dense: float = _knob(
        0.8, "centroid cosine at which two stories merge, with merge_lexical also met"
    )
    merge_lexical: float = _knob(0.45, "TF-IDF cosine that goes with merge_dense")
    revive_threshold: float = _knob(0.62, "score at which an article revives a dormant story")
    follow_up_threshold: float = _knob(
        0.45, "score at which a new story is linked as a follow-up of a dormant one"
    )
    cross_lingual_entities: int = _knob(
        4, "shared names and numbers an article needs to join a story in another language"
    )
    cross_lingual_threshold: float = _knob(
        0.4, "story score needed across languages without multilingual vectors"
    )
    bridge_threshold: float = _knob(
        0.3, "story score needed across languages, scored with the multilingual vectors"
    )
    main_languages: tuple[str, ...] = _knob(
        ("en",),
        "languages the main model reads; within any other, articles compare by their "
        "multilingual vectors",
    )
    bridge_member_similarity: float = _knob(
        0.65, "member_similarity on the multilingual vectors, where main_languages leaves off"
    )
    bridge_member_similarity_named: float = _knob(
        0.55, "member_similarity_named on the multilingual vectors, likewise"
    )
    split_ratio: float = _knob(
        0.6, "split when the mean score between two halves is under this share of within"
    )
    split_names: float = _knob(0.4, "split only halves that share less than this of their names")
    split_min_articles: int = _knob(6, "a story is checked for two events from this size")
    sparse_words: int = _knob(80, "an article under this many words (a feed item) is sparse")
    member_similarity: float = _knob(
        0.7, "cosine a sparse article needs to one of the story's latest members"
    )
    member_similarity_named: float = _knob(
        0.6, "the member cosine for a sparse article whose story score reaches named_score"
    )
    named_score: float = _knob(0.45, "story score from which member_similarity_named applies")
    paraphrase_similarity: float = _knob(
        0.8, "cosine to one of the story's latest members that makes a sparse article a paraphrase"
    )
    paraphrase_threshold: float = _knob(
        0.1, "story score a paraphrase needs to join (in place of threshold)"
    )
    member_window: int = _knob(30, "latest members of a story the member check looks at")
    thread_threshold: float = _knob(0.2, "story score at which a story joins an earlier thread")
    thread_cohesion: float = _knob(
        0.1, "mean story score a story needs against the latest stories of the thread it joins"
    )
    thread_recent: int = _knob(6, "latest stories of a thread that thread_cohesion looks at")
    thread_bridge_threshold: float = _knob(
        0.35, "thread_threshold for stories in no common language (multilingual vectors)"
    )
    thread_bridge_similarity: float = _knob(
        0.6, "multilingual centroid cosine at which a story joins an earlier thread at any score"
    )
    thread_bridge_floor: float = _knob(
        0.35,
        "multilingual centroid cosine below which a story never joins an earlier story's thread",
    )


def config_table() -> str:
    """The settings as a Markdown table, as docs/stories.md shows them."""
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    for knob in fields(ClusterConfig):
        default = knob.default
        if isinstance(default, timedelta):
            shown = _duration(default)
        elif isinstance(default, tuple):
            shown = ", ".join(default)
        else:
            shown = str(default)
        rows.append(f"| `{knob.name}` | {shown} | {knob.metadata['meaning']} |")
    return "\n".join(rows) + "\n"


def _duration(value: timedelta) -> str:
    hours = value.total_seconds() / 3600
    return f"{hours / 24:g} days" if hours % 24 == 0 else f"{hours:g} h"


if __name__ == "__main__":  # python -m storywire.cluster.config
    sys.stdout.write(config_table())
