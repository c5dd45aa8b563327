"""Exact nearest-neighbour search over the centroids of active stories.

Active stories are those with coverage inside the clustering window, a few thousand at most even
for a large feed list, so an exact search is one matrix-vector product (microseconds) and is
deterministic, which approximate graph indexes are not guaranteed to be. (usearch was tried first
and crashed the process when loaded beside onnxruntime.) Slots of removed stories are reused.
"""

from __future__ import annotations

import numpy as np

from storywire.nlp.embed import Vectors


class CentroidIndex:
    def __init__(self, dim: int, capacity: int = 1024) -> None:
        self._vectors = np.zeros((capacity, dim), dtype=np.float32)
        self._keys = np.full(capacity, -1, dtype=np.int64)
        self._slot: dict[int, int] = {}
        self._free: list[int] = list(range(capacity - 1, -1, -1))
        # Slots past the most ever used at once have never held a vector: searches skip them.
        self._used = 0

    def __len__(self) -> int:
        return len(self._slot)

    def __contains__(self, key: int) -> bool:
        return key in self._slot

    def upsert(self, key: int, vector: Vectors) -> None:
        slot = self._slot.get(key)
        if slot is None:
            if not self._free:
                self._grow()
            slot = self._free.pop()
            self._used = max(self._used, slot + 1)
            self._slot[key] = slot
            self._keys[slot] = key
        self._vectors[slot] = vector

    def remove(self, key: int) -> None:
        slot = self._slot.pop(key, None)
        if slot is not None:
            self._keys[slot] = -1
            self._vectors[slot] = 0.0
            self._free.append(slot)

    def search(self, vector: Vectors, count: int) -> list[int]:
        """Keys of the `count` most similar vectors, best first (ties by key, for determinism)."""
        if not self._slot:
            return []
        scores = self._vectors[: self._used] @ vector
        scores[self._keys[: self._used] < 0] = -np.inf
        count = min(count, len(self._slot))
        top = np.argpartition(-scores, count - 1)[:count]
        return [int(self._keys[i]) for i in sorted(top, key=lambda i: (-scores[i], self._keys[i]))]

    def _grow(self) -> None:
        capacity = len(self._keys)
        self._vectors = np.vstack([self._vectors, np.zeros_like(self._vectors)])
        self._keys = np.concatenate([self._keys, np.full(capacity, -1, dtype=np.int64)])
        self._free.extend(range(2 * capacity - 1, capacity - 1, -1))
