"""The offline embedding model: pinned files, the int8 build and its cache, and vectors that
still mean what the float model's mean."""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from storywire.errors import ConfigError
from storywire.nlp.embed import (
    ArticleModels,
    EmbedAhead,
    MiniLMEmbedder,
    USEEmbedder,
    _packaged_files,
    int8_model,
)
from storywire.nlp.features import bridge_text, embedding_text

TEXTS = [
    "A magnitude 6.4 earthquake struck southern Calveria, killing nine people.",
    "Nine people died when a strong quake hit the south of Calveria early on Tuesday.",
    "The central bank of Norland raised its main interest rate to 4.25 percent.",
    "Montaluz won the continental cup final with a header in extra time.",
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="module")
def built(cache: Path) -> Path:
    source, _ = _packaged_files()
    return int8_model(source, cache)


def test_the_int8_model_is_built_once_and_reused(cache: Path, built: Path) -> None:
    source, _ = _packaged_files()
    assert built.parent == cache and built != source and built.is_file()
    stamp = built.stat().st_mtime_ns
    assert int8_model(source, cache) == built
    assert built.stat().st_mtime_ns == stamp


def test_a_damaged_cached_model_is_rebuilt(tmp_path: Path, built: Path) -> None:
    source, _ = _packaged_files()
    shutil.copy(built, tmp_path / built.name)
    shutil.copy(built.with_name(built.name + ".sha256"), tmp_path / (built.name + ".sha256"))
    damaged = tmp_path / built.name
    damaged.write_bytes(damaged.read_bytes()[:1000])
    assert int8_model(source, tmp_path) == damaged
    assert damaged.stat().st_size == built.stat().st_size


def test_an_unwritable_cache_falls_back_to_the_packaged_model(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source, _ = _packaged_files()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    with caplog.at_level(logging.WARNING, logger="storywire.nlp.embed"):
        assert int8_model(source, blocker / "cache") == source
    assert "int8 model not built" in caplog.text


def test_int8_vectors_agree_with_the_float_model(cache: Path) -> None:
    fast = MiniLMEmbedder(cache_dir=cache).embed(TEXTS)
    exact = MiniLMEmbedder(int8=False).embed(TEXTS)
    assert fast.shape == exact.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    assert float((fast * exact).sum(axis=1).min()) > 0.98
    similarity = fast @ fast.T
    assert similarity[0, 1] > 0.6 > max(similarity[0, 2], similarity[0, 3])


def test_a_model_file_that_does_not_match_its_pin_is_refused(tmp_path: Path) -> None:
    source, _ = _packaged_files()
    swapped = tmp_path / "model.onnx"
    data = bytearray(source.read_bytes())
    data[-1] ^= 0xFF
    swapped.write_bytes(bytes(data))
    with pytest.raises(ConfigError, match="pinned SHA-256"):
        MiniLMEmbedder(model_path=swapped, int8=False)


def test_empty_input_gives_no_rows(cache: Path) -> None:
    assert MiniLMEmbedder(cache_dir=cache).embed([]).shape == (0, 384)


def test_the_text_is_cut_at_96_tokens(cache: Path) -> None:
    """What runs past 96 tokens is not embedded (bench/embedding.py measures the cut against
    128: faster, and the same clustering)."""
    lead = " ".join(["The central bank of Norland raised its main interest rate."] * 12)
    embedder = MiniLMEmbedder(cache_dir=cache)
    assert len(embedder._tokenizer.encode(lead).ids) == 96
    long, longer, early = embedder.embed(
        [lead + " Markets fell.", lead + " A storm hit the coast.", "Markets fell. " + lead]
    )
    assert float(long @ longer) > 0.9999
    assert float(long @ early) < 0.9999


def test_a_texts_vector_does_not_depend_on_the_texts_embedded_with_it(cache: Path) -> None:
    """The int8 model scales activations per run: batched with a long text, a headline's
    vector moved (cosine 0.977 against itself alone on a real stream), so the same article got
    another vector in another feed round."""
    embedder = MiniLMEmbedder(cache_dir=cache)
    alone = embedder.embed(TEXTS[:1])[0]
    lead = " ".join(["The central bank of Norland raised its main interest rate."] * 12)
    together = embedder.embed([TEXTS[0], lead, *TEXTS[1:]])
    assert np.array_equal(alone, together[0])
    assert np.array_equal(embedder.embed(TEXTS[1:2])[0], together[2])


def test_texts_spread_over_threads_get_the_vectors_one_thread_gives(cache: Path) -> None:
    """A call's texts run on several threads at once (the speed of the embed and write
    stages); each still runs alone through the model, in its own row of the answer."""
    texts = [f"{text} ({n})" for n in range(5) for text in TEXTS]
    one = MiniLMEmbedder(cache_dir=cache, threads=1)
    three = MiniLMEmbedder(cache_dir=cache, threads=3)
    assert (one._pool, three.threads) == (None, 3)
    assert np.array_equal(one.embed(texts), three.embed(texts))
    assert np.array_equal(one.embed(texts[:2]), three.embed(texts[:2]))


def test_the_multilingual_model_puts_a_translation_next_to_its_original() -> None:
    """The bridge between languages: one report in four languages is closer to itself than to
    another event in English."""
    model = USEEmbedder()
    assert (model.name, model.dim) == ("use-multilingual-v3", 512)
    english, bank = model.embed([TEXTS[0], TEXTS[2]])
    translations = model.embed(
        [
            "Un séisme de magnitude 6,4 a frappé le sud de la Calverie, faisant neuf morts.",
            "Ein Erdbeben der Stärke 6,4 hat den Süden Calveriens erschüttert: neun Tote.",
            "Un terremoto di magnitudo 6,4 ha colpito il sud della Calveria: nove morti.",
        ]
    )
    assert np.allclose(np.linalg.norm(translations, axis=1), 1.0, atol=1e-5)
    for vector in translations:
        assert float(vector @ english) > float(vector @ bank) + 0.2
    assert model.embed([]).shape == (0, 512)
    alone = model.embed([TEXTS[1]])[0]
    together = model.embed([TEXTS[0], TEXTS[1], TEXTS[3]])[1]
    assert float(alone @ together) > 0.9999


def test_a_multilingual_model_that_does_not_match_its_pin_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("storywire.nlp.embed.USE_SHA256", "0" * 64)
    with pytest.raises(ConfigError, match="pinned SHA-256"):
        USEEmbedder()


class _Recorder:
    """Records what it is asked to embed (the pairing is under test, not a model)."""

    def __init__(self, name: str) -> None:
        self.name, self.dim, self.texts = name, 2, list[str]()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += texts
        return np.ones((len(texts), self.dim), dtype=np.float32)


def test_each_model_embeds_its_own_text_of_an_article() -> None:
    """The main model reads the headline and lead, the multilingual bridge the headline alone;
    the embed stage and the backfill both go through `ArticleModels`."""
    main, bridge = _Recorder("main"), _Recorder("bridge")
    article = ("Norland raises rates", "The central bank raised rates. Markets fell. More.")
    vectors = ArticleModels(main, bridge).embed([article])
    assert set(vectors) == {"main", "bridge"} and vectors["main"].shape == (1, 2)
    assert main.texts == [embedding_text(*article)] and bridge.texts == [bridge_text(*article)]
    assert set(ArticleModels(main).embed([article])) == {"main"}


def test_vectors_started_ahead_are_the_ones_the_embed_stage_makes(cache: Path) -> None:
    """The embed stage takes the vectors `EmbedAhead` started and embeds only the rest, with
    the same rows, in the articles' order, as embedding them all at once."""
    model = MiniLMEmbedder(cache_dir=cache)
    articles = [(text.split(",")[0], text) for text in TEXTS]
    ahead = EmbedAhead(threads=2)
    for title, text in articles[1::2]:
        ahead.start(model, title, text)
    started = ahead.take(articles)
    assert set(started) == set(articles[1::2])
    found = ArticleModels(model).embed(articles, started)[model.name]
    assert np.array_equal(found, ArticleModels(model).embed(articles)[model.name])
    assert ahead.take(articles) == {}


class _Gate:
    """A model that holds every text until the test lets it through, counting texts."""

    name, dim = "gate", 2

    def __init__(self) -> None:
        self.open, self.texts = threading.Event(), list[str]()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.open.wait(10)
        self.texts += texts
        return np.ones((len(texts), self.dim), dtype=np.float32)


def test_started_vectors_are_bounded_and_forgotten_when_no_stage_takes_them() -> None:
    """Past `limit` texts an article waits for the embed stage; what no stage took (another
    worker embedded it) is cancelled, so a backlog never piles up in memory."""
    gate = _Gate()
    ahead = EmbedAhead(threads=1, limit=3)
    for n in range(5):
        ahead.start(gate, f"Headline {n}", "A lead.")
    ahead.start(gate, "Headline 0", "A lead.")
    assert len(ahead.take([(f"Headline {n}", "A lead.") for n in range(5)])) == 3
    for n in range(3, 6):
        ahead.start(gate, f"Headline {n}", "A lead.")
    ahead.forget()
    gate.open.set()
    assert ahead.take([(f"Headline {n}", "A lead.") for n in range(6)]) == {}
    ahead.start(gate, "Headline 9", "A lead.")
    last = ahead.take([("Headline 9", "A lead.")])[("Headline 9", "A lead.")]
    assert last.result().shape == (1, 2)
    # One thread, in order: the three taken ran, the three forgotten never did.
    assert [text.split()[1] for text in gate.texts] == ["0", "1", "2", "9"]
    off = EmbedAhead(threads=0)
    off.start(gate, "Headline 10", "A lead.")
    assert off.take([("Headline 10", "A lead.")]) == {} and len(gate.texts) == 4


def test_a_started_text_that_fails_fails_where_the_embed_stage_reads_it() -> None:
    """A text the model fails on raises in the embed stage, as it would have there, so the
    stage's own retry of each article alone (and its quarantine) still applies."""

    class Failing(_Gate):
        def embed(self, texts: Sequence[str]) -> np.ndarray:
            raise ValueError("bad text")

    model = Failing()
    ahead = EmbedAhead(threads=1)
    ahead.start(model, "Headline", "A lead.")
    started = ahead.take([("Headline", "A lead.")])
    with pytest.raises(ValueError, match="bad text"):
        ArticleModels(model).embed([("Headline", "A lead.")], started)
