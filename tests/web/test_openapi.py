"""Every JSON API route against its own OpenAPI schema, with schemathesis generating the requests:
no server errors, documented status codes and content types, responses that match the models."""

from __future__ import annotations

import atexit
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from sqlalchemy import make_url, text

from storywire.models import (
    CitedText,
    JoinReason,
    Membership,
    NewArticle,
    NewOutlet,
    NewStory,
    NewStoryRevision,
    Topic,
)
from storywire.store import db, repo
from storywire.web.app import create_app

TOKEN = "schema-token"


def _seed(session: db.Session) -> None:
    now = datetime(2026, 11, 2, tzinfo=UTC)
    outlets = [
        repo.upsert_outlet(
            session, NewOutlet(name=f"Outlet {n}", homepage=f"https://o{n}.example/", slug=f"o{n}")
        )
        for n in range(2)
    ]
    for number in range(3):
        when = now - timedelta(hours=number)
        story = repo.add_story(
            session,
            NewStory(
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
                NewArticle(
                    url=f"https://{outlet.slug}.example/{number}",
                    canonical_url=f"https://{outlet.slug}.example/{number}",
                    title=f"Story {number} at {outlet.name}",
                    text="The council voted on Tuesday. The mayor said the plan would go ahead.",
                    published_at=when,
                    outlet_id=outlet.id,
                ),
            )
            ids.append(article.id)
            repo.add_membership(
                session, Membership(story.id, article.id, when, JoinReason.NEW_STORY)
            )
        cited = CitedText(text="The council voted on Tuesday.", citations=tuple(ids))
        repo.add_revision(
            session,
            NewStoryRevision(
                story_id=story.id,
                number=1,
                created_at=when,
                headline=story.headline,
                highlights=[cited],
                story=[cited],
            ),
        )
        repo.save_topics(session, story.id, [Topic(slug="council", name="Council")])


PG_URL = os.environ.get("STORYWIRE_TEST_DATABASE_URL")
PG_SCHEMA = "storywire_openapi"


def _sqlite_url() -> str:
    """A database in a temporary folder removed at exit."""
    folder = tempfile.TemporaryDirectory(prefix="storywire-openapi-")
    atexit.register(folder.cleanup)
    return f"sqlite:///{Path(folder.name) / 'api.db'}"


def _postgres_url(url: str) -> str:
    """A schema of its own on the test database: the other PostgreSQL tests wipe `public`
    between tests, while these cases run against one app built at import. Dropped at exit."""

    def run(statement: str) -> None:
        with db.engine_for(url) as engine, engine.begin() as connection:
            connection.execute(text(statement))

    run(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
    run(f"CREATE SCHEMA {PG_SCHEMA}")
    atexit.register(run, f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
    options = {"options": f"-csearch_path={PG_SCHEMA}"}
    return make_url(url).update_query_dict(options).render_as_string(hide_password=False)


def _app(url: str) -> FastAPI:
    """Built at import, as schemathesis parametrizes at collection (its fixture-based loader
    does not work with this pytest)."""
    with db.engine_for(url) as engine:
        db.upgrade(engine)
    sessions = db.make_sessionmaker(db.make_engine(url))
    with db.transaction(sessions) as session:
        _seed(session)
    return create_app(sessions, TOKEN)


schema = schemathesis.openapi.from_asgi("/openapi.json", _app(_sqlite_url()))


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_matches_its_schema(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"})


if PG_URL:
    pg_schema = schemathesis.openapi.from_asgi("/openapi.json", _app(_postgres_url(PG_URL)))

    @pytest.mark.postgres
    @pg_schema.parametrize()
    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    def test_api_matches_its_schema_on_postgresql(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"})
