"""Online story detection: each arriving article joins the best active story or starts one.

The decision is a pure function of the clusterer's state and the article, so replaying the same
arrivals gives the same stories. Similarity combines the dense embedding of title and lead,
TF-IDF over the full text (document frequencies grow as articles arrive), overlap of names and
numbers, and the time gap. Candidates come from a nearest-neighbour index over story centroids
  restricted to active stories; syndicated copies skip the search and follow their group.
Across languages, a second, multilingual vector per article finds and scores the candidates.
A merge pass joins stories that converged and a split pass separates stories that turned out to
be two events; stories with no new coverage go dormant, and a later article can revive one or
start a follow-up story linked to it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from storywire.cluster.config import ClusterConfig
from storywire.cluster.index import CentroidIndex
from storywire.cluster.lexical import TermSpace, TermVector
from storywire.cluster.threads import Threads
from storywire.models import JoinReason
from storywire.nlp.embed import Vectors
from storywire.nlp.features import (
    DocumentFrequencies,
    Fixture,
    entities,
    headline_core,
    headline_dates,
    headline_fixtures,
    shopping_title,
    terms,
    tfidf_vector,
)

# A story's name weights (`StoryClusterer._entity_weights` of its names).
_Weights = Callable[["StoryState"], dict[str, float]]


@dataclass(frozen=True, slots=True)
class ArticleFeatures:
    id: int
    vector: Vectors
    terms: Counter[str]
    entities: Counter[str]
    published: datetime | None = None
    language: str | None = None
    outlet: str | None = None
    dup_group: int | None = None
    words: int = 0  # headline and text
    bridge: Vectors | None = None  # the multilingual vector, compared across languages
    dates: frozenset[str] = frozenset()  # the days its headline names (`headline_dates`)
    fixtures: frozenset[Fixture] = frozenset()  # "A vs. B" (`headline_fixtures`)
    shopping: bool = False  # a deals or discount post (`shopping_title`)


# One string object for each word and name, shared by every article's features that use it. A
# story's members keep their features while it is active (the split pass reads them all), and
# each article's own copies of its words were half of that memory. Cleared past its limit, so a
# service's vocabulary cannot grow it for months: 131,072 words, about 13 MB (a million, the
# limit until 2026-12-05, was about 100 MB). A 46-day replay of gn24 met 74,000 words.
_SHARED_WORDS: dict[str, str] = {}
_SHARED_LIMIT = 1 << 17


def _shared(counts: Counter[str]) -> Counter[str]:
    if len(_SHARED_WORDS) > _SHARED_LIMIT:
        _SHARED_WORDS.clear()
    return Counter({_SHARED_WORDS.setdefault(word, word): n for word, n in counts.items()})


def article_features(
    article_id: int,
    title: str,
    text: str,
    vector: Vectors,
    published: datetime | None = None,
    language: str | None = None,
    outlet: str | None = None,
    dup_group: int | None = None,
    bridge: Vectors | None = None,
) -> ArticleFeatures:
    title = headline_core(title)
    body = f"{title}\n\n{text}"
    names = entities(body)
    for name in entities(title):  # what the headline names is what the article is about
        names[name] += 2
    return ArticleFeatures(
        id=article_id,
        vector=vector,
        terms=_shared(terms(body)),
        entities=_shared(names),
        published=published,
        language=language,
        outlet=outlet,
        dup_group=dup_group,
        words=len(body.split()),
        bridge=bridge,
        dates=headline_dates(title),
        fixtures=headline_fixtures(title),
        shopping=shopping_title(title),
    )


@dataclass(frozen=True, slots=True)
class Decision:
    article_id: int
    story_id: int
    created: bool
    reason: JoinReason
    score: float | None = None
    follows: int | None = None


@dataclass(frozen=True, slots=True)
class MemberCosines:
    """A feed item's largest cosine to a story's latest members: `alike` among those it is
    compared with in its own reading (its language, by the main model where that reads it, else
    by the multilingual vectors), `other` among the rest, by the multilingual vectors; None
    where the story has no such member."""

    alike: float | None
    other: float | None


@dataclass(frozen=True, slots=True)
class Match:
    """An article's score for a story, the threshold it must reach, and why it would join;
    with the member cosines where scoring needed them (the member check reads them again)."""

    score: float
    bar: float
    reason: JoinReason
    members: MemberCosines | None = None


NO_MATCH = Match(0.0, math.inf, JoinReason.NEW_STORY)


@dataclass(frozen=True, slots=True)
class Split:
    """The articles `moved` out of story `story_id` into the new story `new_story_id`."""

    story_id: int
    new_story_id: int
    moved: tuple[int, ...]


# A story's articles are checked for a split again each time the story grows by this factor.
SPLIT_RECHECK_GROWTH = 1.25
# At most this many of a story's latest articles are scored pairwise by the split pass: the
# scores, the graph and its eigenvectors grow with the square and the cube of the count (93 s
# and 2 GB for 6,000 hand-made articles), and a second event fused into a story arrives late.
SPLIT_MAX_SCORED = 1000
EXPIRY_STEP = timedelta(minutes=10)
Score = TypeVar("Score", float, npt.NDArray[np.float64])


@dataclass
class StoryState:
    id: int
    vector_sum: Vectors
    terms: TermVector = field(default_factory=TermVector)
    entities: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    dates: set[str] = field(default_factory=set)  # the days its members' headlines name
    fixtures: set[Fixture] = field(default_factory=set)  # the fixtures they name
    shopping: bool = False  # holds a shopping piece (and so nothing else but its copies)
    members: list[int] = field(default_factory=list)
    # The members' features, for the split pass and the member check; emptied when the story
    # goes dormant.
    articles: list[ArticleFeatures] = field(default_factory=list)
    split_checked: int = 0  # the size at the last split check
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    dormant: bool = False
    bridge_sum: Vectors | None = None  # the members' multilingual vectors, summed
    _centroid: Vectors | None = None
    _bridge_centroid: Vectors | None = None
    _terms_norm: float | None = None

    @property
    def centroid(self) -> Vectors:
        if self._centroid is None:
            norm = float(np.linalg.norm(self.vector_sum))
            self._centroid = self.vector_sum / max(norm, 1e-12)
        return self._centroid

    @property
    def bridge_centroid(self) -> Vectors | None:
        if self._bridge_centroid is None and self.bridge_sum is not None:
            norm = float(np.linalg.norm(self.bridge_sum))
            self._bridge_centroid = self.bridge_sum / max(norm, 1e-12)
        return self._bridge_centroid

    @property
    def terms_norm(self) -> float:
        """The length of the story's summed TF-IDF vector, for its lexical cosines."""
        if self._terms_norm is None:
            self._terms_norm = self.terms.norm()
        return self._terms_norm

    def add(self, article: ArticleFeatures, terms: TermVector) -> None:
        self.vector_sum = self.vector_sum + article.vector
        self._centroid = None
        if article.bridge is not None:
            self.bridge_sum = _plus(self.bridge_sum, article.bridge)
            self._bridge_centroid = None
        self.terms = self.terms.plus(terms)
        self._terms_norm = None
        self.entities.update(article.entities)
        if article.language:
            self.languages[article.language] += 1
        self.dates |= article.dates
        self.fixtures |= article.fixtures
        self.shopping |= article.shopping
        self.members.append(article.id)
        self.articles.append(article)
        if article.published is not None:
            if self.first_seen is None or article.published < self.first_seen:
                self.first_seen = article.published
            if self.last_seen is None or article.published > self.last_seen:
                self.last_seen = article.published

    def absorb(self, other: StoryState) -> None:
        self.vector_sum = self.vector_sum + other.vector_sum
        self._centroid = None
        if other.bridge_sum is not None:
            self.bridge_sum = _plus(self.bridge_sum, other.bridge_sum)
            self._bridge_centroid = None
        self.terms = self.terms.plus(other.terms)
        self._terms_norm = None
        self.entities.update(other.entities)
        self.languages.update(other.languages)
        self.dates |= other.dates
        self.fixtures |= other.fixtures
        self.shopping |= other.shopping
        self.members.extend(other.members)
        self.articles.extend(other.articles)
        times = [t for t in (self.first_seen, other.first_seen) if t]
        self.first_seen = min(times) if times else None
        times = [t for t in (self.last_seen, other.last_seen) if t]
        self.last_seen = max(times) if times else None


class StoryClusterer:
    """The online clusterer's state; feed it articles in arrival order."""

    def __init__(
        self,
        config: ClusterConfig | None = None,
        dim: int = 384,
        first_id: int = 1,
        bridge_dim: int | None = None,
        keep_assignments: bool = False,
    ) -> None:
        """`first_id`: the id the first new story takes, then counting up (past the id of any
        story restored); the pipeline starts it past every stored story. `bridge_dim`: the size
        of the multilingual vectors, when articles carry them. `keep_assignments`: remember
        the story of every article for `assignments()`, forgotten stories' too (a benchmark's
        need; a service stores them and keeps only the window's)."""
        self.config = config or ClusterConfig()
        self.dim = dim
        self.stories: dict[int, StoryState] = {}
        self.df = DocumentFrequencies()
        self.entity_df = DocumentFrequencies()
        self.group_story: dict[int, int] = {}
        self.article_story: dict[int, int] = {}
        self.redirects: dict[int, int] = {}
        self._index = CentroidIndex(dim)
        self._dormant = CentroidIndex(dim)  # dormant stories, searched for a revival
        # Active stories by their multilingual centroid, an index per language a story is in:
        # the candidates in other languages. A stream in one language never searches them.
        self._bridge_dim = bridge_dim
        self._bridges: dict[str, CentroidIndex] = {}
        self._expired_at: datetime | None = None
        self._terms = TermSpace()
        self._terms_in_use = 0  # terms numbered at the last compaction
        self._keep_assignments = keep_assignments
        self._apart: set[frozenset[int]] = set()  # stories split apart, never merged again
        self.threads = Threads()  # the held stories' threads, as the stored links make them
        self._counter = first_id - 1

    def _next_id(self) -> int:
        self._counter += 1
        return self._counter

    # ------------------------------------------------------------------------------ assign

    def assign(self, article: ArticleFeatures) -> Decision:
        """Place one article. A new story takes the next id (see `first_id`): the pipeline stores
        the story under the id the decision names, so its row and slug are written once."""
        if article.published is not None:
            self._expire(article.published)  # first: it may renumber the terms
        self.df.add(article.terms, article.published)
        self.entity_df.add(article.entities, article.published)
        tfidf = self._terms.vector(tfidf_vector(article.terms, self.df))
        names = self._entity_weights(article.entities)
        group_story = self.group_story.get(article.dup_group) if article.dup_group else None
        copied = self.stories.get(self.resolve(group_story)) if group_story is not None else None
        if copied is not None:
            if copied.dormant:  # a re-post of its article is coverage again
                self._wake(copied)
            self._join(copied, article, tfidf)
            return Decision(article.id, copied.id, False, JoinReason.SYNDICATED_COPY, 1.0)
        best, match = self._best_match(article, tfidf, names, active=True)
        if best is not None and match.score >= match.bar:
            self._join(best, article, tfidf)
            return Decision(article.id, best.id, False, match.reason, match.score)
        dormant, revival = self._best_match(article, tfidf, names, active=False)
        if dormant is not None and revival.score >= self.config.revive_threshold:
            self._wake(dormant)
            self._join(dormant, article, tfidf)
            return Decision(article.id, dormant.id, False, JoinReason.REVIVED, revival.score)
        story = StoryState(self._next_id(), np.zeros(self.dim, dtype=np.float32))
        self.stories[story.id] = story
        self._join(story, article, tfidf)
        follows = None
        if dormant is not None and revival.score >= self.config.follow_up_threshold:
            follows = dormant.id
            self.threads.join(story.id, dormant.id)
        return Decision(article.id, story.id, True, JoinReason.NEW_STORY, None, follows)

    def restore(self, story_id: int, members: list[ArticleFeatures], dormant: bool) -> None:
        """Rebuild a stored story's state (after a restart) without re-deciding anything."""
        story = StoryState(story_id, np.zeros(self.dim, dtype=np.float32), dormant=dormant)
        self.stories[story_id] = story
        for article in members:
            self.df.add(article.terms, article.published)
            self.entity_df.add(article.entities, article.published)
            story.add(article, self._terms.vector(tfidf_vector(article.terms, self.df)))
            self.article_story[article.id] = story_id
            if article.dup_group is not None:
                self.group_story.setdefault(article.dup_group, story_id)
        (self._dormant if dormant else self._index).upsert(story_id, story.centroid)
        if not dormant:
            self._index_bridge(story)
        self._counter = max(self._counter, story_id)

    def keep_apart(self, a: int, b: int) -> None:
        """Never merge stories a and b (a split that was made before a restart)."""
        self._apart.add(frozenset((a, b)))

    def _wake(self, story: StoryState) -> None:
        """A dormant story gets coverage again: back from the dormant index to the active one
        (`_join` files it there)."""
        story.dormant = False
        self._dormant.remove(story.id)

    def _join(self, story: StoryState, article: ArticleFeatures, terms: TermVector) -> None:
        story.add(article, terms)
        self.article_story[article.id] = story.id
        if article.dup_group is not None:
            self.group_story.setdefault(article.dup_group, story.id)
        if not story.dormant:
            self._index.upsert(story.id, story.centroid)
            self._index_bridge(story)

    def _index_bridge(self, story: StoryState) -> None:
        """File the story's multilingual centroid under each of its languages (and under no
        other: a split can take a language away)."""
        centroid = story.bridge_centroid
        if not self._bridge_dim or centroid is None:
            return
        for language in story.languages:
            if language not in self._bridges:
                self._bridges[language] = CentroidIndex(self._bridge_dim)
            self._bridges[language].upsert(story.id, centroid)
        for language, index in self._bridges.items():
            if language not in story.languages:
                index.remove(story.id)

    def _unindex_bridge(self, story_id: int) -> None:
        for index in self._bridges.values():
            index.remove(story_id)

    def _candidates(self, article: ArticleFeatures, active: bool) -> list[StoryState]:
        """The stories nearest to the article: active ones, or dormant ones for a revival.
        Active stories in other languages come from the multilingual indexes, where the article
        has a multilingual vector."""
        index = self._index if active else self._dormant
        keys = index.search(article.vector, self.config.candidates)
        own = self._reading(article)
        if active and own is not None and article.language in self._bridges:
            nearest = self._bridges[article.language].search(own, self.config.candidates)
            keys += [key for key in nearest if key not in keys]
        if active and article.language:
            keys += self._across_languages(article.bridge, {article.language}, set(keys))
        return [self.stories[k] for k in keys if k in self.stories]

    def _across_languages(
        self, bridge: Vectors | None, languages: set[str], seen: set[int]
    ) -> list[int]:
        """The active stories nearest to a multilingual vector that are in none of
        `languages` and not `seen` already: the candidates the main index can't find."""
        if bridge is None:
            return []
        found: dict[int, float] = {}
        for language, index in self._bridges.items():
            if language in languages:
                continue
            for key in index.search(bridge, self.config.candidates):
                story = self.stories.get(key)
                if key in seen or story is None or languages & set(story.languages):
                    continue
                if (centroid := story.bridge_centroid) is not None:
                    found[key] = float(np.dot(bridge, centroid))
        return sorted(found, key=lambda key: (-found[key], key))[: self.config.candidates]

    def _best_match(
        self,
        article: ArticleFeatures,
        terms: TermVector,
        names: dict[str, float],
        active: bool,
    ) -> tuple[StoryState | None, Match]:
        """The candidate with the largest margin over its own threshold (which is stricter
        across languages), and its match; the first in candidate order on a tie."""
        candidates = self._candidates(article, active)
        lexical = self._terms.dots(terms, [story.terms for story in candidates])
        best: StoryState | None = None
        best_match = NO_MATCH
        for story, dot in zip(candidates, lexical, strict=True):
            match = self._score(article, names, story, dot / (story.terms_norm or 1.0))
            margin = match.score - match.bar
            if margin >= 0 and _other_editions(
                article.dates, article.fixtures, article.shopping, story
            ):
                continue
            if (
                margin >= 0
                and active
                and not self._near_a_member(article, story, match.score, match.members)
            ):
                continue
            if margin > best_match.score - best_match.bar:
                best, best_match = story, match
        return best, best_match

    def _near_a_member(
        self,
        article: ArticleFeatures,
        story: StoryState,
        score: float = 0.0,
        cosines: MemberCosines | None = None,
    ) -> bool:
        """Whether a feed item (a headline and a line or two) is close to one of the story's
        latest members, not only to its centroid.

        A story that grew over a topic (a tournament, a wave of IPOs) has a centroid near every
        item on that topic, and a short item has too few words for TF-IDF and names to tell a
        new event from the topic. The dense vector of a headline tells a paraphrase of one of
        the story's reports from another event on its topic. An item whose `score` for the
        story is high already shares its names and words, so a looser paraphrase will do: an
        outlet words the event its own way. Longer articles carry enough words for the story
        score alone. A member is compared by the main model only where both are in one language
        that it reads, otherwise by the multilingual vectors, against bars of their own (a story
        may hold several languages); an item with no member it can be compared with passes.
        `cosines`: the item's `_member_cosines` for the story, where already known."""
        if article.words >= self.config.sparse_words:
            return True
        config = self.config
        found = cosines or self._member_cosines(article, story)
        if found.alike is None and found.other is None:
            return True
        named = score >= config.named_score
        main_bar = config.member_similarity_named if named else config.member_similarity
        bridge_bar = (
            config.bridge_member_similarity_named if named else config.bridge_member_similarity
        )
        alike_bar = main_bar if self._reading(article) is None else bridge_bar
        return (found.alike is not None and found.alike >= alike_bar) or (
            found.other is not None and found.other >= bridge_bar
        )

    def _member_cosines(self, article: ArticleFeatures, story: StoryState) -> MemberCosines:
        """The item's largest cosines to the story's `member_window` latest members, as
        `MemberCosines` sorts them: by the main model to members in its language (or in
        none) where the main model reads it, else by the multilingual vectors to members in its
        language; by the multilingual vectors to the others."""
        own = self._reading(article)
        alike, other = [], []
        for member in story.articles[-self.config.member_window :]:
            if own is None and (member.language == article.language or not member.language):
                alike.append(member.vector)
            elif own is not None and member.language == article.language:
                if member.bridge is not None:
                    alike.append(member.bridge)
            elif member.bridge is not None and article.bridge is not None:
                other.append(member.bridge)
        return MemberCosines(
            _largest_cosine(alike, article.vector if own is None else own),
            _largest_cosine(other, article.bridge),
        )

    def _score(
        self, article: ArticleFeatures, names: dict[str, float], story: StoryState, lexical: float
    ) -> Match:
        """The article's score for the story, given their lexical cosine (which `_best_match`
        computes for all its candidates at once), with the threshold it must reach.

        Stories in one language form per language unless one of two tests ties an article
        to a story in another: the multilingual vectors, where the cosine of the article's and
        the story's stands in for both the centroid cosine (the main model is English) and the
        TF-IDF cosine (words of two languages); or enough shared names and numbers, scored a
        tenth per name. The test with the larger margin over its threshold counts."""
        recency = self._recency(article.published, story)
        if _same_language(article, story):
            own = self._reading(article)
            centroid = story.bridge_centroid if own is not None else None
            if own is not None and centroid is not None:
                dense = float(np.dot(own, centroid))
            else:
                dense = float(np.dot(article.vector, story.centroid))
            score = self._combined(dense, lexical, _overlap(names, story.entities)) * recency
            bar, members = self.config.threshold, None
            if (
                score >= self.config.paraphrase_threshold
                and article.words < self.config.sparse_words
            ):
                members = self._member_cosines(article, story)
                if _paraphrases_a_member(members, self.config):
                    bar = self.config.paraphrase_threshold
            return Match(score, bar, JoinReason.SIMILAR_COVERAGE, members)
        tests = [NO_MATCH]
        shared = sum(1 for name in article.entities if name in story.entities)
        if shared >= self.config.cross_lingual_entities:
            score = min(1.0, shared / 10) * recency
            tests.append(
                Match(score, self.config.cross_lingual_threshold, JoinReason.NAMES_AND_NUMBERS)
            )
        if article.bridge is not None and story.bridge_centroid is not None:
            bridge = float(np.dot(article.bridge, story.bridge_centroid))
            score = self._combined(bridge, bridge, _overlap(names, story.entities)) * recency
            tests.append(Match(score, self.config.bridge_threshold, JoinReason.OTHER_LANGUAGE))
        return max(tests, key=lambda match: match.score - match.bar)

    def _reading(self, article: ArticleFeatures) -> Vectors | None:
        """The multilingual vector of an article in a language the main model can't read
        (MiniLM reads English), which then stands in for the main one within its language
        too; None for the others. newsapi's tune week: 0.762 -> 0.766 BCubed F1, precision
        0.867 -> 0.877 (bench/README.md)."""
        if article.language is None or article.language in self.config.main_languages:
            return None
        return article.bridge

    def _foreign(self, story: StoryState) -> bool:
        """Whether the story is mostly in a language the main model can't read, and has a
        multilingual centroid to be compared by."""
        if not story.languages or story.bridge_centroid is None:
            return False
        return _main_language(story) not in self.config.main_languages

    def _combined(self, dense: Score, lexical: Score, entity: Score) -> Score:
        """The weighted score, gated: same topic, different event (another earthquake, another
        central bank) shows as topical similarity with names and numbers that don't match, and
        the gate halves it."""
        config = self.config
        score = (
            config.dense_weight * dense
            + config.tfidf_weight * lexical
            + config.entity_weight * entity
        )
        return score * (1.0 - config.entity_gate * (1.0 - entity))

    def _entity_weights(self, names: Counter[str]) -> dict[str, float]:
        """Per-name weights for the overlap: rare names weigh more (sharing "Teravale" says more
        than sharing "Monday") and so do the ones the text repeats: a report on Kestria's central
        bank that mentions Norland's once is not about Norland."""
        return self.entity_df.weighted(names)

    def _recency(self, when: datetime | None, story: StoryState) -> float:
        if when is None or story.last_seen is None:
            return 1.0
        gap = abs((when - story.last_seen).total_seconds()) / self.config.time_scale.total_seconds()
        return 0.75 + 0.25 * math.exp(-gap)

    # ------------------------------------------------------------------------ after a round

    def passes(self, only: set[int] | None = None) -> tuple[list[tuple[int, int]], list[Split]]:
        """The merge pass, then the split pass over the stories the merges left of `only`:
        what runs after each round of arrivals (the pipeline, replay and the benchmark)."""
        merged = self.merge_pass(only)
        if only is not None:
            only = {self.resolve(story_id) for story_id in only}
        return merged, self.split_pass(only)

    # ------------------------------------------------------------------------------ threads

    def thread_links(self, only: set[int]) -> list[tuple[int, int]]:
        """(story, earlier story) pairs that belong to one ongoing saga: a trial over weeks, a
        war, a tournament. Stories stay as they are; a thread only links them.

        Each story in `only` that has no earlier story in its thread yet is compared with the
        stories nearest its centroid, active or dormant, that started before it. A candidate
        counts when the story score (centroid cosine, TF-IDF cosine and names overlap taken
        both ways, gated as in assignment) reaches `thread_threshold`: well under the merge
        threshold, because two events of one saga share names and vocabulary but not what
        happened. The story then joins the best candidate's thread only if it also scores
        `thread_cohesion` on average against that thread's latest stories: a link to one
        story of a thread joins all of it, and without the second test a thread chains from
        a war to a ceasefire to a summit to a trade deal. Stories in no common language, and
        stories whose multilingual centroids are close, count as `_thread_margins` says."""
        links: list[tuple[int, int]] = []
        # Each story's name weights, once per call: the same candidates come up for many of
        # the stories, and nothing they depend on changes here.
        known: dict[int, dict[str, float]] = {}

        def weights(story: StoryState) -> dict[str, float]:
            if story.id not in known:
                known[story.id] = self._entity_weights(story.entities)
            return known[story.id]

        for story_id in sorted(only):
            story = self.stories.get(self.resolve(story_id))
            if story is None or story.first_seen is None or story.shopping or self._threaded(story):
                continue
            others = [
                other
                for key in self._thread_candidates(story)
                if (other := self.stories.get(key)) is not None
                and other.id != story.id
                and other.first_seen is not None
                and other.first_seen < story.first_seen
                and not other.shopping
                and _comparable(story, other)
            ]
            scored = sorted(
                zip(
                    self._thread_margins(story, others, weights),
                    (o.id for o in others),
                    strict=True,
                ),
                reverse=True,
            )
            unfit: set[int] = set()  # threads already tried: candidates often share one
            for margin, other_id in scored:
                if margin < 0:
                    break
                if self.threads.key(other_id) in unfit:
                    continue
                if self._fits_thread(story, other_id, weights):
                    links.append((story.id, other_id))
                    self.threads.join(story.id, other_id)
                    break
                unfit.add(self.threads.key(other_id))
        return links

    def _thread_margins(
        self, story: StoryState, others: Sequence[StoryState], weights: _Weights
    ) -> list[float]:
        """How far each of `others` is past the bar for `story` to join its thread (negative:
        short of it). The story score counts against `thread_threshold` where the two share a
        language, and against the stricter `thread_bridge_threshold` where they share none
        (`_readings` then compares their multilingual centroids where either story is in a
        language the main model can't read; `_comparable` says which stories can be compared
        at all). The multilingual cosine alone counts too, against `thread_bridge_similarity`:
        two headlines of one saga put in other words share few of the words and names the story
        score counts (a health workers' strike and its end, a state election's campaign and its
        count). On the tune weeks: thread F1 0.840 -> 0.854 on newsapi, 0.834 -> 0.845 on gn24
        (bench/README.md, eleventh session).

        Where both stories have a multilingual centroid, a cosine under `thread_bridge_floor`
        rules the link out whatever the story score: two stories of one subject or one name
        share words and names while their headlines say unrelated things. On the tune weeks:
        thread F1 0.864 -> 0.873 on gn24, 0.823 -> 0.833 on newsapi (bench/README.md,
        fourteenth session)."""
        config = self.config
        margins = []
        scores = self._story_scores(story, others, weights)
        for other, score in zip(others, scores, strict=True):
            if story.bridge_centroid is None or other.bridge_centroid is None:
                bridge = 0.0
            elif (bridge := self._bridge_cosine(story, other)) < config.thread_bridge_floor:
                margins.append(-math.inf)
                continue
            shared = _share_a_language(story, other)
            bar = config.thread_threshold if shared else config.thread_bridge_threshold
            margins.append(max(score - bar, bridge - config.thread_bridge_similarity))
        return margins

    def _thread_candidates(self, story: StoryState) -> list[int]:
        """The stories nearest to `story`'s centroid, active or dormant; the active stories
        nearest to its multilingual centroid that share none of its languages; and for a story
        mostly in a language the main model can't read, also those nearest to its multilingual
        centroid among the stories in its languages: its main centroid finds poor neighbours."""
        keys = [
            key
            for index in (self._index, self._dormant)
            for key in index.search(story.centroid, self.config.candidates)
        ]
        centroid = story.bridge_centroid
        keys += self._across_languages(centroid, set(story.languages), set(keys))
        if not self._foreign(story) or centroid is None:
            return keys
        for language in story.languages:
            if (index := self._bridges.get(language)) is not None:
                found = index.search(centroid, self.config.candidates)
                keys += [key for key in found if key not in keys]
        return keys

    def _threaded(self, story: StoryState) -> bool:
        """Whether the story already follows an earlier story in its thread."""
        first = story.first_seen
        return any(
            (other := self.stories.get(key)) is not None
            and other.first_seen is not None
            and first is not None
            and other.first_seen < first
            for key in self.threads.members(story.id)
        )

    def _fits_thread(self, story: StoryState, other_id: int, weights: _Weights) -> bool:
        """Whether the story scores `thread_cohesion` on average against the latest
        `thread_recent` stories of `other_id`'s thread in a language it shares (its own
        thread's left out): the story score compares stories of one language, and a saga's
        stories in other languages would only drag the mean down."""
        own = self.threads.members(story.id)
        held = [
            other
            for key in self.threads.members(other_id) - own
            if (other := self.stories.get(key)) is not None and _share_a_language(other, story)
        ]
        recent = sorted(held, key=lambda s: (s.last_seen or story.first_seen, s.id))
        recent = recent[-self.config.thread_recent :]
        if len(recent) < 2:
            return True
        scores = self._story_scores(story, recent, weights)
        return sum(scores) / len(scores) >= self.config.thread_cohesion

    def _story_scores(
        self, story: StoryState, others: Sequence[StoryState], weights: _Weights
    ) -> list[float]:
        """The story score of `story` against each of `others`, names taken both ways
        (`weights`: a story's name weights, `_entity_weights` of its names)."""
        if not others:
            return []
        dots = self._terms.dots(story.terms, [other.terms for other in others])
        names = weights(story)
        scores = []
        for other, dot in zip(others, dots, strict=True):
            lexical = dot / ((story.terms_norm * other.terms_norm) or 1.0)
            overlap = 0.5 * (
                _overlap(names, other.entities) + _overlap(weights(other), story.entities)
            )
            scores.append(self._combined(*self._readings(story, other, lexical), overlap))
        return scores

    def _readings(self, a: StoryState, b: StoryState, lexical: float) -> tuple[float, float]:
        """The dense and lexical terms of two stories' score, given their TF-IDF cosine.

        Where either story is mostly in a language the main model can't read, the stories
        compare by their multilingual centroids; and where their main languages differ, that
        cosine stands in for the TF-IDF cosine too, as it does for an article in another
        language (`_score`): a story told mostly in English shares few words with the Italian
        story of the same saga even when each holds a report in the other's language.
        newsapi's tune week: thread F1 0.796 -> 0.839 (bench/README.md)."""
        if (self._foreign(a) or self._foreign(b)) and (
            a.bridge_centroid is not None and b.bridge_centroid is not None
        ):
            bridge = self._bridge_cosine(a, b)
            return bridge, (bridge if _main_language(a) != _main_language(b) else lexical)
        return float(np.dot(a.centroid, b.centroid)), lexical

    # ------------------------------------------------------------------------------- merge

    def merge_pass(self, only: set[int] | None = None) -> list[tuple[int, int]]:
        """Join active stories that turned out to be one; returns (absorbed, into) pairs.

        Two stories of several articles each are one when they pass the (high) merge threshold,
        or when their centroids are close both ways, dense and TF-IDF: big stories gather many
        names each, which keeps their names overlap, and so their gated score, low.
        A story of a single article joins another on the test that article would pass if it
        arrived now: the story it missed on arrival may have grown since into the coverage
        it belongs to. The larger story survives (the older one on a tie), so a reader's link
        to an established story keeps its id.

        `only` limits the pass to stories that changed since the last one (their partners may be
        any active story): two unchanged stories were already compared.
        """
        merged: list[tuple[int, int]] = []
        active = sorted(
            (s for s in self.stories.values() if not s.dormant and (only is None or s.id in only)),
            key=lambda s: s.id,
        )
        for story in active:
            if story.id not in self.stories or len(self._index) < 2:
                continue
            names = self._entity_weights(story.entities)
            others = [
                other
                for key in self._nearest(story)
                if (other := self.stories.get(key)) is not None
                and other.id != story.id
                and not other.dormant
                and frozenset((story.id, other.id)) not in self._apart
            ]
            dots = self._terms.dots(story.terms, [other.terms for other in others])
            for other, dot in zip(others, dots, strict=True):
                lexical = dot / ((story.terms_norm * other.terms_norm) or 1.0)
                if self._are_one(story, names, other, lexical):
                    keep, gone = sorted((story, other), key=lambda s: (-len(s.members), s.id))
                    self._merge(gone, keep)
                    merged.append((gone.id, keep.id))
                    break
        return merged

    def _are_one(
        self, a: StoryState, names: dict[str, float], b: StoryState, lexical: float
    ) -> bool:
        """The score, story to story, against the merge threshold, or against the assignment
        threshold when either story is a single article; `names` are a's entity weights and
        `lexical` the stories' cosine. Stories with no language in common compare by their
        multilingual centroids, against the cross-language threshold; a single article must
        then also pass the member check, as it would arriving now (newsapi's tune week:
        precision 0.895 -> 0.907, cross-language recall 0.256 -> 0.285)."""
        if len(b.members) == 1 < len(a.members):
            a, b, names = b, a, self._entity_weights(b.entities)
        if _other_editions(a.dates, a.fixtures, a.shopping, b):
            return False
        if _no_common_language(a, b):
            bridge = self._bridge_cosine(a, b)
            score = self._combined(bridge, bridge, _overlap(names, b.entities))
            if score * self._recency(a.last_seen, b) < self.config.bridge_threshold:
                return False
            # A single article faces the member check of an arrival, its looser bar judged on
            # what the stories share (the score before recency).
            return len(a.members) > 1 or self._near_a_member(a.articles[-1], b, score)
        if len(a.members) == 1:
            threshold = self.config.threshold / self._recency(a.last_seen, b)
        else:
            threshold = self.config.merge_threshold
        if self._foreign(a) and self._foreign(b):
            dense = self._bridge_cosine(a, b)
        else:
            dense = float(np.dot(a.centroid, b.centroid))
        if self._combined(dense, lexical, _overlap(names, b.entities)) < threshold and not (
            len(a.members) > 1
            and dense >= self.config.merge_dense
            and lexical >= self.config.merge_lexical
        ):
            return False
        return self._members_meet(a, b)

    def _nearest(self, story: StoryState) -> list[int]:
        """The active stories nearest to `story`'s centroid, then those nearest to its
        multilingual centroid that share none of its languages."""
        keys = self._index.search(story.centroid, self.config.candidates)
        return keys + self._across_languages(story.bridge_centroid, set(story.languages), set(keys))

    def _bridge_cosine(self, a: StoryState, b: StoryState) -> float:
        """The cosine of two stories' multilingual centroids; 0 where one has none (stories
        in two languages are then never alike)."""
        if a.bridge_centroid is None or b.bridge_centroid is None:
            return 0.0
        return float(np.dot(a.bridge_centroid, b.bridge_centroid))

    def _members_meet(self, a: StoryState, b: StoryState) -> bool:
        """Whether most of the smaller story's latest members pass the member check against
        the other: the merge pass's version of it, so that two stories of feed items that
        only share a topic don't merge."""
        small, large = sorted((a, b), key=lambda s: len(s.members))
        recent = small.articles[-self.config.member_window :]
        near = sum(self._near_a_member(article, large) for article in recent)
        return 2 * near >= len(recent)

    def _merge(self, gone: StoryState, keep: StoryState) -> None:
        keep.absorb(gone)
        self._index.remove(gone.id)
        self._index.upsert(keep.id, keep.centroid)
        self._unindex_bridge(gone.id)
        self._index_bridge(keep)
        del self.stories[gone.id]
        self.redirects[gone.id] = keep.id
        self.threads.join(gone.id, keep.id)
        self.threads.forget([gone.id])
        for article_id in gone.members:
            self.article_story[article_id] = keep.id
        for group, story_id in self.group_story.items():
            if story_id == gone.id:
                self.group_story[group] = keep.id

    # ------------------------------------------------------------------------------- split

    def split_pass(self, only: set[int] | None = None) -> list[Split]:
        """Separate active stories that turned out to be two events; returns the splits made.

        An online clusterer fuses look-alike events (another earthquake, another central bank)
        when the first report of the second event finds the first event's story its best match,
        so which one arrives first decides the stories. The split pass is the merge pass's
        counterpart: a story's articles are scored pairwise with the assignment formula, cut in
        two by the normalised cut of that graph, and separated when the halves are less alike
        than `split_ratio` times the articles within them, each half is more alike within
        itself than to the other (a local angle and an editorial, cut off together, are two
        outliers, not an event), and they share less than `split_names` of their names (two
        threads of one event, the quake and the aid effort, share the place and the toll; two
        earthquakes don't). A story is checked once it has `split_min_articles` articles and
        again whenever it has grown by a quarter. The larger half keeps the story's id, the
        other becomes a new story (the next id), and the two are never merged again.
        """
        splits: list[Split] = []
        for story in sorted(self.stories.values(), key=lambda s: s.id):
            size = len(story.members)
            if (
                story.dormant
                or (only is not None and story.id not in only)
                or size
                < max(self.config.split_min_articles, SPLIT_RECHECK_GROWTH * story.split_checked)
                or len(story.articles) != size  # features lost while dormant
            ):
                continue
            story.split_checked = size
            moved = self._split_off(story)
            if moved:
                splits.append(self._separate(story, moved))
        return splits

    def _split_off(self, story: StoryState) -> list[ArticleFeatures]:
        """The articles of the second event in `story`, or none when it is one event.

        Only the latest `SPLIT_MAX_SCORED` articles in the story's main language are scored
        against each other (the dense model and TF-IDF compare within a language); the others go
        with the half whose names they share most. Syndicated copies never end up on both
        sides."""
        main = _main_language(story)
        core = [a for a in story.articles if main is None or a.language in (main, None)]
        core = core[-SPLIT_MAX_SCORED:]
        if len(core) < self.config.split_min_articles:
            return []
        similarity = self._pairwise(core)
        side = _normalised_cut(similarity)
        if min(side.sum(), (~side).sum()) < 2:
            return []
        inside = [
            similarity[np.ix_(half, half)][np.triu_indices(int(half.sum()), 1)]
            for half in (side, ~side)
        ]
        between = float(similarity[np.ix_(side, ~side)].mean())
        if between >= self.config.split_ratio * float(np.concatenate(inside).mean()):
            return []
        if between >= min(float(pairs.mean()) for pairs in inside):
            return []  # a half that does not hang together is outliers, not a second event
        halves = [
            [a for a, s in zip(core, side, strict=True) if s == flag] for flag in (True, False)
        ]
        halves.sort(key=lambda half: (-len(half), story.members.index(half[0].id)))
        kept, moved = halves
        groups = {a.dup_group for a in kept if a.dup_group is not None}
        if any(a.dup_group in groups for a in moved):
            return []
        if self._names_overlap(kept, moved) >= self.config.split_names:
            return []  # the same names: one event's threads (the rescue, the aid), not two events
        names = [set().union(*(a.entities for a in half)) for half in (kept, moved)]
        scored = {a.id for a in core}
        for article in story.articles:
            if article.id not in scored and sum(map(names[1].__contains__, article.entities)) > sum(
                map(names[0].__contains__, article.entities)
            ):
                moved.append(article)
        return moved

    def _names_overlap(self, a: list[ArticleFeatures], b: list[ArticleFeatures]) -> float:
        """How much the names of two groups of articles overlap, each way, averaged."""
        names_a: Counter[str] = Counter()
        names_b: Counter[str] = Counter()
        for article in a:
            names_a.update(article.entities)
        for article in b:
            names_b.update(article.entities)
        return 0.5 * (
            _overlap(self._entity_weights(names_a), names_b)
            + _overlap(self._entity_weights(names_b), names_a)
        )

    def _pairwise(self, articles: Sequence[ArticleFeatures]) -> npt.NDArray[np.float64]:
        """The assignment score (without recency) of every pair of articles; names overlap
        taken both ways and averaged."""
        vectors = np.stack([a.vector for a in articles]).astype(np.float64)
        terms = [self._terms.vector(tfidf_vector(a.terms, self.df)) for a in articles]
        lexical = self._terms.gram(terms)
        numbering: dict[str, int] = {}
        for article in articles:
            for name in article.entities:
                numbering.setdefault(name, len(numbering))
        weights = np.zeros((len(articles), len(numbering)))
        present = np.zeros_like(weights)
        for row, article in enumerate(articles):
            for name, weight in self._entity_weights(article.entities).items():
                weights[row, numbering[name]] = weight
                present[row, numbering[name]] = 1.0
        weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
        overlap = weights @ present.T
        return self._combined(vectors @ vectors.T, lexical, (overlap + overlap.T) / 2)

    def _separate(self, story: StoryState, moved: list[ArticleFeatures]) -> Split:
        moved_ids = {a.id for a in moved}
        kept = self._rebuilt(story.id, [a for a in story.articles if a.id not in moved_ids])
        split_off = self._rebuilt(self._next_id(), moved)
        for part in (kept, split_off):
            part.split_checked = len(part.members)
            self.stories[part.id] = part
            self._index.upsert(part.id, part.centroid)
            self._index_bridge(part)
        for article in moved:
            self.article_story[article.id] = split_off.id
            if article.dup_group is not None:
                self.group_story[article.dup_group] = split_off.id
        self.keep_apart(kept.id, split_off.id)
        self.threads.join(split_off.id, kept.id)
        return Split(story.id, split_off.id, tuple(sorted(moved_ids)))

    def _rebuilt(self, story_id: int, articles: list[ArticleFeatures]) -> StoryState:
        """A story of these articles, weighted by today's document frequencies."""
        story = StoryState(story_id, np.zeros(self.dim, dtype=np.float32))
        for article in articles:
            story.add(article, self._terms.vector(tfidf_vector(article.terms, self.df)))
        return story

    def resolve(self, story_id: int) -> int:
        while story_id in self.redirects:
            story_id = self.redirects[story_id]
        return story_id

    # ------------------------------------------------------------------------------ expire

    def dormant_ids(self) -> set[int]:
        return {story.id for story in self.stories.values() if story.dormant}

    def _expire(self, now: datetime) -> None:
        """Stories without coverage for `window` go dormant: out of the index, still revivable.
        After twice that they are forgotten, as a restarted pipeline would not restore them,
        and so are their articles' document frequencies and whatever else was theirs: what the
        clusterer holds follows the window, not the history. The sweep runs once per
        `EXPIRY_STEP` of arrival time, not for every article."""
        if self._expired_at is not None and now - self._expired_at < EXPIRY_STEP:
            return
        self._expired_at = now
        forgotten: set[int] = set()
        for story in list(self.stories.values()):
            if story.last_seen is None or now - story.last_seen <= self.config.window:
                continue
            if now - story.last_seen > 2 * self.config.window:
                self._unindex_bridge(story.id)
                self._index.remove(story.id)
                self._dormant.remove(story.id)
                del self.stories[story.id]
                forgotten.add(story.id)
            elif not story.dormant:
                self._unindex_bridge(story.id)
                story.dormant = True
                story.articles = []
                self._index.remove(story.id)
                self._dormant.upsert(story.id, story.centroid)
        self.df.forget_before(now - 2 * self.config.window)
        self.entity_df.forget_before(now - 2 * self.config.window)
        if forgotten:
            self._forget(forgotten)
        if len(self._terms) > 2 * self._terms_in_use + 4096:
            held = list(self.stories.values())
            for story, terms in zip(
                held, self._terms.compact([s.terms for s in held]), strict=True
            ):
                story.terms = terms
            self._terms_in_use = len(self._terms)

    def _forget(self, forgotten: set[int]) -> None:
        """Let go of what pointed at forgotten stories. A later copy of one of their articles
        is placed like any other article."""
        self.group_story = {
            group: story_id
            for group, story_id in self.group_story.items()
            if story_id not in forgotten
        }
        self._apart = {pair for pair in self._apart if not pair & forgotten}
        self.threads.forget(forgotten)
        if self._keep_assignments:
            return
        self.article_story = {
            article: story
            for article, story in self.article_story.items()
            if self.resolve(story) not in forgotten
        }
        self.redirects = {
            old: new for old, new in self.redirects.items() if self.resolve(old) not in forgotten
        }

    def assignments(self) -> dict[int, int]:
        return {a: self.resolve(s) for a, s in self.article_story.items()}


def _other_days(dates: Set[str], story_dates: Set[str]) -> bool:
    """Whether headlines name days (`dates`) and the story's headlines name only others: one
    outlet's daily series (a market blog, a horoscope, a war digest) repeats its words every
    day, and its editions are different events. newsapi's tune week: BCubed precision 0.887
    -> 0.895, F1 0.774 -> 0.779 (bench/README.md); gn24's headlines name few days."""
    return bool(dates) and bool(story_dates) and not dates & story_dates


def _other_fixtures(fixtures: Set[Fixture], story_fixtures: Set[Fixture]) -> bool:
    """Whether headlines name fixtures ("A vs. B") and the story's headlines name only others:
    an outlet's series of match previews, live pages and watch guides repeats its words for
    every match. gn24's fortnight: Mashable's guides to 43 World Cup matches were one story
    (bench/README.md)."""
    return (
        bool(fixtures)
        and bool(story_fixtures)
        and not any(mine.meets(theirs) for mine in fixtures for theirs in story_fixtures)
    )


def _other_editions(
    dates: Set[str], fixtures: Set[Fixture], shopping: bool, story: StoryState
) -> bool:
    """Whether headlines that name these days and fixtures are another edition of a series
    than the story's: they name other days (`_other_days`) or other fixtures
    (`_other_fixtures`). A shopping piece (`shopping`, or the story's) is an edition of its
    own: outlets post them by the dozen around a sale, each on another product, in the sale's
    words (`features.shopping_title`)."""
    return (
        shopping
        or story.shopping
        or _other_days(dates, story.dates)
        or _other_fixtures(fixtures, story.fixtures)
    )


def _paraphrases_a_member(members: MemberCosines, config: ClusterConfig) -> bool:
    """Whether a feed item says what one of the story's latest members in its language says,
    in other words: a cosine of `paraphrase_similarity` or more (`members.alike`). Such an item
    joins at a lower story score: two outlets' headlines of one report often share few of the
    words and names that the story score counts. Names don't gate it: of the labelled English
    pairs this close with no name in common, 11 on the tune weeks report one event and none
    two (21 and 3 on the report weeks). On the tune weeks: newsapi 0.787 -> 0.796 BCubed F1,
    gn24 0.878 -> 0.879, precision not lower on either (bench/README.md)."""
    return members.alike is not None and members.alike >= config.paraphrase_similarity


def _largest_cosine(vectors: list[Vectors], vector: Vectors | None) -> float | None:
    """The largest dot product of `vector` with `vectors` (unit vectors: their cosine)."""
    if not vectors or vector is None:
        return None
    return float((np.stack(vectors) @ vector).max())


def _overlap(names: dict[str, float], story: Counter[str]) -> float:
    """Weighted share of the names (name -> weight) that the story mentions."""
    total = sum(names.values())
    shared = sum(map(names.__getitem__, filter(story.__contains__, names)))
    return shared / total if total else 0.0


def _normalised_cut(similarity: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """One side (a mask) of the two-way normalised cut of a similarity graph (Shi and Malik,
    2000): the nodes ordered by the Fiedler vector of the normalised Laplacian, cut where the
    normalised cut is smallest. The sweep moves one node at a time across the cut, so it
    updates the cut in O(n) per step."""
    weights = np.maximum(similarity, 0.0)
    np.fill_diagonal(weights, 0.0)
    degree = np.maximum(weights.sum(axis=1), 1e-12)
    scale = 1.0 / np.sqrt(degree)
    laplacian = np.eye(len(weights)) - scale[:, None] * weights * scale[None, :]
    order = np.argsort(scale * np.linalg.eigh(laplacian)[1][:, 1], kind="stable")
    side = np.zeros(len(weights), dtype=bool)
    cut, volume, total = 0.0, 0.0, float(degree.sum())
    best_k, best_cut = 1, math.inf
    for k, node in enumerate(order[:-1], start=1):
        cut += float(weights[node, ~side].sum() - weights[node, side].sum())
        side[node] = True
        volume += float(degree[node])
        normalised = cut / volume + cut / (total - volume)
        if normalised < best_cut:
            best_k, best_cut = k, normalised
    best = np.zeros(len(weights), dtype=bool)
    best[order[:best_k]] = True
    return best


def _main_language(story: StoryState) -> str | None:
    """The language most of the story's articles are in (None when none has one)."""
    # max, not most_common(1): the same answer (the first of the largest), at a fifth of the
    # cost, in a function the thread links call 400,000 times on gn24.
    languages = story.languages
    return max(languages, key=languages.__getitem__) if languages else None


def _same_language(article: ArticleFeatures, story: StoryState) -> bool:
    return not article.language or not story.languages or article.language in story.languages


def _share_a_language(a: StoryState, b: StoryState) -> bool:
    return bool(set(a.languages) & set(b.languages))


def _comparable(a: StoryState, b: StoryState) -> bool:
    """Whether two stories can be scored for a thread: they share a language, or both have
    multilingual centroids."""
    return _share_a_language(a, b) or (
        a.bridge_centroid is not None and b.bridge_centroid is not None
    )


def _no_common_language(a: StoryState, b: StoryState) -> bool:
    """Whether two stories have no language in common."""
    return bool(a.languages and b.languages) and not _share_a_language(a, b)


def _plus(total: Vectors | None, vector: Vectors) -> Vectors:
    return vector.copy() if total is None else total + vector
