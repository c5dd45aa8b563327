"""The extractive writer on the demo newsroom's stories, with the real embedding model."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from storywire.cli import app
from storywire.demo.corpus import Corpus, load_corpus
from storywire.nlp.embed import default_embedder
from storywire.nlp.features import entities, terms
from storywire.nlp.sentences import split_sentences
from storywire.write.extractive import (
    FIRST_REPORTS,
    LEADING_SENTENCES,
    MAX_SENTENCES,
    MAX_TEXTS,
    NEAR_REPEAT,
    ExtractiveWriter,
    SourceArticle,
    WrittenStory,
    _headline_quality,
    _word_centrality,
    article_headline,
    clean_headline,
    clean_sentence,
    headline_centrality,
    latest_coverage,
    usable,
)
from storywire.write.facts import figures, repeated_pairs

EPOCH = datetime(2026, 11, 2, tzinfo=UTC)
EVENTS = ["quake-teravale", "rates-norland", "halvard-breach", "climate-vellmar", "cup-final"]


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus()


def _sources(corpus: Corpus, event: str) -> list[SourceArticle]:
    number = {a.id: i for i, a in enumerate(corpus.articles, start=1)}
    return [
        SourceArticle(
            id=number[a.id],
            title=a.title,
            text="\n\n".join(a.paragraphs),
            outlet=corpus.outlets[a.outlet].name,
            published=EPOCH + a.published,
            author=a.author,
            opinion=a.kind == "opinion",
            dup_group=number[f"cps/{a.wire}"] if a.wire else None,
            language=a.language,
        )
        for a in corpus.articles
        if a.event == event
    ]


@pytest.fixture(scope="module")
def written(corpus: Corpus) -> dict[str, tuple[list[SourceArticle], WrittenStory]]:
    writer = ExtractiveWriter(default_embedder())
    return {event: (s := _sources(corpus, event), writer.write(s)) for event in EVENTS}


def test_every_sentence_is_cited_and_found_in_its_sources(
    written: dict[str, tuple[list[SourceArticle], WrittenStory]],
) -> None:
    for event, (sources, story) in written.items():
        by_id = {s.id: s for s in sources}
        assert story.story and 80 <= sum(len(s.text.split()) for s in story.story) <= 230
        for item in [*story.story, *story.highlights]:
            assert item.citations and set(item.citations) <= set(by_id), event
            first = by_id[item.citations[0]]
            assert item.text in " ".join(first.text.split()), (event, item.text)
            for cited in item.citations[1:]:
                assert set(entities(item.text)) <= set(entities(by_id[cited].text)), item.text


def test_opinions_are_listed_apart_and_never_quoted(
    written: dict[str, tuple[list[SourceArticle], WrittenStory]],
) -> None:
    for event, (sources, story) in written.items():
        opinion_ids = {s.id for s in sources if s.opinion}
        assert {o.article_id for o in story.opinions} == opinion_ids, event
        for item in [*story.story, *story.highlights]:
            assert not set(item.citations) & opinion_ids
            for opinion in (s for s in sources if s.opinion):
                assert item.text not in opinion.text
        for piece in story.opinions:
            assert piece.gist and piece.outlet and not piece.title.startswith("Opinion |")


def test_highlights_are_three_distinct_short_facts(
    written: dict[str, tuple[list[SourceArticle], WrittenStory]],
) -> None:
    for event, (_, story) in written.items():
        texts = [h.text for h in story.highlights]
        assert len(texts) == 3 and len(set(texts)) == 3, event
        assert all(len(t.split()) <= 30 for t in texts[1:])  # the first: the latest news


def test_a_measure_lifted_is_not_told_as_in_force(corpus: Corpus) -> None:
    """The demo's Ormsby tsunami warning was lifted two hours after it was issued: the page
    says both, and nowhere that the warning "is in force"."""
    story = ExtractiveWriter(default_embedder()).write(_sources(corpus, "quake-ormsby"))
    told = [item.text for item in [*story.story, *story.highlights]]
    assert not [text for text in told if "in force" in text]
    text = " ".join(item.text for item in story.story)
    assert "issued a tsunami warning" in text
    assert "cancelled the warning" in text or "lifted the tsunami warning" in text


def test_the_first_highlight_tells_the_news_the_headline_tells(corpus: Corpus) -> None:
    """Once a story has moved on, its first highlight is the latest coverage's news, as its
    headline is: the rail strike settled, the toll risen to 23 (not the strike's first day)."""
    writer = ExtractiveWriter(default_embedder())
    for event, news in (("rail-strike-kestria", "6.2%"), ("quake-teravale", "23")):
        story = writer.write(_sources(corpus, event))
        assert news in story.headline, event
        assert news in story.highlights[0].text, (event, story.highlights[0].text)


def test_headline_is_neutral_and_names_no_outlet(
    corpus: Corpus, written: dict[str, tuple[list[SourceArticle], WrittenStory]]
) -> None:
    outlets = [o.name for o in corpus.outlets.values()]
    for event, (_, story) in written.items():
        assert 10 < len(story.headline) <= 90, event
        assert "!" not in story.headline and not story.headline.isupper()
        assert not any(name in story.headline for name in outlets)
        assert ": what" not in story.headline.lower(), (event, story.headline)


def test_headlines_report_rather_than_explain() -> None:
    report = "Kestria's central bank holds its rate at 3.5%"
    explainers = [
        "Kestria's central bank holds rates again: why, and what could change in spring",
        "Rail strike halts most trains across Kestria: what you need to know",
        "Explained: the Kestrian rate decision",
        "Huelga ferroviaria en Kestria: qué trenes circulan",
        "5 Kestrian rail strike details to know before you travel",
        "3 reasons Kestria's central bank held its rate",
        "Dana Voss: Five things we learned from her Halden documentary",
    ]
    for explainer in explainers:
        assert _headline_quality(report, 0.5) > _headline_quality(explainer, 0.55), explainer
    assert _headline_quality(report, 0.5, freshness=1.0) > _headline_quality(report, 0.5, 0.25)
    for counted in (
        "5 killed as a storm hits the Kestrian coast",
        "Storm: five fishermen missing off the Kestrian coast",
    ):
        assert _headline_quality(counted, 0.5) == _headline_quality(report, 0.5), counted


def test_headlines_report_rather_than_speak_in_the_authors_voice() -> None:
    report = "Apple unveils a new Siri at its developer conference"
    for voiced in (
        "I put the new Siri AI through a 10-round test on my Mac - here's how it did",
        "I Found 22 Early Prime Day Deals That Are Worth Shopping Now",
        "We tried Apple's new Siri for a week",
        "I’ve tested the new Siri: it finally works",
    ):
        assert _headline_quality(report, 0.5) > _headline_quality(voiced, 0.55), voiced
    quoted = "'I will not resign,' Kestria's prime minister says after the vote"
    assert _headline_quality(quoted, 0.5) == _headline_quality(report, 0.5), "a quote's voice"


def test_headlines_report_rather_than_present_a_feature() -> None:
    """Each of these headed a story of the tune week of bench/headlines.py while other outlets'
    reports of the event stood beside it (names changed)."""
    report = "Kestrian court convicts former exchange boss of fraud"
    feature = (
        "Exclusive: Kestrian exchange was poised to get a new auditor",
        "‘We were close friends’: former ally of exchange boss returns in fraud trial",
        "'Lots of things can still go wrong' with the Kestria deal",
        "The story behind the Kestrian exchange scandal",
        "An early look at possible successors to the exchange boss",
        "Kestria war updates: missile strike kills 51 at café",
    )
    plain = (
        "Kestrian exchange boss says 'I did nothing wrong' as trial opens",
        "Phone makers push security updates to older models",
        "Looking at the evidence, jury convicts exchange boss",
    )
    _ranks_below(report, feature, plain)


def test_headlines_report_rather_than_preview_or_run_live() -> None:
    """A preview and a live blog's title say that something is coming or going on, not what
    happened (gn24: "South Africa vs Czechia LIVE: World Cup 2026" headlined a story)."""
    report = "Sorrel hold Arlen to a goalless draw in their Cup opener"
    previews = (
        "Arlen vs Sorrel: Cup predictions and how to watch",
        "Arlen vs Sorrel preview: team news and line-ups",
        "Arlen vs Sorrel LIVE: Cup 2026",
        "Arlen vs Sorrel live: Cup 2026",
        "Kestria election: live updates",
        "Kestria war news updates: toll rises, misery across Sorrel",
        "Sorrel stun Arlen - as it happened",
        "DIRECT. Élection en Kestria : les résultats",
        "Watch the Halden phone launch livestream here",
    )
    plain = (
        "Where Kestria's voters live now",
        "Arlen fans to watch the final at home",
        "Halden news app updates its privacy settings",
    )
    _ranks_below(report, previews, plain)


def _ranks_below(report: str, penalised: Sequence[str], plain: Sequence[str]) -> None:
    """Each `penalised` title loses to the `report` even when a little more central; each
    `plain` one is judged as the report is."""
    for title in penalised:
        assert _headline_quality(report, 0.5) > _headline_quality(title, 0.55), title
    for title in plain:
        assert _headline_quality(title, 0.5) == _headline_quality(report, 0.5), title


def test_headlines_are_one_sentence() -> None:
    report = "Rockstar opens GTA VI pre-orders on June 25"
    for written in (
        "GTA VI pre-orders open June 25. Rockstar revealed the cover art. No price yet.",
        "Midjourney is working on a full-body ultrasonic scanner. For real.",
    ):
        assert _headline_quality(report, 0.5) > _headline_quality(written, 0.55), written
    for one in ("U.S. Senate passes the budget", "Dr. Rowe wins the St. Louis prize"):
        assert _headline_quality(one, 0.5) == _headline_quality(report, 0.5), one


def test_headline_follows_the_latest_development(
    written: dict[str, tuple[list[SourceArticle], WrittenStory]],
) -> None:
    """Day two's reports (two outlets) put the Teravale toll at 23: the day-one "Nine dead"
    headline is out of date by then, and the headline comes from day two's coverage. Which of
    day two's titles wins is a close call of centrality ("Hallstad rescue team at work…" leads
    "…death toll climbs to 23" by 0.03 on an AMD EPYC, float or int8, while the machine this
    test was written on picked the latter), so the test holds the day, not the title."""
    sources, story = written["quake-teravale"]
    day_two = {clean_headline(s.title, s.outlet) for s in latest_coverage(sources)}
    assert story.headline in day_two and "Nine dead" not in story.headline, story.headline
    assert min(s.published for s in latest_coverage(sources) if s.published) > EPOCH + timedelta(
        hours=24
    ), "the window holds day two only"


def _unit(*parts: float) -> np.ndarray:
    vector = np.zeros(8, dtype=np.float32)
    vector[: len(parts)] = parts
    return vector / np.linalg.norm(vector)


def test_a_report_of_the_event_tells_a_day_of_reactions_better_than_any_of_them() -> None:
    """Day one's three reports say the same; day two's latest coverage is three reactions,
    each with an angle of its own (gn24's story of Trump booed at the NBA finals: "The
    internet thinks Trump just cursed the Knicks", "Jimmy Kimmel reacts to…"). A report is
    closer to the whole story and nearly as close to the reactions' centre."""
    reports = [_unit(1, 0.05 * k) for k in range(3)]
    # each reaction: 0.6 of the event, 0.8 of an angle its own (axes 3, 4 and 5)
    reactions = [_unit(0.6, 0, 0, *(0.8 * (angle == k) for angle in range(3))) for k in range(3)]
    titles = np.vstack([*reports, *reactions])
    centrality = headline_centrality(titles, np.vstack(reactions))
    assert int(np.argmax(centrality)) < 3
    assert min(centrality[:3]) - max(centrality[3:]) > 0.1  # more than any freshness lift


def test_a_development_two_outlets_report_tells_the_story_now() -> None:
    """When the latest coverage is one development that two outlets report (newsapi's Scalise
    withdrawal after his nomination), its titles tell the story, far as they are from day
    one's."""
    day_one = [_unit(1, 0.05 * k) for k in range(3)]
    withdrawal = [_unit(0, 0, 1, 0.05 * k) for k in range(2)]
    titles = np.vstack([*day_one, *withdrawal])
    centrality = headline_centrality(titles, np.vstack(withdrawal))
    assert min(centrality[3:]) > max(centrality[:3])


def test_latest_coverage_needs_two_outlets_before_it_replaces_the_story() -> None:
    def article(n: int, outlet: str, hours: int) -> SourceArticle:
        return SourceArticle(
            n, f"title {n}", "text", outlet, published=EPOCH + timedelta(hours=hours)
        )

    day_one = [article(1, "A", 0), article(2, "B", 2), article(3, "C", 5)]
    follow_up = article(4, "A", 40)
    assert latest_coverage([*day_one, follow_up]) == [*day_one, follow_up]
    second = article(5, "B", 42)
    assert latest_coverage([*day_one, follow_up, second]) == [follow_up, second]
    assert latest_coverage(day_one) == day_one
    undated = [SourceArticle(6, "t", "x", "A"), SourceArticle(7, "t", "x", "B")]
    assert latest_coverage(undated) == undated
    assert latest_coverage([]) == []


def test_the_story_is_written_in_the_coverage_language(
    written: dict[str, tuple[list[SourceArticle], WrittenStory]],
) -> None:
    for _, (sources, story) in written.items():
        foreign = {s.id for s in sources if s.language != "en"}
        assert not any(item.citations[0] in foreign for item in story.story)
        assert {src.outlet for src in story.sources} == {s.outlet for s in sources}


def test_a_tie_of_languages_goes_to_more_outlets_then_the_models_language() -> None:
    """Two reports in Russian and two in English: the story is headlined and told in English,
    whichever came first; with a third Russian outlet it is Russian."""
    day = datetime(2023, 10, 11, 15, tzinfo=UTC)
    russian = [
        SourceArticle(1, "NASA показало грунт астероида Бенну", "", "N+1", day, language="ru"),
        SourceArticle(2, "NASA показало грунт с астероида Бенну", "", "3DNews", day, language="ru"),
    ]
    english = [
        SourceArticle(3, "NASA's Bennu asteroid sample contains carbon, water",
                      "The sample holds carbon and water, NASA scientists said on Wednesday.",
                      "NASA", day + timedelta(hours=1), language="en"),
        SourceArticle(4, "NASA finds Bennu asteroid contains water and carbon",
                      "Scientists found water and carbon in the asteroid sample, NASA said.",
                      "ABC News", day + timedelta(hours=3), language="en"),
    ]  # fmt: skip
    writer = ExtractiveWriter(default_embedder())
    tie = writer.write([*russian, *english])
    assert "Bennu" in tie.headline and tie.story
    third = SourceArticle(5, "Грунт астероида Бенну", "", "Интерфакс", day, language="ru")
    assert "Бенну" in writer.write([*russian, *english, third]).headline


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("TERAVALE, Calveria (CPS) -- A magnitude 6.4 quake hit.", "A magnitude 6.4 quake hit."),
        ("BRENNMARK -- The departure boards said it all.", "The departure boards said it all."),
        ("SEOUL (AP) — Leaders met in Busan on Monday.", "Leaders met in Busan on Monday."),
        ("The bank   raised its rate.", "The bank raised its rate."),
        (
            "🔴 🇺🇦 🇷🇺 #Ukraine targeted #Moscow's oil refinery early on Thursday.",
            "Ukraine targeted Moscow's oil refinery early on Thursday.",
        ),
        ("Fans cheered ⚽️ as the #1 seed won.", "Fans cheered as the #1 seed won."),
        ("It was 25°C in Teravale, © Calveria Press, a €5 fee.", None),
    ],
)
def test_datelines_emoji_and_hashtag_marks_are_removed(raw: str, clean: str | None) -> None:
    assert clean_sentence(raw) == (clean or raw)


@pytest.mark.parametrize(
    "sentence",
    [
        "He added that the talks would continue next week in the capital.",
        "But the union said the offer was still far too low for its members.",
        "Mais le syndicat a jugé l'offre bien trop basse pour ses membres.",
        "Hij wilde meer dan tien jaar voorzitter van het Huis worden.",
        "Tuttavia il sindacato ha giudicato l'offerta troppo bassa.",
        "By Imogen Castell",
        "Subscribe to our newsletter for the latest news from the region.",
        "Sign up for our daily briefing to get the news first thing every morning.",
        "View all New York Times newsletters.",
        "Too short.",
        "Will the central bank raise its rate again before the end of the year?",
        '"Most of us had nothing to do with support or contractors," she said.',
        "The plan would cost far more than the council had been told, they said.",
        # a feed's standfirst cut off mid-phrase, a question in quotes and a photo caption
        "On Sunday, the comedian wished the president a happy birthday, sharing a spoof of Trump’",
        "Fans lined up for the premiere, with the pop icon making a surprise appear...",
        "Fans lined up for the premiere, with the pop icon making a surprise appear…",
        '"Will the central bank raise its rate again before the end of the year?"',
        "Collin Rose, a police officer at Wayne State (Photo: Wayne State University)",
        # a bare definite subject that points back at what another sentence named
        "The actress recently gave birth to her second child in Los Angeles.",
        "The company said its profits rose by a third in the last quarter.",
        # the event named as "the move" before any sentence has told it (gn24, 20 June)
        "The move comes after weeks of anti-government protests across the country.",
        "The news came as negotiators gathered in Geneva for a second round of talks.",
        # where and when "it" happened, before any sentence has told it (gn24, 20 June)
        "The crash reportedly happened on an airstrip near the western coast on June 19.",
        "The incident took place outside territorial waters south of the Isle of Arlen.",
        "The incident occurred shortly after the plane became airborne on Monday.",
        # the author's own voice, outside quotation marks
        "I haven't tried them out yet, but did talk to Snap CEO Evan Spiegel.",
        "You're getting productivity tricks, bubbles, new AI models, upgraded security, and more.",
        "Our reporter in Kyiv said the sirens sounded twice during the night.",
        # the same behind a one-word label
        'Spoiler: He says "computing" a lot during the interview.',
        # a connective pointing back at what came before
        "Similarly, I found Apple Intelligence so fruitless I never engage with it.",
        "Moreover, the council will vote on the harbour plan again in May.",
        "Either way, the Arlen film topped the box office charts on Friday.",
        "As a result, the council will vote on the harbour plan again in May.",
        # a time told from the sentence before (the demo's Ormsby page led with the first)
        "Minutes earlier, a magnitude 5.9 earthquake had struck off the main island.",
        "Two days later she was found hidden in a campervan near the harbour in Arlen.",
        "Later, the minister told reporters that the talks had failed in Arlen.",
        # a credit line and a photo caption kept in a page's text
        "The Associated Press contributed to this report.",
        "In this Jan. 28, 2014, file photo, the quarterback speaks during a news conference.",
        # a page's offer to watch or follow its coverage (gn24, the Spain v Cape Verde page)
        "Live stream Spain vs. Cape Verde in the 2026 FIFA World Cup for free.",
        "Follow our live build-up, with full team news coverage, before our live text commentary.",
        "Here is how to watch the final online, with kick-off times and channels.",
    ],
)
def test_sentences_that_cannot_stand_alone_are_not_used(sentence: str) -> None:
    assert not usable(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "The Miami Herald reports that the suit was filed in a county court on Monday.",
        "The parents of a 2-year-old believe the boy was abducted on Friday evening.",
        "The index, which is created by a British policy adviser, uses 35 categories.",
        "The latest edition of the index has crowned Sweden the best country.",
        "Il y a eu au moins 21 morts dans l'accident de car de Mestre mardi soir.",
        "Het kabinet heeft dinsdag een nieuw pakket maatregelen gepresenteerd.",
        "The move to cap fuel prices comes after weeks of protests in La Paz.",
        # a voice inside a quotation is the speaker's; "I" in a name is no voice
        "‘We will rebuild every school,’ the minister said on Monday in Leeds.",
        '"You will see the line open in May," the mayor told the council on Monday.',
        "World War I ended with the armistice signed in a railway carriage in 1918.",
        "The US and Iran say the memorandum will be signed on Friday in Islamabad.",
        "Update: Police said the road reopened at noon after the crash was cleared.",
        # news about newsletters is not a page's call to subscribe
        "Mastodon's new newsletter feature lets anyone subscribe to creators by email.",
        # watching and streaming as the news itself
        "Millions watched the final live as Spain beat Cape Verde in extra time.",
        "The streaming service said it would show every match of the tournament live.",
    ],
)
def test_sentences_with_a_name_a_modifier_or_a_quoted_voice_stand_alone(sentence: str) -> None:
    assert usable(sentence)


def test_a_pronoun_attribution_is_fine_when_the_sentence_names_someone() -> None:
    assert usable('Mayor Ines Rowe said the line was late, and "we will fix it," she said.')


def test_headlines_lose_outlet_tails_and_labels() -> None:
    herald = "The Meridian Herald"
    assert clean_headline("Quake hits Teravale - The Meridian Herald", herald) == (
        "Quake hits Teravale"
    )
    assert clean_headline("Quake hits Teravale | news.example.com") == "Quake hits Teravale"
    assert clean_headline("Opinion | Build better schools") == "Build better schools"
    assert (
        clean_headline("Commentary: Arlen's fans are the cup's best")
        == "Arlen's fans are the cup's best"
    )
    assert clean_headline("Kommentar – Die Bahn braucht Fahrer") == "Die Bahn braucht Fahrer"
    assert clean_headline("Opinion-poll shows lead for Voss") == "Opinion-poll shows lead for Voss"
    subtitle = "Vellmar-Abkommen unterzeichnet – Kestria meldet Vorbehalte an"
    assert clean_headline(subtitle, herald) == subtitle
    assert clean_headline("#Trump celebrates 80th birthday with #UFC fight at #WhiteHouse") == (
        "Trump celebrates 80th birthday with UFC fight at WhiteHouse"
    )
    assert clean_headline("🚨 Quake hits Teravale 🇨🇱") == "Quake hits Teravale"
    numbered = "Today's NYT Strands Hints, Answers and Help for June 16 #835"
    assert clean_headline(numbered) == numbered


def test_a_headline_loses_the_rubrics_its_outlet_puts_on_many_titles() -> None:
    """The dedupe stage found "Notizie" and the outlet's name on many of its titles (the core
    title); the headline drops them and keeps the title's own colon."""
    article = SourceArticle(
        id=1,
        title="Sisma in Calveria: almeno 23 morti - Notizie - Il Corriere",
        text="",
        outlet="Il Corriere",
        core_title="Sisma in Calveria almeno 23 morti",
    )
    assert article_headline(article) == "Sisma in Calveria: almeno 23 morti"
    plain = SourceArticle(id=2, title="Sisma in Calveria - Notizie", text="", outlet="Il Corriere")
    assert article_headline(plain) == "Sisma in Calveria - Notizie"


@pytest.mark.parametrize("title", ["a" + " " * 50_000 + "b", "a" + " -" * 50_000 + "b"])
def test_a_title_of_blanks_is_cleaned_in_linear_time(title: str) -> None:
    """Every blank of a long run used to start a scan to the end of the run: quadratic."""
    started = time.perf_counter()
    clean_headline(title, "The Herald")
    assert time.perf_counter() - started < 0.5


def test_write_command_text_and_json(corpus: Corpus, tmp_path: Path) -> None:
    rows = [
        {
            "id": a.id,
            "title": "" if n == 0 else a.title,
            "text": "\n\n".join(a.paragraphs),
            "published": (EPOCH + a.published).isoformat(),
            "source": corpus.outlets[a.outlet].name,
        }
        for n, a in enumerate(x for x in corpus.articles if x.event == "quake-ormsby")
    ]
    path = tmp_path / "cluster.json"
    path.write_text(json.dumps({"articles": rows, "words": 120}), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["write", "--input", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    story = json.loads(result.output)
    assert set(story) == {"headline", "highlights", "story", "opinions", "sources"}
    ids = {r["id"] for r in rows}
    assert all(set(s["citations"]) <= ids for s in story["story"])
    assert sum(len(s["text"].split()) for s in story["story"]) <= 150
    text = runner.invoke(app, ["write"], input=path.read_text(encoding="utf-8"))
    assert text.exit_code == 0
    lines = text.output.splitlines()
    assert lines[0] == story["headline"]
    assert [line for line in lines if line in ("Highlights", "Story", "Opinions")] == [
        "Highlights",
        "Story",
        "Opinions",
    ]
    assert runner.invoke(app, ["write"], input="{}").exit_code == 1


def test_sentences_in_the_coverage_own_words_are_more_central() -> None:
    texts = [
        "The Norland central bank raised its rate to 4.25% on Thursday.",
        "Norland's central bank lifted the rate to 4.25%, citing inflation.",
        "Inflation in Norland kept the central bank on course for a higher rate.",
        "The weather in the capital was mild for the season.",
    ]
    centrality = _word_centrality([terms(text) for text in texts])
    assert centrality.shape == (4,)
    assert min(centrality[:3]) > centrality[3]
    assert _word_centrality([terms("Only one sentence here.")]).tolist() == pytest.approx([1.0])


@pytest.mark.parametrize("event", EVENTS)
def test_no_two_sentences_or_highlights_state_the_same_fact(
    written: dict[str, tuple[list[SourceArticle], WrittenStory]], event: str
) -> None:
    """Each fact once (#15): no sentence of the story, and no highlight, is mostly contained in
    another (the demo's quake story stated its magnitude three times)."""
    _, story = written[event]
    assert repeated_pairs([s.text for s in story.story]) == []
    assert repeated_pairs([h.text for h in story.highlights]) == []


def _figures_stated(story: WrittenStory) -> dict[str, set[str]]:
    stated: dict[str, set[str]] = {}
    for text in [
        story.headline,
        *(h.text for h in story.highlights),
        *(s.text for s in story.story),
    ]:
        for kind, values in figures(text).items():
            stated.setdefault(kind, set()).update(values)
    return stated


@pytest.mark.parametrize(("hours", "dead"), [(12, "9"), (60, "23")])
def test_the_page_states_the_latest_toll_the_coverage_supports(
    corpus: Corpus, hours: int, dead: str
) -> None:
    """Current facts (#15): the demo quake's toll went from two to nine to 23; headline,
    highlights and story give only the latest (an earlier one only as history, "from nine")."""
    until = EPOCH + timedelta(hours=hours)
    early = [a for a in _sources(corpus, "quake-teravale") if a.published and a.published <= until]
    story = ExtractiveWriter(default_embedder()).write(early)
    assert _figures_stated(story)["dead"] == {dead}


def _report(day: datetime, n: int, outlet: str, hours: int, title: str, text: str) -> SourceArticle:
    """Article `n` of a hand-made story, published `hours` after `day`."""
    return SourceArticle(n, title, text, outlet, published=day + timedelta(hours=hours))


def test_a_development_two_outlets_report_in_two_languages_is_the_headline() -> None:
    """One outlet's follow-up does not yet make the headline; the same development reported by
    a second outlet in another language does (newsapi's Scalise story, 11-13 October 2023)."""
    day = datetime(2026, 3, 9, 18, tzinfo=UTC)
    article = partial(_report, day)
    nominated = [
        article(1, "Capitol Post", 0, "Kestrian party picks Dana Voss as speaker nominee",
                "The governing party picked Dana Voss as its nominee for speaker on Monday. "
                "Voss still needs a majority of the whole chamber to win the post."),
        article(2, "Daily Ledger", 1, "Dana Voss nominated for Kestrian speaker",
                "Dana Voss won the party's nomination for speaker of the Kestrian chamber. "
                "Several members said they would not vote for Voss on the floor."),
        article(3, "Evening Wire", 2, "Party nominates Voss to be speaker in Kestria",
                "Kestria's governing party nominated Dana Voss for speaker after a closed vote. "
                "The chamber has had no speaker for a week."),
    ]  # fmt: skip
    withdraws = article(4, "Capitol Post", 40, "Voss quits, sending chamber into further turmoil",
                        "Dana Voss withdrew from the race for speaker of the Kestrian chamber on "
                        "Wednesday, two days after winning the party's nomination.")  # fmt: skip
    french = SourceArticle(
        5,
        "Dana Voss retire sa candidature à la présidence de la chambre de Kestria",
        "Dana Voss a retiré mercredi sa candidature à la présidence de la chambre.",
        "Le Quotidien",
        published=day + timedelta(hours=38),
        language="fr",
    )
    english = [replace(a, language="en") for a in [*nominated, withdraws]]
    writer = ExtractiveWriter(default_embedder())
    assert writer.write(english).headline != withdraws.title  # one outlet's follow-up
    assert writer.write([*english, french]).headline == withdraws.title


def test_a_story_of_headlines_only_still_chooses_its_headline() -> None:
    """Feed items without a usable line of text give no sentences; the headline is then still
    chosen as any other (main language, latest coverage, no live blog), not the first item's
    title (newsapi: "Guerra Israele-Hamas, Gaza sotto assedio: le notizie di oggi. LIVE" headed
    a story of five English, four Italian and three other reports)."""
    day = datetime(2026, 3, 9, 8, tzinfo=UTC)

    def item(n: int, hours: int, title: str, language: str) -> SourceArticle:
        return SourceArticle(
            n, title, "", f"Outlet {n}", published=day + timedelta(hours=hours), language=language
        )

    articles = [
        item(1, 0, "Guerra in Kestria, Arlen sotto assedio: le notizie di oggi. LIVE", "it"),
        item(2, 2, "Arlen under siege as Kestrian army closes roads into the city", "en"),
        item(3, 3, "Kestrian army tightens its siege of Arlen", "en"),
        item(4, 5, "Arlen sotto assedio, l'esercito chiude le strade", "it"),
        item(5, 6, "Siege of Arlen: the Kestrian army cuts off the city", "en"),
    ]
    written = ExtractiveWriter(default_embedder()).write(articles)
    assert not written.story
    assert written.headline in {a.title for a in articles if a.language == "en"}


def test_an_updated_count_replaces_the_old_one_in_a_real_like_story() -> None:
    day = datetime(2026, 3, 9, 6, tzinfo=UTC)

    article = partial(_report, day)
    articles = [
        article(1, "River Post", 0, "Floods hit Arlen valley",
                "Flash floods swept through the Arlen valley on Monday. At least 12 people are "
                "missing, the regional fire service said. Rescuers used boats to reach homes."),
        article(2, "Valley News", 3, "Dozens missing after Arlen floods",
                "Flash floods swept through the Arlen valley on Monday morning. The fire service "
                "said 12 people were missing and 300 residents had been evacuated."),
        article(3, "River Post", 27, "Arlen flood: missing count falls to four",
                "The number of people missing after the Arlen valley floods fell to four on "
                "Tuesday, down from 12, as rescuers found survivors. Some 300 residents remain "
                "evacuated."),
        article(4, "Valley News", 28, "Four still missing in Arlen valley",
                "Four people are still missing in the Arlen valley, the fire service said on "
                "Tuesday. Rescuers found eight survivors on rooftops overnight."),
    ]  # fmt: skip
    story = ExtractiveWriter(default_embedder()).write(articles)
    stated = _figures_stated(story)
    assert stated.get("missing") == {"4"}
    assert stated.get("displaced", {"300"}) == {"300"}


def test_one_fact_in_two_wordings_is_stated_once() -> None:
    """Two outlets word the studio dropping the film their own way: few words in common, so
    the content rule does not see a repeat, but their embeddings are close (cosine at least
    NEAR_REPEAT, under the 0.8 that let both through on real pages)."""
    day = datetime(2026, 6, 19, 9, tzinfo=UTC)
    article = partial(_report, day)
    dropped = (
        "Halden Studios has dropped the nearly finished Mara Quill movie, Variety has confirmed."
    )
    again = "The film about Quill needs a new studio after Halden abandoned the project."
    articles = [
        article(1, "Reel Report", 0, "Halden drops Mara Quill movie",
                f"{dropped} The film had been due in cinemas in the autumn, with a festival "
                "premiere planned for September."),
        article(2, "Studio Wire", 2, "Quill biopic looks for a new home",
                f"{again} Director Dario Lenz has not commented on the decision, which came "
                "weeks after test screenings in Los Angeles."),
        article(3, "Frame Daily", 3, "Halden pulls Quill film",
                "Halden Studios confirmed the decision on Friday. The company gave no reason "
                "for pulling a film that had already finished shooting in Vellmar."),
    ]  # fmt: skip
    vectors = default_embedder().embed([dropped, again])
    assert NEAR_REPEAT <= float(vectors[0] @ vectors[1]) < 0.8
    assert not repeated_pairs([dropped, again])
    told = [item.text for item in ExtractiveWriter(default_embedder()).write(articles).story]
    assert sum(text in (dropped, again) for text in told) == 1, told


def test_a_day_named_relative_to_an_earlier_report_is_not_published() -> None:
    day = datetime(2026, 3, 9, 8, tzinfo=UTC)  # a Monday

    def article(n: int, hours: int, title: str, text: str) -> SourceArticle:
        return _report(day, n, f"Outlet {n}", hours, title, text)

    monday = [
        article(1, 0, "Arlen council votes to close bridge",
                "The Arlen council voted to close the Sorrel bridge to traffic yesterday. "
                "Engineers found cracks in two of its supports last week. "
                "The council said repairs would take months."),
        article(2, 2, "Sorrel bridge closed after council vote",
                "The Sorrel bridge in Arlen is closed after a council vote. "
                "Engineers found cracks in two of its supports, the council said today."),
    ]  # fmt: skip
    tuesday = article(3, 26, "Arlen bridge repairs to start in May",
                      "Repairs to the Sorrel bridge in Arlen will start in May, the council said. "
                      "The bridge was closed to traffic after engineers found cracks.")  # fmt: skip
    writer = ExtractiveWriter(default_embedder())
    same_day = " ".join(c.text for c in writer.write(monday).story)
    assert "yesterday" in same_day or "today" in same_day  # Monday's own story keeps them
    later = writer.write([*monday, tuesday])
    for written in [later.story, later.highlights]:
        text = " ".join(c.text for c in written)
        assert "yesterday" not in text and "today" not in text, text


def test_a_preview_is_left_out_once_a_report_follows_it() -> None:
    """A match preview's sentences say what was to come; once a report of the match follows,
    they are out of date, and a preview's title is no headline."""
    day = datetime(2026, 6, 14, 12, tzinfo=UTC)
    article = partial(_report, day)
    previews = [
        article(1, "Gulf Sport", 0, "Arlen vs Sorrel: Cup predictions and how to watch",
                "Favourites Arlen open their Group H campaign with a match against Sorrel. "
                "Sorrel are playing in their first Cup after a long qualifying run."),
        article(2, "Sport Daily", 20, "Arlen vs Sorrel preview: team news and line-ups",
                "Arlen coach Dana Voss has no injury worries before the match against Sorrel. "
                "Sorrel will rely on their veteran goalkeeper Ines Rowe in the Cup opener."),
    ]  # fmt: skip
    reports = [
        article(3, "Gulf Sport", 30, "Sorrel hold Arlen to shock draw in Cup opener",
                "Debutants Sorrel held Arlen to a goalless draw in their Cup opener on Monday. "
                "Goalkeeper Ines Rowe made nine saves for Sorrel in the Group H match."),
        article(4, "Sport Daily", 31, "Arlen held by Sorrel in first Cup shock",
                "Arlen were held to a 0-0 draw by Sorrel on Monday in the first shock of the "
                "Cup. Arlen coach Dana Voss said his side lacked ideas against Sorrel."),
    ]  # fmt: skip
    writer = ExtractiveWriter(default_embedder())
    before = writer.write(previews)
    assert before.story and before.highlights  # a story of previews keeps them
    after = writer.write([*previews, *reports])
    cited = {c for item in [*after.story, *after.highlights] for c in item.citations}
    assert after.story and cited <= {3, 4}, after.story
    assert after.headline in {r.title for r in reports}


def test_a_plan_for_a_day_the_coverage_has_reached_is_left_out() -> None:
    """What was to happen on a day is out of date once a later report comes from that day:
    gn24's Swiss vote page kept "On June 14, Swiss voters will be able to decide…" among its
    highlights beside the result (write/facts.py's tests say what counts as a plan's day)."""
    friday = datetime(2026, 6, 12, 9, tzinfo=UTC)  # the vote is on Sunday 14 June
    article = partial(_report, friday)
    before = [
        article(1, "Arlen Courier", 0, "Arlen to vote on council cap",
                "On June 14, voters in Arlen will be able to decide on a cap on the council. "
                "The proposal would cut the Arlen council from 40 seats to 25. "
                "Polls suggest a close result in Arlen."),
        article(2, "Valley Post", 1, "Arlen council cap vote this weekend",
                "The Arlen referendum on capping the council is set to take place on Sunday. "
                "Supporters say a council of 25 seats would cost Arlen less."),
    ]  # fmt: skip
    after = [
        article(3, "Arlen Courier", 57, "Arlen voters reject council cap",
                "Voters in Arlen rejected a cap on the size of the council, with 58% against. "
                "The Arlen council will keep its 40 seats."),
        article(4, "Valley Post", 58, "Council cap defeated in Arlen",
                "Arlen's voters turned down the council cap by 58% to 42%. "
                "Supporters of the cap said a council of 25 seats would cost Arlen less."),
    ]  # fmt: skip
    plans = ("will be able to decide", "is set to take place")
    writer = ExtractiveWriter(default_embedder())
    early = writer.write(before)
    told = " ".join(c.text for c in [*early.story, *early.highlights])
    assert "will be able to decide" in told, told
    later = writer.write([*before, *after])
    told = " ".join(c.text for c in [*later.story, *later.highlights])
    assert not any(plan in told for plan in plans), told
    assert "58%" in told


@pytest.mark.parametrize("day", ["tomorrow", "on Sunday"])
@pytest.mark.parametrize("with_text", [True, False], ids=["reports", "headlines only"])
def test_a_headline_of_a_day_the_coverage_has_passed_is_not_chosen(
    with_text: bool, day: str
) -> None:
    """gn24's US-Iran deal story was headlined "…deal to be signed tomorrow", then "…deal
    scheduled to be signed on Sunday", on the Sunday it was to be signed; titles go by the
    same rule as sentences (`overtaken`)."""
    saturday = datetime(2026, 6, 13, 9, tzinfo=UTC)

    def article(n: int, outlet: str, hours: int, title: str, text: str) -> SourceArticle:
        return _report(saturday, n, outlet, hours, title, text if with_text else "")

    articles = [
        article(1, "Gulf Times", 0, f"Arlen and Sorrel set to sign trade deal {day}",
                "Arlen and Sorrel will sign a trade deal on Sunday, officials in Arlen said."),
        article(2, "Valley Post", 2, f"Arlen-Sorrel trade deal scheduled to be signed {day}",
                "The trade deal between Arlen and Sorrel is to be signed on Sunday in Sorrel."),
        article(3, "Daily Ledger", 3, f"Arlen, Sorrel trade deal signing set for {day}",
                "Officials said Arlen and Sorrel will sign their trade deal on Sunday."),
        article(4, "Gulf Times", 27, "Arlen and Sorrel seal pact after two years of talks",
                "Arlen and Sorrel signed a trade deal in Sorrel, ending two years of talks."),
    ]  # fmt: skip
    writer = ExtractiveWriter(default_embedder())
    assert day in writer.write(articles[:3]).headline  # Saturday's own page keeps it
    assert writer.write(articles).headline == articles[3].title


def test_the_story_opens_with_the_news_as_it_stands() -> None:
    day = datetime(2026, 6, 18, 7, tzinfo=UTC)

    article = partial(_report, day)
    articles = [
        article(1, "Northern Post", 0, "Arlen mayor hopes to win Makerfield by-election",
                "Arlen mayor Dana Voss is hoping to win the Makerfield by-election on Thursday. "
                "Polls in Makerfield close at ten. Voss has led the Arlen council for six years."),
        article(2, "Courier", 2, "Makerfield votes in by-election",
                "Voters in Makerfield go to the polls on Thursday in a by-election. "
                "Arlen mayor Dana Voss is the favourite to win the Makerfield seat."),
        article(3, "Northern Post", 26, "Voss wins Makerfield by-election",
                "Arlen mayor Dana Voss won the Makerfield by-election on Friday with 61% of the "
                "vote. Voss thanked voters in Makerfield and Arlen."),
        article(4, "Courier", 27, "Dana Voss wins Makerfield",
                "Dana Voss has won the Makerfield by-election, taking 61% of the vote. "
                "Turnout in Makerfield was 44%."),
    ]  # fmt: skip
    story = ExtractiveWriter(default_embedder()).write(articles).story
    assert story[0].citations[0] in (3, 4), story[0].text
    assert "won" in story[0].text
    published = [articles[c.citations[0] - 1].published or day for c in story[1:]]
    assert published == sorted(published)  # what led to it follows in order


class _Counting:
    """The real model, counting the texts of its largest call."""

    def __init__(self) -> None:
        self.model = default_embedder()
        self.name, self.dim, self.largest = self.model.name, self.model.dim, 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.largest = max(self.largest, len(texts))
        return self.model.embed(texts)


def test_a_story_of_hundreds_of_long_reports_is_written_from_a_bounded_part_of_them() -> None:
    """Its first reports and its latest, their leading sentences first: every rewrite of a
    story that ran for weeks embedded and compared all its sentences, pairwise."""
    towns = ["Ostwick", "Marrow", "Tellis", "Brandt", "Caswell", "Dunmore"]

    def report(n: int) -> SourceArticle:
        text = " ".join(
            f"The council of {towns[(n + k) % 6]} voted on harbour plan {n}-{k} "
            f"after {k + 2} hours of debate on {n % 28 + 1} November."
            for k in range(80)
        )
        published = EPOCH + timedelta(hours=n)
        return SourceArticle(n, f"Harbour vote {n}", text, f"Outlet {n % 40}", published)

    reports = [report(n) for n in range(1, 301)]
    model = _Counting()
    written = ExtractiveWriter(model).write(reports)  # type: ignore[arg-type]
    read = set(range(1, FIRST_REPORTS + 1)) | set(range(301 - (MAX_TEXTS - FIRST_REPORTS), 301))
    cited = {i for sentence in written.story for i in sentence.citations}
    assert written.story and cited <= read
    assert model.largest <= MAX_SENTENCES
    assert sum(len(s.articles) for s in written.sources) == 300, "every report is a source"


def test_only_a_reports_leading_sentences_are_candidates() -> None:
    """A report states its news first; its later paragraphs, however much they repeat each
    other (and so score as central), are neither embedded nor chosen."""
    lead = [
        f"The Ostwick council approved harbour plan {k} on Tuesday after {k + 2} hours of debate."
        for k in range(LEADING_SENTENCES)
    ]
    later = [
        f"Marrow residents have long argued about the old ferry timetable, round {k} of many."
        for k in range(3 * LEADING_SENTENCES)
    ]
    articles = [
        SourceArticle(n, f"Ostwick approves harbour plan {n}", " ".join(lead + later), f"O{n}")
        for n in (1, 2)
    ]
    model = _Counting()
    written = ExtractiveWriter(model).write(articles)  # type: ignore[arg-type]
    assert written.story
    assert all(sentence.text in lead for sentence in written.story), written.story
    assert model.largest <= LEADING_SENTENCES


def test_a_rewrite_embeds_only_the_new_reports_sentences_and_writes_the_same_story(
    corpus: Corpus,
) -> None:
    """A story is rewritten whenever a report joins it: the sentences of the reports it had
    were embedded at the last rewrite, and their kept vectors give the story a fresh writer
    gives."""
    sources = sorted(
        (
            a
            for a in _sources(corpus, "quake-teravale")
            if not a.opinion and a.dup_group is None and a.language == "en"
        ),
        key=lambda a: a.published or EPOCH,
    )
    model = default_embedder()
    embedded: list[str] = []

    class Counting:
        name, dim = model.name, model.dim

        def embed(self, texts: list[str]) -> np.ndarray:
            embedded.extend(texts)
            return model.embed(texts)

    writer = ExtractiveWriter(Counting())  # type: ignore[arg-type]
    writer.write(sources[:-1])
    first = len(embedded)
    again = writer.write(sources)
    latest = sources[-1]
    new = {clean_sentence(s) for s in split_sentences(latest.text)}
    new.add(clean_headline(latest.title, latest.outlet))
    assert first and 0 < len(embedded) - first <= len(new)
    assert set(embedded[first:]) <= new
    assert again == ExtractiveWriter(model).write(sources)


@pytest.mark.parametrize(
    ("sentence", "outlet"),
    [
        ("DW looks at some of the effects of the conflict, and what could be next.", "DW"),
        ("Gulf News’s Dana Voss looks at how the blockade is emptying shop shelves.", "Gulf News"),
        ("GULF NEWS spoke to families on both sides of the closed border crossing.", "Gulf News"),
        (
            "Sport Daily correspondent Ines Rowe reports from the team hotel in Arlen.",
            "Sport Daily",
        ),
        ("Tech Ledger tested five folding phones from Halden, Quill and others.", "Tech Ledger"),
    ],
)
def test_an_outlet_presenting_its_own_coverage_is_not_news(sentence: str, outlet: str) -> None:
    """gn24's Iran story of 20 June had "DW looks at the red lines, and where both sides could
    agree." as a sentence. Another outlet's name there is a report about that outlet, and what
    an outlet learned is news."""
    assert usable(sentence) and not usable(sentence, outlet)
    assert usable(sentence, "Other Post")
    assert usable("Sport Daily has learned that Voss will leave Arlen in June.", "Sport Daily")


@pytest.mark.parametrize(
    "sentence",
    [
        "Today I’m talking with Dana Voss, the chief executive of Halden Motors.",
        "Come join us as we report live from the company's launch event in Arlen.",
        "The Halden Slim 5 just might be the best laptop you can buy for $850.",
        "Apps, emails and tiny red badges had hijacked my attention for a year.",
        "Officials called the damage ‘huge’, and we will know more on Friday.",
        "Enjoy up to 35% off these essential coffee tools before the sale ends.",
        "Save 34% on the Halden Slim 5 laptop at the Arlen Electronics store.",
        "Check out this week’s game picks and the odds for every match.",
    ],
)
def test_a_sentence_in_the_authors_voice_is_not_news(sentence: str) -> None:
    """First and second person outside quotation marks are a column's, a review's or a
    shopping guide's voice (gn24: 412 of 6,105 usable standfirst sentences, most of them
    "you"), not a report's; so is a call to the reader (78 distinct sentences of gn24's and
    newsapi's fortnights that were usable open "Save", "Get", "Shop"…: shopping and service
    copy, every one)."""
    assert not usable(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        '"We will not back down," the minister said on Tuesday in Arlen.',
        "Kestria’s finance minister said: “We will rebuild the bridge,” and left the site.",
        "Dana Voss told reporters ‘we will win the vote’ before the count began.",
        "Save the Children said 40 schools in Teravale were damaged by the quake.",
        "The treaty ended the fighting a year after World War I had begun.",
        "King Charles I was executed outside the Banqueting House in 1649.",
        "The US and Kestria signed the trade deal in Arlen on Monday.",
        "Kestria’s prime minister said the company’s prices would rise in June.",
    ],
)
def test_a_quoted_first_person_is_still_a_report(sentence: str) -> None:
    assert usable(sentence)


def test_the_writer_leaves_out_an_outlets_words_about_its_own_coverage() -> None:
    day = datetime(2026, 6, 20, 6, tzinfo=UTC)
    article = partial(_report, day)
    promoted = "Gulf News looks at the red lines, and where both sides could agree."
    reports = [
        article(1, "Gulf News", 0, "Kestria and Norland resume talks in Geneva",
                "Kestria and Norland resumed peace talks in Geneva on Saturday after a week's "
                f"pause. {promoted}"),
        article(2, "Daily Ledger", 1, "Kestria-Norland talks resume in Geneva",
                "Negotiators from Kestria and Norland met again in Geneva on Saturday. Both "
                "sides said the red lines on the border were still far apart."),
    ]  # fmt: skip
    written = ExtractiveWriter(default_embedder()).write(reports, words=200)
    assert written.story and all(item.text != promoted for item in written.story)
    assert all(item.text != promoted for item in written.highlights)


def test_a_story_of_one_report_is_headed_by_its_title_without_weighing_it() -> None:
    """Most stories are one report (and its copies): its title is the headline, and embedding
    it to weigh it against itself cost the write stage a third of its model time."""
    day = datetime(2026, 6, 20, 6, tzinfo=UTC)
    title = "Kestria and Norland resume talks in Geneva"
    text = "Kestria and Norland resumed peace talks in Geneva on Saturday after a week's pause."
    copies = [
        _report(day, n, outlet, n, title, text) for n, outlet in ((1, "Gulf News"), (2, "Wire"))
    ]
    seen: list[str] = []
    model = default_embedder()

    class Counting:
        name, dim = model.name, model.dim

        def embed(self, texts: Sequence[str]) -> np.ndarray:
            seen.extend(texts)
            return model.embed(texts)

    written = ExtractiveWriter(Counting()).write(copies)
    assert written.headline == title and written.story
    assert title not in seen and seen
