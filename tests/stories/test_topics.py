"""Story topics: names that several articles of a story carry, named in full."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storywire.models import JoinReason, Membership, NewArticle, NewOutlet, NewStory
from storywire.store import db, repo
from storywire.stories.refresh import TOPIC_TEXTS, refresh_stories
from storywire.stories.topics import story_topics

T0 = datetime(2026, 11, 2, 8, tzinfo=UTC)


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


def test_one_outlets_articles_alone_do_not_make_a_topic() -> None:
    articles = [
        ("Strike called", "Workers said Anna Berg would lead the talks in Lindholm."),
        ("Strike update", "Officials said Anna Berg met managers in Lindholm."),
        ("Trains stop", "Passengers in Lindholm waited for buses."),
    ]
    assert {t.name for t in story_topics(articles)} == {"Anna Berg", "Lindholm"}
    by_outlet = story_topics(articles, outlets=[1, 1, 2])
    assert [t.name for t in by_outlet] == ["Lindholm"], "Anna Berg comes from one outlet only"


def test_a_trailing_acronym_and_a_shouting_dateline_are_tidied() -> None:
    articles = [
        (
            "HALLSTAD (CPS) -- Rail union walks out",
            "Members of the United Rail Workers (URW) struck in Hallstad.",
        ),
        ("Union strikes", "The United Rail Workers (URW) said talks in Hallstad had failed."),
    ]
    names = {t.name for t in story_topics(articles)}
    assert "United Rail Workers" in names and "Hallstad" in names


def test_fragments_and_acronyms_of_a_longer_name_are_credited_to_it() -> None:
    """ "Civil" opens sentences and sits inside "Calverian Civil Protection Directorate"; "CPD"
    abbreviates its last words: neither is a topic of its own, and their support goes to the
    full name."""
    articles = [
        (
            "Quake kills nine",
            "The Calverian Civil Protection Directorate (CPD) confirmed nine deaths in Teravale.",
        ),
        ("Toll rises", "Civil protection chiefs warned the toll could rise. The CPD said so."),
        ("Rescue goes on", "Civil engineers checked bridges, the CPD told reporters in Teravale."),
        (
            "Aid arrives",
            "Crews from the Calverian Civil Protection Directorate reached Teravale at dawn.",
        ),
    ]
    topics = {t.name: t.weight for t in story_topics(articles)}
    assert topics == {"Calverian Civil Protection Directorate": 4.0, "Teravale": 3.0}


def test_names_a_comma_separates_are_not_one_name() -> None:
    articles = [
        (
            "We jumped: Cruz, Ferrán and Hollweg react",
            "The header by Mateo Cruz beat Hanseburg in the final.",
        ),
        (
            "We cried: Cruz, Ferrán and Hollweg speak",
            "In the final, Mateo Cruz said Hanseburg played well.",
        ),
    ]
    names = {t.name for t in story_topics(articles)}
    assert "Cruz Ferrán" not in names and "Ferrán Hollweg" not in names
    assert {"Mateo Cruz", "Hanseburg"} <= names


def test_capitalised_runs_of_one_other_language_are_not_names() -> None:
    articles = [
        ("Bank holds rates", "The Kestrian National Bank kept its rate at 3.5% in Hallstad."),
        ("Rates unchanged", "Officials of the Kestrian National Bank in Hallstad held the rate."),
        (
            "Zinsen bleiben",
            "Die Notenbank hielt still, sagte Präsident Lukas Hoffer. Die Buchhaltungssoftware "
            "Kreditprüfung Halvard meldete Verluste, die Buchhaltungssoftware Kreditprüfung "
            "Halvard auch.",
        ),
        (
            "Zinsen: keine Änderung",
            "Lukas Hoffer sprach in Hallstad. Die Buchhaltungssoftware Kreditprüfung Halvard "
            "schwieg.",
        ),
        ("Tipos sin cambios", "El gobernador Lukas Hoffer habló en Hallstad el jueves."),
    ]
    outlets = ["ledger", "observer", "rundschau", "morgenpost", "faro"]
    languages = ["en", "en", "de", "de", "es"]
    names = {t.name for t in story_topics(articles, outlets, languages)}
    assert "Kestrian National Bank" in names and "Hallstad" in names
    assert "Lukas Hoffer" in names, "named in German and in Spanish reports"
    assert not any("Buchhaltungssoftware" in name for name in names), names
    without = {t.name for t in story_topics(articles, outlets)}
    assert any("Buchhaltungssoftware" in name for name in without), "the junk this rule removes"


def test_a_story_of_thousands_of_reports_takes_its_topics_from_its_latest(
    sessions: db.Sessions,
) -> None:
    """Its names were found over every member at each round that touched it (3,000 members:
    3.7 s); the latest TOPIC_TEXTS news reports name what it is about now."""
    early = "Officials said on Monday that Christine Lagarde spoke in Frankfurt."
    late = "In a speech on Friday, Mayor Ines Rowe said the port of Ostwick would reopen."
    with db.transaction(sessions) as session:
        outlets = [
            repo.upsert_outlet(
                session, NewOutlet(name=f"O{i}", homepage=f"https://o{i}.example/", slug=f"o{i}")
            )
            for i in range(4)
        ]
        story = repo.add_story(
            session, NewStory(slug="long", headline="Long", published_at=T0, updated_at=T0)
        )
        count = TOPIC_TEXTS + 50
        members = []
        for i in range(count):
            url = f"https://o{i % 4}.example/{i}"
            article, _ = repo.add_article(
                session,
                NewArticle(
                    url=url,
                    canonical_url=url,
                    title=f"Report {i}",
                    text=early if i < count - TOPIC_TEXTS else late,
                    outlet_id=outlets[i % 4].id,
                    published_at=T0 + timedelta(minutes=i),
                    language="en",
                ),
            )
            members.append(
                Membership(story.id, article.id, T0, reason=JoinReason.NEW_STORY, score=1.0)
            )
        repo.add_memberships(session, members)
        refresh_stories(session, {story.id}, set())
        names = {topic.name for topic in repo.story_topics(session, story.id)}
    assert "Ostwick" in names and not names & {"Christine Lagarde", "Frankfurt"}
