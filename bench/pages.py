"""Read what the product shows: a real stream replayed with the writer on, and the front page's
story pages printed as a reader gets them, at the moments asked for.

    .venv/bin/python bench/pages.py gn24 2026-06-08 2026-06-18 --at 2026-06-18T18:00
    .venv/bin/python bench/pages.py newsapi 2023-10-06 2023-10-09 --at 2023-10-08T03:00 \\
        --grep afghan --cache

The days from FIRST to LAST (inclusive) of the stream (`../shared/data/streams/`, read at run
time) go through `storywire.cluster.replay.replay` with `write=True`: the service's stages, the
writer included, in rounds of 30 minutes of publication time. At each `--at` moment (UTC) the
top `--top` stories of the reader's front page (`web.views.story_cards`: featured, at most two
of a thread) are printed as the story page builds them (`web.views.story_view`): headline,
highlights (*), story sentences (|) with the article ids they cite, the thread's stories just
before and after it (~), and the sources, numbered as on the page. `--grep` prints only the
stories whose headline or text holds a word, among the first 500. With `--cache` the vectors
come from `bench/stream.py --cache`'s files and are never written back; nothing here is a
figure, only pages to read (docs/writing.md says what to look for: superseded figures, repeats,
previews, headlines that are not the event).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime

from harness import (
    STREAMS,
    data_missing,
    load_stream,
    stream_items,
    stream_models,
)

from storywire.cluster.replay import replay
from storywire.models import StorySummary
from storywire.store import db, repo
from storywire.web.views import StoryView, story_cards, story_view

SEARCHED = 500  # stories `--grep` looks through


def print_page(view: StoryView, articles: int, outlets: int, shown_sources: int) -> None:
    revision = view.revision
    print(
        f"\n=== [{view.story.id}] {view.story.headline}  ({articles} articles, {outlets} outlets)"
    )
    for item in revision.highlights if revision else []:
        print(f"  * {item.text} {list(item.citations)}")
    for item in revision.story if revision else []:
        print(f"  | {item.text} {list(item.citations)}")
    if view.thread is not None:
        earlier, later = view.thread.around(view.story.id)
        for label, cards in (("earlier in the thread", earlier), ("later in the thread", later)):
            for card in cards:
                print(f"  ~ {label}: [{card.story.id}] {card.story.headline}")
    for source in sorted(view.sources.values(), key=lambda s: s.number)[:shown_sources]:
        when = f"{source.article.published_at:%m-%d %H:%M}" if source.article.published_at else "?"
        print(f"    [{source.number}] {source.outlet} {when} {source.article.language}: "
              f"{source.article.title}")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stream", choices=("gn24", "newsapi"))
    parser.add_argument("first", help="first day, YYYY-MM-DD")
    parser.add_argument("last", help="last day, YYYY-MM-DD")
    parser.add_argument("--at", nargs="+", required=True, help="moments (UTC), YYYY-MM-DDTHH:MM")
    parser.add_argument("--top", type=int, default=20, help="stories of the front page printed")
    parser.add_argument("--sources", type=int, default=12, help="sources printed per story")
    parser.add_argument("--grep", help="only stories whose headline or text holds this")
    parser.add_argument("--cache", action="store_true", help="read bench/stream.py's vectors")
    args = parser.parse_args(argv)
    if data_missing([STREAMS / f"{args.stream}.jsonl.gz"], "the real streams"):
        return 2
    items = stream_items(load_stream(args.stream, args.first, args.last))
    embedder, bridge = stream_models(args.stream, args.cache, write=False)
    moments = sorted(datetime.fromisoformat(f"{t}+00:00") for t in args.at)
    printed: set[datetime] = set()

    def pages(sessions: db.Sessions, now: datetime) -> None:
        due = [t for t in moments if t <= now and t not in printed]
        if not due:
            return
        printed.update(due)
        print(f"\n######## front page at {now:%Y-%m-%d %H:%M} UTC")
        with db.transaction(sessions) as session:
            if args.grep:
                rows = repo.list_stories(session, limit=SEARCHED)
            else:  # the reader's front page: featured, at most two stories of a thread
                found, _ = story_cards(session, order=repo.Order.TOP, limit=args.top)
                rows = [StorySummary(c.story, c.articles, c.outlets) for c in found]
            for row in rows:
                view = story_view(session, str(row.story.id))
                told = " ".join(item.text for item in view.revision.story) if view.revision else ""
                if (
                    args.grep
                    and args.grep.casefold() not in f"{row.story.headline} {told}".casefold()
                ):
                    continue
                print_page(view, row.article_count, row.outlet_count, args.sources)

    replay(items, embedder, write=True, after_round=pages, bridge=lambda: bridge)
    return 0


if __name__ == "__main__":
    sys.exit(main())
