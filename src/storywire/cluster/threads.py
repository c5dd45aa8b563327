"""Which thread (ongoing saga) each story the clusterer holds belongs to.

The stored links decide threads (`repo.story_threads`); this is the clusterer's copy for the
stories in its window, so a new link can be checked against the thread as a whole rather than
against the one story it is closest to. Each thread keeps the set of its stories, and a union
relabels the smaller one, so forgetting a story is a plain removal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class Threads:
    def __init__(self) -> None:
        self._thread: dict[int, int] = {}
        self._members: dict[int, set[int]] = {}

    def key(self, story: int) -> int:
        """The id the thread of `story` goes by here (itself for a story alone)."""
        return self._thread.get(story, story)

    def members(self, story: int) -> set[int]:
        """The stories of `story`'s thread, itself included (a story in no thread is alone)."""
        key = self._thread.get(story)
        return set(self._members[key]) if key is not None else {story}

    def join(self, a: int, b: int) -> None:
        """One thread of a's and b's."""
        for story in (a, b):
            if story not in self._thread:
                self._thread[story] = story
                self._members[story] = {story}
        first, second = self._thread[a], self._thread[b]
        if first == second:
            return
        if len(self._members[first]) < len(self._members[second]):
            first, second = second, first
        moved = self._members.pop(second)
        for story in moved:
            self._thread[story] = first
        self._members[first] |= moved

    def restore(self, thread_of: Mapping[int, int], held: Iterable[int]) -> None:
        """The stored threads (story -> thread id) among the stories the clusterer holds."""
        first: dict[int, int] = {}
        for story in held:
            if story in thread_of:
                self.join(story, first.setdefault(thread_of[story], story))

    def forget(self, stories: Iterable[int]) -> None:
        for story in stories:
            key = self._thread.pop(story, None)
            if key is None:
                continue
            members = self._members[key]
            members.discard(story)
            if not members:
                del self._members[key]
