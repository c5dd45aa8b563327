"""Page extraction in worker processes that can be killed, so one hostile page can't stall a
round or fill memory.

Extraction is CPU work on HTML nobody vetted, and some of it is superlinear: jusText's fallback
took 43 s on half a megabyte of table cells. Each page gets a wall-clock limit (the worker is
killed past it and a fresh one takes its place, pebble's ProcessPool does both) and a memory
budget (the worker's address space may grow only so far past what it held when it started).
A page past either limit is an `ExtractError` that names the limit, which the pipeline records
on the article before keeping its feed text; the round goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import resource
from collections.abc import Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

from pebble import ProcessExpired, ProcessPool

from storywire.errors import ExtractError
from storywire.extract.article import ExtractedArticle, extract_article

log = logging.getLogger(__name__)
TIMEOUT = 20.0  # seconds a page may take; a real one takes well under one
MEMORY = 1 << 30  # bytes a worker may grow past its start


class Extraction:
    """Where the pipeline extracts pages: in `workers` processes under the limits, for the
    length of a `running()` block (a round, or a worker's whole life), or, with no workers (the
    tests, the demo's default), in this process without limits.

    Extraction is CPU work (about 60 ms a page): worker processes keep it off the event loop's
    single thread, so fetching, the database and extraction use every core, and a hostile page
    meets a time and memory limit there."""

    def __init__(self, workers: int = 0, timeout: float = TIMEOUT, memory: int = MEMORY) -> None:
        self.workers, self.timeout, self.memory = workers, timeout, memory
        self._pool: ExtractionPool | None = None

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        if self._pool is not None or not self.workers:
            yield
            return
        self._pool = ExtractionPool(self.workers, self.timeout, self.memory)
        try:
            yield
        finally:
            self._pool.close()
            self._pool = None

    async def extract(
        self, html: str, url: str, declared_language: str | None = None
    ) -> ExtractedArticle:
        """`extract_article` of the page, in a worker where there are any."""
        if self._pool is None:
            return extract_article(html, url, declared_language)
        return await self._pool.extract(html, url, declared_language)


class ExtractionPool:
    """`workers` processes extracting pages, each page under `timeout` seconds and `memory`
    bytes. Use as a context manager: leaving it stops the workers."""

    def __init__(self, workers: int, timeout: float = TIMEOUT, memory: int = MEMORY) -> None:
        self.timeout, self.memory = timeout, memory
        self._pool = ProcessPool(max_workers=workers, initializer=_limit_memory, initargs=(memory,))

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers, a page in progress included."""
        self._pool.stop()  # type: ignore[no-untyped-call]
        self._pool.join()

    async def extract(
        self, html: str, url: str, declared_language: str | None = None
    ) -> ExtractedArticle:
        future = self._pool.schedule(
            extract_article, args=(html, url, declared_language), timeout=self.timeout
        )
        try:
            return await asyncio.wrap_future(future)
        except FutureTimeout as exc:
            raise ExtractError(
                f"{url}: extraction took longer than {self.timeout:g} s; the worker was stopped",
                reason="timeout",
            ) from exc
        except MemoryError as exc:
            raise ExtractError(
                f"{url}: extraction needed more than {self.memory >> 20} MB; page skipped",
                reason="memory",
            ) from exc
        except ProcessExpired as exc:
            raise ExtractError(f"{url}: the extraction worker died ({exc})", "worker") from exc
        except ExtractError:
            raise
        except Exception as exc:  # a bug met on a hostile page: that page fails, not the round
            log.warning("extraction failed", exc_info=exc, extra={"url": url})
            message = f"{url}: extraction failed ({type(exc).__name__}: {exc})"
            raise ExtractError(message, "worker") from exc


_WARM_UP = (
    "<html><head><title>Warm-up</title></head><body><article><h1>Warm-up</h1>"
    + "".join(f"<p>Sentence {i} loads the models extraction uses lazily.</p>" for i in range(8))
    + "</article></body></html>"
)


def _limit_memory(budget: int) -> None:
    """Cap this worker's address space at what it holds, once extraction's lazily loaded
    models are in, plus `budget`: past it, allocation fails with MemoryError inside the worker
    instead of the machine swapping."""
    with contextlib.suppress(ExtractError):
        extract_article(_WARM_UP, "https://warm-up.invalid/")
    pages = int(Path("/proc/self/statm").read_text().split()[0])
    size = pages * os.sysconf("SC_PAGE_SIZE")
    limit = size + budget
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
