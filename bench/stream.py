"""Stories on real news: a fortnight of a real multi-outlet stream through the service's path,
scored against labels we made (`bench/labels/`), next to two peers in the same run.

    .venv/bin/python bench/stream.py                   # both streams, a few minutes each
    .venv/bin/python bench/stream.py --streams gn24 --no-write --cache   # a quick check
    .venv/bin/python bench/stream.py --no-write --cache --set thread_bridge_floor=0.3 \
        --against bench/results/stream-defaults.json   # a copy of an earlier run's results

Streams (`../shared/data/streams/`, read at run time): gn24, 2026-06-08 to 2026-06-21 (about
8,300 items of 21 outlets, headline and standfirst), and newsapi, 2023-10-01 to 2023-10-14
(about 10,800 headlines of 1,200 outlets in six languages). The fortnights are in
`bench/label.py`.

Protocol. `storywire.cluster.replay.replay` carries every item through the stages a fetch
round runs when a page can't be read (feed-item cleaning, language and kind, dedupe), then the
story stages (embedding, assignment, the merge and split passes, and the writer unless
`--no-write`), in rounds of 30 minutes of publication time, with the default
`ClusterConfig()`, or with the numeric knobs `--set` names changed: a variant's figures from
the committed command, to compare with the defaults'. Nothing here tunes anything.

Gold. `bench/labels/<stream>-{tune,report}.tsv`: events and threads of the labelled articles,
by half. The first week is the tune half (constants are chosen on it), the second the report
half (the results). Each figure is printed for both halves, with its half named.

Metrics, over the labelled articles of a half:
- BCubed precision, recall and F1 of stories against events;
- cross-language recall: the share of same-event pairs in different languages that share a
  story;
- blobs: stories with 5 or more labelled members of which more than 10% belong to events other
  than the story's main one;
- threads: BCubed F1 of the system's threads against the labelled ones (an event without a
  thread is a thread of its own).
- sampled thread links (`bench/labels/links-<stream>.tsv`): pairs of articles whose stories
  one replay (3e6a633) linked into a thread, both labelled; how many the labels put in one
  saga, how many the run keeps in one thread, and how many of those are one saga. The sample
  comes from one version's links, so it measures what a change does to those links, not the
  precision of a new version's own.

Intervals. Each F1 is printed with its 95% interval over 1,000 resamples of the half's labelled
events, drawn with replacement (`clustering.event_bootstrap`: an event's articles stay
together, so one saga of 300 articles counts as one draw), and each storywire/peer ratio with
the interval of the ratio over the same draws: a lead whose interval holds 1.0 is one the
labels do not bear out. `--against RESULTS`, an earlier run's stream.json (it keeps where each
labelled article went), prints this run's F1 minus that run's, stories and threads per half,
with the interval of the difference over draws shared by both runs: how to tell whether a
variant (`--set`) or a change of code moved anything the labels can see.

Peers, on the same items in the same time order, with their constant chosen on the tune half
and reported on both: TF-IDF single pass (`TfidfVectorizer(sublinear_tf=True)` over headline
and text, join the most cosine-similar centroid at >= t) and HDBSCAN over the same MiniLM
vectors (noise points are singletons; min_samples m). For threads, the peer is the same TF-IDF
single pass with its threshold chosen on the tune half's thread labels (0.05-0.90: a thread is
a coarser grouping, so it may join at lower similarity); beside it, our stories scored as
threads (no thread links), which says what the thread pass adds.

A human peer: where `bench/labels/second/` holds the half's articles labelled again by a second
labeller who never saw the first labels, that labelling is scored against ours like a system
(BCubed, blobs, threads: how far two labellers agree, the ceiling a target can ask for), and
storywire is scored against it too (how much of our figure is the first labeller's taste).

Also printed per stream: the story-size histogram, the share of multi-outlet stories, the front
page (the reader's: top 20 stories by importance, at most two of a thread) at 18:00 UTC on
five days with each story's headline, thread and member titles, how many of each page's
stories the largest thread holds, and how many of the top 20 featured stories it would hold
without that cap (one saga filling the page; `--pages` lists the stories the cap left off),
and articles per second end to end (the replay's wall time, embedding included; with `--cache`
the vectors come from a file and the speed is not a result), beside the TF-IDF single pass
peer's articles/s at its chosen threshold (vectorising included, in memory with no storage,
so a ceiling rather than a like-for-like figure). `--profile N` runs the replay under
cProfile and prints its N costliest functions by cumulative time: where the time goes, not a
speed (the profiler slows the replay down).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import asdict, fields, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from clustering import event_bootstrap, hdbscan, score, single_pass
from harness import (
    RESULTS_DIR,
    STREAMS,
    data_missing,
    load_stream,
    save_results,
    stream_items,
    stream_models,
)
from label import WINDOWS, read_labels, read_links
from sklearn.feature_extraction.text import TfidfVectorizer

from storywire.cluster.config import ClusterConfig
from storywire.cluster.replay import StreamItem, replay
from storywire.nlp.embed import MINILM_NAME, USE_NAME, default_embedder
from storywire.nlp.features import embedding_text
from storywire.store import db, repo
from storywire.web.views import FRONT_PAGE_PER_THREAD, story_cards

THRESHOLDS = tuple(round(0.05 * k, 2) for k in range(2, 19))
# A thread is coarser than a story, so the thread peer may also join at lower similarities.
THREAD_THRESHOLDS = tuple(round(0.05 * k, 2) for k in range(1, 19))
MIN_SAMPLES = (1, 2, 3)
FRONT_PAGE_DAYS = 5
FRONT_PAGE_SIZE = 20
BLOB_SIZE, BLOB_SHARE = 5, 0.10
# HDBSCAN clusters the main model's vectors (`--model`), which the results name.
STORYWIRE, TFIDF, HDB = "storywire", "TF-IDF single pass", "HDBSCAN"
# The same articles labelled again, blind (bench/labels/second/): how far two labellers agree.
SECOND = "second labeller"


# ----------------------------------------------------------------------------------- metrics


def bcubed(predicted: Mapping[str, object], gold: dict[str, str]) -> dict[str, float]:
    ids = sorted(gold)
    if not ids:
        return {"P": 0.0, "R": 0.0, "F1": 0.0}
    result = score([predicted[i] for i in ids], [gold[i] for i in ids])
    return {"P": result.bcubed_p, "R": result.bcubed_r, "F1": result.bcubed_f1}


def intervals(systems: Mapping[str, Mapping[str, object]], gold: dict[str, str]) -> dict[str, Any]:
    """95% intervals of each system's BCubed F1 over resamples of the labelled events, and of
    storywire's F1 over each other system's (a ratio whose interval excludes 1.0 is a lead or a
    lag the labels bear out). The first system is storywire."""
    ids = sorted(gold)
    draws = event_bootstrap(
        {name: [found[i] for i in ids] for name, found in systems.items()}, [gold[i] for i in ids]
    )
    ours = draws[next(iter(systems))]

    def interval(values: np.ndarray) -> list[float]:
        return [round(float(v), 3) for v in np.percentile(values, (2.5, 97.5))]

    return {
        "F1": {name: interval(values) for name, values in draws.items()},
        "ratio": {name: interval(ours / values) for name, values in list(draws.items())[1:]},
    }


def cross_language_recall(
    predicted: dict[str, object], gold: dict[str, str], language: dict[str, str]
) -> tuple[float | None, int]:
    """Share of same-event pairs in different languages that share a story, and their count."""
    by_event: defaultdict[str, list[str]] = defaultdict(list)
    for article, event in gold.items():
        by_event[event].append(article)
    pairs = together = 0
    for members in by_event.values():
        for k, a in enumerate(members):
            for b in members[k + 1 :]:
                if language[a] != language[b]:
                    pairs += 1
                    together += predicted[a] == predicted[b]
    return (round(together / pairs, 4) if pairs else None), pairs


def sampled_links(
    thread: Mapping[str, object], gold: dict[str, str], links: Sequence[tuple[str, str]]
) -> dict[str, int]:
    """How a run's threads treat the sampled links whose two ends are labelled in `gold`
    (thread labels): how many pairs the labels put in one saga, how many the run leaves in one
    thread, and how many of those the labels put in one saga."""
    pairs = [(a, b) for a, b in links if a in gold and b in gold]
    kept = [(a, b) for a, b in pairs if thread[a] == thread[b]]
    return {
        "pairs": len(pairs),
        "one saga": sum(gold[a] == gold[b] for a, b in pairs),
        "kept": len(kept),
        "kept one saga": sum(gold[a] == gold[b] for a, b in kept),
    }


def blobs(predicted: Mapping[str, object], gold: dict[str, str]) -> list[dict[str, Any]]:
    """Stories of BLOB_SIZE+ labelled members with more than BLOB_SHARE from other events."""
    members: defaultdict[object, list[str]] = defaultdict(list)
    for article in sorted(gold):
        members[predicted[article]].append(article)
    found = []
    for story, own in members.items():
        if len(own) < BLOB_SIZE:
            continue
        events = Counter(gold[a] for a in own)
        main, count = events.most_common(1)[0]
        if 1 - count / len(own) > BLOB_SHARE:
            found.append(
                {"story": story, "labelled": len(own), "events": len(events), "main": main}
            )
    return found


# ------------------------------------------------------------------------------------- peers


def tfidf_gram(items: Sequence[StreamItem]) -> np.ndarray:
    matrix = TfidfVectorizer(sublinear_tf=True).fit_transform(
        [f"{i.title}\n\n{i.text}" for i in items]
    )
    gram: np.ndarray = (matrix @ matrix.T).toarray()
    return gram


def tuned(
    run: Any, choices: Sequence[Any], halves: dict[str, dict[str, str]], ids: list[str]
) -> dict[str, Any]:
    """A peer run at each choice, the choice with the best tune-half F1, scored on both."""
    found = {c: dict(zip(ids, run(c), strict=True)) for c in choices}
    best = max(choices, key=lambda c: (bcubed(found[c], halves["tune"])["F1"], -c))
    return {"choice": best, "labels": found[best]}


# ----------------------------------------------------------------------------------- running


def run_stream(
    name: str,
    write: bool,
    cache: bool,
    model: str = MINILM_NAME,
    settings: Mapping[str, float] | None = None,
    profile: int = 0,
) -> dict[str, Any]:
    """One stream replayed and scored; `settings`: `ClusterConfig` knobs other than their
    defaults (a variant to compare with the defaults' figures, never a tuning run); `profile`:
    print that many of the replay's functions by cumulative time (cProfile)."""
    config = replace(ClusterConfig(), **(settings or {}))
    window = WINDOWS[name]
    raw = load_stream(name, window.first, window.last)
    items = stream_items(raw)
    ids = [i.id for i in items]
    language = {r["id"]: r["language"] for r in raw}
    halves = {half: read_events(name, half) for half in ("tune", "report")}
    threads = {half: read_threads(name, half) for half in ("tune", "report")}
    second_events = {half: read_events(name, half, second=True) for half in ("tune", "report")}
    second_threads = {half: read_threads(name, half, second=True) for half in ("tune", "report")}
    links = read_links(name)

    inner = default_embedder(model)
    inner.embed(["warm up"])
    # In memory, so the peers reuse the replay's vectors; in a file only with --cache.
    embedder, bridge = stream_models(name, cache, inner)
    pages: dict[str, dict[str, Any]] = {}
    page_times = front_page_times(window.first, window.last)

    def front_page(sessions: db.Sessions, now: datetime) -> None:
        due = [t for t in page_times if t <= now and t.isoformat() not in pages]
        if due:
            pages[due[-1].isoformat()] = read_front_page(sessions)

    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    with profiler or nullcontext():
        replayed = replay(
            items, embedder, config, write=write, after_round=front_page, bridge=lambda: bridge
        )
    seconds = time.perf_counter() - started
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(profile)
    story = {item: s for item, s, _ in replayed.rows}
    thread = {item: t for item, _, t in replayed.rows}

    peer_started = time.perf_counter()
    gram = tfidf_gram(items)
    gram_seconds = time.perf_counter() - peer_started
    order = sorted(range(len(items)), key=lambda i: (raw[i]["published"], i))
    vectors = embedder.embed([embedding_text(i.title, i.text) for i in items])
    embedder.save()
    bridge.save()
    peers = {
        TFIDF: tuned(lambda t: single_pass(gram, order, t), THRESHOLDS, halves, ids),
        HDB: tuned(lambda m: hdbscan(vectors, order, m), MIN_SAMPLES, halves, ids),
    }
    thread_peer = tuned(lambda t: single_pass(gram, order, t), THREAD_THRESHOLDS, threads, ids)
    # The TF-IDF peer's speed at its chosen threshold, vectorising included: in memory, with
    # no storage, dedupe or writing, so a ceiling rather than a like-for-like service.
    peer_started = time.perf_counter()
    single_pass(gram, order, peers[TFIDF]["choice"])
    peer_seconds = gram_seconds + time.perf_counter() - peer_started

    result: dict[str, Any] = {
        "items": len(items),
        "outlets": len({i.source for i in items}),
        "rounds": replayed.rounds,
        "seconds": round(seconds, 1),
        "articles_per_s": round(len(items) / seconds, 1),
        "tfidf_articles_per_s": round(len(items) / peer_seconds, 1),
        "cached_vectors": cache,
        "profiled": bool(profile),
        "model": model,
        "settings": dict(settings or {}),
        "writer": write,
        "report": {k: v for k, v in asdict(replayed.report).items() if k != "touched"},
        "sizes": size_histogram(story),
        "multi_outlet_share": multi_outlet_share(story, {i.id: i.source for i in items}),
        "front_pages": pages,
        "halves": {},
    }
    for half in ("tune", "report"):
        gold = halves[half]
        if not gold:
            continue
        entry: dict[str, Any] = {
            "labelled": len(gold),
            "events": len(set(gold.values())),
            STORYWIRE: bcubed(story, gold),
            "cross_language": cross_language_recall(story, gold, language),
            "blobs": blobs(story, gold),
            "threads": bcubed(thread, threads[half]),
            "threads unlinked": bcubed(story, threads[half]),
            f"threads {TFIDF}": {
                **bcubed(thread_peer["labels"], threads[half]),
                "choice": thread_peer["choice"],
            },
            "sampled links": sampled_links(thread, threads[half], links),
            f"sampled links {TFIDF}": sampled_links(thread_peer["labels"], threads[half], links),
        }
        for peer, found in peers.items():
            entry[peer] = {**bcubed(found["labels"], gold), "choice": found["choice"]}
            entry[f"{peer} cross_language"] = cross_language_recall(found["labels"], gold, language)
        entry["intervals"] = intervals(
            {STORYWIRE: story, **{peer: found["labels"] for peer, found in peers.items()}}, gold
        )
        entry["thread intervals"] = intervals(
            {STORYWIRE: thread, TFIDF: thread_peer["labels"]}, threads[half]
        )
        if second := second_events[half]:
            entry[SECOND] = agreement(second, gold, second_threads[half], threads[half])
            entry[f"{STORYWIRE} against {SECOND}"] = agreement(
                story, second, thread, second_threads[half]
            )
        # Where each labelled article went, for `--against` to compare a later run with this.
        entry["groups"] = {
            "stories": {i: story[i] for i in gold},
            "threads": {i: thread[i] for i in threads[half]},
        }
        result["halves"][half] = entry
    return result


def against(name: str, result: dict[str, Any], earlier: dict[str, Any]) -> dict[str, Any]:
    """This run's F1 minus an earlier run's on the same labels, with a 95% interval over
    resamples of the labelled events that pairs the two runs (the same draws for both): a
    variant's lead over the defaults is borne out by the labels when its interval excludes 0."""
    found: dict[str, dict[str, Any]] = {}
    for half, entry in result["halves"].items():
        before = earlier.get("halves", {}).get(half, {}).get("groups")
        if not before:
            continue
        gold = {"stories": read_events(name, half), "threads": read_threads(name, half)}
        for level in ("stories", "threads"):
            ids = sorted(set(gold[level]) & set(before[level]))
            draws = event_bootstrap(
                {
                    "now": [entry["groups"][level][i] for i in ids],
                    "then": [before[level][i] for i in ids],
                },
                [gold[level][i] for i in ids],
            )
            change = draws["now"] - draws["then"]
            low, high = np.percentile(change, (2.5, 97.5))
            found.setdefault(half, {})[level] = {
                "now": bcubed(entry["groups"][level], {i: gold[level][i] for i in ids})["F1"],
                "then": bcubed(before[level], {i: gold[level][i] for i in ids})["F1"],
                "interval": [round(float(low), 4), round(float(high), 4)],
            }
    return found


def agreement(
    events: Mapping[str, object],
    gold: dict[str, str],
    threads: Mapping[str, object],
    thread_gold: dict[str, str],
) -> dict[str, Any]:
    """One grouping scored against a gold: stories (or a labeller's events), blobs, threads."""
    return {
        **bcubed(events, gold),
        "blobs": len(blobs(events, gold)),
        "threads": bcubed(threads, thread_gold)["F1"],
    }


def read_events(name: str, half: str, second: bool = False) -> dict[str, str]:
    return {article: event for article, (event, _) in read_labels(name, half, second).items()}


def read_threads(name: str, half: str, second: bool = False) -> dict[str, str]:
    return {
        article: thread or event
        for article, (event, thread) in read_labels(name, half, second).items()
    }


def front_page_times(first: str, last: str) -> list[datetime]:
    """18:00 UTC on FRONT_PAGE_DAYS days spread over the window."""
    start = datetime.fromisoformat(f"{first}T18:00:00+00:00")
    days = (datetime.fromisoformat(last) - datetime.fromisoformat(first)).days
    step = days / (FRONT_PAGE_DAYS - 1)
    return [start + timedelta(days=round(k * step)) for k in range(FRONT_PAGE_DAYS)]


def read_front_page(sessions: db.Sessions) -> dict[str, Any]:
    """The reader's front page (its top stories, at most FRONT_PAGE_PER_THREAD of a thread),
    each story with its thread (the smallest id among the thread's live stories), how many
    of the top featured stories the largest thread would hold without that cap, and the
    stories among those that the cap leaves off the page (to read whether their thread is
    one saga)."""
    with db.transaction(sessions) as session:
        found, _ = story_cards(session, order=repo.Order.TOP, limit=FRONT_PAGE_SIZE)
        names = repo.outlet_names(session)
        uncapped = repo.list_stories(session, limit=FRONT_PAGE_SIZE, featured=True)
        sizes = repo.thread_sizes(session, [row.story.id for row in uncapped])
        threads = {story: thread for story, (thread, _) in sizes.items()}
        rows = []
        for card in found:
            members = [a for a, _ in repo.story_articles(session, card.story.id)]
            rows.append(
                {
                    "story": card.story.id,
                    "thread": card.thread_id or card.story.id,
                    "thread_stories": card.thread_size,
                    "headline": card.story.headline,
                    "outlets": card.outlets,
                    "articles": card.articles,
                    "members": [f"{names.get(a.outlet_id, '?')}: {a.title}" for a in members[:8]],
                }
            )
    held = Counter(threads.get(row.story.id, row.story.id) for row in uncapped)
    shown = {row["story"] for row in rows}
    hidden = [
        {
            "story": row.story.id,
            "thread": threads.get(row.story.id, row.story.id),
            "headline": row.story.headline,
        }
        for row in uncapped
        if row.story.id not in shown
    ]
    return {"stories": rows, "uncapped_largest": max(held.values(), default=0), "hidden": hidden}


def size_histogram(story: dict[str, int]) -> dict[str, int]:
    sizes = Counter(Counter(story.values()).values())
    buckets = {"1": 0, "2": 0, "3-4": 0, "5-9": 0, "10-19": 0, "20-49": 0, "50+": 0}
    for size, count in sizes.items():
        key = next(
            k for k, top in zip(buckets, (1, 2, 4, 9, 19, 49, 10**9), strict=True) if size <= top
        )
        buckets[key] += count
    return buckets


def multi_outlet_share(story: dict[str, int], source: dict[str, str | None]) -> float:
    outlets: defaultdict[int, set[str | None]] = defaultdict(set)
    sizes = Counter(story.values())
    for item, s in story.items():
        outlets[s].add(source[item])
    multi = [s for s in sizes if sizes[s] >= 2]
    return round(sum(len(outlets[s]) >= 2 for s in multi) / max(len(multi), 1), 4)


# ----------------------------------------------------------------------------------- printing


def print_stream(name: str, result: dict[str, Any], pages: bool) -> None:
    print(f"\n== {name}: {result['items']} items, {result['outlets']} outlets, "
          f"{result['rounds']} rounds, {result['articles_per_s']} articles/s end to end"
          f"{' (cached vectors: not a speed result)' if result['cached_vectors'] else ''}"
          f"{' (under cProfile: not a speed result)' if result.get('profiled') else ''}, "
          f"writer {'on' if result['writer'] else 'off'}; TF-IDF single pass in memory (no "
          f"storage): {result['tfidf_articles_per_s']} articles/s")  # fmt: skip
    if result["settings"]:
        print(f"   settings other than the defaults: {result['settings']}")
    print(f"   story sizes: {result['sizes']}; multi-outlet share of 2+ stories: "
          f"{result['multi_outlet_share']}")  # fmt: skip
    largest = [
        max(Counter(row["thread"] for row in page["stories"]).values(), default=0)
        for page in result["front_pages"].values()
    ]
    uncapped = [page["uncapped_largest"] for page in result["front_pages"].values()]
    print(f"   front pages (the reader's top {FRONT_PAGE_SIZE} at 18:00 on {len(largest)} days): "
          f"the largest thread holds {largest} of their stories; {uncapped} of the top "
          f"{FRONT_PAGE_SIZE} featured stories without the cap of {FRONT_PAGE_PER_THREAD} "
          "a thread")  # fmt: skip
    for half, entry in result["halves"].items():
        ours = entry[STORYWIRE]
        print(f"   [{half} half] {entry['labelled']} labelled articles, {entry['events']} events")
        for system in (STORYWIRE, TFIDF, HDB):
            scores = entry[system]
            label = f"{HDB} {result['model']}" if system == HDB else system
            choice = f" (chosen on tune: {scores['choice']})" if "choice" in scores else ""
            ratio = ours["F1"] / scores["F1"] if scores["F1"] else float("nan")
            low, high = entry["intervals"]["F1"][system]
            versus = (
                ""
                if system == STORYWIRE
                else f"  storywire/peer {ratio:.3f} {_interval(entry['intervals'], system)}"
            )
            print(f"     {label:<30} BCubed P {scores['P']:.3f} R {scores['R']:.3f} "
                  f"F1 {scores['F1']:.3f} [{low:.3f}, {high:.3f}]{choice}{versus}")  # fmt: skip
        recall, pairs = entry["cross_language"]
        print(f"     cross-language recall {recall} over {pairs} pairs "
              f"(TF-IDF {entry[f'{TFIDF} cross_language'][0]}, "
              f"HDBSCAN {entry[f'{HDB} cross_language'][0]})")  # fmt: skip
        found = [(b["story"], b["labelled"], b["events"]) for b in entry["blobs"]]
        print(f"     blobs (5+ labelled, >10% other events): {len(found)} {found[:10]}")
        threads, alone, peer = (
            entry["threads"],
            entry["threads unlinked"],
            entry[f"threads {TFIDF}"],
        )
        low, high = entry["thread intervals"]["F1"][STORYWIRE]
        print(f"     threads BCubed P {threads['P']:.3f} R {threads['R']:.3f} "
              f"F1 {threads['F1']:.3f} [{low:.3f}, {high:.3f}]; {TFIDF} as threads F1 "
              f"{peer['F1']:.3f} (chosen on tune: {peer['choice']})  storywire/peer "
              f"{threads['F1'] / peer['F1']:.3f} "
              f"{_interval(entry['thread intervals'], TFIDF)}; "
              f"our stories without thread links F1 {alone['F1']:.3f}")  # fmt: skip
        ours_l, peer_l = entry["sampled links"], entry[f"sampled links {TFIDF}"]
        if ours_l["pairs"]:
            print(f"     sampled thread links: {ours_l['pairs']} pairs, {ours_l['one saga']} one "
                  f"saga by the labels; storywire keeps {ours_l['kept']} in one thread "
                  f"({ours_l['kept one saga']} one saga), {TFIDF} as threads "
                  f"{peer_l['kept']} ({peer_l['kept one saga']})")  # fmt: skip
        if SECOND in entry:
            human, ours_b = entry[SECOND], entry[f"{STORYWIRE} against {SECOND}"]
            ratio = ours["F1"] / human["F1"]
            print(f"     {SECOND} against ours: BCubed P {human['P']:.3f} R {human['R']:.3f} "
                  f"F1 {human['F1']:.3f}, blobs {human['blobs']}, threads F1 "
                  f"{human['threads']:.3f}  storywire/labeller {ratio:.3f}")  # fmt: skip
            print(f"     storywire against the {SECOND}: BCubed P {ours_b['P']:.3f} R "
                  f"{ours_b['R']:.3f} F1 {ours_b['F1']:.3f}, blobs {ours_b['blobs']}, threads "
                  f"F1 {ours_b['threads']:.3f}")  # fmt: skip
    if pages:
        for when, page in result["front_pages"].items():
            print(f"   front page at {when}:")
            for rank, row in enumerate(page["stories"], start=1):
                print(f"     {rank:>2}. [{row['outlets']} outlets, {row['articles']} articles, "
                      f"thread {row['thread']} of {row['thread_stories']} stories] "
                      f"{row['headline']}")  # fmt: skip
                for member in row["members"]:
                    print(f"           - {member}")
            for row in page["hidden"]:
                print(f"     left off by the cap (thread {row['thread']}): {row['headline']}")


def print_against(changes: dict[str, Any], path: Path) -> None:
    print(f"   against {path} (this run minus that one, BCubed F1, 95% interval):")
    for half, levels in changes.items():
        for level, change in levels.items():
            low, high = change["interval"]
            print(f"     [{half} half] {level}: {change['now']:.3f} - {change['then']:.3f} = "
                  f"{change['now'] - change['then']:+.3f} [{low:+.3f}, {high:+.3f}]")  # fmt: skip


def _interval(intervals: dict[str, Any], peer: str) -> str:
    low, high = intervals["ratio"][peer]
    return f"[{low:.3f}, {high:.3f}]"


def knob_settings(pairs: Sequence[str]) -> dict[str, float]:
    """`KNOB=VALUE` pairs as `ClusterConfig` settings, each a number of its knob's type."""
    knobs = {knob.name: knob.default for knob in fields(ClusterConfig)}
    settings: dict[str, float] = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        default = knobs.get(name)
        if not isinstance(default, int | float) or isinstance(default, bool):
            raise ValueError(f"--set {pair}: not a numeric ClusterConfig knob")
        try:
            settings[name] = type(default)(value)
        except ValueError:
            raise ValueError(f"--set {pair}: {value!r} is not a {type(default).__name__}") from None
    return settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", nargs="+", choices=sorted(WINDOWS), default=sorted(WINDOWS))
    parser.add_argument("--no-write", action="store_true", help="skip the writer (faster)")
    parser.add_argument("--cache", action="store_true", help="reuse vectors (development only)")
    parser.add_argument("--pages", action="store_true", help="print the front pages")
    parser.add_argument("--model", choices=(MINILM_NAME, USE_NAME), default=MINILM_NAME)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KNOB=VALUE",
        help="a numeric ClusterConfig knob other than its default, to compare a variant",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="print the replay's N costliest functions (cProfile, cumulative time)",
    )
    parser.add_argument(
        "--against",
        type=Path,
        metavar="RESULTS",
        help="an earlier run's stream.json: print this run's F1 minus its, with an interval",
    )
    args = parser.parse_args(argv)
    try:
        settings = knob_settings(args.set)
    except ValueError as exc:
        parser.error(str(exc))
    paths = [STREAMS / f"{s}.jsonl.gz" for s in args.streams]
    if data_missing(paths, "the real streams"):
        return 2
    earlier = json.loads(args.against.read_text(encoding="utf-8")) if args.against else {}
    results = {}
    for name in args.streams:
        results[name] = run_stream(
            name, not args.no_write, args.cache, args.model, settings, args.profile
        )
        print_stream(name, results[name], args.pages)
        if name in earlier:
            results[name]["against"] = against(name, results[name], earlier[name])
            print_against(results[name]["against"], args.against)
    save_results(RESULTS_DIR / "stream.json", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
