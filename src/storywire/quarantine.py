"""One article that trips a bug must not stop every round. A stage that fails on one article for
a reason that is not the database's records the failure on the article and goes on with the
others; after `repo.QUARANTINE_AFTER` failures no stage takes the article again (it is
quarantined) until an operator releases it with `storywire db quarantine --release`, after
the fix. Without this, the article went back to its queue and failed the next round too, for
ever, and with it every article behind it."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DataError

from storywire import metrics
from storywire.errors import StorageError
from storywire.store import db, repo

log = logging.getLogger(__name__)


def input_failure(exc: BaseException) -> bool:
    """Whether a failure can be the input's own (an article's, a feed's): any error but the
    database failing (which stops the round instead, for the next one to retry) and a stop or
    cancellation. The store refusing one of the input's values counts as the input's."""
    if not isinstance(exc, Exception):
        return False
    if isinstance(exc, StorageError):
        return isinstance(exc.__cause__, DataError)
    return True


def record(sessions: db.Sessions, article_ids: list[int], stage: str, exc: BaseException) -> None:
    """Count the failure of `stage` on the articles, with the traceback in the log."""
    error = f"{stage} failed: {type(exc).__name__}: {exc}"
    with db.transaction(sessions) as session:
        failures = repo.record_failures(session, article_ids, error) if article_ids else 0
    metrics.ARTICLE_FAILURES.labels(stage).inc(len(article_ids))
    quarantined = failures >= repo.QUARANTINE_AFTER
    log.error(
        "quarantined" if quarantined else "failed on an article; later rounds retry it",
        extra={"articles": article_ids, "stage": stage, "failures": failures, "error": error},
        exc_info=exc,
    )
