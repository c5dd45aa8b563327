"""What every benchmark script does the same way: find the shared evaluation data, refuse clearly
when it is missing, and write its results. Scripts run as `python bench/<name>.py`, so this module
is importable as `harness`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
RESULTS_DIR = Path(__file__).resolve().parent / "results"


def data_missing(paths: list[Path], expected: str = "") -> bool:
    """True, after saying on stderr what is missing, when any of `paths` does not exist."""
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        print(
            f"benchmark data not found: {', '.join(missing)}\n"
            f"expected {expected or 'the shared evaluation data'} at {DATA} "
            "(see shared/data/README.md)",
            file=sys.stderr,
        )
    return bool(missing)


def save_results(path: Path, report: dict[str, Any]) -> None:
    """The report as JSON under bench/results (git-ignored), and where it went."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"results: {path}")


STREAMS = DATA / "streams"


def load_stream(name: str, first_day: str, last_day: str) -> list[dict[str, Any]]:
    """The stream's items published from `first_day` to `last_day` (ISO dates, inclusive), in
    file order; read at run time from the shared data, never copied into the repository."""
    import gzip

    items = []
    with gzip.open(STREAMS / f"{name}.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            if first_day <= item["published"][:10] <= last_day:
                items.append(item)
    return items


def stream_items(raw: list[dict[str, Any]]) -> list[Any]:
    """The stream's items as `storywire.cluster.replay.StreamItem`s. The stream's language
    (the language its collector asked for) stands for what the item's feed declares: the
    service identifies the language from the text, and the declared one wins only where the
    text can't tell."""
    from storywire.cluster.replay import StreamItem
    from storywire.timestamps import parse_timestamp

    return [
        StreamItem(
            id=r["id"],
            title=r["title"],
            text=r["text"],
            published=parse_timestamp(r["published"]),
            source=r["source"],
            url=r["url"],
            language=r["language"],
        )
        for r in raw
    ]


class CachedEmbedder:
    """An embedder that remembers vectors by text, in memory and, given a `path`, in a file
    under bench/results (development only: a benchmark's speed figures must come from a run
    that embedded every text itself). `save()` writes the file: the replay embeds from
    several threads (`EmbedAhead`), a text at a time, and writing on every new text would
    rewrite megabytes thousands of times."""

    def __init__(self, inner: Any, path: Path | None = None, write: bool = True) -> None:
        """`write=False` reads the file and never writes it back (a reader beside a benchmark
        that may be writing it)."""
        import threading

        import numpy as np

        self.inner, self.path, self.write = inner, path, write
        self.name, self.dim = inner.name, inner.dim
        self._np = np
        self._lock = threading.Lock()
        self._known: dict[str, Any] = {}
        self._unsaved = False
        if path is not None and path.is_file():
            stored = np.load(path)
            self._known = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))

    def embed(self, texts: list[str]) -> Any:
        import hashlib

        np = self._np
        keys = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
        missing = sorted(
            {k: t for k, t in zip(keys, texts, strict=True) if k not in self._known}.items()
        )
        if missing:
            fresh = self.inner.embed([t for _, t in missing])
            with self._lock:
                self._known.update(zip([k for k, _ in missing], fresh, strict=True))
                self._unsaved = True
        return (
            np.stack([self._known[k] for k in keys])
            if keys
            else np.zeros((0, self.dim), np.float32)
        )

    def save(self) -> None:
        """Write the vectors to `path`, if it has one, may write, and anything is new."""
        with self._lock:
            if not self._unsaved or self.path is None or not self.write:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._np.savez(
                self.path,
                keys=self._np.array(list(self._known)),
                vectors=self._np.stack(list(self._known.values())),
            )
            self._unsaved = False


def stream_models(
    stream: str, cache: bool, main: Any = None, write: bool = True
) -> tuple[CachedEmbedder, CachedEmbedder]:
    """The two models a replay of `stream` embeds with: `main` (MiniLM unless given) and the
    multilingual bridge, each remembering its vectors. With `cache`, in the files
    `bench/stream.py --cache` writes (`stream-<stream>[-<model>].npz` and its `-bridge` twin
    under bench/results/cache); `write=False` reads them and never writes back."""
    from storywire.nlp.embed import MINILM_NAME, default_bridge, default_embedder

    main = main or default_embedder()
    suffix = "" if main.name == MINILM_NAME else f"-{main.name}"
    path = RESULTS_DIR / "cache" / f"stream-{stream}{suffix}.npz" if cache else None
    bridge_path = path.with_name(f"{path.stem}-bridge.npz") if path else None
    return CachedEmbedder(main, path, write), CachedEmbedder(default_bridge(), bridge_path, write)
