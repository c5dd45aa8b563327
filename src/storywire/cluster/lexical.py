"""TF-IDF vectors of articles and stories as NumPy arrays over one numbering of terms.

The lexical cosine is the clusterer's innermost loop: each arriving article against each of its
(up to 16) candidate stories, every one a few hundred to a few thousand terms. With dictionaries
that is one Python lookup per term; with arrays over shared term ids it is the article's weights
written once into a scratch row, then one gather and one dot product per story.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class TermVector:
    """A sparse vector: term ids (unique) and their weights."""

    ids: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    weights: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))

    def plus(self, other: TermVector) -> TermVector:
        """The sum of two vectors (a story's terms after an article joins it)."""
        unique, inverse = np.unique(np.concatenate((self.ids, other.ids)), return_inverse=True)
        weights = np.bincount(
            inverse, weights=np.concatenate((self.weights, other.weights)), minlength=len(unique)
        )
        return TermVector(unique, weights.astype(np.float64, copy=False))

    def norm(self) -> float:
        return float(np.sqrt(self.weights @ self.weights))


class TermSpace:
    """The clusterer's term numbering, which grows as new words arrive."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._scratch = np.zeros(4096)

    def __len__(self) -> int:
        return len(self._ids)

    def vector(self, weights: Mapping[str, float]) -> TermVector:
        ids = self._ids
        new = [term for term in weights if term not in ids]
        ids.update(zip(new, range(len(ids), len(ids) + len(new)), strict=True))
        numbered = np.fromiter(map(ids.__getitem__, weights), dtype=np.int64, count=len(weights))
        return TermVector(numbered, np.fromiter(weights.values(), np.float64, len(weights)))

    def compact(self, vectors: Sequence[TermVector]) -> list[TermVector]:
        """Renumber the terms that `vectors` use (the stories still held) from 0 and forget the
        others; returns the vectors renumbered. Without this the numbering holds every word a
        service has ever seen."""
        used = np.unique(np.concatenate([v.ids for v in vectors] or [np.zeros(0, np.int64)]))
        renumber = np.full(len(self._ids), -1, dtype=np.int64)
        renumber[used] = np.arange(len(used))
        self._ids = {term: int(renumber[i]) for term, i in self._ids.items() if renumber[i] >= 0}
        self._scratch = np.zeros(max(4096, 2 * len(self._ids)))
        return [TermVector(renumber[v.ids], v.weights) for v in vectors]

    def dots(self, vector: TermVector, others: Sequence[TermVector]) -> list[float]:
        """`vector`'s dot product with each of `others`."""
        scratch = self._scratch_row()
        scratch[vector.ids] = vector.weights
        try:
            return [float(scratch[other.ids] @ other.weights) for other in others]
        finally:
            scratch[vector.ids] = 0.0

    def gram(self, vectors: Sequence[TermVector]) -> npt.NDArray[np.float64]:
        """Every pairwise dot product of `vectors` (a story's articles): one row per vector,
        each a gather over all of them and a sum per owner."""
        count = len(vectors)
        gram = np.zeros((count, count))
        if not count:
            return gram
        ids = np.concatenate([v.ids for v in vectors])
        weights = np.concatenate([v.weights for v in vectors])
        owner = np.repeat(np.arange(count), [len(v.ids) for v in vectors])
        scratch = self._scratch_row()
        for row, vector in enumerate(vectors):
            scratch[vector.ids] = vector.weights
            gram[row] = np.bincount(owner, weights=scratch[ids] * weights, minlength=count)
            scratch[vector.ids] = 0.0
        return gram

    def _scratch_row(self) -> npt.NDArray[np.float64]:
        """A zero row as long as the numbering, where one vector is spread out at a time."""
        if len(self._scratch) < len(self._ids):
            self._scratch = np.zeros(2 * len(self._ids))
        return self._scratch
