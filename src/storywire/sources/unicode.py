"""Text every store can hold. A feed or import file can put characters in a Python string that
no database takes: NUL (PostgreSQL refuses it in text) and lone UTF-16 surrogates (from JSON
escapes such as "\\ud800", or XML character references; nothing encodes them as UTF-8). One such
character in one item used to fail the insert, and with it every round that read the feed."""

from __future__ import annotations

import re

# NUL, the other C0 controls but tab, newline and carriage return, and any surrogate left on its
# own (a JSON pair such as "\ud83d\ude00" is already one character once parsed).
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def storable(text: str) -> str:
    """`text` with NUL and control characters dropped and each lone surrogate shown as U+FFFD."""
    if not _UNSTORABLE.search(text):
        return text
    return _UNSTORABLE.sub(_replacement, text)


def _replacement(match: re.Match[str]) -> str:
    return "\ufffd" if "\ud800" <= match.group() <= "\udfff" else ""
