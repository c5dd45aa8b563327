"""Text every store can hold and every reader sees as written. A feed, a page or an import file
can put characters in a Python string that no database takes: NUL (PostgreSQL refuses it in
text) and lone UTF-16 surrogates (from JSON escapes such as "\\ud800", or XML character
references; nothing encodes them as UTF-8). One such character in one item used to fail the
insert, and with it every round that read the feed. Others are stored but show nothing:
zero-width spaces and joiners scattered through an outlet's copy ("US\\u200b President", "in
France \\u200cthat": gn24's Iran stories of June) split words for dedupe and search and reach
the story's text."""

from __future__ import annotations

import re

# NUL, the other C0 controls but tab, newline and carriage return, and any surrogate left on its
# own (a JSON pair such as "\ud83d\ude00" is already one character once parsed).
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


# Zero-width space, word joiner, byte order mark and soft hyphen; and zero-width (non-)joiners
# beside an ASCII character or at an end, since between two other characters Persian, the Indic
# scripts and emoji sequences need them.
_INVISIBLE = re.compile(
    "[\u200b\u2060\ufeff\u00ad]|(?<![^\x00-\x7f])[\u200c\u200d]|[\u200c\u200d](?![^\x00-\x7f])"
)


def storable(text: str) -> str:
    """`text` with NUL and control characters dropped, each lone surrogate shown as U+FFFD, and
    the characters that show nothing (`_INVISIBLE`) dropped."""
    if _UNSTORABLE.search(text):
        text = _UNSTORABLE.sub(_replacement, text)
    return _INVISIBLE.sub("", text) if _INVISIBLE.search(text) else text


def _replacement(match: re.Match[str]) -> str:
    return "\ufffd" if "\ud800" <= match.group() <= "\udfff" else ""
