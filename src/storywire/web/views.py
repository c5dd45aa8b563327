"""What the reader shows, assembled from the store once per request and shared by the HTML pages,
the JSON API and the outgoing feeds, so the three never disagree."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup, escape

from storywire.errors import NotFoundError
from storywire.models import (
    Article,
    ArticleKind,
    CitedText,
    LinkKind,
    Story,
    StoryRevision,
    StorySummary,
    Topic,
)
from storywire.store import db, repo
from storywire.write.timeline import story_svg


@dataclass(frozen=True, slots=True)
class Card:
    """One story in a list: what a reader needs to decide whether to open it."""

    story: Story
    first_highlight: str
    summary: str
    outlets: int
    articles: int
    thread_id: int | None = None  # the story's thread, at /threads/{id}, when it is in one
    thread_size: int = 1  # the thread's live stories, this one included


def cards(session: db.Session, summaries: list[StorySummary]) -> list[Card]:
    current = repo.current_revisions(session, [s.story for s in summaries])
    threads = repo.thread_sizes(session, [s.story.id for s in summaries])
    made = []
    for summary in summaries:
        revision = current.get(summary.story.id)
        highlights = [h.text for h in revision.highlights] if revision else []
        thread_id, thread_size = threads.get(summary.story.id, (None, 1))
        made.append(
            Card(
                story=summary.story,
                first_highlight=highlights[0] if highlights else "",
                summary=" ".join(highlights),
                outlets=summary.outlet_count,
                articles=summary.article_count,
                thread_id=thread_id,
                thread_size=thread_size,
            )
        )
    return made


# Stories of one thread that a front-page listing (top stories, overall or in a section)
# shows: a war or a trial gets its two most important stories, and a link to the rest.
FRONT_PAGE_PER_THREAD = 2


def story_cards(
    session: db.Session,
    *,
    order: repo.Order,
    limit: int,
    offset: int = 0,
    category: str | None = None,
    topic: str | None = None,
    outlet: str | None = None,
) -> tuple[list[Card], bool]:
    """A page of featured stories and whether there is another; unknown outlets raise
    NotFoundError. Topic and outlet pages list every story, featured or not. Top stories
    show at most FRONT_PAGE_PER_THREAD of a thread; latest stories, topic and outlet pages
    show every one (a reader who opens a topic or asks for the latest wants them all)."""
    outlet_id = repo.get_outlet(session, outlet).id if outlet else None
    featured = topic is None and outlet is None
    rows = repo.list_stories(
        session,
        limit=limit + 1,
        offset=offset,
        order=order,
        category=category,
        topic=topic,
        outlet_id=outlet_id,
        featured=featured,
        per_thread=FRONT_PAGE_PER_THREAD if featured and order is repo.Order.TOP else None,
    )
    return cards(session, rows[:limit]), len(rows) > limit


@dataclass(frozen=True, slots=True)
class Source:
    """An article of the story as the Sources list and the citation markers show it."""

    article: Article
    outlet: str
    number: int
    wire_copy: bool


@dataclass(frozen=True, slots=True)
class OutletGroup:
    name: str
    slug: str | None
    sources: list[Source]


@dataclass(slots=True)
class StoryView:
    story: Story
    revision: StoryRevision | None
    sources: dict[int, Source]
    outlets: list[OutletGroup]
    history: list[StoryRevision]
    related: list[tuple[Story, LinkKind]]
    topics: list[Topic]
    timeline_svg: str = ""
    opinions: list[Source] = field(default_factory=list)
    thread: Thread | None = None

    def markers(self, item: CitedText) -> Markup:
        """A sentence's citation markers, each a link to the cited article. Built here, not in a
        template macro: a page has dozens, and macro calls were a third of its render time."""
        links = [
            f'<a class="cite" href="{escape(safe_url(s.article.url))}" rel="nofollow noopener" '
            f'title="{escape(s.outlet)}: {escape(s.article.title)}">[{s.number}]</a>'
            for s in (self.sources.get(c) for c in item.citations)
            if s is not None
        ]
        return Markup("".join(links))


def story_view(session: db.Session, key: str) -> StoryView:
    """Everything on a story page; raises NotFoundError for an unknown id or slug."""
    story = repo.get_story(session, key)
    articles = [a for a, _ in repo.story_articles(session, story.id)]
    history = repo.revisions(session, story.id)
    revision = next((r for r in history if r.id == story.current_revision_id), None)
    known = repo.outlets_by_id(session, (a.outlet_id for a in articles))
    names: dict[int | None, str] = {i: o.name for i, o in known.items()}
    sources = _numbered(articles, revision, names)
    groups: dict[str, list[Source]] = {}
    for source in sorted(sources.values(), key=lambda s: s.number):
        groups.setdefault(source.outlet, []).append(source)
    outlet_slug = {o.name: o.slug for o in known.values()}
    outlets = [
        OutletGroup(name=name, slug=outlet_slug.get(name), sources=items)
        for name, items in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]
    # A story of one outlet is stored without its chart (stories/refresh.py): drawn here.
    timeline = story.timeline_svg or story_svg(articles, names)
    return StoryView(
        story=story,
        revision=revision,
        sources=sources,
        outlets=outlets,
        history=history,
        related=repo.related_stories(session, story.id),
        topics=repo.story_topics(session, story.id),
        timeline_svg=timeline,
        opinions=[s for s in sources.values() if s.article.kind is ArticleKind.OPINION],
        thread=_thread(session, story),
    )


SHOWN_EARLIER = 8
SHOWN_LATER = 4


@dataclass(frozen=True, slots=True)
class Thread:
    """The ongoing saga a story belongs to: its stories oldest first, named by the id of its
    first live story, as `storywire cluster` and the API name it."""

    id: int
    cards: list[Card]

    @property
    def size(self) -> int:
        """Its live stories: more than `cards` holds past repo.THREAD_LIMIT."""
        return max(len(self.cards), self.cards[0].thread_size)

    def around(self, story_id: int) -> tuple[list[Card], list[Card]]:
        """The thread's stories just before and just after one of them, for its page."""
        at = next(i for i, card in enumerate(self.cards) if card.story.id == story_id)
        return self.cards[max(0, at - SHOWN_EARLIER) : at], self.cards[
            at + 1 : at + 1 + SHOWN_LATER
        ]


def _thread(session: db.Session, story: Story) -> Thread | None:
    thread_id, stories = repo.thread_stories(session, story)
    if len(stories) < 2:
        return None
    return Thread(id=thread_id, cards=cards(session, repo.story_summaries(session, stories)))


def thread_view(session: db.Session, key: str) -> Thread:
    """The thread of the story `key` names; NotFoundError when that story is in none."""
    story = repo.get_story(session, key)
    found = _thread(session, story)
    if found is None:
        raise NotFoundError(f"story {key!r} is in no thread")
    return found


def _numbered(
    articles: list[Article], revision: StoryRevision | None, names: dict[int | None, str]
) -> dict[int, Source]:
    """Number sources in the order the text first cites them, then the uncited by time, so
    marker [n] in the story and entry n in Sources are the same article."""
    order: list[int] = []
    if revision is not None:
        for item in [*revision.highlights, *revision.story]:
            order += [c for c in item.citations if c not in order]
    by_id = {a.id: a for a in articles}
    order = [i for i in order if i in by_id]
    order += [i for i in by_id if i not in order]
    seen_groups: set[int] = set()
    sources: dict[int, Source] = {}
    for article in articles:  # publication order decides which copy is the original
        group = article.near_dup_group
        copy = group is not None and group in seen_groups
        if group is not None:
            seen_groups.add(group)
        sources[article.id] = Source(
            article=article,
            outlet=names.get(article.outlet_id, "Unknown outlet"),
            number=order.index(article.id) + 1,
            wire_copy=copy,
        )
    return sources


_WORD = re.compile(r"\w+", re.UNICODE)


def highlight(text: str, query: str, limit: int = 280) -> Markup:
    """`text` escaped, cut around the first match, with the query's words in <mark>."""
    words = sorted(
        {w.casefold() for w in _WORD.findall(query) if len(w) > 1}, key=len, reverse=True
    )
    if not words:
        return escape(_clip(text, 0, limit))
    pattern = re.compile("|".join(rf"\b{re.escape(w)}" for w in words), re.IGNORECASE)
    first = pattern.search(text)
    start = max(0, first.start() - limit // 3) if first else 0
    clipped = _clip(text, start, limit)
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(clipped):
        parts += [
            str(escape(clipped[last : match.start()])),
            f"<mark>{escape(match.group(0))}</mark>",
        ]
        last = match.end()
    parts.append(str(escape(clipped[last:])))
    return Markup("".join(parts))


def safe_url(url: str | None) -> str:
    """Only web links leave the reader: a `javascript:` or `data:` URL from a hostile feed
    becomes an inert "#"."""
    if url and url.strip().lower().startswith(("https://", "http://")):
        return url.strip()
    return "#"


def _clip(text: str, start: int, limit: int) -> str:
    """Cut at word boundaries, so a snippet never starts or ends mid-word."""
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + limit // 3 else start
    end = start + limit
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    clipped = text[start:end]
    limit = end - start
    return ("…" if start else "") + clipped + ("…" if start + limit < len(text) else "")


def relative(moment: datetime, now: datetime) -> str:
    """'5 minutes ago', '3 hours ago', '2 days ago': how news readers say it."""
    seconds = int((now - moment).total_seconds())
    if seconds < 60:
        return "just now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"
