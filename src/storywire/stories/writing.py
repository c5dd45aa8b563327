"""The write stage: a new revision of each story whose coverage changed, by the configured writer.

The writers (write/) turn source articles into a story; this module feeds them stored articles
and stores what they wrote as a revision when it differs enough from the current one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from storywire import metrics, quarantine
from storywire.config import Settings
from storywire.models import Article, ArticleKind, NewStoryRevision, Stage
from storywire.nlp.embed import Embedder
from storywire.store import db, repo
from storywire.write.extractive import ExtractiveWriter, SourceArticle, WrittenStory
from storywire.write.llm import LLMWriter
from storywire.write.revisions import changes, worth_a_revision

log = logging.getLogger(__name__)


class StoryWriter(Protocol):
    def write(
        self, articles: Sequence[SourceArticle], words: int | None = None
    ) -> WrittenStory: ...


def story_writer(settings: Settings) -> Callable[[Embedder], StoryWriter]:
    """The extractive writer, or the LLM writer (falling back to it) when one is configured."""
    base_url, model = settings.llm_base_url, settings.llm_model
    if not (base_url and model):
        return ExtractiveWriter

    def llm(embedder: Embedder) -> StoryWriter:
        return LLMWriter(
            base_url,
            model,
            settings.llm_api_key,
            fallback=ExtractiveWriter(embedder),
            timeout=settings.llm_timeout,
            response_format=settings.llm_response_format,
        )

    return llm


def write_stories(sessions: db.Sessions, writer: StoryWriter, story_ids: set[int]) -> int:
    """A new revision for each story whose text changed; returns how many. Either way its
    articles reach stage WRITTEN: the writer has taken them into account. A story the writer
    fails on for a reason of its own is left for later, the failure counted on the articles
    that wait for it (quarantine.py), and the others are written."""
    revised = 0
    with db.transaction(sessions) as session:
        outlets = repo.outlet_names(session)
    for story_id in sorted(story_ids):
        try:
            revised += _write_story(sessions, writer, story_id, outlets)
        except Exception as exc:
            if not quarantine.input_failure(exc):
                raise
            with db.transaction(sessions) as session:
                waiting = [
                    article.id
                    for article, _ in repo.story_articles(session, story_id)
                    if article.stage is Stage.CLUSTERED
                ]
            quarantine.record(sessions, waiting, "write", exc)
    return revised


def _write_story(
    sessions: db.Sessions, writer: StoryWriter, story_id: int, outlets: dict[int | None, str]
) -> bool:
    """Write one story; whether it got a new revision."""
    with db.transaction(sessions) as session:
        story = repo.get_story(session, story_id)
        if story.id != story_id:  # merged away meanwhile
            return False
        members = [article for article, _ in repo.story_articles(session, story_id)]
        previous = repo.current_revision(session, story)
    written = writer.write([source_article(a, outlets) for a in members])
    outcome = written.outcome
    if outcome is not None:
        metrics.LLM_OUTCOMES.labels(outcome).inc()
    if outcome is not None and outcome != "llm":
        log.info("LLM writer fell back", extra={"story": story_id, "outcome": outcome})
    found = changes(previous, written)
    new = worth_a_revision(previous, found)
    when = max(a.when for a in members)
    with db.transaction(sessions) as session:
        if new:
            repo.add_revision(session, _revision(story_id, written, found, when))
        repo.set_stage(
            session,
            [a.id for a in members if a.stage is not Stage.WRITTEN],
            Stage.WRITTEN,
        )
    return new


def source_article(article: Article, outlets: dict[int | None, str]) -> SourceArticle:
    """A stored article as the writers read it, with its outlet's name."""
    return SourceArticle(
        id=article.id,
        title=article.title,
        text=article.text,
        outlet=outlets.get(article.outlet_id, "unknown outlet"),
        published=article.when,
        author=article.authors[0] if article.authors else None,
        opinion=article.kind is ArticleKind.OPINION,
        dup_group=article.near_dup_group,
        language=article.language,
        core_title=article.core_title,
    )


def _revision(
    story_id: int, written: WrittenStory, found: dict[str, list[str]], when: datetime
) -> NewStoryRevision:
    return NewStoryRevision(
        story_id=story_id,
        number=0,
        created_at=when,
        headline=written.headline,
        highlights=written.highlights,
        story=written.story,
        opinions=written.opinions,
        changes=found,
    )
