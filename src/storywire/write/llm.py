"""The optional LLM writer: any OpenAI-compatible `/chat/completions` endpoint (llama.cpp server,
Ollama, vLLM, a hosted API) writes the story from numbered source sentences, and nothing it writes
is published unless the grounding check passes.

One story, one path:

1. The news articles' sentences (opinion pieces excluded, one text per wire group, cleaned and
   filtered like the extractive writer's) are numbered "3.12" (article 3 of the prompt, its
   sentence 12) and capped in size, every article's lead first.
2. The model answers JSON: a headline, highlights and story sentences, each citing sentence ids.
3. Every headline, highlight and story sentence is checked against the sentences it cites
   (`grounding`); the headline, which cites nothing, against all of them. If any fails, the
   model gets one more turn, told exactly what failed.
4. Still failing, or any error on the way (timeout, rate limit beyond a short wait, server
   error, malformed answer, token budget spent), and the whole story comes from the extractive
   writer instead. Dropping only the bad sentences would publish a story with holes the model did
   not plan for; falling back whole is simpler, and an ungrounded sentence is never published.

Opinions and sources always come from the extractive writer, which runs for every story anyway
(it is the fallback). The story's `outcome` says what happened ("llm" or "fallback: <reason>") so
the pipeline can log and count it. The API key travels only in the Authorization header; it is
never logged or shown in `repr`.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import httpx
from pydantic import SecretStr

from storywire.errors import WriteError
from storywire.models import CitedText
from storywire.nlp.sentences import split_sentences
from storywire.retry import retry_after
from storywire.write.extractive import (
    ExtractiveWriter,
    SourceArticle,
    WrittenStory,
    article_headline,
    clean_sentence,
    coverage_figures,
    story_texts,
    usable,
)
from storywire.write.facts import each_fact_once, out_of_date
from storywire.write.grounding import Claim, check_story

log = logging.getLogger(__name__)

CHARS_PER_TOKEN = 4  # the usual estimate when a server reports no usage
MAX_SOURCE_CHARS = 12_000  # about 3,000 tokens of source sentences: fits an 8k-context model
MAX_HIGHLIGHTS = 3
# A headline needs words: "..." or "Quake" is a placeholder, not a headline.
MIN_HEADLINE_WORDS = 3
_WORD = re.compile(r"[^\W_]+")
_FENCED = re.compile(r"```(?:json)?\s*(\{.*?\})\s*```", re.DOTALL | re.IGNORECASE)
_THINKING = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_RETRY_STATUSES = frozenset({429, 503})

_SYSTEM = """You are a wire editor. You write a neutral news story from numbered source \
sentences and from nothing else.

Rules:
- State only facts that the source sentences state. No background knowledge, no speculation, \
no opinions, no quotes that are not in the sources.
- Every name, number and date you write must appear in the sentences you cite for it.
- Cite, for every sentence you write, the ids (like "2.5") of the one to three source sentences \
it restates.
- Headline: one line in sentence case, at most 90 characters, no outlet names.
- Highlights: {highlights} short facts, at most 25 words each.
- Story: about {words} words in short paragraphs of one sentence each, most important first, \
in the language of the sources.

Answer with one JSON object and nothing else:
{{"headline": "...", "highlights": [{{"text": "...", "sources": ["1.2"]}}], \
"story": [{{"text": "...", "sources": ["1.1", "2.3"]}}]}}"""

_FIX = """Some of your sentences are not supported by the source sentences they cite:
{problems}

Write the whole answer again. Every name, number and date must appear in the sentences you cite, \
and every sentence must restate what its cited sentences say. Same JSON shape, JSON only."""


# How the answer's shape is asked for. "json_schema" (OpenAI's structured outputs, which
# llama.cpp's server, Ollama and vLLM also accept) constrains decoding to STORY_SCHEMA, so a small
# model cannot ramble to its token cap or copy the example; "json_object" asks only for JSON;
# "none" sends no response_format, for servers that reject one.
RESPONSE_FORMATS = ("json_schema", "json_object", "none")


# Longest strings the schema allows: a small model otherwise rambles inside one string until
# its token cap, and the object never closes (bench/llm.py saw it in 10 of 44 answers).
MAX_HEADLINE_CHARS = 120
MAX_SENTENCE_CHARS = 400
MAX_ID_CHARS = 8


def _cited_items(most: int) -> dict[str, Any]:
    return {
        "type": "array",
        "minItems": 1,
        "maxItems": most,
        "items": {
            "type": "object",
            "properties": {
                "text": {"type": "string", "maxLength": MAX_SENTENCE_CHARS},
                "sources": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 3,
                    "items": {"type": "string", "maxLength": MAX_ID_CHARS},
                },
            },
            "required": ["text", "sources"],
            "additionalProperties": False,
        },
    }


def story_schema(words: int) -> dict[str, Any]:
    """The answer's JSON Schema: at most MAX_HIGHLIGHTS highlights, about one story sentence
    per 15 words of the budget (with room to spare), and every string of a bounded length."""
    return {
        "type": "object",
        "properties": {
            "headline": {"type": "string", "maxLength": MAX_HEADLINE_CHARS},
            "highlights": _cited_items(MAX_HIGHLIGHTS),
            "story": _cited_items(max(3, words // 15)),
        },
        "required": ["headline", "highlights", "story"],
        "additionalProperties": False,
    }


def _response_format(kind: str, words: int) -> dict[str, Any] | None:
    if kind == "json_schema":
        schema = {"name": "story", "strict": True, "schema": story_schema(words)}
        return {"type": "json_schema", "json_schema": schema}
    if kind == "json_object":
        return {"type": "json_object"}
    return None


@dataclass(frozen=True, slots=True)
class SourceSentence:
    """A numbered source sentence as the model sees it: id "3.12" is sentence 12 of article 3
    of the prompt, `article` the SourceArticle's id."""

    id: str
    article: int
    text: str


@dataclass(frozen=True, slots=True)
class _Draft:
    headline: str
    highlights: list[Claim]
    story: list[Claim]


class _FallbackError(WriteError):
    """Why the model's story cannot be used; `write` catches it and falls back."""


def source_sentences(
    articles: Sequence[SourceArticle], max_chars: int = MAX_SOURCE_CHARS
) -> list[SourceSentence]:
    """The numbered sentences the model may use: news articles only, one text per wire group,
    cleaned and filtered as the extractive writer does, without repeats. Under the size cap the
    first sentences of every article come before the later ones of any, so every outlet's lead
    is there; the list is in article then sentence order."""
    news = story_texts(articles)
    per_article: list[list[str]] = []
    seen: set[str] = set()
    for article in news:
        kept: list[str] = []
        for raw in split_sentences(article.text):
            text = clean_sentence(raw)
            if usable(text, article.outlet) and text.casefold() not in seen:
                seen.add(text.casefold())
                kept.append(text)
        per_article.append(kept)
    chosen: set[tuple[int, int]] = set()
    used = 0
    depth = max((len(k) for k in per_article), default=0)
    for position in range(depth):
        for index, kept in enumerate(per_article):
            if position < len(kept) and used + len(kept[position]) <= max_chars:
                chosen.add((index, position))
                used += len(kept[position]) + 8
    numbered: list[SourceSentence] = []
    for index, (article, kept) in enumerate(zip(news, per_article, strict=True)):
        shown = [text for position, text in enumerate(kept) if (index, position) in chosen]
        numbered += [
            SourceSentence(f"{index + 1}.{n}", article.id, text)
            for n, text in enumerate(shown, start=1)
        ]
    return numbered


class LLMWriter:
    """Writes a story with a language model, checks every sentence against its cited sources,
    and falls back to the extractive writer whenever the model's story cannot be trusted.

    `retries` is how many times a request is re-sent after 429 or 503 (waiting what Retry-After
    asks, up to `max_retry_after` seconds); a timeout or another server error falls back at
    once, since the extractive story is always at hand (`timeout` bounds the connection and each
    read, as httpx does). Tokens (prompt and completion, from the
    response's `usage` or estimated at four characters a token) are budgeted per story and per
    rolling hour; a request that could exceed either is not sent."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | SecretStr | None = None,
        *,
        fallback: ExtractiveWriter,
        timeout: float = 30.0,
        retries: int = 2,
        max_tokens_per_story: int = 16_000,
        tokens_per_hour: int = 250_000,
        max_source_chars: int = MAX_SOURCE_CHARS,
        max_retry_after: float = 5.0,
        response_format: str = "json_schema",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if response_format not in RESPONSE_FORMATS:
            raise ValueError(f"response_format must be one of {', '.join(RESPONSE_FORMATS)}")
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.fallback = fallback
        self.timeout = timeout
        self.retries = retries
        self.max_tokens_per_story = max_tokens_per_story
        self.tokens_per_hour = tokens_per_hour
        self.max_source_chars = max_source_chars
        self.max_retry_after = max_retry_after
        self.response_format = response_format
        self._clock = clock
        key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        self._headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._spent: deque[tuple[float, int]] = deque()
        self._lock = threading.Lock()
        self.last_tokens = 0

    def __repr__(self) -> str:
        return f"LLMWriter(url={self.url!r}, model={self.model!r})"

    def write(self, articles: Sequence[SourceArticle], words: int | None = None) -> WrittenStory:
        """The model's story when every sentence of it is grounded, else the extractive one.
        Called as the extractive writer is: `words` defaults to the fallback's budget (200)."""
        words = words or self.fallback.words
        extractive = self.fallback.write(articles, words)
        self.last_tokens = 0
        started = time.monotonic()
        try:
            draft, sentences = self._draft(articles, words)
        except _FallbackError as reason:
            log.warning(
                "LLM story for articles %s fell back to extractive after %.1fs: %s",
                [a.id for a in articles],
                time.monotonic() - started,
                reason,
            )
            return replace(extractive, outcome=f"fallback: {reason}")
        log.info(
            "LLM story for articles %s written in %.1fs, %d tokens",
            [a.id for a in articles],
            time.monotonic() - started,
            self.last_tokens,
        )
        by_id = {s.id: s for s in sentences}
        # As in the extractive story: only the latest figures, each fact once.
        current = coverage_figures(story_texts(articles), [(s.article, s.text) for s in sentences])
        highlights = _once(_current(draft.highlights, current))
        fresh = _current(draft.story, current)
        if not fresh:
            return replace(extractive, outcome="fallback: every sentence has an old figure")
        story = _within(_once(fresh), words)
        stale_headline = out_of_date(draft.headline, current)
        return WrittenStory(
            headline=extractive.headline if stale_headline else draft.headline,
            highlights=[_written(c, by_id) for c in highlights],
            story=[_written(c, by_id) for c in story],
            opinions=extractive.opinions,
            sources=extractive.sources,
            outcome="llm",
        )

    def tokens_last_hour(self) -> int:
        """Tokens spent in the rolling hour, for the budget and for status pages."""
        now = self._clock()
        with self._lock:
            while self._spent and self._spent[0][0] <= now - 3600:
                self._spent.popleft()
            return sum(tokens for _, tokens in self._spent)

    def _draft(
        self, articles: Sequence[SourceArticle], words: int
    ) -> tuple[_Draft, list[SourceSentence]]:
        sentences = source_sentences(articles, self.max_source_chars)
        if not sentences:
            raise _FallbackError("no usable source sentences")
        sources_by_id = {s.id: s.text for s in sentences}
        # The outlet is context too: "Reuters reports" is grounded by Reuters' own article.
        context = {a.id: f"{a.outlet}\n{a.title}\n{a.text}" for a in articles if not a.opinion}
        context_by_id = {s.id: context.get(s.article, "") for s in sentences}
        completion_cap = 400 + 6 * words
        messages = [
            {
                "role": "system",
                "content": _SYSTEM.format(highlights=MAX_HIGHLIGHTS, words=words),
            },
            {"role": "user", "content": _prompt(articles, sentences, words)},
        ]
        with httpx.Client(headers=self._headers, timeout=self.timeout) as client:
            shape = _response_format(self.response_format, words)
            for turn in (1, 2):
                answer = self._complete(client, messages, completion_cap, shape)
                draft = _parse(answer)
                problems = check_story(
                    [
                        Claim(draft.headline, tuple(sources_by_id), "headline"),
                        *draft.highlights,
                        *draft.story,
                    ],
                    sources_by_id,
                    context_by_id,
                )
                if not problems:
                    return draft, sentences
                log.info("LLM story turn %d not grounded: %s", turn, problems)
                if turn == 2:
                    break
                messages += [
                    {"role": "assistant", "content": answer},
                    {"role": "user", "content": _FIX.format(problems=_bullets(problems))},
                ]
        raise _FallbackError(f"not grounded after a retry ({len(problems)}: {problems[0]})")

    def _complete(
        self,
        client: httpx.Client,
        messages: list[dict[str, str]],
        cap: int,
        shape: dict[str, Any] | None,
    ) -> str:
        """The model's answer text, within the token budgets."""
        prompt_tokens = sum(len(m["content"]) for m in messages) // CHARS_PER_TOKEN + 1
        needed = prompt_tokens + cap
        if self.last_tokens + needed > self.max_tokens_per_story:
            raise _FallbackError(
                f"story token budget: ~{needed} more tokens would pass "
                f"{self.max_tokens_per_story} (spent {self.last_tokens})"
            )
        spent = self.tokens_last_hour()
        if spent + needed > self.tokens_per_hour:
            raise _FallbackError(
                f"hourly token budget: ~{needed} more tokens would pass "
                f"{self.tokens_per_hour} (spent {spent})"
            )
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": 0,
            "max_tokens": cap,
        }
        if shape is not None:
            body["response_format"] = shape
        response = self._post(client, body, prompt_tokens)
        try:
            data = response.json()
            content = data["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            self._spend(prompt_tokens)
            raise _FallbackError("malformed response (no choices[0].message.content)") from exc
        if not isinstance(content, str):
            self._spend(prompt_tokens)
            raise _FallbackError("malformed response (content is not text)")
        self._spend(_used_tokens(data, prompt_tokens, content))
        return content

    def _post(self, client: httpx.Client, body: dict[str, Any], estimate: int) -> httpx.Response:
        """One request, re-sent after 429/503 when the server asks for a short enough wait."""
        for attempt in range(self.retries + 1):
            try:
                response = client.post(self.url, json=body)
            except httpx.TimeoutException as exc:
                self._spend(estimate)  # the server may well have worked on it
                raise _FallbackError(f"timeout after {self.timeout:g}s") from exc
            except httpx.HTTPError as exc:
                raise _FallbackError(f"request failed ({type(exc).__name__})") from exc
            if response.status_code == 200:
                return response
            if response.status_code not in _RETRY_STATUSES:
                self._spend(estimate)
                raise _FallbackError(f"HTTP {response.status_code}")
            header = response.headers.get("Retry-After")
            wait = 1.0 if header is None else retry_after(header)
            if attempt == self.retries:
                raise _FallbackError(f"HTTP {response.status_code} after {self.retries} retries")
            if wait is None:
                raise _FallbackError(f"HTTP {response.status_code}, Retry-After {header!r}")
            if wait > self.max_retry_after:
                raise _FallbackError(
                    f"HTTP {response.status_code}, Retry-After {wait:g}s is over the "
                    f"{self.max_retry_after:g}s cap"
                )
            log.info("LLM endpoint said %d; retrying in %gs", response.status_code, wait)
            time.sleep(wait)
        raise AssertionError("unreachable")

    def _spend(self, tokens: int) -> None:
        self.last_tokens += tokens
        with self._lock:
            self._spent.append((self._clock(), tokens))


def _prompt(articles: Sequence[SourceArticle], sentences: list[SourceSentence], words: int) -> str:
    by_id = {a.id: a for a in articles}
    lines = ["Source sentences, by article:"]
    current = ""
    for sentence in sentences:
        number = sentence.id.split(".", 1)[0]
        if number != current:
            current = number
            article = by_id[sentence.article]
            title = article_headline(article)
            lines += ["", f"Article {number} ({article.outlet}): {title}"]
        lines.append(f"{sentence.id} {sentence.text}")
    lines += ["", f"Write the story in about {words} words, as JSON."]
    return "\n".join(lines)


def _parse(answer: str) -> _Draft:
    """The answer's JSON, shape-checked; ids are kept as given (grounding reports unknown ones)."""
    text = _THINKING.sub("", answer).strip()
    data: Any = None
    candidates = [text, *(m.group(1) for m in _FENCED.finditer(text))]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        break
    if not isinstance(data, dict):
        raise _FallbackError("malformed answer (no JSON object)")
    headline = data.get("headline")
    if not isinstance(headline, str) or len(_WORD.findall(headline)) < MIN_HEADLINE_WORDS:
        raise _FallbackError("malformed answer (no headline)")
    highlights = _claims(data.get("highlights", []), "highlight")[:MAX_HIGHLIGHTS]
    story = _claims(data.get("story"), "story sentence")
    if not story:
        raise _FallbackError("malformed answer (no story sentences)")
    return _Draft(" ".join(headline.split()).rstrip("."), highlights, story)


def _claims(items: Any, label: str) -> list[Claim]:
    if not isinstance(items, list):
        raise _FallbackError(f"malformed answer ({label}s are not a list)")
    claims: list[Claim] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise _FallbackError(f"malformed answer ({label} {number} is not an object)")
        text, sources = item.get("text"), item.get("sources")
        if not isinstance(text, str) or not isinstance(sources, list):
            raise _FallbackError(f"malformed answer ({label} {number} lacks text or sources)")
        if not all(isinstance(s, str | int | float) for s in sources):
            raise _FallbackError(f"malformed answer ({label} {number} has odd source ids)")
        if text.strip():
            ids = tuple(str(s).strip().strip("[]") for s in sources)
            claims.append(Claim(" ".join(text.split()), ids, f"{label} {number}"))
    return claims


def _written(claim: Claim, by_id: dict[str, SourceSentence]) -> CitedText:
    """A grounded claim with its sentence ids turned into article citations, in citing order."""
    return CitedText(claim.text, tuple(dict.fromkeys(by_id[s].article for s in claim.sources)))


def _current(claims: list[Claim], current: dict[str, str]) -> list[Claim]:
    """The claims less any that gives a figure the coverage has since updated
    (`facts.out_of_date`)."""
    return [claim for claim in claims if not out_of_date(claim.text, current)]


def _once(claims: list[Claim]) -> list[Claim]:
    """The claims less any that restates an earlier one (`facts.each_fact_once`): a small
    model often says the same thing twice."""
    return [claims[i] for i in each_fact_once([claim.text for claim in claims])]


def _within(story: list[Claim], words: int) -> list[Claim]:
    """The story's sentences up to half again the word budget (a grounded sentence can always
    be dropped; the first is always kept)."""
    kept: list[Claim] = []
    used = 0
    for claim in story:
        used += len(claim.text.split())
        if kept and used > 1.5 * words:
            break
        kept.append(claim)
    return kept


def _used_tokens(data: Any, prompt_estimate: int, content: str) -> int:
    usage = data.get("usage") if isinstance(data, dict) else None
    if isinstance(usage, dict):
        total = usage.get("total_tokens")
        if isinstance(total, int) and total > 0:
            return total
        parts = [usage.get("prompt_tokens"), usage.get("completion_tokens")]
        if all(isinstance(p, int) for p in parts):
            return sum(p for p in parts if isinstance(p, int))
    return prompt_estimate + len(content) // CHARS_PER_TOKEN + 1


def _bullets(problems: list[str], limit: int = 20) -> str:
    shown = [f"- {p}" for p in problems[:limit]]
    if len(problems) > limit:
        shown.append(f"- and {len(problems) - limit} more")
    return "\n".join(shown)
