"""`storywire backfill`: an archive of JSONL or WARC shards into stories, in parallel.

Extraction and embedding are the CPU work of an import, and each document's is independent, so
they run in parallel: on a local process pool (`--engine local`) or with Ray Data on a Ray
cluster (`--engine ray`). Everything that decides, stores or orders runs afterwards in this
process through the pipeline's own functions, in publication order: storing under the outlet,
dedupe, assignment to stories and writing. So a backfill ends with the stories that
`storywire import` followed by a round makes from the same files.

The prepared articles are gathered before they are stored (to store them in time order), so
the driver holds the archive's extracted text and vectors in memory, not its pages.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any

from storywire.errors import ParseError, StorywireError
from storywire.ingest.articles import Vector, prepare_document
from storywire.ingest.imports import skipped
from storywire.models import NewArticle, RawDocument
from storywire.nlp.embed import ArticleModels, default_models
from storywire.pipeline import Pipeline
from storywire.quarantine import input_failure
from storywire.sources.importers import read_documents
from storywire.stories.detect import StoryReport

log = logging.getLogger(__name__)

CHUNK = 64  # documents per task: one embedding batch


class Engine(StrEnum):
    LOCAL = "local"
    RAY = "ray"


@dataclass
class Prepared:
    """One document after the parallel stage: its article and vector, or why it has none."""

    document: RawDocument
    article: NewArticle | None = None
    vectors: tuple[Vector, ...] = ()  # one per model: the main one and the multilingual one
    error: str | None = None


@dataclass
class BackfillReport:
    documents: int = 0
    stored: int = 0
    known: int = 0
    failed: list[str] = field(default_factory=list)
    stories: StoryReport | None = None


def prepare_chunk(
    documents: Sequence[RawDocument], now: datetime, models: ArticleModels
) -> list[Prepared]:
    """Extract each document and embed the articles in one batch per model: the unit of
    parallel work."""
    done: list[Prepared] = []
    for document in documents:
        try:
            done.append(Prepared(_address(document), prepare_document(document, now)))
        except Exception as exc:  # no database here: every failure is the document's
            done.append(Prepared(_address(document), error=skipped(document, exc)))
    ready = [(p, p.article) for p in done if p.article is not None]
    for model, rows in models.embed([(a.title, a.text) for _, a in ready]).items():
        for (item, _), vector in zip(ready, rows, strict=True):
            item.vectors += (Vector(model, vector.tobytes()),)
    return done


def _address(document: RawDocument) -> RawDocument:
    """What storing needs of a document once it is prepared: where it came from. The driver
    gathers every prepared article before storing any, so the page itself stays behind (20,000
    AEB pages: the Ray driver's peak 8.1 GB with them, 1.1 GB without)."""
    return RawDocument(url=document.url, outlet=document.outlet)


def store(pipeline: Pipeline, prepared: Iterable[Prepared]) -> BackfillReport:
    """Store the prepared documents in publication order, then assign and write stories."""
    report = BackfillReport()
    ready: list[tuple[Prepared, NewArticle]] = []
    for item in prepared:
        report.documents += 1
        if item.article is None:
            report.failed.append(item.error or item.document.url)
        else:
            ready.append((item, item.article))
    ready.sort(key=lambda pair: _publication_order(pair[1]))
    for item, article in ready:
        try:
            _, created = pipeline.imports.store_prepared(item.document, article, item.vectors)
        except Exception as exc:
            if not input_failure(exc):
                raise
            report.failed.append(skipped(item.document, exc))
            continue
        report.stored += created
        report.known += not created
    report.stories = pipeline.stories.detect()
    return report


def _publication_order(article: NewArticle) -> tuple[bool, datetime | None, str]:
    return (article.published_at is None, article.published_at, article.url)


def _documents(paths: Iterable[Path], failed: list[str]) -> Iterator[RawDocument]:
    for path in paths:
        try:
            for item in read_documents(path):
                if isinstance(item, StorywireError):
                    failed.append(str(item))
                else:
                    yield item
        except ParseError as exc:
            failed.append(str(exc))


def _chunks(documents: Iterable[RawDocument]) -> Iterator[list[RawDocument]]:
    chunk: list[RawDocument] = []
    for document in documents:
        chunk.append(document)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ------------------------------------------------------------------------------- local engine


def _local_chunk(documents: list[RawDocument], now: datetime) -> list[Prepared]:
    return prepare_chunk(documents, now, default_models())


def prepare_local(paths: Sequence[Path], now: datetime, workers: int) -> Iterator[Prepared]:
    """Prepare on `workers` local processes (each loads the model once); shards are read here."""
    failed: list[str] = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for done in pool.map(partial(_local_chunk, now=now), _chunks(_documents(paths, failed))):
            yield from done
    yield from (Prepared(RawDocument(url=""), error=problem) for problem in failed)


# --------------------------------------------------------------------------------- Ray engine


def _read_shard(row: dict[str, Any]) -> list[dict[str, Any]]:
    """A shard's documents as Ray rows (pickled: a row holds plain values only)."""
    failed: list[str] = []
    rows = [{"item": pickle.dumps(Prepared(d))} for d in _documents([Path(row["path"])], failed)]
    return rows + [{"item": pickle.dumps(Prepared(RawDocument(url=""), error=e))} for e in failed]


class _PrepareBatch:
    """A Ray Data actor: loads the model once, then extracts and embeds batch after batch."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.models = default_models()

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        items = [pickle.loads(blob) for blob in batch["item"]]
        pending = [item.document for item in items if item.error is None]
        done = iter(prepare_chunk(pending, self.now, self.models))
        out = [next(done) if item.error is None else item for item in items]
        return {"item": [pickle.dumps(item) for item in out]}


def prepare_ray(
    paths: Sequence[Path], now: datetime, workers: int, address: str | None
) -> Iterator[Prepared]:
    """Prepare with Ray Data: shards are read in Ray tasks, and `workers` actors extract and
    embed. `address` joins a running cluster ("auto", "ray://head:10001"), which needs a CPU
    besides the actors' for reading; without one, a local Ray starts with `workers` + 1 CPUs.
    Ray must be installed: `pip install 'storywire[ray]'`."""
    try:
        import ray
    except ImportError as exc:
        raise StorywireError("the Ray engine needs Ray: pip install 'storywire[ray]'") from exc
    ray.data.DataContext.get_current().enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    started = not ray.is_initialized()
    if started:
        # The actors hold a CPU each for their lifetime; one more runs the tasks reading shards.
        options: dict[str, Any] = {"address": address} if address else {"num_cpus": workers + 1}
        ray.init(log_to_driver=False, include_dashboard=False, **options)
    try:
        dataset = (
            ray.data.from_items([{"path": str(path.resolve())} for path in paths])
            .flat_map(_read_shard)
            .repartition(target_num_rows_per_block=CHUNK)  # a long shard feeds every actor
            .map_batches(
                _PrepareBatch,
                fn_constructor_kwargs={"now": now},
                batch_size=CHUNK,
                compute=ray.data.ActorPoolStrategy(size=workers),
                num_cpus=1,
            )
        )
        for row in dataset.iter_rows():
            yield pickle.loads(row["item"])
    finally:
        if started:
            ray.shutdown()


def backfill(
    pipeline: Pipeline,
    paths: Sequence[Path],
    engine: Engine = Engine.LOCAL,
    workers: int | None = None,
    address: str | None = None,
) -> BackfillReport:
    workers = workers or os.cpu_count() or 1
    now = pipeline.now()
    if engine is Engine.RAY:
        prepared = prepare_ray(paths, now, workers, address)
    else:
        prepared = prepare_local(paths, now, workers)
    report = store(pipeline, prepared)
    log.info(
        "backfill done",
        extra={
            "engine": engine.value,
            "documents": report.documents,
            "stored": report.stored,
            "failed": len(report.failed),
        },
    )
    return report
