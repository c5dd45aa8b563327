"""Every JSON API route against its own OpenAPI schema, with schemathesis generating the requests:
no server errors, documented status codes and content types, responses that match the models."""

from __future__ import annotations

import atexit
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings

from storywire.models import Article, CitedText, Membership, Outlet, Story, StoryRevision, Topic
from storywire.store import db, repo
from storywire.web.app import create_app

TOKEN = "schema-token"


def _seed(session: db.Session) -> None:
    now = datetime(2026, 11, 2, tzinfo=UTC)
    outlets = [
        repo.upsert_outlet(
            session, Outlet(name=f"Outlet {n}", homepage=f"https://o{n}.example/", slug=f"o{n}")
        )
        for n in range(2)
    ]
    for number in range(3):
        when = now - timedelta(hours=number)
        story = repo.add_story(
            session,
            Story(
                slug=f"story-{number}",
                headline=f"Story {number}",
                published_at=when,
                updated_at=when,
            ),
        )
        ids = []
        for outlet in outlets:
            article, _ = repo.add_article(
                session,
                Article(
                    url=f"https://{outlet.slug}.example/{number}",
                    canonical_url=f"https://{outlet.slug}.example/{number}",
                    title=f"Story {number} at {outlet.name}",
                    text="The council voted on Tuesday. The mayor said the plan would go ahead.",
                    published_at=when,
                    outlet_id=outlet.id,
                ),
            )
            ids.append(article.id or 0)
            repo.add_membership(session, Membership(story.id or 0, article.id or 0, when, "new"))
        cited = CitedText(text="The council voted on Tuesday.", citations=tuple(ids))
        repo.add_revision(
            session,
            StoryRevision(
                story_id=story.id or 0,
                number=1,
                created_at=when,
                headline=story.headline,
                highlights=[cited],
                body=[cited],
            ),
        )
        repo.save_topics(session, story.id or 0, [Topic(slug="council", name="Council")])


def _app() -> FastAPI:
    """Built at import, as schemathesis parametrizes at collection (its fixture-based loader
    does not work with this pytest); the database lives in a temporary folder removed at exit."""
    folder = tempfile.TemporaryDirectory(prefix="storywire-openapi-")
    atexit.register(folder.cleanup)
    url = f"sqlite:///{Path(folder.name) / 'api.db'}"
    with db.engine_for(url) as engine:
        db.upgrade(engine)
    sessions = db.make_sessionmaker(db.make_engine(url))
    with db.transaction(sessions) as session:
        _seed(session)
    return create_app(sessions, TOKEN)


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_matches_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"})
