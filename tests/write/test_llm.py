"""The LLM writer against a real chat-completions server on 127.0.0.1, and the grounding check
that decides whether anything it writes is published."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import SecretStr

from storywire.nlp.embed import Vectors
from storywire.write.extractive import ExtractiveWriter, SourceArticle, WrittenStory
from storywire.write.grounding import Claim, check_sentence, check_story
from storywire.write.llm import LLMWriter, source_sentences
from tests.write.llmserver import Answer, serve

T0 = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
STORYWIRE = str(Path(sys.executable).with_name("storywire"))

ARTICLES = [
    SourceArticle(
        id=11,
        title="Earthquake kills 23 in Teravale - Coastline Herald",
        text=(
            "TERAVALE (CH) -- A magnitude 6.4 earthquake struck the mountain town of Teravale "
            "early on Tuesday morning.\n\n"
            "At least 23 people were killed and 140 were injured, according to the regional "
            "health office.\n\n"
            "Rescue teams from Portmere worked through the night to reach villages cut off by "
            "landslides.\n\n"
            "Mayor Ilse Varnov said the town hall would shelter 1,200 displaced residents."
        ),
        outlet="Coastline Herald",
        published=T0,
    ),
    SourceArticle(
        id=12,
        title="Rescuers search rubble after Teravale quake",
        text=(
            "Rescuers searched collapsed buildings in Teravale on Wednesday after the earthquake "
            "on Tuesday.\n\n"
            "The regional health office said 23 people had died, most of them in the old "
            "quarter.\n\n"
            "Engineers will inspect the Sorrel Bridge before it reopens to traffic next week.\n\n"
            "The national weather service warned of heavy rain that could trigger more "
            "landslides."
        ),
        outlet="Valley Post",
        published=T0 + timedelta(hours=2),
        dup_group=12,
    ),
    SourceArticle(  # a trimmed wire copy of 12: counted as a source, not sent twice
        id=14,
        title="Rescuers search rubble after Teravale quake",
        text=(
            "Rescuers searched collapsed buildings in Teravale on Wednesday after the earthquake "
            "on Tuesday."
        ),
        outlet="Lakeside Daily",
        published=T0 + timedelta(hours=3),
        dup_group=12,
    ),
    SourceArticle(
        id=13,
        title="Opinion: Teravale was not ready",
        text=(
            "The earthquake exposed years of neglect in how the region enforces its building "
            "codes.\n\nOfficials must stop pretending that the next disaster is somebody else's "
            "problem."
        ),
        outlet="Valley Post",
        published=T0 + timedelta(hours=5),
        author="Dana Quill",
        opinion=True,
    ),
]

GROUNDED: dict[str, Any] = {
    "headline": "Earthquake kills 23 people in Teravale",
    "highlights": [
        {
            "text": "A magnitude 6.4 earthquake struck Teravale on Tuesday morning.",
            "sources": ["1.1"],
        },
        {"text": "At least 23 people were killed and 140 injured.", "sources": ["1.2", "2.2"]},
        {
            "text": "The weather service warned heavy rain could trigger more landslides.",
            "sources": ["2.4"],
        },
    ],
    "story": [
        {
            "text": "A magnitude 6.4 earthquake struck the mountain town of Teravale early on "
            "Tuesday morning.",
            "sources": ["1.1"],
        },
        {
            "text": "At least 23 people were killed and 140 were injured, the regional health "
            "office said.",
            "sources": ["1.2", "2.2"],
        },
        {
            "text": "Rescuers from Portmere searched collapsed buildings and worked through the "
            "night to reach villages cut off by landslides.",
            "sources": ["1.3", "2.1"],
        },
        {
            "text": "Mayor Ilse Varnov said the town hall would shelter 1,200 displaced residents.",
            "sources": ["1.4"],
        },
    ],
}


def _with_story_item(text: str, sources: list[str]) -> str:
    answer = json.loads(json.dumps(GROUNDED))
    answer["story"][1] = {"text": text, "sources": sources}
    return json.dumps(answer)


INVENTED_NUMBER = _with_story_item(
    "The earthquake killed 57 people, the regional health office said.", ["1.2", "2.2"]
)
INVENTED_NAME = _with_story_item(
    "Governor Ramon Alcazar toured collapsed buildings in Teravale on Wednesday.", ["2.1"]
)


class HashEmbedder:
    """Deterministic unit vectors from a hash of the text: the fallback runs without the model."""

    name = "hash"
    dim = 32

    def embed(self, texts: Sequence[str]) -> Vectors:
        rows = [
            np.random.default_rng(int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "big"))
            .standard_normal(self.dim)
            .astype(np.float32)
            for t in texts
        ]
        vectors = np.array(rows, dtype=np.float32).reshape(len(texts), self.dim)
        unit: Vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        return unit


def _extractive() -> WrittenStory:
    return ExtractiveWriter(HashEmbedder()).write(ARTICLES, 200)


def _writer(base_url: str, **options: Any) -> LLMWriter:
    options.setdefault("timeout", 5.0)
    return LLMWriter(base_url, "test-model", fallback=ExtractiveWriter(HashEmbedder()), **options)


# --- grounding -------------------------------------------------------------------------------


def test_decimal_commas_and_points_are_the_same_number() -> None:
    source = ["Das Beben der Stärke 6,4 erschütterte Teravale am Dienstag."]
    assert check_sentence("Ein Beben der Stärke 6.4 erschütterte Teravale.", source) == []
    english = ["A magnitude 6.4 earthquake struck Teravale on Tuesday."]
    assert check_sentence("A magnitude 6,4 earthquake struck Teravale.", english) == []
    assert check_sentence("A magnitude 6.9 earthquake struck Teravale.", english) == [
        "number 6.9 is not in the cited sources"
    ]


def test_thousands_separators_do_not_matter() -> None:
    source = ["The town hall will shelter 1,000 displaced residents, the mayor said."]
    for written in ("1000", "1,000", "1.000"):
        sentence = f"The town hall will shelter {written} displaced residents."
        assert check_sentence(sentence, source) == [], written
    assert check_sentence("The town hall will shelter 10,000 displaced residents.", source) == [
        "number 10,000 is not in the cited sources"
    ]


def test_every_number_counts_including_small_ones_dates_and_percentages() -> None:
    source = ["On March 3, 2026, turnout in Teravale rose by 23 percent."]
    assert check_sentence("Turnout in Teravale rose 23% on March 3, 2026.", source) == []
    assert check_sentence("Turnout in Teravale rose by 23 per cent on March 5, 2026.", source) == [
        "number 5 is not in the cited sources"
    ]
    assert check_sentence("Turnout in Teravale rose by 23 percent in 2025.", source) == [
        "number 2025 is not in the cited sources"
    ]
    assert check_sentence("Turnout in Teravale rose by 32 percent.", source) == [
        "number 32% is not in the cited sources"
    ]


def test_number_words_and_digits_are_interchangeable() -> None:
    assert check_sentence("Three bridges were closed.", ["Police closed 3 bridges."]) == []
    assert check_sentence("3 bridges were closed.", ["Police closed three bridges."]) == []
    assert check_sentence("Drei Brücken wurden gesperrt.", ["Drei Brücken wurden gesperrt."]) == []
    assert check_sentence("3 Brücken wurden gesperrt.", ["Drei Brücken wurden gesperrt."]) == []
    assert check_sentence("Four bridges were closed.", ["Three bridges were closed."]) == [
        "number four is not in the cited sources"
    ]


def test_an_invented_number_is_reported() -> None:
    source = ["At least 23 people were killed, according to the regional health office."]
    assert check_sentence("The earthquake killed 57 people, the health office said.", source) == [
        "number 57 is not in the cited sources"
    ]


def test_names_must_be_in_the_sources_or_their_articles() -> None:
    source = ["The mayor said the town hall would shelter displaced residents."]
    article = ["Mayor Ilse Varnov visited Teravale.", *source]
    sentence = "The town hall would shelter displaced residents, Mayor Varnov said."
    assert check_sentence(sentence, source, context=article) == []
    possessive = "Varnov's town hall would shelter displaced residents."
    assert check_sentence(possessive, source, context=article) == []
    problems = check_sentence(sentence.replace("Varnov", "Alcazar"), source, context=article)
    assert problems == ["name 'alcazar' is not in the cited sources"]


def test_names_that_open_a_sentence_are_checked_after_the_first_word() -> None:
    source = ["Mayor Ilse Varnov said the town hall would shelter displaced residents."]
    assert check_sentence("Ilse Varnov said the town hall would shelter residents.", source) == []
    assert check_sentence("Ramon Alcazar said the town hall would shelter residents.", source) == [
        "name 'alcazar' is not in the cited sources"
    ]
    assert check_sentence("ILSE VARNOV said the town hall would shelter residents.", source) == []


def test_a_sentence_with_no_overlap_is_reported() -> None:
    source = ["A magnitude 6.4 earthquake struck the mountain town of Teravale on Tuesday."]
    problems = check_sentence("Stock markets rallied as investors cheered lower inflation.", source)
    assert problems == ["only 0 of its 7 content words are in the cited sources (needs 50%)"]
    paraphrase = "The mountain town of Teravale was struck by an earthquake on Tuesday."
    assert check_sentence(paraphrase, source) == []


def test_check_story_labels_problems_and_rejects_unknown_or_missing_citations() -> None:
    sources = {"1.1": "At least 23 people were killed in Teravale on Tuesday."}
    claims = [
        Claim("At least 23 people were killed in Teravale.", ("1.1",), "story sentence 1"),
        Claim("At least 23 people were killed in Teravale.", ("9.9",), "story sentence 2"),
        Claim("At least 23 people were killed in Teravale.", (), "highlight 1"),
        Claim("At least 57 people were killed in Teravale.", ("1.1", "9.9"), "highlight 2"),
    ]
    assert check_story(claims, sources) == [
        'story sentence 2: "At least 23 people were killed in Teravale." cites 9.9, which is not '
        "a source sentence",
        'highlight 1: "At least 23 people were killed in Teravale.": cites no source',
        'highlight 2: "At least 57 people were killed in Teravale." cites 9.9, which is not a '
        "source sentence",
        'highlight 2: "At least 57 people were killed in Teravale.": number 57 is not in the '
        "cited sources",
    ]


# --- the numbered sources ----------------------------------------------------------------------


def test_sources_are_numbered_news_sentences_one_text_per_wire_group() -> None:
    numbered = source_sentences(ARTICLES)
    assert [(s.id, s.article) for s in numbered] == [
        ("1.1", 11), ("1.2", 11), ("1.3", 11), ("1.4", 11),
        ("2.1", 12), ("2.2", 12), ("2.3", 12), ("2.4", 12),
    ]  # fmt: skip
    assert numbered[0].text.startswith("A magnitude 6.4 earthquake")  # the dateline is gone
    assert not any("neglect" in s.text for s in numbered)  # opinion stays out


def test_the_size_cap_keeps_every_articles_lead() -> None:
    numbered = source_sentences(ARTICLES, max_chars=220)
    assert [s.id for s in numbered] == ["1.1", "2.1"]


# --- the writer against a real server ----------------------------------------------------------


def test_a_grounded_answer_is_published_with_article_citations(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with serve(Answer(json.dumps(GROUNDED))) as server:
        writer = _writer(server.base_url, api_key=SecretStr("sk-secret-4711"))
        story = writer.write(ARTICLES, words=150)
    assert story.outcome == "llm"
    assert story.headline == "Earthquake kills 23 people in Teravale"
    assert [w.text for w in story.story] == [item["text"] for item in GROUNDED["story"]]
    assert [w.citations for w in story.story] == [(11,), (11, 12), (11, 12), (11,)]
    assert [w.citations for w in story.highlights] == [(11,), (11, 12), (12,)]
    extractive = _extractive()
    assert story.opinions == extractive.opinions and story.opinions[0].article_id == 13
    assert story.sources == extractive.sources
    (request,) = server.requests
    assert request.headers["authorization"] == "Bearer sk-secret-4711"
    assert request.body["model"] == "test-model"
    shape = request.body["response_format"]
    assert shape["type"] == "json_schema" and shape["json_schema"]["strict"] is True
    schema = shape["json_schema"]["schema"]
    assert schema["required"] == ["headline", "highlights", "story"]
    assert schema["properties"]["highlights"]["maxItems"] == 3
    assert schema["properties"]["story"]["maxItems"] == 10  # 150 words
    item = schema["properties"]["story"]["items"]["properties"]
    assert item["sources"]["maxItems"] == 3 and item["text"]["maxLength"] == 400
    assert schema["properties"]["headline"]["maxLength"] == 120
    prompt = request.messages[-1]["content"]
    assert "1.2 At least 23 people were killed and 140 were injured" in prompt
    assert "Article 1 (Coastline Herald): Earthquake kills 23 in Teravale\n" in prompt
    assert "neglect" not in prompt and "about 150 words" in prompt
    assert writer.last_tokens == 150  # from the response's usage
    assert "sk-secret-4711" not in caplog.text and "sk-secret-4711" not in repr(writer)


def test_json_in_a_fenced_block_is_accepted() -> None:
    fenced = f"Here is the story:\n```json\n{json.dumps(GROUNDED, indent=2)}\n```\n"
    with serve(Answer(fenced)) as server:
        writer = _writer(server.base_url)
        story = writer.write(ARTICLES)
    assert story.outcome == "llm"
    assert story.headline == GROUNDED["headline"]


@pytest.mark.parametrize(
    "content",
    [
        '{"headline": "Quake kills 23", "story": [{"text": "A quake."',
        json.dumps({"headline": "Quake", "story": "A quake struck."}),
        json.dumps({"headline": "", "story": []}),
        "I cannot help with that.",
        json.dumps({**GROUNDED, "headline": "..."}),
        json.dumps({**GROUNDED, "headline": "Quake"}),
    ],
    ids=["truncated", "wrong-shape", "empty", "prose", "dots-headline", "one-word-headline"],
)
def test_a_malformed_answer_falls_back_without_a_retry(content: str) -> None:
    with serve(Answer(content)) as server:
        writer = _writer(server.base_url)
        story = writer.write(ARTICLES)
    assert (story.outcome or "").startswith("fallback: malformed answer")
    assert story == _extractive()
    assert len(server.requests) == 1


def test_an_invented_number_is_sent_back_and_a_second_failure_falls_back() -> None:
    with serve(Answer(INVENTED_NUMBER), Answer(INVENTED_NUMBER)) as server:
        writer = _writer(server.base_url)
        story = writer.write(ARTICLES)
    assert story == _extractive()
    assert (story.outcome or "").startswith("fallback: not grounded after a retry")
    assert "number 57 is not in the cited sources" in (story.outcome or "")
    first, second = server.requests
    assert second.messages[: len(first.messages)] == first.messages
    assert second.messages[-2] == {"role": "assistant", "content": INVENTED_NUMBER}
    fix = second.messages[-1]["content"]
    assert (
        '- story sentence 2: "The earthquake killed 57 people, the regional health office '
        'said.": number 57 is not in the cited sources'
    ) in fix


def test_an_invented_number_fixed_on_the_retry_is_published() -> None:
    with serve(Answer(INVENTED_NUMBER), Answer(json.dumps(GROUNDED))) as server:
        writer = _writer(server.base_url)
        story = writer.write(ARTICLES)
    assert story.outcome == "llm"
    assert len(server.requests) == 2
    assert story.story[1].text.startswith("At least 23 people were killed")
    assert writer.last_tokens == 300


def test_an_attribution_to_the_cited_articles_outlet_is_grounded() -> None:
    # Article 12's outlet is named in none of its sentences; another article's outlet is no
    # ground for a claim cited to article 12.
    said = "The regional health office said 23 people had died, the {} reports."
    attributed = said.format("Valley Post")
    with serve(Answer(_with_story_item(attributed, ["2.2"]))) as server:
        story = _writer(server.base_url).write(ARTICLES)
    assert story.outcome == "llm"
    assert story.story[1].text == attributed
    elsewhere = said.format("Coastline Herald")
    with serve(Answer(_with_story_item(elsewhere, ["2.2"])), Answer(INVENTED_NAME)) as server:
        _writer(server.base_url).write(ARTICLES)
    fix = server.requests[1].messages[-1]["content"]
    assert "name 'coastline' is not in the cited sources" in fix


def test_an_invented_name_is_rejected_by_grounding() -> None:
    with serve(Answer(INVENTED_NAME), Answer(INVENTED_NAME)) as server:
        writer = _writer(server.base_url)
        story = writer.write(ARTICLES)
    assert story == _extractive()
    assert (story.outcome or "").startswith("fallback: not grounded")
    fix = server.requests[1].messages[-1]["content"]
    assert "name 'alcazar' is not in the cited sources" in fix
    assert "name 'ramon' is not in the cited sources" in fix


def test_a_slow_server_times_out_and_falls_back() -> None:
    with serve(Answer(json.dumps(GROUNDED), delay=5)) as server:
        writer = _writer(server.base_url, timeout=0.3)
        started = time.monotonic()
        story = writer.write(ARTICLES)
        elapsed = time.monotonic() - started
    assert story.outcome == "fallback: timeout after 0.3s"
    assert story == _extractive()
    assert elapsed < 3


def test_429_is_retried_after_retry_after() -> None:
    limited = Answer(status=429, headers=(("Retry-After", "1"),))
    with serve(limited, Answer(json.dumps(GROUNDED))) as server:
        writer = _writer(server.base_url)
        started = time.monotonic()
        story = writer.write(ARTICLES)
        elapsed = time.monotonic() - started
    assert story.outcome == "llm"
    assert story.headline == GROUNDED["headline"]
    assert len(server.requests) == 2 and elapsed >= 0.95


def test_429_asking_for_a_long_wait_falls_back_at_once() -> None:
    with serve(Answer(status=429, headers=(("Retry-After", "120"),))) as server:
        writer = _writer(server.base_url)
        started = time.monotonic()
        story = writer.write(ARTICLES)
    assert time.monotonic() - started < 5
    assert story.outcome == "fallback: HTTP 429, Retry-After 120s is over the 5s cap"
    assert story == _extractive()


def test_a_server_error_falls_back() -> None:
    with serve(Answer(status=500)) as server:
        writer = _writer(server.base_url)
        story = writer.write(ARTICLES)
    assert story.outcome == "fallback: HTTP 500"
    assert story == _extractive()
    assert len(server.requests) == 1


def test_an_unreachable_server_falls_back() -> None:
    with serve() as server:
        url = server.base_url
    writer = _writer(url)
    story = writer.write(ARTICLES)
    assert story == _extractive()
    assert story.outcome == "fallback: request failed (ConnectError)"


def test_a_story_over_its_token_budget_is_not_sent() -> None:
    with serve() as server:
        writer = _writer(server.base_url, max_tokens_per_story=500)
        story = writer.write(ARTICLES)
    assert server.requests == []
    assert (story.outcome or "").startswith("fallback: story token budget")
    assert story == _extractive()


def test_the_retry_is_not_sent_when_it_would_pass_the_story_budget() -> None:
    expensive = Answer(INVENTED_NUMBER, usage={"total_tokens": 5000})
    with serve(expensive) as server:
        writer = _writer(server.base_url, max_tokens_per_story=6000)
        story = writer.write(ARTICLES)
    assert len(server.requests) == 1
    assert (story.outcome or "").startswith("fallback: story token budget")
    assert story == _extractive()


def test_the_hourly_budget_rolls() -> None:
    now = [1000.0]
    usage = {"prompt_tokens": 3000, "completion_tokens": 2000}
    answers = [Answer(json.dumps(GROUNDED), usage=usage) for _ in range(2)]
    with serve(*answers) as server:
        writer = _writer(server.base_url, tokens_per_hour=7000, clock=lambda: now[0])
        story = writer.write(ARTICLES)
        assert story.outcome == "llm" and writer.tokens_last_hour() == 5000
        now[0] += 1800
        story = writer.write(ARTICLES)
        assert (story.outcome or "").startswith("fallback: hourly token budget")
        assert len(server.requests) == 1
        now[0] += 1801
        story = writer.write(ARTICLES)
        assert story.outcome == "llm" and len(server.requests) == 2


def test_without_news_sentences_the_model_is_not_asked() -> None:
    opinions_only = [a for a in ARTICLES if a.opinion]
    with serve() as server:
        writer = _writer(server.base_url)
        story = writer.write(opinions_only)
    assert story.outcome == "fallback: no usable source sentences"
    assert story == ExtractiveWriter(HashEmbedder()).write(opinions_only, 200)


@pytest.mark.parametrize(
    ("kind", "sent"),
    [("json_object", {"type": "json_object"}), ("none", None)],
)
def test_the_answer_shape_can_be_asked_for_less_strictly(
    kind: str, sent: dict[str, str] | None
) -> None:
    """For servers without structured outputs: any JSON object, or no response_format."""
    with serve(Answer(json.dumps(GROUNDED))) as server:
        writer = _writer(server.base_url, response_format=kind)
        story = writer.write(ARTICLES)
    assert story.outcome == "llm"
    assert server.requests[0].body.get("response_format") == sent
    with pytest.raises(ValueError, match="response_format"):
        _writer(server.base_url, response_format="xml")


def test_storywire_write_uses_the_configured_llm_and_says_when_it_falls_back(
    tmp_path: Path,
) -> None:
    rows = [
        {
            "id": a.id,
            "title": a.title,
            "text": a.text,
            "source": a.outlet,
            "published": a.published.isoformat() if a.published else None,
        }
        for a in ARTICLES
        if a.id in (11, 12)  # the news articles, without the wire copy
    ]
    story = tmp_path / "story.json"
    story.write_text(json.dumps({"articles": rows}), encoding="utf-8")
    command = [STORYWIRE, "write", "--input", str(story), "--format", "json"]
    with serve(Answer(json.dumps(GROUNDED)), Answer("not json")) as server:
        env = {
            **os.environ,
            "STORYWIRE_LLM_BASE_URL": server.base_url,
            "STORYWIRE_LLM_MODEL": "test-model",
            "STORYWIRE_LLM_TIMEOUT": "7",
        }
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["headline"] == GROUNDED["headline"]
        fell_back = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert fell_back.returncode == 0, fell_back.stderr
    assert json.loads(fell_back.stdout)["headline"] != GROUNDED["headline"]
    assert "fell back to the extractive story: fallback: malformed answer" in fell_back.stderr


def test_a_fact_the_model_states_twice_is_published_once() -> None:
    """Each fact once (#15): a grounded sentence that restates an earlier one is dropped."""
    answer = json.loads(json.dumps(GROUNDED))
    again = {"text": "A strong earthquake struck Teravale on Tuesday.", "sources": ["1.1"]}
    answer["story"].insert(2, again)
    answer["highlights"].append(dict(answer["highlights"][0]))
    with serve(Answer(json.dumps(answer))) as server:
        story = _writer(server.base_url).write(ARTICLES, words=150)
    assert story.outcome == "llm"
    assert [w.text for w in story.story] == [item["text"] for item in GROUNDED["story"]]
    assert [w.text for w in story.highlights] == [h["text"] for h in GROUNDED["highlights"]]


def test_a_figure_the_coverage_has_updated_is_not_published() -> None:
    """Current figures (#15): an earlier report's "nine killed" is dropped from the model's
    story once later articles say 23, and a headline with it gives way to the extractive one."""
    early = SourceArticle(
        id=10,
        title="Quake kills nine in Teravale",
        text="Officials said nine people were killed when the quake struck Teravale on Tuesday.",
        outlet="Hill Gazette",
        published=T0 - timedelta(hours=3),
    )
    articles = [*ARTICLES, early]
    numbered = {s.text: s.id for s in source_sentences(articles)}  # in publishing order
    renumbered = {s.id: numbered[s.text] for s in source_sentences(ARTICLES)}
    answer = json.loads(json.dumps(GROUNDED))
    for item in answer["highlights"] + answer["story"]:
        item["sources"] = [renumbered[source] for source in item["sources"]]
    nine = numbered[early.text]
    answer["headline"] = "Nine people killed in Teravale quake"
    answer["story"].append({"text": early.text, "sources": [nine]})
    with serve(Answer(json.dumps(answer))) as server:
        story = _writer(server.base_url).write(articles, words=150)
    assert story.outcome == "llm"
    assert [w.text for w in story.story] == [item["text"] for item in GROUNDED["story"]]
    assert "nine" not in story.headline.lower() and story.headline
    answer["story"] = answer["story"][-1:]  # nothing but the old figure: the extractive story
    with serve(Answer(json.dumps(answer))) as server:
        story = _writer(server.base_url).write(articles, words=150)
    assert story.outcome == "fallback: every sentence has an old figure"
