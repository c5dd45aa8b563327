"""Offline language identification (py3langid ships its model inside the wheel)."""

from __future__ import annotations

import py3langid

_MIN_CHARS = 40
# The model's cost grows with the text, its certainty stops growing long before a page ends.
_SAMPLE_CHARS = 1000


def identify_language(text: str, declared: str | None = None) -> str | None:
    """ISO 639-1 code of the text; the page's declared language wins when the text is too short."""
    declared_code = declared.split("-")[0].lower() if declared else None
    sample = text[:_SAMPLE_CHARS]
    if len(sample.strip()) < _MIN_CHARS:
        return declared_code
    code, _score = py3langid.classify(sample)
    return str(code)
