"""What changed between two versions of a story, and whether it is worth a new revision."""

from __future__ import annotations

from storywire.models import StoryRevision
from storywire.write.extractive import WrittenStory


def changes(previous: StoryRevision | None, new: WrittenStory) -> dict[str, list[str]]:
    """Sentences and highlights added and dropped, and a changed headline."""
    old_story = [s.text for s in previous.story] if previous else []
    old_highlights = [h.text for h in previous.highlights] if previous else []
    new_story = [s.text for s in new.story]
    new_highlights = [h.text for h in new.highlights]
    found = {
        "added": [s for s in new_story if s not in old_story],
        "dropped": [s for s in old_story if s not in new_story],
        "highlights_added": [h for h in new_highlights if h not in old_highlights],
        "highlights_dropped": [h for h in old_highlights if h not in new_highlights],
        "headline": [new.headline] if previous and previous.headline != new.headline else [],
    }
    return {key: value for key, value in found.items() if value}


def worth_a_revision(previous: StoryRevision | None, found: dict[str, list[str]]) -> bool:
    """A first text always; later, only new or dropped facts or a new headline (a re-ordering
    or new citations alone do not move `updated_at`)."""
    return previous is None or bool(found)
