"""The story page as plain text, in the layout of the seed page (for the CLI and `write`)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import datetime

from storywire.models import Story, StoryRevision
from storywire.write.extractive import WrittenStory


def format_time(value: datetime) -> str:
    """'Sep 30, 2025, 11:37 PM' as on the seed page, always in UTC."""
    return value.strftime("%b %d, %Y, %I:%M %p UTC").replace(" 0", " ")


def _cite(citations: tuple[int, ...]) -> str:
    return "".join(f"[{c}]" for c in citations)


def story_page_text(
    story: Story, revision: StoryRevision | None, history: list[StoryRevision] | None = None
) -> str:
    lines = [format_time(story.updated_at), format_time(story.published_at), "", story.headline, ""]
    if revision is None:
        lines.append("(This story has no written revision yet.)")
        return "\n".join(lines) + "\n"
    lines.append("Highlights")
    lines += [f"  • {h.text} {_cite(h.citations)}" for h in revision.highlights]
    lines += ["Story", ""]
    paragraph = " ".join(f"{s.text} {_cite(s.citations)}" for s in revision.story)
    lines += textwrap.wrap(paragraph, 100, break_on_hyphens=False, break_long_words=False) or [""]
    lines += ["", "Opinions"]
    lines += [
        f"  • {o.outlet}{f' ({o.author})' if o.author else ''}: {o.title} [{o.article_id}]"
        f"\n    {o.gist}"
        for o in revision.opinions
    ]
    if history and len(history) > 1:
        lines += ["", "Revisions"]
        for old in history:
            changed = "; ".join(f"{k}: {len(v)}" for k, v in old.changes.items() if v)
            lines.append(f"  #{old.number} {format_time(old.created_at)} {changed}".rstrip())
    lines += ["", "You've reached the end"]
    return "\n".join(lines) + "\n"


def written_text(story: WrittenStory, label: Callable[[int], str] = str) -> str:
    """A freshly written story (not stored) in the same layout, citations as `label` shows."""

    def cite(citations: tuple[int, ...]) -> str:
        return "".join(f"[{label(c)}]" for c in citations)

    lines = [story.headline, "", "Highlights"]
    lines += [f"  • {h.text} {cite(h.citations)}" for h in story.highlights]
    lines += ["Story", ""]
    paragraph = " ".join(f"{s.text} {cite(s.citations)}" for s in story.story)
    lines += textwrap.wrap(paragraph, 100, break_on_hyphens=False, break_long_words=False)
    lines += ["", "Opinions"]
    lines += [
        f"  • {o.outlet}{f' ({o.author})' if o.author else ''}: {o.title} [{label(o.article_id)}]"
        f"\n    {o.gist}"
        for o in story.opinions
    ]
    lines += ["", "Sources"]
    lines += [
        f"  • {s.outlet}: {len(s.articles)} article(s)"
        + (f", {s.wire_copies} wire copies" if s.wire_copies else "")
        for s in story.sources
    ]
    lines += ["", "You've reached the end"]
    return "\n".join(lines) + "\n"
