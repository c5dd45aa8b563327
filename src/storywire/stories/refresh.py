"""What a story's coverage says about it, recomputed whenever its members change: its times,
status, category, front-page rank, lead image, coverage chart and topics."""

from __future__ import annotations

from storywire.models import ArticleKind, StoryStatus
from storywire.store import db, repo
from storywire.stories.category import story_category
from storywire.stories.importance import Coverage, front_rank
from storywire.stories.topics import story_topics
from storywire.write.timeline import story_svg

# Topics are read from the story's latest news reports, at most this many: the names of a story
# of thousands of reports (a war, a blob) took seconds to find at every round that touched it
# (3,000 members: 3.7 s), and its latest reports name what it is about now.
TOPIC_TEXTS = 200


def refresh_stories(session: db.Session, story_ids: set[int], dormant: set[int]) -> None:
    """Coverage-derived fields of touched stories (`dormant`: those the clusterer put to
    sleep)."""
    feed_categories = repo.feed_categories(session)
    names = repo.outlet_names(session)
    for story_id, (story, members) in repo.stories_and_members(session, story_ids).items():
        if not members:
            continue
        times = [a.when for a in members]
        story.published_at = min(times)
        if story.current_revision_id is None:
            story.updated_at = max(times)
        story.status = StoryStatus.DORMANT if story_id in dormant else StoryStatus.ACTIVE
        story.category = story_category(
            [a.section for a in members], [feed_categories.get(a.feed_id) for a in members]
        )
        story.front_rank = front_rank(
            [Coverage(a.outlet_id, a.when, a.near_dup_group, a.id) for a in members]
        )
        news = [a for a in members if a.kind is ArticleKind.NEWS]
        pictured = next((a for a in news if a.image_url), None)
        story.image_url = pictured.image_url if pictured else None
        story.image_alt = pictured.title if pictured else None
        # Most stories are one outlet's article and stay so: their chart is drawn if someone
        # opens the page (web.views), and topics need names from two outlets.
        several = len({a.outlet_id for a in members}) >= 2
        story.timeline_svg = story_svg(members, names) if several else None
        repo.save_story(session, story)
        latest = (
            news if len(news) <= TOPIC_TEXTS else sorted(news, key=lambda a: a.when)[-TOPIC_TEXTS:]
        )
        topics = (
            story_topics(
                [(a.title, a.text) for a in latest],
                [a.outlet_id for a in latest],
                [a.language for a in latest],
            )
            if several
            else []
        )
        repo.save_topics(session, story_id, topics)
