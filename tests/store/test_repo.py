from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import event

from storywire.errors import NotFoundError, StorageError
from storywire.models import (
    Article,
    ArticleKind,
    CitedText,
    JoinReason,
    LinkKind,
    Membership,
    NewArticle,
    NewFeed,
    NewOutlet,
    NewStory,
    NewStoryRevision,
    OpinionItem,
    Outlet,
    Stage,
    Story,
    StoryStatus,
)
from storywire.store import db, repo
from storywire.store.repo import stories as stories_module

T0 = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)


def _outlet(session: db.Session, slug: str = "herald") -> Outlet:
    return repo.upsert_outlet(
        session, NewOutlet(name=slug.title(), homepage=f"https://{slug}.example/", slug=slug)
    )


def _article(outlet: Outlet, n: int, title: str, text: str) -> NewArticle:
    url = f"https://{outlet.slug}.example/news/{n}"
    return NewArticle(
        url=url + "?utm_source=rss",
        canonical_url=url,
        title=title,
        text=text,
        outlet_id=outlet.id,
        authors=["Ana Pérez"],
        published_at=T0 + timedelta(minutes=n),
        language="en",
    )


def test_outlet_upsert_updates_in_place(sessions: db.Sessions) -> None:
    with db.transaction(sessions) as session:
        first = _outlet(session)
        again = repo.upsert_outlet(
            session, NewOutlet(name="The Herald", homepage="https://herald.example/", slug="herald")
        )
        assert again.id == first.id
        assert [o.name for o in repo.list_outlets(session)] == ["The Herald"]


def test_articles_are_stored_once_per_canonical_url(sessions: db.Sessions) -> None:
    with db.transaction(sessions) as session:
        outlet = _outlet(session)
        stored, created = repo.add_article(session, _article(outlet, 1, "Quake", "A quake hit."))
        again, created_again = repo.add_article(
            session, _article(outlet, 1, "Quake (updated)", "Other text")
        )
    assert created and not created_again
    assert again.id == stored.id and again.title == "Quake"
    with db.transaction(sessions) as session:
        assert repo.count_articles(session) == 1
        loaded = repo.get_article(session, stored.id)
    assert loaded.authors == ["Ana Pérez"]
    assert loaded.published_at == T0 + timedelta(minutes=1)
    assert loaded.published_at is not None and loaded.published_at.tzinfo is not None
    assert loaded.kind is ArticleKind.NEWS and loaded.stage is Stage.FETCHED


def test_the_store_turns_a_draft_into_an_entity_with_its_id(sessions: db.Sessions) -> None:
    """What ingestion builds has no id to get wrong; what the store hands back always has one,
    with every field of the draft, and adding the draft again hands back the same row."""
    with db.transaction(sessions) as session:
        outlet = _outlet(session)
        draft = _article(outlet, 1, "Quake", "A quake hit.")
        stored, created = repo.add_article(session, draft)
        again, created_again = repo.add_article(session, draft)
    assert not hasattr(draft, "id")
    assert isinstance(stored, Article) and isinstance(stored.id, int)
    assert created and not created_again and again.id == stored.id
    assert all(getattr(stored, f.name) == getattr(draft, f.name) for f in fields(draft))
    assert (again.title, again.text, again.outlet_id) == ("Quake", "A quake hit.", outlet.id)


def test_article_progress_is_saved_and_queued_by_stage(sessions: db.Sessions) -> None:
    with db.transaction(sessions) as session:
        outlet = _outlet(session)
        a, _ = repo.add_article(session, _article(outlet, 1, "One", "one"))
        b, _ = repo.add_article(session, _article(outlet, 2, "Two", "two"))
        a.stage, a.kind, a.kind_reason = Stage.EXTRACTED, ArticleKind.OPINION, "url:/opinion/"
        repo.save_article(session, a)
    with db.transaction(sessions) as session:
        assert [x.id for x in repo.articles_at_stage(session, Stage.FETCHED)] == [b.id]
        extracted = repo.articles_at_stage(session, Stage.EXTRACTED)
    assert [(x.id, x.kind, x.kind_reason) for x in extracted] == [
        (a.id, ArticleKind.OPINION, "url:/opinion/")
    ]


def test_naive_datetimes_are_refused(sessions: db.Sessions) -> None:
    naive = datetime(2026, 1, 1)  # noqa: DTZ001
    bad = NewArticle(url="u", canonical_url="u", title="t", text="x", published_at=naive)
    with pytest.raises(StorageError), db.transaction(sessions) as session:
        repo.add_article(session, bad)


def test_failed_transaction_loses_nothing_already_stored(sessions: db.Sessions) -> None:
    with db.transaction(sessions) as session:
        outlet = _outlet(session)
        repo.add_article(session, _article(outlet, 1, "Kept", "kept"))
    with pytest.raises(StorageError), db.transaction(sessions) as session:
        repo.add_article(session, _article(outlet, 2, "Lost", "lost"))
        repo.add_article(  # a second outlet with the same slug violates uniqueness
            session, NewArticle(url="x", canonical_url="x", title="x", text="x", outlet_id=10**6)
        )
    with db.transaction(sessions) as session:
        assert [a.title for a in repo.articles_at_stage(session, Stage.FETCHED)] == ["Kept"]


def test_feed_state_and_due_feeds(sessions: db.Sessions) -> None:
    with db.transaction(sessions) as session:
        feed, created = repo.add_feed(session, NewFeed(url="https://herald.example/feed.xml"))
        _, created_again = repo.add_feed(session, NewFeed(url="https://herald.example/feed.xml"))
        later, _ = repo.add_feed(
            session, NewFeed(url="https://b.example/atom.xml", next_due_at=T0 + timedelta(hours=1))
        )
        off, _ = repo.add_feed(session, NewFeed(url="https://c.example/rss", disabled=True))
    assert created and not created_again
    with db.transaction(sessions) as session:
        assert [f.id for f in repo.due_feeds(session, T0)] == [feed.id]
        assert [f.id for f in repo.due_feeds(session, T0 + timedelta(hours=2))] == [
            feed.id,
            later.id,
        ]
        feed.etag, feed.consecutive_failures, feed.last_error = '"v1"', 2, "HTTP 500"
        feed.next_due_at = T0 + timedelta(hours=3)
        repo.save_feed_state(session, feed)
    with db.transaction(sessions) as session:
        stored = {f.id: f for f in repo.list_feeds(session)}[feed.id]
        assert (stored.etag, stored.consecutive_failures, stored.last_error) == (
            '"v1"',
            2,
            "HTTP 500",
        )
        repo.remove_feed(session, off.id)
        assert len(repo.list_feeds(session)) == 2


def test_feed_categories_name_only_the_feeds_that_have_one(sessions: db.Sessions) -> None:
    with db.transaction(sessions) as session:
        sport, _ = repo.add_feed(session, NewFeed(url="https://a.example/sport", category="Sport"))
        repo.add_feed(session, NewFeed(url="https://a.example/all"))
        assert repo.feed_categories(session) == {sport.id: "Sport"}


def _story_with_revision(session: db.Session) -> tuple[Story, list[Article]]:
    outlet_a, outlet_b = _outlet(session, "herald"), _outlet(session, "courier")
    articles = [
        repo.add_article(session, _article(outlet_a, 1, "Quake hits Teravale", "Magnitude 6.4."))[
            0
        ],
        repo.add_article(session, _article(outlet_b, 2, "Teravale earthquake", "Nine dead."))[0],
        repo.add_article(session, _article(outlet_b, 3, "Opinion | Build better", "Codes."))[0],
    ]
    story = repo.add_story(
        session, NewStory(slug="quake-teravale", headline="Quake", published_at=T0, updated_at=T0)
    )
    for article in articles:
        repo.add_membership(
            session,
            Membership(
                story.id,
                article.id,
                joined_at=T0,
                reason=JoinReason.NEW_STORY,
                score=0.8,
            ),
        )
    revision = NewStoryRevision(
        story_id=story.id,
        number=0,
        created_at=T0 + timedelta(hours=1),
        headline="Magnitude 6.4 earthquake strikes Teravale",
        highlights=[CitedText("A magnitude 6.4 quake struck.", (articles[0].id,))],
        story=[CitedText("Nine people died in the earthquake.", (articles[1].id,))],
        opinions=[OpinionItem(articles[2].id, "Courier", None, "Build better", "Codes.")],
        changes={"added": ["Nine people died in the earthquake."]},
    )
    repo.add_revision(session, revision)
    return repo.get_story(session, story.id), articles


def test_story_membership_revisions_and_listing(sessions: db.Sessions) -> None:
    with db.transaction(sessions) as session:
        story, articles = _story_with_revision(session)
    assert story.headline == "Magnitude 6.4 earthquake strikes Teravale"
    assert story.updated_at == T0 + timedelta(hours=1) and story.published_at == T0
    with db.transaction(sessions) as session:
        listed = repo.list_stories(session)
        members = repo.story_articles(session, story.id)
        current = repo.current_revision(session, story)
        second = NewStoryRevision(
            story_id=story.id,
            number=0,
            created_at=T0 + timedelta(hours=5),
            headline="Death toll in Teravale earthquake rises to 23",
            highlights=[],
            story=[CitedText("The toll rose to 23.", (articles[1].id,))],
        )
        repo.add_revision(session, second)
        history = repo.revisions(session, story.id)
    assert [(s.article_count, s.outlet_count) for s in listed] == [(3, 2)]
    assert [m.reason for _, m in members] == [JoinReason.NEW_STORY] * 3
    assert current is not None and current.number == 1
    assert current.story[0].citations == (articles[1].id,)
    assert current.opinions[0].title == "Build better"
    assert [r.number for r in history] == [1, 2]
    assert history[0].changes == {"added": ["Nine people died in the earthquake."]}


def test_merged_story_id_keeps_resolving(sessions: db.Sessions) -> None:
    with db.transaction(sessions) as session:
        story, _ = _story_with_revision(session)
        old = repo.add_story(
            session, NewStory(slug="teravale-2", headline="Old", published_at=T0, updated_at=T0)
        )
        old.status, old.merged_into_id = StoryStatus.MERGED, story.id
        repo.save_story(session, old)
    with db.transaction(sessions) as session:
        assert repo.get_story(session, old.id).id == story.id
        assert repo.get_story(session, "teravale-2").id == story.id
        assert [s.story.id for s in repo.list_stories(session)] == [story.id]
        with pytest.raises(NotFoundError):
            repo.get_story(session, "no-such-story")
        with pytest.raises(NotFoundError):
            repo.get_story(session, "\u00b9")  # "¹" passes str.isdigit() but is no id


def test_a_split_moves_articles_to_the_new_story_and_links_it(sessions: db.Sessions) -> None:
    with db.transaction(sessions) as session:
        story, articles = _story_with_revision(session)
        split = repo.add_story(
            session, NewStory(slug="opinion", headline="Build", published_at=T0, updated_at=T0)
        )
        moved = [articles[2].id]
        repo.move_articles(session, moved, story.id, split.id, T0, JoinReason.SPLIT)
        repo.link_stories(session, split.id, story.id, LinkKind.RELATED_EVENT, T0)
        repo.link_stories(session, split.id, story.id, LinkKind.FOLLOW_UP, T0)
    with db.transaction(sessions) as session:
        assert [a.id for a, _ in repo.story_articles(session, split.id)] == moved
        (member,) = [m for _, m in repo.story_articles(session, split.id)]
        assert member.reason is JoinReason.SPLIT and member.moved_from == story.id
        assert member.score == 0.8
        counts = {s.story.id: s.article_count for s in repo.list_stories(session, limit=10)}
        assert counts[story.id] == 2 and counts[split.id] == 1
        assert repo.linked_pairs(session, LinkKind.RELATED_EVENT) == [(split.id, story.id)]


def test_full_text_search_over_stories_and_articles(sessions: db.Sessions) -> None:
    with db.transaction(sessions) as session:
        story, articles = _story_with_revision(session)
    with db.transaction(sessions) as session:
        found = [a.id for a in repo.search_articles(session, "teravale")]
        assert sorted(i or 0 for i in found) == [articles[0].id, articles[1].id]
        assert [a.id for a in repo.search_articles(session, "earthquakes")] == [articles[1].id]
        assert [s.id for s in repo.search_stories(session, "nine died")] == [story.id]
        assert [s.id for s in repo.search_stories(session, 'Teravale" (*')] == [story.id]
        assert repo.search_articles(session, "   ") == []
        assert repo.search_articles(session, "volcano") == []


def test_follow_up_links_read_from_both_sides(sessions: db.Sessions) -> None:
    with db.transaction(sessions) as session:
        old, _ = _story_with_revision(session)
        new = repo.add_story(
            session,
            NewStory(slug="aftershock", headline="Aftershock", published_at=T0, updated_at=T0),
        )
        repo.link_stories(session, new.id, old.id, LinkKind.FOLLOW_UP, T0)
        repo.link_stories(session, new.id, old.id, LinkKind.FOLLOW_UP, T0)  # idempotent
        assert [(s.id, kind) for s, kind in repo.related_stories(session, old.id)] == [
            (new.id, LinkKind.FOLLOW_UP)
        ]
        assert [s.id for s, _ in repo.related_stories(session, new.id)] == [old.id]
        assert repo.outlet_names(session) == {o.id: o.name for o in repo.list_outlets(session)}


def test_topics_with_one_slug_are_stored_once(sessions: db.Sessions) -> None:
    """Real headlines write "L’Huillier" and "L'Huillier": two topic names, one slug, and the
    database takes each slug once per story. The first (best supported) is kept."""
    from storywire.models import Topic

    with db.transaction(sessions) as session:
        story = repo.add_story(
            session, NewStory(slug="nobel", headline="Nobel", published_at=T0, updated_at=T0)
        )
        topics = [
            Topic(slug="anne-l-huillier", name="Anne L’Huillier", weight=4.0),
            Topic(slug="lund", name="Lund", weight=3.0),
            Topic(slug="anne-l-huillier", name="Anne L'Huillier", weight=2.0),
        ]
        repo.save_topics(session, story.id, topics)
        stored = repo.story_topics(session, story.id)
    assert [(t.slug, t.name) for t in stored] == [
        ("anne-l-huillier", "Anne L’Huillier"),
        ("lund", "Lund"),
    ]


def test_threads_reach_through_merged_stories_to_a_live_story(sessions: db.Sessions) -> None:
    """Story 2 was linked to story 1, then story 1 merged into story 3: the thread holds 2 and
    3, and its id is a story a reader can open, not the merged one; reading it from a story
    (what its page does) finds the same."""
    with db.transaction(sessions) as session:
        ids = [
            repo.add_story(
                session, NewStory(slug=f"s{n}", headline=f"S{n}", published_at=T0, updated_at=T0)
            ).id
            or 0
            for n in range(4)
        ]
        first, second, third, alone = ids
        repo.link_stories(session, second, first, LinkKind.SAME_THREAD, T0)
        story = repo.get_story(session, first)
        story.status, story.merged_into_id = StoryStatus.MERGED, third
        repo.save_story(session, story)
        threads = repo.story_threads(session)
        walked = {
            key: repo.thread_stories(session, repo.get_story(session, key))
            for key in (second, third, alone)
        }
    assert threads[second] == threads[third] == min(second, third)
    assert threads.get(alone, alone) == alone
    # Read from one story, as a page does: the same thread, live stories only.
    for key in (second, third):
        thread_id, stories = walked[key]
        assert thread_id == min(second, third)
        assert [story.id for story in stories] == sorted([second, third])
    assert walked[alone][0] == alone and [s.id for s in walked[alone][1]] == [alone]


def _components(pairs: list[tuple[int, int]], stories: list[int]) -> dict[int, set[int]]:
    """Each story's connected component over `pairs`, by breadth-first search."""
    near: dict[int, set[int]] = {story: set() for story in stories}
    for a, b in pairs:
        near[a].add(b)
        near[b].add(a)
    found: dict[int, set[int]] = {}
    for story in stories:
        if story in found:
            continue
        component, frontier = {story}, [story]
        while frontier:
            frontier = [n for s in frontier for n in near[s] if n not in component]
            component |= set(frontier)
        found.update((member, component) for member in component)
    return found


def test_the_stored_thread_is_the_component_of_links_and_merges(sessions: db.Sessions) -> None:
    """Links of every kind and merges, made in a random order, leave each story holding the
    smallest id of its connected component: the same threads a search over the links finds,
    named by their smallest live story, with the live stories counted where there are two."""
    chance = random.Random(7)
    with db.transaction(sessions) as session:
        ids = [
            repo.add_story(
                session, NewStory(slug=f"c{n}", headline=f"C{n}", published_at=T0, updated_at=T0)
            ).id
            for n in range(32)
        ]
        pairs: list[tuple[int, int]] = []
        merged: set[int] = set()
        for _ in range(24):
            a, b = chance.sample(ids[:30], 2)
            if chance.random() < 0.2 and a not in merged and b not in merged:
                repo.move_memberships(session, a, b, T0)
                merged.add(a)
            else:
                repo.link_stories(session, a, b, chance.choice(list(LinkKind)), T0)
            pairs.append((a, b))
        # A story that only absorbed another is in no thread a reader can open.
        repo.move_memberships(session, ids[30], ids[31], T0)
        merged.add(ids[30])
        pairs.append((ids[30], ids[31]))
        threads = repo.story_threads(session)
        sizes = repo.thread_sizes(session, ids)
    assert threads[ids[31]] == ids[31] and ids[31] not in sizes
    components = _components(pairs, ids)
    for story in ids:
        component = components[story]
        live = component - merged
        if len(component) == 1 or not live:
            assert story not in threads and story not in sizes
            continue
        assert threads[story] == min(live)
        if len(live) > 1:
            assert sizes[story] == (min(live), len(live))
        else:
            assert story not in sizes


def test_a_listing_keeps_two_stories_of_a_thread_however_far_down_the_rest_is(
    sessions: db.Sessions,
) -> None:
    """A thread of 100 stories outranks three others: a listing capped at two a thread reads
    past the whole saga to find them, and its pages skip the same stories."""
    with db.transaction(sessions) as session:

        def story(slug: str, rank: float) -> int:
            new = NewStory(slug=slug, headline=slug, published_at=T0, updated_at=T0)
            return repo.add_story(session, replace(new, front_rank=rank)).id

        saga = [story(f"saga{n}", 1000.0 - n) for n in range(100)]
        others = [story(f"other{n}", 10.0 - n) for n in range(3)]
        for earlier, later in pairwise(saga):
            repo.link_stories(session, later, earlier, LinkKind.SAME_THREAD, T0)

        def listed(limit: int, offset: int = 0) -> list[int]:
            found = repo.list_stories(session, limit=limit, offset=offset, per_thread=2)
            return [s.story.id for s in found]

        assert listed(3) == [saga[0], saga[1], others[0]]
        assert listed(3, offset=3) == others[1:]
        assert listed(50) == saga[:2] + others
        assert len(repo.list_stories(session, limit=50)) == 50


def test_a_thread_past_its_limit_shows_the_stories_around_the_one_read(
    sessions: db.Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A saga longer than THREAD_LIMIT (4 here) is shown as the 4 stories around the story
    whose page reads it, oldest first, and keeps its own id, whichever story reads it."""
    monkeypatch.setattr(stories_module, "THREAD_LIMIT", 4)
    with db.transaction(sessions) as session:
        saga = [
            repo.add_story(
                session,
                NewStory(
                    slug=f"long{n}",
                    headline=f"L{n}",
                    published_at=T0 + timedelta(hours=n),
                    updated_at=T0 + timedelta(hours=n),
                ),
            )
            for n in range(10)
        ]
        for earlier, later in pairwise(saga):
            repo.link_stories(session, later.id, earlier.id, LinkKind.SAME_THREAD, T0)
        ids = [story.id for story in saga]
        for at, window in ((0, ids[0:4]), (7, ids[5:9]), (9, ids[6:10])):
            thread_id, shown = repo.thread_stories(session, saga[at])
            assert (thread_id, [story.id for story in shown]) == (ids[0], window)


def test_values_longer_than_their_columns_are_cut_or_dropped_not_refused(
    sessions: db.Sessions,
) -> None:
    """PostgreSQL refuses a VARCHAR that is too long (SQLite does not check): one hostile page or
    server would otherwise fail every round there."""
    with db.transaction(sessions) as session:
        outlet = repo.ensure_outlet(
            session,
            NewOutlet(name="N" * 400, homepage="https://n.example/", slug="n", language="x" * 40),
        )
        assert (
            len(outlet.name) == 300 and outlet.language is not None and len(outlet.language) == 16
        )
        article = replace(
            _article(outlet, 1, "Title", "Text."),
            section="S" * 500,
            kind_reason="K" * 300,
            image_url="https://n.example/" + "i" * 2500,
        )
        stored, _ = repo.add_article(session, article)
        repo.save_article(session, replace(stored, section="T" * 900))
        again = repo.get_article(session, stored.id)
        assert again.section == "T" * 200 and again.kind_reason == "K" * 200
        assert again.image_url is None, "an address cut short is not the address"
        feed, _ = repo.add_feed(session, NewFeed(url="https://n.example/feed", title="F" * 600))
        feed = replace(feed, etag='"' + "e" * 1000 + '"', last_modified="L" * 200)
        saved = repo.save_feed_state(session, feed)
        assert saved.title == "F" * 500 and saved.etag is None and saved.last_modified is None


@contextmanager
def _statements(session: db.Session) -> Iterator[list[str]]:
    """The SQL statements run while the block runs."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_active_stories_and_related_stories_take_a_fixed_number_of_queries(
    sessions: db.Sessions,
) -> None:
    """No query per story: a restart restores thousands of stories, a page shows every link."""
    with db.transaction(sessions) as session:
        outlet = _outlet(session)
        hub = repo.add_story(
            session, NewStory(slug="hub", headline="Hub", published_at=T0, updated_at=T0)
        )
        stories = []
        for n in range(12):
            story = repo.add_story(
                session, NewStory(slug=f"s{n}", headline=f"S{n}", published_at=T0, updated_at=T0)
            )
            article = repo.add_article(session, _article(outlet, n, f"T{n}", "Text."))[0]
            repo.add_membership(session, Membership(story.id, article.id, T0, JoinReason.NEW_STORY))
            repo.link_stories(session, story.id, hub.id, LinkKind.SAME_THREAD, T0)
            stories.append((story.id, [article.id]))
    with db.transaction(sessions) as session, _statements(session) as seen:
        active = repo.stories_active_since(session, T0 - timedelta(days=1))
        assert len(seen) == 2
        related = repo.related_stories(session, hub.id)
        assert len(seen) == 4
    assert [(s.id, ids) for s, ids in active if ids] == stories
    assert sorted((s.id, kind) for s, kind in related) == [
        (i, LinkKind.SAME_THREAD) for i, _ in stories
    ]


def test_a_story_is_stored_under_the_id_the_clusterer_gave_it(sessions: db.Sessions) -> None:
    """The clusterer hands out story ids, so a story's row and slug are written once; a story
    added without an id afterwards still gets a new one (PostgreSQL's sequence is levelled)."""
    with db.transaction(sessions) as session:
        assert repo.last_story_id(session) == 0
        given = repo.add_story(
            session, Story(id=40, slug="quake-40", headline="Quake", published_at=T0, updated_at=T0)
        )
        later = repo.add_story(
            session, NewStory(slug="later", headline="Later", published_at=T0, updated_at=T0)
        )
        assert given.id == 40 and repo.get_story(session, "quake-40").id == 40
        assert later.id == 41 and repo.last_story_id(session) == 41


def test_near_duplicate_candidates_come_most_shared_bands_first(sessions: db.Sessions) -> None:
    """Dedupe reads candidates in this order and stops at the first copy, so the likeliest
    copies must come first, whatever their ids."""
    keys = [101, 102, 103, 104]
    with db.transaction(sessions) as session:
        outlet = _outlet(session)
        stored = [
            repo.add_article(session, _article(outlet, n, f"Item {n}", "Text."))[0]
            for n in range(4)
        ]
        repo.save_bands(session, stored[0].id, [101, 0, 0, 0])
        repo.save_bands(session, stored[1].id, [101, 102, 103, 0])
        repo.save_bands(session, stored[2].id, [101, 102, 0, 0])
        repo.save_bands(session, stored[3].id, [0, 101, 0, 0])  # a key in another band
        ranked = repo.articles_sharing_bands(session, keys, exclude=stored[2].id)
    assert ranked == [stored[1].id, stored[0].id]
