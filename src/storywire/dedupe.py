"""Exact and near-duplicate detection: syndicated wire copy forms one group, every outlet counts.

Exact duplicates share a content hash of the normalised text. Near duplicates (a wire story
republished with another headline and a trimmed ending) are found with MinHash over 5-word
shingles and locality-sensitive hashing; the bands live in the database, so lookups stay
incremental across runs. Candidates are confirmed by shingle *containment* rather than Jaccard
similarity, because a copy trimmed to half the paragraphs is fully contained in the original but
shares only half of its shingles.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np
from datasketch import MinHash

SHINGLE_WORDS = 5
NUM_PERM = 126
BANDS, ROWS = 42, 3  # candidate when Jaccard >= ~0.29: catches copies trimmed to a third
CONTAINMENT = 0.8
MIN_SHINGLES = 20

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    content_hash: str
    shingles: frozenset[int]
    bands: tuple[int, ...]


def normalise(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def shingles(text: str, size: int = SHINGLE_WORDS) -> frozenset[int]:
    """Hashes of every run of `size` consecutive words."""
    tokens = normalise(text).split()
    if len(tokens) < size:
        return frozenset({_hash64(" ".join(tokens))}) if tokens else frozenset()
    return frozenset(_hash64(" ".join(tokens[i : i + size])) for i in range(len(tokens) - size + 1))


def fingerprint(text: str) -> Fingerprint:
    normal = normalise(text)
    content_hash = hashlib.sha256(normal.encode("utf-8")).hexdigest()
    grams = shingles(text)
    return Fingerprint(content_hash, grams, band_keys(grams) if len(grams) >= MIN_SHINGLES else ())


def band_keys(grams: Iterable[int]) -> tuple[int, ...]:
    """One signed 64-bit key per LSH band of the MinHash signature."""
    template = _minhash_template()
    minhash = MinHash(
        num_perm=NUM_PERM, seed=1, permutations=template.permutations, scheme=template.scheme
    )
    minhash.update_batch([struct.pack("<q", g) for g in grams])
    values = np.asarray(minhash.hashvalues, dtype=np.uint64)
    return tuple(
        _hash64(values[band * ROWS : (band + 1) * ROWS].tobytes().hex()) for band in range(BANDS)
    )


def containment(a: frozenset[int], b: frozenset[int]) -> float:
    """Share of the smaller text's shingles that also occur in the other text."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def is_near_duplicate(a: frozenset[int], b: frozenset[int]) -> bool:
    return min(len(a), len(b)) >= MIN_SHINGLES and containment(a, b) >= CONTAINMENT


def _hash64(value: str) -> int:
    digest = hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest()
    return int(struct.unpack("<q", digest)[0])


@cache
def _minhash_template() -> MinHash:
    """The seed-1 permutations, drawn once: MinHash() draws them anew each time (a tenth of a
    millisecond), and they must stay exactly these, since the bands are stored."""
    return MinHash(num_perm=NUM_PERM, seed=1)
