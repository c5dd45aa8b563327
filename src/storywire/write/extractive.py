"""The default writer: offline, deterministic, extractive. Every sentence is a source sentence,
so every sentence carries the articles it came from.

Sentences of the story's news articles (one text per wire group, opinion pieces excluded) are
cleaned of datelines and bylines, filtered (too short, too long, needing context they would not
have), and scored by centrality across the coverage (LexRank over sentence embeddings),
corroboration (how many outlets say the same), position in their article, and neutrality (the
subjectivity model). A budgeted coverage objective picks the sentences that together carry the
coverage's recurring words within the word budget. The story opens with its news as it stands,
then tells what happened in the order it was reported, then the reactions, then the background
(`write/narrative.py`).
"""

from __future__ import annotations

import math
import re
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Sequence, Set
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache

import numpy as np

from storywire.extract.opinion import OPINION_LABEL
from storywire.models import CitedText, OpinionItem
from storywire.nlp.embed import Embedder, Vectors
from storywire.nlp.features import DocumentFrequencies, entities, terms, without_rubrics
from storywire.nlp.sentences import split_sentences
from storywire.nlp.subjectivity import subjectivity
from storywire.write.facts import (
    content,
    current_figures,
    gives_current_figure,
    out_of_date,
    planned_day,
    restates,
)
from storywire.write.narrative import Part, narrative_order, part

_DATELINE = re.compile(
    r"^(?:[A-ZÀ-Þ][A-ZÀ-Þ .'’-]{2,}(?:,\s*[\w .'’-]+)?\s*(?:\([^)]{1,40}\))?\s*(?:--|—|–|-)\s+)"
)
_BYLINE = re.compile(r"^(?:By|Por|Von)\s+[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}\s*$")
# Openings that need a context the sentence won't have: a pronoun or a connective pointing back
# ("He added…", "But…"), or the author's own voice ("I haven't tried…", "You're getting…", "Our
# reporter…"), in which a report does not speak (a quote opens with its quotation mark). In
# Spanish, German, French, Dutch and Italian too, since a story is written in its coverage's
# main language: 1,619 of newsapi's Dutch sentences that were usable open with "Maar", "Hij",
# "Ze" or "Zij". French "il" is left out, being "there" and "it" in "Il y a…" and "Il faut…",
# and so are words that are also articles or "this" before a noun ("het", "die", "dit").
_NEEDS_CONTEXT = re.compile(
    r"^(?:i|you|your|we|our|my|"
    r"he|she|it|they|this|that|these|those|his|her|its|their|but|and|so|also|however|"
    r"meanwhile|still|yet|instead|then|there|here|such|both|another|other|the latter|"
    r"similarly|likewise|additionally|moreover|furthermore|nevertheless|nonetheless|"
    r"either way|in any case|anyway|regardless|even so|that said|as a result|in turn|"
    r"the former|él|ella|ellos|esto|pero|además|er|sie|es|dies|aber|auch|doch|"
    # a time told from the sentence before: "Minutes earlier, …", "Two days later she was…"
    r"(?:\w+ )?(?:seconds|minutes|moments|hours|days|weeks|months|years) (?:earlier|later)|"
    r"an? (?:moment|minute|day|week|month|year|few \w+) (?:earlier|later)|"
    r"(?:earlier|later|afterwards|soon afterwards|shortly afterwards)(?=,)|"
    r"elle|elles|ils|cela|ceci|mais|cependant|toutefois|pourtant|"
    r"hij|zij|ze|maar|echter|bovendien|"
    r"lui|lei|loro|ma|però|tuttavia|inoltre)\b",
    re.IGNORECASE,
)
# A page's own calls to subscribe are phrases or imperatives ("View all New York Times
# newsletters."), not words: news about a newsletter feature ("lets anyone subscribe to creators
# by email") is news (gn24's Mastodon story had no text for the words).
_BOILERPLATE = re.compile(
    r"(copyright|all rights reserved|click here|read more|"
    r"^(?:view|get|sign up|subscribe|join|follow|download|register)\b[^.!?]*"
    r"\b(?:newsletters?|subscri\w+|inbox|alerts)\b|"
    r"subscribe (?:now|today|here|to (?:our|the|read|continue|get|receive|unlock))|"
    r"(?:our|free|daily|weekly) newsletters?|newsletter sign-?up|"
    r"sign up (?:now|here|today|(?:for|to) (?:our|the|a free))|"
    r"advertisement|follow us|share this|got a story|email the newsdesk|"
    # A page's offer to watch or follow its coverage, not news: "Live stream Spain vs. Cape
    # Verde … for free", "Follow our live build-up … before our live text commentary".
    r"^(?:follow|watch|stream|live[- ]?stream)\b.*\b(?:live|online|for free)\b|"
    r"\b(?:how|where) to (?:watch|stream|listen)\b|"
    # A credit line and a photo caption, which a page's text often keeps.
    r"contributed to this report|contributed reporting|file photo|\((?:AP|AFP|Reuters) Photo)",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[^\W\d_][\w'’-]*")
# A finished sentence: a full stop or "!" (a question is no report), perhaps inside a quote or
# brackets. A feed's cut-off standfirst ("sharing a spoof of Trump’", "making a surprise
# appear...") and a caption ("(Photo: Wayne State University)") end otherwise.
_ENDED = re.compile(r"(?:(?<!\.)\.|!)[\"”'’»)]*$")
# The language the model that ranks the sentences reads (MiniLM: English).
MODEL_LANGUAGE = "en"
# Days named relative to the day the sentence's article came out (English, French, Spanish,
# German; Dutch "hier" is "here" and German "Morgen" also a morning, so they are left out). In a
# title "today" mostly says that something is so now ("…a version of Mythos the public can
# access today", gn24), not which day: titles are read for the other days only.
_OTHER_DAYS = (
    r"yesterday|tonight|tomorrow|last night|this (?:morning|afternoon|evening)|demain|ayer|gestern"
)
_RELATIVE_DAY = re.compile(rf"\b(?:{_OTHER_DAYS}|today|aujourd'hui|hoy|heute)\b", re.IGNORECASE)
_TITLE_RELATIVE_DAY = re.compile(rf"\b(?:{_OTHER_DAYS})\b", re.IGNORECASE)
_PRONOUN_SOURCE = re.compile(r"\b(?:he|she|they) (?:said|added|told|says)\b", re.IGNORECASE)
# A one-word label before the sentence proper: "Spoiler: ", "Update: ", "Exclusive: ".
_LABEL = re.compile(r"^[A-Z][a-z]+:\s+")
# What a sentence says in quotation marks (double quotes, guillemets, British single quotes),
# and a quotation left open or closed in it; the first and second person outside them.
_QUOTED = re.compile(r"[\"“„«][^\"“”„«»]*[\"”»]|‘[^‘’]*’(?!\w)")
_OPEN_QUOTE = re.compile(r"[\"“„«‘]")
_CLOSE_QUOTE = re.compile(r"[\"”»]|’(?!\w)")
_PERSON = re.compile(r"\b(?:[Ww]e|us|[Oo]ur|me|[Mm]y|[Yy]ou|[Yy]our)\b|\bI['’](?:m|ve|d|ll)\b")
# A sentence that opens by telling the reader what to do: shopping and service copy ("Save 34%
# on…", "Shop the best…", "Enjoy up to 35% off…", "Check out this week’s odds…"). The next word
# is lower case or a figure, and not "the" before a name, so "Save the Children said…" is a
# name, not a call.
_CALL_TO_READER = re.compile(
    r"^(?:Enjoy|Shop|Save|Get|Grab|Snag|Score|Check out|Find out|Learn|Discover|See|Stay|Stream"
    r"|Try|Keep|Click|Subscribe|Sign up|Don['’]t miss|Take advantage|Explore|Head to|Treat)"
    r"\s+(?=[a-z0-9$£€])(?!the [A-Z])"
)
# A bare definite noun as the subject, pointing back at what an earlier sentence named: "The
# company said…", "The actress recently gave birth…", and the event itself: "The move comes
# after weeks of protests", "The news came as…", "The film marks…" (gn24's Bolivia and Poland
# stories of 20 June, where no sentence about the move came before it), "The crash reportedly
# happened on an airstrip…", "The incident took place…" (gn24's Ubisoft page of 20 June led
# with it; all six such sentences on both streams point back). With a name or a modifier
# ("The Miami Herald reports", "The parents of a 2-year-old…", "The index, which…") it stands
# alone.
_BARE_DEFINITE = re.compile(
    r"^The [a-z]+ (?:said|says|told|tells|added|adds|also|recently|later|then|now|has|have|"
    r"had|is|are|was|were|will|would|could|can|did|does|announced|confirmed|declined|denied|"
    r"noted|reported|explained|wrote|stated|argued|insisted|claimed|comes|came|follows|"
    r"followed|marks|marked|reportedly|happened|occurred|took place)\b"
)
# Starts only at the first blank of a run (a run of spaces was quadratic).
_TITLE_TAIL = re.compile(r"(?<!\s)\s++[|–—-]\s++([^|–—-]{2,40})$")
# "Quake: what the state of emergency means", "Strike: what you need to know", "Explained: ..."
_EXPLAINER = re.compile(
    r"(?:(?:^|:\s*)(?:\d+|two|three|four|five|six|seven|eight|nine|ten) (?:[\w-]+ ){0,3}"
    r"(?:things|ways|reasons|features|tips|takeaways|questions|facts|details|moments|signs)\b)"
    # a list: "5 Android 17 features to try ASAP", "David Beckham: Five things we learned…"
    r"|(?::\s*(?:what|why|how|who|when|where|qué|cómo|por qué|was|wie|warum)\b)"
    r"|\b(?:explained|explainer|what (?:we|you) (?:know|need to know)|everything we know"
    r"|lo que (?:sabemos|hay que saber)|was wir wissen)\b",
    re.IGNORECASE,
)
# A preview, written before the event it is about: "Spain vs Cape Verde: World Cup – Lamine
# Yamal, predictions and how to watch", "… prediction, schedules, latest news", "Match
# preview", "predicted line-ups", "team news" (gn24, 14 and 15 June). Out of date once
# coverage after it reports the event, and no headline for it.
_PREVIEW = re.compile(
    r"\b(?:previews?|predictions?|predicted|(?:how|where) to (?:watch|stream)|what to expect|"
    r"team news|line-?ups|build-?up|kick-?off time|tv channel|live ?stream|"
    r"previa|pronósticos?|cómo ver|vorschau|so sehen sie|pronostics?|comment regarder)\b",
    re.IGNORECASE,
)
# A live blog's title: "South Africa vs Czechia LIVE: World Cup 2026", "… live: …", "… live
# updates", "Israel war news updates: …", "… as it happened", "DIRECT. …" (gn24 and newsapi).
# It says that something is going on, not what happened.
_LIVE_BLOG = re.compile(
    r"\bLIVE\b|\bDIRECT\b|(?i:\blive(?:[- ]?(?:updates?|blog|coverage|ticker)\b|\s*:)"
    r"|\b(?:news|latest) updates\b|\bas it happened\b|\ben direct\b|\bin diretta\b|\bliveticker\b)"
)
# A headline in its author's own voice: "I put the new Siri through a 10-round test", "I Found
# 22 Early Prime Day Deals" (a review or a shopping column, not the report of an event).
_FIRST_PERSON = re.compile(r"^(?:I|I['’](?:m|ve|d|ll)|My|We|We['’](?:re|ve)|Our)\b")
# A feature or a side piece beside the news, by the form of its title: one outlet's exclusive
# angle, a quotation the title hangs on ("‘We were close friends’: former ally of Sam
# Bankman-Fried returns in FTX trial"; an attributed quote, "'I will not resign,' X says", is a
# report), a look behind or ahead ("The story behind the David Beckham and Rebecca Loos 'affair'
# scandal", "An early look at possible successors to McCarthy") or a roundup of updates
# ("Ukraine Russia war updates: Missile strike kills 51 at café"). Each headed a story of
# newsapi's or gn24's tune week while other outlets' reports stood beside it (bench/headlines.py).
_FEATURE = re.compile(
    r"^(?:exclusive\b|the story behind\b|an? (?:early |first |closer )?look at\b)"
    r"|^[‘'\"“«„][^’'\"”»]+[’'\"”»]\s*(?:[:—–-]|with\b)"
    r"|\bupdates:",
    re.IGNORECASE,
)
# A social-media hashtag's "#" before a word ("#Trump", "#WhiteHouse"); "#835" (a number) stays.
_HASHTAG = re.compile(r"(?<![\w#])#(?=[^\W\d_])")
# Emoji, flags and pictographs ("🔴 🇺🇦 🇷🇺 #Ukraine targeted…" in a feed written for social
# media), with the joiners and selectors that build them; "25°C", "©" and "€" are not among them.
_PICTOGRAPHS = re.compile(
    r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0E\uFE0F\u200D\u20E3]+\s*"
)
MIN_WORDS, MAX_WORDS, HIGHLIGHT_WORDS = 6, 55, 30
LATEST_COVERAGE = timedelta(hours=24)
# How much of a headline's centrality is closeness to the latest coverage rather than to all of
# it: chosen on the tune half of bench/headlines.py (see `ExtractiveWriter._headline`).
LATEST_WEIGHT = 0.4
# A headline lift for a title that gives a tally's current figure ("death toll climbs to 23"):
# it states where the story is now, which a follow-up on its edge ("rescue team at work") does
# not, however central its words. Without it the choice between those two turned on 0.01-0.03
# of centrality, which another processor's int8 vectors moved (bench/README.md, fifteenth
# session).
CURRENT_FIGURE_LIFT = 0.05
# Bounds on what one rewrite reads, so that a story of hundreds of reports (a war, an election,
# a blob) costs what a story of dozens does: at most MAX_TEXTS texts, its first reports (which
# state the event) and its latest (the current state); and at most MAX_SENTENCES sentences,
# the leading ones of every text before the later ones of any. Every sentence is embedded and
# compared with every other, so an unbounded story grew its rewrite quadratically. Bounds, not
# tuned constants: no benchmark story reaches them.
MAX_TEXTS, FIRST_REPORTS, MAX_SENTENCES = 30, 5, 1500
# Only a text's first LEADING_SENTENCES usable sentences are candidates: a report states the
# event and its news first, and its later paragraphs (background, quotes, what else the outlet
# covers) were picked over them. Chosen on bench/writing.py's tune half among 8-20 and none:
# ROUGE-1 F 38.76 with every sentence, 39.35 with 14, at 60% of the writer's CPU (the report
# half's recall fell 0.23; docs/writing.md).
LEADING_SENTENCES = 14
# Sentence vectors a writer keeps between rewrites: 384 float32s each, so 30 MB at most.
SENTENCE_VECTORS = 20_000
# Two story sentences at least this close (cosine of their embeddings) say one thing in two
# wordings ("A French appeals court confirmed that Hakimi will face trial" and "... confirmed
# Friday that ... Achraf Hakimi will stand trial"): only the first is taken.
NEAR_REPEAT = 0.75


@dataclass(frozen=True, slots=True)
class SourceArticle:
    id: int
    title: str
    text: str
    outlet: str
    published: datetime | None = None
    author: str | None = None
    opinion: bool = False
    dup_group: int | None = None
    language: str | None = None
    core_title: str | None = None  # the title without its outlet's rubrics (`Article`)


@dataclass(frozen=True, slots=True)
class Source:
    outlet: str
    articles: tuple[int, ...]
    wire_copies: int


@dataclass
class WrittenStory:
    headline: str
    highlights: list[CitedText]
    story: list[CitedText]
    opinions: list[OpinionItem] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    # How it was written: "llm", or "fallback: <reason>" when the LLM writer fell back to the
    # extractive story; None from the extractive writer. Two stories of the same text are equal
    # however they were written.
    outcome: str | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class _Sentence:
    text: str
    article: int
    outlet: str
    position: int
    published: datetime
    words: Counter[str] = field(compare=False)  # content words (`terms`), scored twice
    subjective: float  # `subjectivity`, scored twice


def without_marks(text: str) -> str:
    """`text` without emoji and hashtag marks ("#Moscow" is "Moscow"), its words all kept."""
    return _HASHTAG.sub("", _PICTOGRAPHS.sub("", text))


def clean_sentence(text: str) -> str:
    """A sentence without its dateline ("SEOUL (AP) -- "), emoji, hashtag marks and surrounding
    whitespace: how a news page states it."""
    return _DATELINE.sub("", " ".join(without_marks(text).split()), count=1).strip()


def usable(sentence: str, outlet: str | None = None) -> bool:
    """Whether a sentence can stand in a story: long enough, finished, not boilerplate, and
    understood without its article (`outlet`: the article's, see `_presents_coverage`)."""
    words = sentence.split()
    opening = _LABEL.sub("", sentence, count=1)  # "Spoiler: He says…" opens with "He"
    return (
        MIN_WORDS <= len(words) <= MAX_WORDS
        and not _NEEDS_CONTEXT.match(opening)
        and not _BARE_DEFINITE.match(opening)
        and not _BOILERPLATE.search(sentence)
        and not _BYLINE.match(sentence)
        and _ENDED.search(sentence) is not None
        and not _unattributed(sentence)
        and not _in_authors_voice(sentence)
        and not (outlet and _presents_coverage(sentence, outlet))
    )


# What an outlet says of its own coverage, after its name (and perhaps its reporter's):
# "DW looks at the red lines…", "Al Jazeera’s Yasmeen Aboujabal looks at how…", "DW spoke to
# Iranians…", "Al Jazeera explains…", "ZDNET tested our favorite tablets…" (gn24). What it
# learned or reveals is news and stays: "Variety has learned that…", "Deadline can reveal…".
_COVERAGE_VERBS = (
    r"(?:has more|has the latest|looks|looked|takes|took|spoke|speaks|talks|talked|sat down|"
    r"breaks down|broke down|explains|explores|examines|asks|asked|reports from|visits|visited|"
    r"reacts|surveyed|tested|curated|lists|separates|rounds up|brings you|has followed|"
    r"has been following|has covered|has been covering)\b"
)
_REPORTER = (
    r"(?:['’]s(?: [A-Z][\w'’.-]*){1,3}|"
    r" (?:correspondent|reporters?|analysts?|experts?|editors?)(?: [A-Z][\w'’.-]*){0,3})?"
)


@lru_cache(maxsize=4096)
def _coverage_opening(outlet: str) -> re.Pattern[str]:
    return re.compile(rf"^(?i:{re.escape(outlet)}){_REPORTER} {_COVERAGE_VERBS}")


def _presents_coverage(sentence: str, outlet: str) -> bool:
    """Whether the sentence is the outlet presenting its own coverage, not reporting news."""
    return bool(_coverage_opening(outlet).match(sentence))


def clean_headline(title: str, outlet: str | None = None) -> str:
    """No opinion label, no outlet tail ("… - The Herald", "… | news.example.com"), no emoji and
    no hashtag marks ("#Trump" is "Trump"); a subtitle after a dash stays."""
    title = OPINION_LABEL.sub("", without_marks(title).strip()).strip()
    tail = _TITLE_TAIL.search(title)
    if tail:
        name = tail.group(1).strip().casefold()
        if (outlet and name == outlet.casefold()) or re.search(r"\.[a-z]{2,}$", name):
            title = title[: tail.start()].rstrip()
    return title


def article_headline(article: SourceArticle) -> str:
    """The article's title as a headline: `clean_headline`, after dropping the rubrics its
    outlet puts on many headlines ("… - Notizie", "LIVE | …"), which the dedupe stage found."""
    title = article.title
    if article.core_title:
        title = without_rubrics(title, article.core_title)
    return clean_headline(title, article.outlet)


class ExtractiveWriter:
    """Writes a story from its sources' own sentences. One writer serves a process: it keeps
    the vectors of the sentences it embedded (SENTENCE_VECTORS, the latest used), since a story
    is rewritten whenever its coverage grows and all but the newest reports' sentences were
    embedded at its last rewrite. The model embeds each text alone, so a kept vector is the
    one it would compute again."""

    def __init__(self, embedder: Embedder, words: int = 200) -> None:
        self.embedder = embedder
        self._vectors: OrderedDict[str, Vectors] = OrderedDict()
        self.words = words

    def write(self, articles: Sequence[SourceArticle], words: int | None = None) -> WrittenStory:
        budget = words or self.words
        representatives = story_texts(articles) or _bounded(_one_per_group(list(articles)))
        sentences = self._sentences(representatives)
        opinions = [_opinion(a) for a in articles if a.opinion]
        sources = _sources(articles)
        reports = [a for a in articles if not a.opinion]
        if not sentences:  # headlines only: the headline is still chosen, not the first one
            current = coverage_figures(representatives, [])
            title = self._headline(representatives, current, reports) if articles else ""
            return WrittenStory(title, [], [], opinions, sources)
        vectors = self._embed([s.text for s in sentences])
        similarity = vectors @ vectors.T
        scores = _scores(sentences, similarity)
        # Coverage updates its figures (a toll, a count): only the latest ones are stated.
        current = coverage_figures(representatives, [(s.article, s.text) for s in sentences])
        stale = {i for i, s in enumerate(sentences) if out_of_date(s.text, current)}
        stale |= _overtaken_sentences(sentences)
        stale |= _superseded_previews(sentences, representatives)
        chosen = _select(sentences, similarity, scores, budget, stale)
        chosen.sort(
            key=lambda i: (sentences[i].published, sentences[i].article, sentences[i].position)
        )
        year = max(s.published for s in sentences).year
        part_of = {i: part(sentences[i].text, year) for i in chosen}.__getitem__
        latest = latest_coverage(representatives, reports=reports)
        chosen = _lead_first(chosen, sentences, scores, latest, part_of)
        chosen = narrative_order(chosen, part_of)
        story = [CitedText(sentences[i].text, _citations(i, sentences, similarity)) for i in chosen]
        moved_on = {a.id for a in latest} if len(latest) < len(representatives) else set()
        highlights = _highlights(sentences, similarity, scores, stale, year, moved_on)
        return WrittenStory(
            headline=self._headline(representatives or list(articles), current, reports),
            highlights=highlights,
            story=story,
            opinions=opinions,
            sources=sources,
        )

    def _embed(self, texts: list[str]) -> Vectors:
        """The texts' vectors, embedding only those not kept from an earlier rewrite."""
        kept = self._vectors
        missing = [t for t in dict.fromkeys(texts) if t not in kept]
        if missing:
            kept.update(zip(missing, self.embedder.embed(missing), strict=True))
        for text in texts:
            kept.move_to_end(text)
        while len(kept) > SENTENCE_VECTORS:
            kept.popitem(last=False)
        return np.vstack([kept[t] for t in texts])

    def _sentences(self, articles: Sequence[SourceArticle]) -> list[_Sentence]:
        """The usable sentences, each once, in article then sentence order: at most
        LEADING_SENTENCES of an article and MAX_SENTENCES in all, the leading ones of every
        article first."""
        per_article: list[list[tuple[int, str]]] = []
        seen: set[str] = set()
        for article in articles:
            kept: list[tuple[int, str]] = []
            for position, raw in enumerate(split_sentences(article.text)):
                text = clean_sentence(raw)
                key = text.casefold()
                if usable(text, article.outlet) and key not in seen:
                    seen.add(key)
                    kept.append((position, text))
            per_article.append(kept)
        depth = min(
            _depth_within([len(kept) for kept in per_article], MAX_SENTENCES), LEADING_SENTENCES
        )
        return [
            _Sentence(
                text,
                article.id,
                article.outlet,
                position,
                article.published or datetime.min.replace(tzinfo=UTC),
                terms(text),
                subjectivity(text),
            )
            for article, kept in zip(articles, per_article, strict=True)
            for position, text in kept[:depth]
        ]

    def _headline(
        self,
        articles: Sequence[SourceArticle],
        current: dict[str, str] | None = None,
        reports: Sequence[SourceArticle] = (),
    ) -> str:
        """The title closest to both the centre of the latest coverage (`latest_coverage`,
        which `reports` in other languages confirm; weighed LATEST_WEIGHT) and the centre of
        all of it, preferring sober reports to explainers and features, and in a close call
        the fresher one (a story's latest development); not one with an out-of-date figure,
        nor one `overtaken` by a later day's report ("deal to be signed tomorrow" on the day
        after), while another title has neither. Any title may win: on a story's second day
        the latest coverage is often reactions to the event ("Jimmy Kimmel reacts to…"), and a
        report of the event is close to both centres, while a development two outlets report
        ("Scalise withdraws") is far from the first day's centre but the latest coverage is all
        of it."""
        titled = [a for a in articles if a.title.strip()]
        latest = latest_coverage(titled, reports=reports)
        last = max((a.published for a in [*titled, *reports] if a.published), default=None)
        if current:
            titled = [a for a in titled if not out_of_date(a.title, current)] or titled
        titled = [
            a for a in titled if not overtaken(a.title, a.published, last, _TITLE_RELATIVE_DAY)
        ] or titled
        if not titled:
            return ""
        titles = [article_headline(a) for a in titled]
        if len(set(titles)) == 1:  # a story of one report (and its copies): nothing to weigh
            return titles[0]
        vectors = self._embed(titles)
        centrality = headline_centrality(
            vectors, self._embed([article_headline(a) for a in latest])
        )
        times = [a.published for a in titled]
        newest = max((t for t in times if t is not None), default=None)

        def freshness(i: int) -> float:
            when = times[i]
            if newest is None or when is None:
                return 1.0
            return float(0.5 ** ((newest - when).total_seconds() / 86400))

        ranked = sorted(
            range(len(titles)),
            key=lambda i: (
                -_headline_quality(
                    titles[i],
                    float(centrality[i]),
                    freshness(i),
                    gives_current_figure(titles[i], current or {}),
                ),
                titles[i],
            ),
        )
        return titles[ranked[0]]


def headline_centrality(titles: Vectors, latest: Vectors) -> np.ndarray:
    """How well each title tells the story: LATEST_WEIGHT times its cosine to the centre of the
    `latest` coverage's titles, the rest its cosine to the centre of all the `titles`."""
    whole = titles @ titles.mean(axis=0)
    result: np.ndarray = (
        LATEST_WEIGHT * (titles @ latest.mean(axis=0)) + (1 - LATEST_WEIGHT) * whole
    )
    return result


def coverage_figures(
    articles: Sequence[SourceArticle], sentences: Iterable[tuple[int, str]]
) -> dict[str, str]:
    """The current figures (`facts.current_figures`) of a story's news: its (article id,
    sentence) pairs, each dated by its article, and its titles."""
    published = {a.id: a.published for a in articles}
    return current_figures(
        [(text, published.get(article)) for article, text in sentences]
        + [(a.title, a.published) for a in articles if not a.opinion]
    )


def latest_coverage(
    articles: Sequence[SourceArticle],
    window: timedelta = LATEST_COVERAGE,
    reports: Sequence[SourceArticle] = (),
) -> list[SourceArticle]:
    """The articles of the last `window` before the newest report, when at least two outlets
    wrote reports in it; otherwise all. A headline comes from these: once a second outlet
    reports that the toll rose to 23, a day-old "Nine dead" headline is out of date, while a
    single follow-up (a rescue team's arrival) is not yet the story's news. `reports`: the
    story's other news reports (those in other languages, when `articles` are its main
    language's), which confirm a development as well: newsapi's Scalise story kept "House
    Republicans select Steve Scalise as nominee" under NBC's "Steve Scalise withdraws from
    speaker's race" though Le Monde had reported the withdrawal too."""
    dated = [(a.published, a.outlet) for a in [*articles, *reports] if a.published is not None]
    if not dated:
        return list(articles)
    since = max(when for when, _ in dated) - window
    recent = [a for a in articles if a.published is not None and a.published >= since]
    outlets = {outlet for when, outlet in dated if when >= since}
    return recent if recent and len(outlets) >= 2 else list(articles)


def _headline_quality(
    title: str, centrality: float, freshness: float = 1.0, current_figure: bool = False
) -> float:
    """Centrality, a small lift for fresh titles (halved a day) and for one that gives a tally's
    current figure (`CURRENT_FIGURE_LIFT`), and penalties for titles that
    shout, run long, ask, announce an explainer, preview an event or run live, present a
    feature or a side piece, speak in the author's voice or run to several sentences ("GTA VI
    pre-orders open June 25. Rockstar revealed the cover art. No price yet.", a standfirst in
    the title's place) rather than report the news."""
    shouting = sum(ch.isupper() for ch in title) > 0.5 * sum(ch.isalpha() for ch in title)
    penalty = 0.3 * ("!" in title) + 0.3 * shouting + 0.2 * (len(title) > 90) + 0.1 * ("?" in title)
    penalty += 0.3 * bool(_EXPLAINER.search(title)) + 0.3 * bool(_FIRST_PERSON.match(title))
    penalty += 0.3 * bool(_PREVIEW.search(title) or _LIVE_BLOG.search(title))
    penalty += 0.3 * bool(_FEATURE.search(title))
    penalty += 0.3 * (len(split_sentences(title)) > 1)
    return centrality + 0.1 * freshness + CURRENT_FIGURE_LIFT * current_figure - penalty


def story_texts(articles: Sequence[SourceArticle]) -> list[SourceArticle]:
    """The texts a story is written from, by any writer: news articles in the coverage's main
    language, one per near-duplicate group (the least trimmed copy), in publishing order; at
    most MAX_TEXTS of them."""
    return _bounded(_one_per_group(_main_language([a for a in articles if not a.opinion])))


def _bounded(texts: list[SourceArticle]) -> list[SourceArticle]:
    """The first FIRST_REPORTS texts and the latest, MAX_TEXTS in all."""
    if len(texts) <= MAX_TEXTS:
        return texts
    return texts[:FIRST_REPORTS] + texts[FIRST_REPORTS - MAX_TEXTS :]


def _depth_within(lengths: list[int], limit: int) -> int:
    """The most sentences of each article that can be taken, the leading ones, with at most
    `limit` in all."""
    depth = max(lengths, default=0)
    while depth and sum(min(n, depth) for n in lengths) > limit:
        depth -= 1
    return depth


def _main_language(articles: list[SourceArticle]) -> list[SourceArticle]:
    """The story is written in the language most of its reports use; the rest still count as
    sources. A tie goes to the language more outlets use, then to MODEL_LANGUAGE, not to the
    first report's: two Russian and two English reports on a NASA sample were headlined in
    Russian."""
    languages = Counter(a.language for a in articles if a.language)
    if not languages:
        return articles
    outlets = Counter(language for language, _ in {(a.language, a.outlet) for a in articles})
    main = max(
        languages,
        key=lambda language: (languages[language], outlets[language], language == MODEL_LANGUAGE),
    )
    return [a for a in articles if a.language in (main, None)]


def _one_per_group(articles: Sequence[SourceArticle]) -> list[SourceArticle]:
    """One text per near-duplicate group: the longest (the least trimmed copy)."""
    best: dict[int, SourceArticle] = {}
    for article in articles:
        key = article.dup_group if article.dup_group is not None else -article.id
        if key not in best or len(article.text) > len(best[key].text):
            best[key] = article
    return sorted(
        best.values(), key=lambda a: (a.published or datetime.min.replace(tzinfo=UTC), a.id)
    )


def _scores(sentences: list[_Sentence], similarity: Vectors) -> np.ndarray:
    centrality = _lexrank(similarity)
    words = np.sqrt(_word_centrality([s.words for s in sentences]))
    outlets = {s.outlet for s in sentences}
    scores = np.zeros(len(sentences))
    for i, sentence in enumerate(sentences):
        echoes = {sentences[j].outlet for j in np.flatnonzero(similarity[i] >= 0.75)}
        corroboration = len(echoes) / max(len(outlets), 1)
        position = 1.0 / (1.0 + 0.6 * sentence.position)
        neutral = 1.0 - 0.6 * sentence.subjective
        scores[i] = centrality[i] * words[i] * (1 + corroboration) * (0.25 + position) * neutral
    return scores


def _word_centrality(bags: list[Counter[str]]) -> np.ndarray:
    """Cosine of each sentence's TF-IDF vector with the sum of all of them (MEAD's centroid):
    how much of the coverage's own vocabulary a sentence carries. The embedding centrality
    above rewards saying what the others say; this rewards saying it with the words that
    recur, the names and figures a reader needs. `bags` are the sentences' `terms`."""
    frequencies = DocumentFrequencies()
    for bag in bags:
        frequencies.add(bag)
    vectors = [{t: c * frequencies.idf(t) for t, c in bag.items()} for bag in bags]
    centroid: Counter[str] = Counter()
    for vector in vectors:
        centroid.update(vector)
    centre = math.sqrt(sum(w * w for w in centroid.values())) or 1.0
    return np.array(
        [
            sum(w * centroid[t] for t, w in vector.items())
            / (centre * (math.sqrt(sum(w * w for w in vector.values())) or 1.0))
            for vector in vectors
        ]
    )


def _lexrank(similarity: Vectors, threshold: float = 0.3, damping: float = 0.85) -> np.ndarray:
    graph = (similarity >= threshold).astype(np.float64)
    graph /= graph.sum(axis=1, keepdims=True)
    n = len(graph)
    rank = np.full(n, 1.0 / n)
    for _ in range(50):
        rank = (1 - damping) / n + damping * graph.T @ rank
    return rank * n


def _lead_first(
    chosen: list[int],
    sentences: Sequence[_Sentence],
    scores: np.ndarray,
    latest: Sequence[SourceArticle],
    part_of: Callable[[int], Part],
) -> list[int]:
    """The chosen sentences in time order, but led by the best-scoring one of the `latest`
    coverage (the articles a headline comes from) that states the event: the lead states the
    story's news as it stands, "Burnham won the by-election", not the first report's "Burnham
    hopes to win" nor a quote about it ("'This isn't the Simon you remember from recess,' the
    streamer describes."), and what led to it follows in order."""
    newest = {a.id for a in latest}
    current = [i for i in chosen if sentences[i].article in newest] or chosen
    current = [i for i in current if part_of(i) is Part.EVENT] or current
    if not current:
        return chosen
    lead = max(current, key=lambda i: (float(scores[i]), -i))
    return [lead, *(i for i in chosen if i != lead)]


def overtaken(
    text: str,
    published: datetime | None,
    newest: datetime | None,
    relative_day: re.Pattern[str] = _RELATIVE_DAY,
) -> bool:
    """Whether a text of a report published on an earlier day than the story's `newest` names a
    day that report has reached: a day relative to its own ("yesterday" in Monday's report is
    Sunday, and a story updated on Wednesday would tell its reader it was Tuesday), or the day
    of a plan (`planned_day`: "On June 14, Swiss voters will be able to decide…" beside "were
    set to reject" on the vote's page, gn24). Such a text is left out like an out-of-date
    figure; the same day's reports keep theirs, and the page says when it was updated.
    `relative_day`: the words read as such a day (titles read fewer)."""
    if published is None or newest is None or published.date() >= newest.date():
        return False
    if relative_day.search(text):
        return True
    day = planned_day(text, published)
    return day is not None and day <= newest.date()


def _overtaken_sentences(sentences: Sequence[_Sentence]) -> set[int]:
    """The sentences `overtaken` by the story's newest report."""
    newest = max((s.published for s in sentences), default=None)
    return {i for i, s in enumerate(sentences) if overtaken(s.text, s.published, newest)}


def _superseded_previews(
    sentences: Sequence[_Sentence], articles: Sequence[SourceArticle]
) -> set[int]:
    """Sentences of previews (`_PREVIEW` in the title) that a later report, not itself a
    preview, follows: "Spain open their Group H campaign with a match against Cape Verde" was
    a highlight of the story of their draw. A story of previews only keeps them."""
    previews = {a.id for a in articles if _PREVIEW.search(a.title)}
    reports = [a.published for a in articles if a.id not in previews and a.published]
    latest = max(reports, default=None)
    if latest is None:
        return set()
    return {
        i
        for i, sentence in enumerate(sentences)
        if sentence.article in previews and sentence.published < latest
    }


def _select(
    sentences: list[_Sentence],
    similarity: Vectors,
    scores: np.ndarray,
    budget: int,
    stale: set[int],
) -> list[int]:
    """Sentences that together cover the coverage's recurring words, within the word budget.

    Each content word weighs the sum, over the sentences that use it, of 1 / sqrt(1 + position
    in the article): words the reports lead with weigh most, and words they keep coming back to
    add up. Greedily, the sentence whose words not yet covered weigh most, times the chance
    that it is objective, plus a tenth of its score, per word of length to the power 0.3, is
    taken next: a budgeted coverage objective (Lin and Bilmes' submodular summarisation), so a
    second sentence saying the same gains little. Near-repeats (cosine >= 0.8) and a sentence
    that restates a chosen one (`facts.restates`) are never both taken. docs/writing.md has the
    figures against maximal marginal relevance and LexRank.
    """
    bags = [set(sentence.words) for sentence in sentences]
    weight: defaultdict[str, float] = defaultdict(float)
    for sentence, bag in zip(sentences, bags, strict=True):
        for word in bag:
            weight[word] += 1.0 / math.sqrt(1 + sentence.position)
    total = sum(weight.values()) or 1.0
    relevance = scores / max(float(scores.max()), 1e-9)
    objective = [1.0 - sentence.subjective for sentence in sentences]
    lengths = [len(sentence.text.split()) for sentence in sentences]
    contents = _contents(sentences)
    covered: set[str] = set()
    chosen: list[int] = []
    used = 0
    candidates = set(range(len(sentences))) - stale
    while candidates:

        def gain(i: int) -> tuple[float, int]:
            new = sum(weight[word] for word in bags[i] - covered) / total
            return ((new * objective[i] + 0.1 * relevance[i]) / lengths[i] ** 0.3, -i)

        best = max(candidates, key=gain)
        candidates.discard(best)
        if chosen and max(float(similarity[best, j]) for j in chosen) >= NEAR_REPEAT:
            continue
        if any(restates(contents(best), contents(j)) for j in chosen):
            continue
        if used + lengths[best] > budget and chosen:
            if used >= 0.97 * budget:
                break
            continue
        chosen.append(best)
        used += lengths[best]
        covered.update(bags[best])
    return chosen


def _contents(sentences: list[_Sentence]) -> Callable[[int], frozenset[str]]:
    """Each sentence's `facts.content`, worked out when first asked for."""
    return cache(lambda index: content(sentences[index].text))


def _citations(index: int, sentences: list[_Sentence], similarity: Vectors) -> tuple[int, ...]:
    """The sentence's own article, then other articles that state the same (cosine >= 0.75
    and no name or number of the sentence missing from theirs)."""
    own = sentences[index]
    names = set(entities(own.text))
    cited = [own.article]
    for j in np.flatnonzero(similarity[index] >= 0.75):
        other = sentences[j]
        if other.article not in cited and names <= set(entities(other.text)):
            cited.append(other.article)
    return tuple(cited)


def _in_authors_voice(text: str) -> bool:
    """A sentence that speaks as "I" or "we" or to "you" outside quotation marks, or opens by
    telling the reader what to do, is the author's voice: a review, a column, service
    journalism or the outlet about itself ("Today I'm talking with…", "Come join us as we
    report live…", "…the best laptop you can buy", "Save 34% on…"), not a report. "World War
    I" and "Charles I" are not "I"; a quotation that runs on from the sentence before or into
    the next one is quoted too."""
    if _CALL_TO_READER.match(text):
        return True
    told = _QUOTED.sub(" ", text)
    opening = _OPEN_QUOTE.search(told)
    if opening:
        told = told[: opening.start()]
    closings = list(_CLOSE_QUOTE.finditer(told))
    if closings:
        told = told[closings[-1].end() :]
    if _PERSON.search(told):
        return True
    words = _WORDS.findall(told)
    return any(
        word == "I" and (n == 0 or not words[n - 1][0].isupper()) for n, word in enumerate(words)
    )


def _unattributed(text: str) -> bool:
    """'"...," she said.' names nobody: out of its article, the reader cannot tell who "she"
    is, and the writer rarely places it right after the sentence that named her. A name here is
    any capitalised word but the first."""
    words = _WORDS.findall(text)
    named = any(w[0].isupper() and len(w) > 1 for w in words[1:])
    return bool(_PRONOUN_SOURCE.search(text)) and not named


def _highlights(
    sentences: list[_Sentence],
    similarity: Vectors,
    scores: np.ndarray,
    stale: set[int],
    year: int,
    latest: Set[int] = frozenset(),
) -> list[CitedText]:
    """Three central facts, mutually different and none with an out-of-date figure, by part
    (`narrative.part`, `year` the year of the latest report: the event, then reactions and
    background), each part in the order of their scores. Short sentences (HIGHLIGHT_WORDS)
    first; longer ones fill what they leave, since a big event's first reports are all long
    sentences (newsapi's Hamas attack had a lone reaction short enough, and no highlight said
    what happened). Where the story has moved on, `latest` holds its latest coverage (article
    ids, `latest_coverage`), and the first highlight is the best-scoring event sentence of it
    (if it has one: a day of reactions does not lead), the lead's news, so that it agrees with
    the headline: the demo's rail story, headlined "settled", had the strike's first day in all
    three."""
    contents = _contents(sentences)
    long = [len(s.text.split()) > HIGHLIGHT_WORDS for s in sentences]
    ranked = sorted(range(len(sentences)), key=lambda i: (long[i], -scores[i], i))
    # a highlight stands alone: no "she said" without a she
    alone = [i for i in ranked if i not in stale and not _PRONOUN_SOURCE.search(sentences[i].text)]
    news = sorted((i for i in alone if sentences[i].article in latest), key=lambda i: -scores[i])
    first = next((i for i in news if part(sentences[i].text, year) is Part.EVENT), None)
    picked = [] if first is None else [first]  # not a reaction
    for i in alone:
        if i in picked:
            continue
        if any(similarity[i, j] >= 0.6 or restates(contents(i), contents(j)) for j in picked):
            continue
        picked.append(i)
        if len(picked) == 3:
            break
    lead, rest = (picked[:1], picked[1:]) if first is not None else ([], picked)
    rest.sort(key=lambda i: (part(sentences[i].text, year), -scores[i], i))
    return [
        CitedText(sentences[i].text, _citations(i, sentences, similarity)) for i in [*lead, *rest]
    ]


def _opinion(article: SourceArticle) -> OpinionItem:
    first = next(
        (clean_sentence(s) for s in split_sentences(article.text) if usable(clean_sentence(s))), ""
    )
    gist = " ".join(first.split()[:HIGHLIGHT_WORDS])
    title = article_headline(article)
    return OpinionItem(article.id, article.outlet, article.author, title, gist)


def _sources(articles: Sequence[SourceArticle]) -> list[Source]:
    groups = Counter(a.dup_group for a in articles if a.dup_group is not None)
    by_outlet: dict[str, list[SourceArticle]] = {}
    for article in articles:
        by_outlet.setdefault(article.outlet, []).append(article)
    return sorted(
        (
            Source(
                outlet,
                tuple(a.id for a in items),
                sum(1 for a in items if a.dup_group is not None and groups[a.dup_group] > 1),
            )
            for outlet, items in by_outlet.items()
        ),
        key=lambda s: (-len(s.articles), s.outlet),
    )
