"""Offline language identification (py3langid ships its model inside the wheel)."""

from __future__ import annotations

from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

_MIN_CHARS = 40
# The model's cost grows with the text, its certainty stops growing long before a page ends.
_SAMPLE_CHARS = 1000
# Under this probability the language a page or feed declares wins over the one identified.
# A headline and a line of standfirst are little text: the model calls English headlines
# Nigerian Pidgin, Russian ones Bulgarian, German ones Luxembourgish. On the streams' tune
# weeks every item identified as another language than its feed's had a probability under
# 0.8 (bench/README.md, twelfth session).
CONFIDENT = 0.9


@cache
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identify_language(text: str, declared: str | None = None) -> str | None:
    """ISO 639-1 code of the text. The page's or feed's declared language wins when the text
    is too short to tell, or when the model is not CONFIDENT of another."""
    declared_code = declared.split("-")[0].lower() if declared else None
    sample = text[:_SAMPLE_CHARS]
    if len(sample.strip()) < _MIN_CHARS:
        return declared_code
    code, probability = _identifier().classify(sample)
    if declared_code and code != declared_code and probability < CONFIDENT:
        return declared_code
    return str(code)
