"""Exact and near-duplicate detection: syndicated wire copy forms one group, every outlet counts.

Exact duplicates share a content hash of the normalised text. Near duplicates (a wire story
republished with another headline and a trimmed ending) are found with MinHash over 5-word
shingles and locality-sensitive hashing; the bands live in the database, so lookups stay
incremental across runs. Candidates are confirmed by shingle *containment* rather than Jaccard
similarity, because a copy trimmed to half the paragraphs is fully contained in the original but
shares only half of its shingles.

The MinHash is computed here with NumPy rather than by a library: each shingle is already a
64-bit hash, so the 126 "permutations" are multiply-shift hashes of it, one matrix product-sum
per article instead of a second cryptographic hash per shingle. The band keys are stored, so the
scheme is versioned (`SCHEME`) and a migration recomputes the bands when it changes.

`dedupe_article` is the dedupe stage: the one the feed rounds, imports, the backfill and the
stream replay all run.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from itertools import chain

import numpy as np

from storywire.models import Article, Stage, TextSource
from storywire.nlp.features import RUBRIC_TITLES, headline_core, rubrics, segmented
from storywire.store import db, repo

SHINGLE_WORDS = 5
NUM_PERM = 126
BANDS, ROWS = 42, 3  # candidate when Jaccard >= ~0.29: catches copies trimmed to a third
CONTAINMENT = 0.8
MIN_SHINGLES = 20
MIN_COPY_WORDS = 8  # a shorter shared text ("null", "Read more") says nothing
CANDIDATES_READ = 8  # near-duplicate candidates read from the store at a time
SCHEME = 2  # 1: datasketch 2.0's affine32 MinHash over SHA-1 of each shingle hash
_SEED = 20261129
_CHUNK = 1024  # shingles per block of the (block x NUM_PERM) matrix: 1 MB, cache-sized
_POSITION_FACTORS = tuple(
    np.uint64(c)
    for c in (
        0x9E3779B97F4A7C15,
        0xC2B2AE3D27D4EB4F,
        0x165667B19E3779F9,
        0xD6E8FEB86659FD93,
        0xFF51AFD7ED558CCD,
        0xA0761D6478BD642F,
        0xE7037ED1A0B428DB,
        0x8EBC6AF09C88C6E3,
    )
)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)

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
    return frozenset(_shingle_hashes(normalise(text), size).tolist())


def fingerprint(text: str) -> Fingerprint:
    normal = normalise(text)
    content_hash = hashlib.sha256(normal.encode("utf-8")).hexdigest()
    hashes = np.unique(_shingle_hashes(normal, SHINGLE_WORDS))
    bands = band_keys(hashes) if len(hashes) >= MIN_SHINGLES else ()
    return Fingerprint(content_hash, frozenset(hashes.tolist()), bands)


def band_keys(hashes: np.ndarray) -> tuple[int, ...]:
    """One signed 64-bit key per LSH band of the MinHash signature of the shingle hashes."""
    signature = minhash(hashes)
    return tuple(
        _hash64(signature[band * ROWS : (band + 1) * ROWS].tobytes()) for band in range(BANDS)
    )


def minhash(hashes: np.ndarray) -> np.ndarray:
    """The NUM_PERM-value MinHash signature (uint32) of a set of 64-bit hashes (int64).

    Permutation i is the multiply-shift hash (a_i * x + b_i mod 2^64) >> 32 with a_i odd, a
    universal family on 64-bit keys; the signature keeps each one's minimum over the set.
    """
    multipliers, offsets = _permutations()
    signature = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint64)
    keys = hashes.view(np.uint64)
    for start in range(0, len(keys), _CHUNK):
        block = np.multiply(keys[start : start + _CHUNK, None], multipliers)  # wraps mod 2^64
        block += offsets
        block >>= np.uint64(32)
        np.minimum(signature, block.min(axis=0), out=signature)
    result: np.ndarray = signature.astype(np.uint32)
    return result


def containment(a: frozenset[int], b: frozenset[int]) -> float:
    """Share of the smaller text's shingles that also occur in the other text."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def is_near_duplicate(a: frozenset[int], b: frozenset[int]) -> bool:
    return min(len(a), len(b)) >= MIN_SHINGLES and containment(a, b) >= CONTAINMENT


def is_copy(
    text_a: str,
    text_b: str,
    same_text: bool,
    near: bool,
    *,
    same_outlet: bool,
    title_a: str,
    title_b: str,
) -> bool:
    """Whether two articles whose texts match (`same_text`: one content hash; `near`: a
    near-duplicate) are copies of one report, i.e. syndication.

    Text that matches is not enough when it is boilerplate: an outlet that gives every item the
    same description (an image tag, "subscribe to read", a consent page) or a series' standing
    line would make all its items copies. So an outlet's own items are copies only under the
    same headline (a re-post), and a short text (a feed's standfirst, not an article) must have
    at least `MIN_COPY_WORDS` words."""
    if not (same_text or near):
        return False
    if same_outlet and normalise(title_a) != normalise(title_b):
        return False
    return min(len(text_a.split()), len(text_b.split())) >= MIN_COPY_WORDS


def _shingle_hashes(normal: str, size: int) -> np.ndarray:
    """64-bit hashes of the word runs of a normalised text (with repeats), as int64.

    Each word is hashed once (BLAKE2b, cached); a run's hash mixes its words' hashes, each
    times its own odd constant, through the SplitMix64 finaliser, all in NumPy.
    """
    if not 1 <= size <= len(_POSITION_FACTORS):
        raise ValueError(f"shingles of 1 to {len(_POSITION_FACTORS)} words, not {size}")
    words = normal.split()
    if not words:
        return np.zeros(0, dtype=np.int64)
    width = min(size, len(words))
    ids = np.fromiter(map(_word_hash, words), dtype=np.uint64, count=len(words))
    count = len(words) - width + 1
    mixed = np.zeros(count, dtype=np.uint64)
    for k, factor in enumerate(_POSITION_FACTORS[:width]):
        mixed += ids[k : k + count] * factor  # wraps mod 2^64
    for shift, factor in ((30, _MIX1), (27, _MIX2)):
        mixed ^= mixed >> np.uint64(shift)
        mixed *= factor
    mixed ^= mixed >> np.uint64(31)
    return mixed.view(np.int64)


@lru_cache(maxsize=1 << 17)
def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


def _hash64(value: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(value, digest_size=8).digest(), "little", signed=True)


@cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The fixed multiply-shift parameters: they must stay exactly these, since bands are stored."""
    rng = np.random.default_rng(_SEED)
    multipliers = rng.integers(0, 2**63, NUM_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    offsets = rng.integers(0, 2**63, NUM_PERM, dtype=np.uint64) * np.uint64(2)
    return multipliers, offsets


def dedupe_article(session: db.Session, article: Article) -> Article:
    """Put the article in its near-duplicate group (the group id is its first member's id).

    A page whose text is its outlet's boilerplate (the same text as another of the outlet's
    articles under another headline: a paywall, consent or error page) is not the article's
    text: the article falls back to its feed description, and is grouped on that. Nor are the
    rubrics its outlet puts on many headlines part of what the models compare
    (`core_title`, read against the outlet's latest RUBRIC_TITLES headlines).

    Workers dedupe one article at a time (an advisory lock for the transaction): two copies
    deduped at once would not see each other. The article's claim ends here."""
    repo.serialise(session, db.Lock.DEDUPE)
    article = replace(article, core_title=_core_title(session, article))
    mark = fingerprint(article.text)
    same = repo.find_articles_by_hash(session, mark.content_hash, exclude=article.id)
    if article.text_source is TextSource.PAGE and any(
        other.outlet_id == article.outlet_id and normalise(other.title) != normalise(article.title)
        for other in same
    ):
        article = replace(article, text=article.summary or "", text_source=TextSource.FEED)
        mark = fingerprint(article.text)
        same = repo.find_articles_by_hash(session, mark.content_hash, exclude=article.id)
    similar = repo.articles_sharing_bands(session, list(mark.bands), article.id)
    candidates = chain(
        same,
        (o for o in _read_in_turn(session, similar) if o.content_hash != mark.content_hash),
    )
    group: int | None = None
    for other in candidates:
        exact = other.content_hash == mark.content_hash
        if is_copy(
            article.text,
            other.text,
            exact,
            not exact and is_near_duplicate(mark.shingles, shingles(other.text)),
            same_outlet=other.outlet_id == article.outlet_id,
            title_a=article.title,
            title_b=other.title,
        ):
            group = other.near_dup_group or other.id
            break
    article = replace(
        article,
        content_hash=mark.content_hash,
        near_dup_group=group or article.id,
        stage=Stage.DEDUPED,
    )
    repo.save_bands(session, article.id, list(mark.bands))
    return repo.save_article(session, article, release=True)


def _core_title(session: db.Session, article: Article) -> str | None:
    """The title without its outlet's rubrics, or None where it has none. A title of one
    segment has none, and costs no read of the outlet's headlines."""
    if article.outlet_id is None or not segmented(article.title):
        return None
    latest = repo.outlet_titles(session, article.outlet_id, article.id, RUBRIC_TITLES)
    core = headline_core(article.title, rubrics(latest, of=article.title))
    return core if core != headline_core(article.title) else None


def _read_in_turn(session: db.Session, ids: list[int]) -> Iterator[Article]:
    """The articles, in the order given, read a few at a time: the first copy found ends the
    search, so a report with a hundred copies stored does not read them all for the next."""
    for start in range(0, len(ids), CANDIDATES_READ):
        chunk = ids[start : start + CANDIDATES_READ]
        found = {other.id: other for other in repo.articles_by_ids(session, chunk)}
        yield from (found[i] for i in chunk if i in found)
