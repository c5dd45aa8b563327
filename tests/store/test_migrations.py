from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from storywire.errors import SchemaOutdatedError
from storywire.ingest.dedupe import fingerprint
from storywire.models import JoinReason, LinkKind, Membership, NewArticle, NewStory
from storywire.nlp.embed import MINILM_NAME, USE_NAME
from storywire.store import db, repo
from storywire.store.tables import FTS_OBJECTS, Base


def _is_fts(name: str | None) -> bool:
    return bool(name) and any(str(name).startswith(prefix) for prefix in FTS_OBJECTS)


def _schema_diff(url: str) -> list[object]:
    with db.engine_for(url) as engine, engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_name": lambda name, type_, parent: not _is_fts(name),
            },
        )
        return list(compare_metadata(context, Base.metadata))


def test_every_migration_runs_from_empty_and_matches_the_models(
    empty_database_url: str, engines: Callable[[str], Engine]
) -> None:
    engine = engines(empty_database_url)
    with pytest.raises(SchemaOutdatedError, match="db upgrade"):
        db.check_schema(engine)
    db.upgrade(engine)
    db.check_schema(engine)
    assert db.current_revision(engine) == db.head_revision()
    assert _schema_diff(empty_database_url) == []
    tables = set(inspect(engine).get_table_names())
    assert {
        "outlets",
        "feeds",
        "articles",
        "stories",
        "story_articles",
        "story_revisions",
    } <= tables


def test_downgrade_to_empty_and_upgrade_again(
    empty_database_url: str, engines: Callable[[str], Engine]
) -> None:
    engine = engines(empty_database_url)
    db.upgrade(engine)
    db.downgrade(engine, "base")
    assert db.current_revision(engine) is None
    leftover = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert leftover == set()
    db.upgrade(engine)
    assert _schema_diff(empty_database_url) == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(
    tmp_path: Path, engines: Callable[[str], Engine]
) -> None:
    engine = engines(f"sqlite:///{tmp_path}/wal.db")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_plain_postgresql_urls_use_psycopg3() -> None:
    url = db.normalise_url("postgresql://user:secret@127.0.0.1/news")
    assert url.drivername == "postgresql+psycopg"


def test_sqlite_search_triggers_survive_every_migration_step(
    tmp_path: Path, engines: Callable[[str], Engine]
) -> None:
    engine = engines(f"sqlite:///{tmp_path}/steps.db")

    def triggers() -> set[str]:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT name FROM sqlite_master WHERE type='trigger'"))
            return {row[0] for row in rows}

    db.upgrade(engine, "0001")
    expected = triggers()
    assert len(expected) == 6
    db.upgrade(engine)
    assert triggers() == expected
    db.downgrade(engine, "0001")
    assert triggers() == expected


def test_upgrade_recomputes_near_duplicate_bands_with_the_current_scheme(
    empty_database_url: str, engines: Callable[[str], Engine]
) -> None:
    """Bands written by the datasketch MinHash (scheme 1) are replaced, so a new wire copy still
    finds an article stored before the upgrade; articles without bands stay without."""
    engine = engines(empty_database_url)
    db.upgrade(engine, "0005")
    body = " ".join(
        f"Paragraph {n} says the central bank moved its rate by {n} points." for n in range(30)
    )
    # Rows as the 0005 schema holds them, written in SQL: the repository speaks the newest one.
    with engine.begin() as connection:
        ids = []
        for url, content in (("a", body), ("b", "Short.")):
            connection.execute(
                text(
                    "INSERT INTO articles (url, canonical_url, title, authors, kind, text, stage,"
                    " text_source) VALUES (:url, :url, 't', '[]', 'news', :text, 'fetched',"
                    " 'page')"
                ),
                {"url": url, "text": content},
            )
            ids.append(
                connection.execute(
                    text("SELECT id FROM articles WHERE url = :url"), {"url": url}
                ).scalar_one()
            )
        long_id, short_id = ids
        for band in range(42):  # stand-ins for scheme-1 keys
            connection.execute(
                text("INSERT INTO article_bands (article_id, band, key) VALUES (:a, :b, :k)"),
                {"a": long_id, "b": band, "k": band},
            )
    db.upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT article_id, band, key FROM article_bands ORDER BY article_id, band")
        ).all()
    expected = fingerprint(body).bands
    assert len(expected) == 42
    assert [(row[0], row[1], row[2]) for row in rows] == [
        (long_id, band, key) for band, key in enumerate(expected)
    ]
    assert short_id not in {row[0] for row in rows}
    db.downgrade(engine, "0005")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM article_bands")).scalar() == 0


def test_membership_reasons_naming_a_story_become_a_reason_and_moved_from(
    empty_database_url: str, engines: Callable[[str], Engine]
) -> None:
    """0010: "merged from story 7" is stored as "merged" with moved_from 7, and back."""
    engine = engines(empty_database_url)
    db.upgrade(engine)
    when = datetime(2026, 12, 1, tzinfo=UTC)
    with db.connect(empty_database_url) as sessions, db.transaction(sessions) as session:
        story = repo.add_story(
            session, NewStory(slug="s", headline="S", published_at=when, updated_at=when)
        )
        ids = [
            repo.add_article(session, NewArticle(url=u, canonical_url=u, title="T", text="T."))[
                0
            ].id
            for u in ("https://a.example/1", "https://a.example/2", "https://a.example/3")
        ]
        reasons = (JoinReason.MERGED, JoinReason.SPLIT, JoinReason.NEW_STORY)
        moved = (7, 8, None)
        repo.add_memberships(
            session,
            [
                Membership(story.id, i or 0, when, reason, moved_from=source)
                for i, reason, source in zip(ids, reasons, moved, strict=True)
            ],
        )

    def stored() -> list[tuple[str, int | None]]:
        with engine.connect() as connection:
            query = "SELECT reason, moved_from FROM story_articles ORDER BY article_id"
            return [(row[0], row[1]) for row in connection.execute(text(query))]

    db.downgrade(engine, "0009")
    with engine.connect() as connection:
        old = connection.execute(text("SELECT reason FROM story_articles ORDER BY article_id"))
        assert [row[0] for row in old] == ["merged from story 7", "split from story 8", "new story"]
    db.upgrade(engine)
    assert stored() == [("merged", 7), ("split", 8), ("new story", None)]


def test_an_article_keeps_a_vector_per_model_and_the_downgrade_keeps_the_main_one(
    empty_database_url: str, engines: Callable[[str], Engine]
) -> None:
    """0011: the main model's vector and the multilingual one are stored side by side, and
    replacing one leaves the other; going back to one vector per article drops the
    multilingual ones."""
    engine = engines(empty_database_url)
    db.upgrade(engine)
    with db.connect(empty_database_url) as sessions, db.transaction(sessions) as session:
        url = "https://a.example/1"
        article, _ = repo.add_article(
            session, NewArticle(url=url, canonical_url=url, title="T", text="T.")
        )
        repo.save_vectors(session, MINILM_NAME, {article.id: b"main"})
        repo.save_vectors(session, USE_NAME, {article.id: b"bridge"})
        repo.save_vectors(session, USE_NAME, {article.id: b"bridge, again"})
        assert repo.vectors(session, [article.id], MINILM_NAME) == {article.id: b"main"}
        assert repo.vectors(session, [article.id], USE_NAME) == {article.id: b"bridge, again"}
    db.downgrade(engine, "0010")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT model, vector FROM article_vectors"))
        assert [(row[0], bytes(row[1])) for row in rows] == [(MINILM_NAME, b"main")]
    db.upgrade(engine)


def test_0014_fills_each_storys_thread_from_the_links_and_merges_stored(
    empty_database_url: str, engines: Callable[[str], Engine]
) -> None:
    """A store from before 0014 has links and merges but no thread column: the upgrade gives
    every story of a thread the thread's smallest id, as the repository keeps it from then on."""
    engine = engines(empty_database_url)
    db.upgrade(engine)
    when = datetime(2026, 12, 1, tzinfo=UTC)
    with db.connect(empty_database_url) as sessions, db.transaction(sessions) as session:
        ids = [
            repo.add_story(
                session, NewStory(slug=f"s{n}", headline="S", published_at=when, updated_at=when)
            ).id
            for n in range(6)
        ]
        repo.link_stories(session, ids[3], ids[1], LinkKind.SAME_THREAD, when)
        repo.link_stories(session, ids[1], ids[4], LinkKind.FOLLOW_UP, when)
        repo.move_memberships(session, ids[0], ids[4], when)
        repo.link_stories(session, ids[5], ids[2], LinkKind.RELATED_EVENT, when)
        threads = repo.story_threads(session)

    def stored() -> dict[int, int | None]:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, thread_id FROM stories ORDER BY id"))
            return {row[0]: row[1] for row in rows}

    kept = stored()
    # Each story's stored thread is the smallest id its links and merges reach, the merged
    # story 0 included; the thread's public id is its smallest live story, 1.
    assert kept == {ids[n]: ids[first] for n, first in enumerate([0, 0, 2, 0, 0, 2])}
    db.downgrade(engine, "0013")
    db.upgrade(engine)
    assert stored() == kept
    with db.connect(empty_database_url) as sessions, db.transaction(sessions) as session:
        live = {ids[n]: ids[first] for n, first in enumerate([1, 1, 2, 1, 1, 2])}
        assert repo.story_threads(session) == threads == live
