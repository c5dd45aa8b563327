"""Document frequencies over a window of days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storywire.nlp.features import DocumentFrequencies

DAY = datetime(2026, 11, 2, 9, tzinfo=UTC)


def test_documents_of_days_before_the_window_are_taken_out_and_their_words_forgotten() -> None:
    frequencies = DocumentFrequencies()
    frequencies.add(["strike", "rail"], DAY)
    frequencies.add(["strike", "strike", "port"], DAY + timedelta(hours=20))
    frequencies.add(["strike", "ferry"], DAY + timedelta(days=2))
    frequencies.add(["undated"])
    assert frequencies.documents == 4 and frequencies.counts["strike"] == 3
    frequencies.forget_before(DAY + timedelta(days=1, hours=1))  # the day after DAY
    assert frequencies.documents == 3
    assert frequencies.counts == {"strike": 2, "port": 1, "ferry": 1, "undated": 1}
    frequencies.forget_before(DAY + timedelta(days=2))
    assert frequencies.documents == 2
    assert frequencies.counts == {"strike": 1, "ferry": 1, "undated": 1}, "no zero counts kept"
    before = frequencies.idf("ferry")
    frequencies.forget_before(DAY)  # nothing left before that day
    assert frequencies.idf("ferry") == before
