"""What a run left in the database, in terms that do not depend on row ids, so runs that
inserted in different orders (a restart, several workers) can be compared."""

from __future__ import annotations

from storywire.models import Stage
from storywire.store import db, repo

Snapshot = tuple[list[str], set[frozenset[str]], set[frozenset[str]], set[str]]


def snapshot(url: str) -> Snapshot:
    """Articles by URL; stories as sets of member URLs; stories with a written revision; and
    the stages articles were left at."""
    with db.connect(url) as sessions, db.transaction(sessions) as session:
        articles = [a for stage in Stage for a in repo.articles_at_stage(session, stage, 10_000)]
        url_of = {a.id: a.canonical_url for a in articles}
        members: dict[int, set[str]] = {}
        for article_id, story_id in repo.article_stories(session).items():
            members.setdefault(story_id, set()).add(url_of[article_id])
        written = {
            frozenset(urls)
            for story_id, urls in members.items()
            if repo.get_story(session, story_id).current_revision_id is not None
        }
    stories = {frozenset(urls) for urls in members.values()}
    return sorted(url_of.values()), stories, written, {a.stage.value for a in articles}
