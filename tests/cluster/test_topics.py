"""Story topics: names that several articles of a story carry, named in full."""

from __future__ import annotations

from storywire.cluster.topics import story_topics


def test_names_carried_by_two_articles_become_topics_in_full() -> None:
    articles = [
        (
            "Lagarde warns on prices",
            "Officials said on Monday that Christine Lagarde spoke in Frankfurt.",
        ),
        (
            "Bank holds rates",
            "In a speech, Christine Lagarde said the bank in Frankfurt would wait.",
        ),
        ("Markets calm", "Traders in Frankfurt shrugged. Then Lagarde spoke again."),
    ]
    topics = {t.name: t.weight for t in story_topics(articles)}
    assert topics == {"Christine Lagarde": 3.0, "Frankfurt": 3.0}


def test_single_mentions_weekdays_and_times_are_not_topics() -> None:
    articles = [
        (
            "Storm hits coast",
            "The storm reached Port Avery on Tuesday at 09:00 UTC, officials said.",
        ),
        ("Coast cleans up", "Crews worked through Tuesday near the harbour, said Mayor Ines Rowe."),
    ]
    assert story_topics(articles) == []


def test_a_common_word_stays_its_own_topic_and_slugs_are_stable() -> None:
    text = "Rescuers in Teravale searched the ruins, and Teravale officials counted damage."
    articles = [("Quake in Teravale", text)] * 3 + [("Old town", "The Altstadt von Teravale fell.")]
    topics = story_topics(articles)
    assert [t.name for t in topics] == ["Teravale"]
    assert topics[0].slug == "teravale"
