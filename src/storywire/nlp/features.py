"""Cheap, language-light features for story detection: terms, named entities, numbers.

Entities here are surface forms, not a trained NER model: capitalised word sequences that are not
merely sentence openers, and numbers that carry information (decimals, percentages, numbers of two
or more digits). That is enough to tell two earthquakes apart (different places, magnitudes and
tolls) and it works the same in English, Spanish and German.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from storywire.nlp.sentences import split_sentences

_STOPWORDS = frozenset(
    """a an and are as at be been but by for from had has have he her his i in is it its of on or
    our she that the their them they this to was we were will with would not no said says also
    after before over than then there these those which who whom what when where while more most
    about into out up down new one two its it's could should may might can just
    el la los las un una unos unas y o de del al en que por para con se su sus es son fue como
    más pero sin sobre este esta estos estas lo le les ha han dijo
    der die das den dem des ein eine einen einem einer und oder zu im in am an auf für mit von
    bei aus ist sind war wurde werden hat haben sich nicht auch als wie nach vor über um es er sie
    sagte dass""".split()
)
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+(?:[.,]\d+)*%?", re.UNICODE)
# A _TOKEN is letters (with one inner apostrophe) or a number, so its first character decides:
# a capital A-Z, À-Ö, Ø-Þ or Cyrillic Ѐ-Я starts a name, a decimal digit starts a number.
# (Without the Cyrillic capitals, a Russian headline named nothing, and the names test that
# keeps look-alike events apart did not apply to it.)
_CAPITALS = frozenset(
    chr(c)
    for c in (*range(0x41, 0x5B), *range(0xC0, 0xD7), *range(0xD8, 0xDF), *range(0x400, 0x430))
)
_CONNECTORS = frozenset({"of", "de", "del", "la", "von", "der", "van", "al", "y"})


LEAD_SENTENCES = 2

# English weekdays and months in calendar order: the date words the writer's checks and a story's
# topics read as dates, not as names.
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = tuple(
    "january february march april may june july august september october november december".split()
)

# Each language's months in calendar order: the date stamps `headline_core` strips and the days
# `headline_dates` reads.
_CALENDARS = (
    " ".join(MONTHS),
    "jan feb mar apr may jun jul aug sep oct nov dec",
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "januar februar märz april mai juni juli august september oktober november dezember",
    "januari februari maart april mei juni juli augustus september oktober november december",
    "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
)
_MONTH_NUMBER = {
    word: k + 1 for calendar in _CALENDARS for k, word in enumerate(calendar.split())
} | {"sept": 9}
_MONTH = "|".join(sorted(_MONTH_NUMBER, key=len, reverse=True))
_DATE = (
    rf"(?:\d{{1,2}}(?:er|st|nd|rd|th)?\.?\s+(?:{_MONTH})\.?(?:,?\s+\d{{4}})?"
    rf"|(?:{_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    r"|\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{2}-\d{2})"
    r"(?:\s+(?:года|г\.))?"
)
# A headline that ends in its date ("… - 12 октября 2023", "…: October 13, 2023"): many
# outlets stamp every headline so, and the stamp made one story of one outlet's unrelated news.
_DATE_TAIL = re.compile(rf"\s*[-–—|:·•]\s*(?:[^\W\d_]+,?\s+)?{_DATE}\s*$", re.IGNORECASE)


# Where a headline's segments meet: "Rubric: news", "news - Outlet", "news | Section", and a
# sentence's end ("… (видео). Футбол"). A colon counts only before a space, so a score such as
# "2:1" is not two segments.
_SEGMENT_MARK = re.compile(r":\s+|\s[-–—|•]\s|(?<=[.!?])\s+")
RUBRIC_TITLES = 200  # an outlet's latest headlines its rubrics are read from
RUBRIC_MIN = 4  # headlines a segment must recur in to be a rubric ...
RUBRIC_SHARE = 0.05  # ... and the share of the headlines read that this must be
CORE_WORDS = 3  # a headline keeps its rubrics rather than fall under this many words
MAX_SEGMENTS = 32  # a title of more segments is no headline to trim (`without_rubrics`)


def segmented(title: str) -> bool:
    """Whether the headline has segments at all, and so could carry a rubric."""
    return _SEGMENT_MARK.search(title) is not None


def _segment_spans(title: str, limit: int | None = None) -> list[tuple[int, int, str]]:
    """The headline's segments: where each starts and ends in it, and its text, stripped; at
    most `limit` + 1 of them, so that a caller that gives up past `limit` reads no further."""
    spans: list[tuple[int, int, str]] = []
    start = 0
    for mark in itertools.chain(_SEGMENT_MARK.finditer(title), [None]):
        end = len(title) if mark is None else mark.start()
        if text := title[start:end].strip():
            spans.append((start, end, text))
            if limit is not None and len(spans) > limit:
                break
        start = end if mark is None else mark.end()
    return spans


def _segments(title: str) -> list[str]:
    return [text for _, _, text in _segment_spans(title)]


def rubrics(titles: Sequence[str], of: str | None = None) -> frozenset[str]:
    """The segments an outlet puts on many of its headlines (`titles`, its latest ones),
    casefolded: its name ("… - de Volkskrant"), its sections ("… - Notizie - Ansa.it") and
    running rubrics ("Guerre en Ukraine, en direct : …", "LIVE | …", "Germany news: …"); with
    `of`, only those among that headline's segments (and only the headlines holding one of
    them are split: the dedupe stage asks this for every article).

    They say where a report was filed, not what happened, yet two unrelated reports of one
    outlet share them word for word, which made them look alike to every similarity
    (`bench/stream.py`, newsapi's tune week). A segment is a rubric when at least RUBRIC_MIN
    of the headlines, and RUBRIC_SHARE of them, carry it."""
    wanted = None if of is None else {s.casefold() for s in _segments(of)}
    counts: Counter[str] = Counter()
    for title in titles:
        folded = title.casefold()
        if wanted is not None and not any(w in folded for w in wanted):
            continue
        found = {s.casefold() for s in _segments(title)}
        counts.update(found if wanted is None else found & wanted)
    least = max(RUBRIC_MIN, RUBRIC_SHARE * len(titles))
    return frozenset(segment for segment, count in counts.items() if count >= least)


def headline_core(title: str, outlet_rubrics: frozenset[str] = frozenset()) -> str:
    """The headline as the models see it: without a date stamped on its end, which says when
    it was published, not what happened, and without its outlet's rubrics (see `rubrics`),
    unless fewer than CORE_WORDS words would be left ("World Cup 2026: Day seven")."""
    core = _DATE_TAIL.sub("", title)
    if not core.strip():
        core = title
    if outlet_rubrics:
        segments = _segments(core)
        kept = [s for s in segments if s.casefold() not in outlet_rubrics]
        if len(kept) < len(segments) and len(" ".join(kept).split()) >= CORE_WORDS:
            core = " ".join(kept)
    return core


def without_rubrics(title: str, core: str) -> str:
    """The title cut to the run of segments `headline_core` kept as `core`, with the title's
    own punctuation between them: "Sisma: almeno 100 morti - Notizie" gives "Sisma: almeno 100
    morti", where the core reads "Sisma almeno 100 morti". The title as it is when no run of
    its segments makes the core (a rubric stood between two kept segments)."""
    spans = _segment_spans(title, MAX_SEGMENTS)
    if len(spans) > MAX_SEGMENTS:
        return title
    for first in range(len(spans)):
        for last in range(first, len(spans)):
            if " ".join(text for _, _, text in spans[first : last + 1]) == core:
                return title[spans[first][0] : spans[last][1]].strip()
    return title


_DAY = r"(\d{1,2})(?:er|st|nd|rd|th)?"
_DAY_OF_MONTH = re.compile(
    rf"\b{_DAY}\.?\s+(?:of\s+)?({_MONTH})\b|\b({_MONTH})\.?\s+{_DAY}\b"
    r"|\b(\d{1,2})[./-](\d{1,2})[./-]\d{2,4}\b|\b\d{4}-(\d{2})-(\d{2})\b",
    re.IGNORECASE,
)


def headline_dates(title: str) -> frozenset[str]:
    """The days a headline names, as "month-day": "Der Börsen-Tag Mittwoch, 4. Oktober",
    "Horoscope for Oct. 5", "safety report 05-10-2023" (day first, as Europe writes it; a
    US date reads the other way, which only matters between outlets that disagree).

    An outlet's series (a daily market blog, a horoscope, a war digest "le point sur la
    journée du 4 octobre") repeats its words every day, and only the day tells its editions
    apart. The stamp `headline_core` strips (when the headline was published) is not read:
    pass the core."""
    return frozenset(f"{month}-{day}" for _, month, day in named_days(title))


def named_days(text: str) -> list[tuple[int, int, int]]:
    """The days of a month a text names, as (position, month, day) in the order written, in
    the forms `headline_dates` reads ("the 20th of June" too). "may" in lower case is the
    verb, not the month."""
    found = []
    for match in _DAY_OF_MONTH.finditer(text):
        day, word, word_first, day_after, first, second, iso_month, iso_day = match.groups()
        month: int | None
        if word or word_first:
            written = word or word_first
            month = None if written == "may" else _MONTH_NUMBER.get(written.casefold())
            day = day or day_after
        elif first:
            day, month = first, int(second)
        else:
            day, month = iso_day, int(iso_month)
        if month and 1 <= month <= 12 and 1 <= int(day) <= 31:
            found.append((match.start(), month, int(day)))
    return found


# "A vs. B", "A v B": two sides set against each other (a match, a bout, a court case). Only in
# lower case: Dutch writes the United States "VS" ("Netanyahu en VS ...").
_VERSUS = re.compile(r"(?<=\S)\s+(?:vs\.?|v\.?|versus)\s+(?=\S)")
# Where a side's words stop: punctuation or a segment mark ("Brazil vs Haiti: World Cup 2026").
_SIDE_END = re.compile(r"[:|,;!?()\[\]\"“”«»]|\s[-–—]\s")
FIXTURE_SIDE_WORDS = 3  # the capitalised words next to "vs" that name a side, at most
FIXTURE_SIDE_CHARS = 120  # how far from its "vs" a side's words are looked for
MAX_FIXTURES = 8  # fixtures read from one headline: a title of hundreds is no headline
# Words that say what the page is, not who plays, though a headline writes them in capitals
# ("Norland v Calveria LIVE"): a side stops at one. Two live pages of other matches with one
# team in common met on "live" (newsapi's tune week).
_PAGE_WORDS = frozenset("live direct diretta video highlights updates score".split())


@dataclass(frozen=True, slots=True)
class Fixture:
    """Two sides a headline sets against each other, each as its words, casefolded."""

    left: frozenset[str]
    right: frozenset[str]

    def meets(self, other: Fixture) -> bool:
        """Whether the two name the same sides, in either order: each side shares a word with
        one of the other's ("Manchester United XI" and "Manchester United"; "Saudi Arabia" and
        "Uruguay" share none)."""
        return bool(
            (self.left & other.left and self.right & other.right)
            or (self.left & other.right and self.right & other.left)
        )


def headline_fixtures(title: str) -> frozenset[Fixture]:
    """The fixtures a headline names: "How to watch Saudi Arabia vs. Uruguay online for free"
    sets {saudi, arabia} against {uruguay}. A side is the run of capitalised words or numbers
    next to "vs", up to punctuation; "Colorado football vs. Stanford" names none (a side in
    lower case is no name).

    An outlet's series of previews, live pages, watch guides and highlights repeats its words
    for every match, and only the sides tell its editions apart: 43 of Mashable's guides to
    different World Cup matches made one story of gn24's fortnight."""
    found = set()
    for mark in itertools.islice(_VERSUS.finditer(title), MAX_FIXTURES):
        before = title[max(0, mark.start() - FIXTURE_SIDE_CHARS) : mark.start()]
        after = title[mark.end() : mark.end() + FIXTURE_SIDE_CHARS]
        left = _side(_SIDE_END.split(before)[-1].split()[::-1])
        right = _side(_SIDE_END.split(after)[0].split())
        if left and right and not left & right:
            found.add(Fixture(left, right))
    return frozenset(found)


def _side(words: Sequence[str]) -> frozenset[str]:
    """The capitalised words or numbers at the start of `words` (nearest "vs" first)."""
    side = []
    for word in words[:FIXTURE_SIDE_WORDS]:
        token = next(iter(_TOKEN.findall(word)), "")
        named = token[:1] in _CAPITALS or token[:1].isdecimal()
        if not named or token.casefold() in _PAGE_WORDS:
            break
        side.append(token.casefold())
    return frozenset(side)


# Not a price off a market's high: "Nasdaq 10% off its record".
_NOT_A_PRICE = r"(?!\s(?:its|their|the|a|an|from|of)\b)"
# A shopping piece by the form of its title: a price cut ("$70 off at Amazon", "51% off",
# "save over $100", "a $120 discount", "its lowest-ever price", "on sale for"), a list of deals
# ("The best early Prime Day TV deals", "9 early Prime Day outdoor deals", "deals on Echo
# devices", "deals worth shopping") or the same in the streams' other languages ("bon plan",
# "in offerta", "300 Euro Rabatt"). Read from the tune weeks' titles of both streams: 75 of
# gn24's 4,214 and 14 of newsapi's 5,416, every one a shopping piece. A deal that is news
# ("Microsoft closes $69bn Activision deal", "buyout deals collapse") has none of these forms.
_SHOPPING = re.compile(
    rf"\b\d{{1,2}}\s?(?:%|percent)\s?off\b{_NOT_A_PRICE}|[$£€]\s?\d[\d,.]*\s?off\b{_NOT_A_PRICE}"
    r"|\bhalf (?:off|price)\b|\bsave (?:up to |over |more than )?[$£€]?\d"
    r"|[$£€]\d[\d,.]* discount\b|\bhuge discount\b|\bdiscount code\b"
    r"|\b(?:record|all-time|new)[- ]low prices?\b|\b(?:lowest|best)[- ](?:ever[- ])?prices?\b"
    r"|\bon sale for\b|\b(?:is|are) (?:back )?on sale\b|\bprice drop\b"
    r"|\b(?:below|under) [$£€]\d[\d,.]* (?:at|on|before|right now)\b"
    r"|\b(?:best|early|top|great|cheap|cheapest|\d+\+?)\s(?:[\w.&+-]+(?:['’]\w+)?\s){0,5}?deals\b"
    r"|\bdeals\s(?:on|under|to shop|worth|you can|(?:are|is) (?:already )?live)\b"
    r"|\b(?:great|good) deal (?:on|under|at)\b|\bshop (?:these|the best|now)\b|\bworth shopping\b"
    r"|\brabatt\b|\bschnäppchen|\bbons? plans?\b|\bpas cher\b|\ben promo\b|\bin offerta\b"
    r"|\bsconto\b|\bofferte\b|\bdescuentos?\b|\bскидк",
    re.IGNORECASE,
)
SHOPPING_TITLE_CHARS = 400  # a longer title is read up to here: a headline says it early


def shopping_title(title: str) -> bool:
    """Whether a headline presents a shopping piece: deals, a discount, a product's price.

    Outlets post these by the dozen around a sale ("Prime Day"), each on another product, and
    their words and names are the sale's: 33 labelled posts of gn24's report week, 32 events,
    made one story. Each is an item of its own (`cluster.assign`)."""
    return bool(_SHOPPING.search(title[:SHOPPING_TITLE_CHARS]))


def embedding_text(title: str, text: str) -> str:
    """What the dense vector sees: the headline and the lead, where reports put the event."""
    lead = [s for s in split_sentences(text[:3000])[: LEAD_SENTENCES + 1] if s != title]
    return " ".join([headline_core(title), *lead[:LEAD_SENTENCES]]).strip()


def bridge_text(title: str, text: str) -> str:
    """What the multilingual vector sees: the headline alone (a third of the work of the
    headline and lead, and what names the event in any language); the lead without one."""
    return headline_core(title).strip() or embedding_text(title, text)


def terms(text: str) -> Counter[str]:
    """Lower-cased content words (stopwords and one- and two-letter words dropped)."""
    return Counter(
        token
        for token in (t.lower() for t in _TOKEN.findall(text))
        if len(token) > 2 and token not in _STOPWORDS and not token[0].isdigit()
    )


_POSSESSIVE = re.compile(r"['’]s$")


def without_possessive(word: str) -> str:
    """The word without a possessive's ending, in either apostrophe outlets type: Lenz's and
    Lenz’s are Lenz."""
    return _POSSESSIVE.sub("", word)


def normalise_number(token: str) -> str:
    """'6,4' and '6.4' are the same magnitude; '1,000' and '1.000' the same count."""
    percent = token.endswith("%")
    core = token.rstrip("%")
    parts = re.split(r"[.,]", core)
    if len(parts) > 1 and all(len(p) == 3 for p in parts[1:]):
        core = "".join(parts)  # thousands separators
    elif len(parts) == 2:
        core = f"{parts[0]}.{parts[1]}"
    return core + ("%" if percent else "")


NUMBER = "#"  # marks a number among the names: "#6.4"


def entities(text: str) -> Counter[str]:
    """Names (capitalised sequences not at a sentence start, or repeated) and telling numbers,
    with how often each occurs: an article is about the names it repeats."""
    found: Counter[str] = Counter()
    openers: set[str] = set()
    for sentence in split_sentences(text):
        tokens = _TOKEN.findall(sentence)
        run: list[str] = []
        for position, token in enumerate([*tokens, ""]):
            if token[:1] in _CAPITALS and token.lower() not in _STOPWORDS:
                run.append(token)
                continue
            if (
                run
                and token.lower() in _CONNECTORS
                and position + 1 < len(tokens)
                and tokens[position + 1][0] in _CAPITALS
            ):
                run.append(token)
                continue
            if run:
                names = {" ".join(run).lower()}
                names |= {w.lower() for w in run if len(w) > 2 and w.lower() not in _CONNECTORS}
                if position - len(run) == 0:
                    openers |= names
                else:
                    found.update(names)
                run = []
            if token[:1].isdecimal():
                number = normalise_number(token)
                if "." in number or number.endswith("%") or len(number) >= 2:
                    found[NUMBER + number] += 1
    # A sentence-initial name counts when it also occurs mid-sentence somewhere.
    for opener in openers:
        if opener in found:
            found[opener] += 1
    return found


@dataclass
class DocumentFrequencies:
    """Document frequencies kept up to date as articles arrive, for incremental TF-IDF.

    Documents added with a date are also counted by day, so that `forget_before` can take the
    days that left a window back out: a service's frequencies then cover the window it works
    on, the same ones a restart rebuilds from the stories it restores, and its vocabulary
    stops growing with history."""

    documents: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    _day_documents: Counter[date] = field(default_factory=Counter)
    _day_counts: dict[date, Counter[str]] = field(default_factory=dict)

    def add(self, document_terms: Iterable[str], when: datetime | None = None) -> None:
        unique = set(document_terms)
        self.documents += 1
        self.counts.update(unique)
        if when is not None:
            day = when.date()
            self._day_documents[day] += 1
            self._day_counts.setdefault(day, Counter()).update(unique)

    def forget_before(self, moment: datetime) -> None:
        """Take out the documents dated on days before `moment`'s day."""
        for day in [day for day in self._day_counts if day < moment.date()]:
            self.documents -= self._day_documents.pop(day)
            for term, count in self._day_counts.pop(day).items():
                left = self.counts[term] - count
                if left > 0:
                    self.counts[term] = left
                else:
                    del self.counts[term]

    def idf(self, term: str) -> float:
        return math.log((1 + self.documents) / (1 + self.counts.get(term, 0))) + 1.0

    def weighted(self, counts: Counter[str]) -> dict[str, float]:
        """Sublinear TF times IDF for every term of `counts`: `idf` inlined, since the
        clusterer calls this for every article's terms and names."""
        total, get, log = 1 + self.documents, self.counts.get, math.log
        return {t: (1 + log(c)) * (log(total / (1 + get(t, 0))) + 1.0) for t, c in counts.items()}


def tfidf_vector(counts: Counter[str], df: DocumentFrequencies) -> dict[str, float]:
    """Unit-length TF-IDF weights (sublinear TF) under the current document frequencies."""
    weights = df.weighted(counts)
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {t: w / norm for t, w in weights.items()}


def tfidf_cosine(a: Counter[str], b: Counter[str], df: DocumentFrequencies) -> float:
    """Cosine of two term-count vectors under the current IDF (sublinear TF)."""
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = 0.0
    for term, count in a.items():
        other = b.get(term)
        if other:
            weight = df.idf(term) ** 2
            dot += (1 + math.log(count)) * (1 + math.log(other)) * weight
    if dot == 0.0:
        return 0.0
    return dot / (_norm(a, df) * _norm(b, df))


def _norm(vector: Counter[str], df: DocumentFrequencies) -> float:
    return math.sqrt(sum(((1 + math.log(c)) * df.idf(t)) ** 2 for t, c in vector.items()))
