"""Stories, the later stages of the pipeline: grouping articles into stories (`cluster`),
writing a story from its articles (`write`), and browsing the stored ones (`stories list`,
`stories show`). `cluster` and `write` read JSON and store nothing: they are the offline
evaluation entry points."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from storywire.cli.common import command_session, console, current_settings, err, fail
from storywire.cluster.replay import StreamItem, replay
from storywire.errors import ParseError, StorywireError
from storywire.extract.language import identify_language
from storywire.extract.opinion import classify_kind
from storywire.models import ArticleKind, CitedText
from storywire.nlp.embed import default_embedder
from storywire.store import repo
from storywire.stories.writing import story_writer
from storywire.timestamps import parse_timestamp
from storywire.write.extractive import SourceArticle, WrittenStory
from storywire.write.page import format_time, story_page_text, written_text

stories_app = typer.Typer(help="Browse stored stories.", no_args_is_help=True)


@stories_app.command("list")
def stories_list(
    limit: Annotated[int, typer.Option(min=1, help="How many stories.")] = 30,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many.")] = 0,
) -> None:
    """Stories ranked by importance and recency, with their outlet counts."""
    try:
        with command_session() as session:
            rows = repo.list_stories(session, limit=limit, offset=offset)
    except StorywireError as exc:
        raise fail(exc) from exc
    table = Table("id", "updated", "outlets", "articles", "headline")
    for row in rows:
        story = row.story
        table.add_row(
            str(story.id),
            format_time(story.updated_at),
            str(row.outlet_count),
            str(row.article_count),
            story.headline,
        )
    console.print(table)
    if len(rows) < limit:
        console.print("You've reached the end")


@stories_app.command("show")
def stories_show(story_id: Annotated[str, typer.Argument(help="Story id or slug.")]) -> None:
    """Print a story in the story-page layout, with its revisions."""
    try:
        with command_session() as session:
            story = repo.get_story(session, story_id)
            history = repo.revisions(session, story.id)
            current = repo.current_revision(session, story)
    except StorywireError as exc:
        raise fail(exc) from exc
    typer.echo(story_page_text(story, current, history), nl=False)


def cluster(
    input_file: Annotated[
        Path | None,
        typer.Option("--input", exists=True, dir_okay=False, help="JSONL (default: stdin)."),
    ] = None,
) -> None:
    """Replay feed items ({id, title, text, published, source[, url]}) through the service's
    stages in a scratch database and print {id, story, thread} lines: the offline evaluation
    entry point."""
    handle = input_file.open(encoding="utf-8") if input_file else sys.stdin
    items: list[StreamItem] = []
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                items.append(
                    StreamItem(
                        id=str(row["id"]),
                        title=str(row.get("title") or ""),
                        text=str(row.get("text") or ""),
                        published=parse_timestamp(row.get("published")),
                        source=str(row["source"]) if row.get("source") else None,
                        url=str(row["url"]) if row.get("url") else None,
                        language=str(row["language"]) if row.get("language") else None,
                    )
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise fail(ParseError(f"line {number}: {exc!r}")) from exc
    try:
        replayed = replay(items, default_embedder())
    except StorywireError as exc:
        raise fail(exc) from exc
    for item_id, story, thread in replayed.rows:
        typer.echo(json.dumps({"id": item_id, "story": story, "thread": thread}))


class WriteFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


def write(
    input_file: Annotated[
        Path | None,
        typer.Option("--input", exists=True, dir_okay=False, help="JSON (default: stdin)."),
    ] = None,
    words: Annotated[int | None, typer.Option(min=20, help="Story length in words.")] = None,
    output_format: Annotated[WriteFormat, typer.Option("--format")] = WriteFormat.TEXT,
) -> None:
    """Write a story from {"articles": [{id, title, text, published, source}], "words": N}:
    the offline evaluation entry point of the writer. With llm_base_url and llm_model set, the
    LLM writer writes it (falling back to the extractive story, as the service does)."""
    raw = input_file.read_text(encoding="utf-8") if input_file else sys.stdin.read()
    try:
        document = json.loads(raw)
        rows = document["articles"]
        ids = [row["id"] for row in rows]
        articles = [_source_from_json(number, row) for number, row in enumerate(rows, start=1)]
        budget = words or int(document.get("words") or 200)
    except (ValueError, KeyError, TypeError) as exc:
        raise fail(ParseError(f"bad write input: {exc!r}")) from exc
    writer = story_writer(current_settings())(default_embedder())
    written = writer.write(articles, words=budget)
    if written.outcome and written.outcome.startswith("fallback"):
        err.print(f"the LLM writer fell back to the extractive story: {written.outcome}")

    def label(number: int) -> str:
        return str(ids[number - 1])

    if output_format is WriteFormat.TEXT:
        typer.echo(written_text(written, label), nl=False)
        return
    typer.echo(json.dumps(_written_json(written, ids), ensure_ascii=False, indent=1))


def _source_from_json(number: int, row: dict[str, Any]) -> SourceArticle:
    title, text = str(row.get("title") or ""), str(row.get("text") or "")
    language = row.get("language") or identify_language(f"{title}. {text}")
    kind, _ = classify_kind(
        str(row.get("url") or ""), title, row.get("section"), text=text, language=language
    )
    return SourceArticle(
        id=number,
        title=title,
        text=text,
        outlet=str(row.get("source") or f"source {number}"),
        published=parse_timestamp(row.get("published")),
        opinion=kind is ArticleKind.OPINION,
        language=language,
    )


def _written_json(written: WrittenStory, ids: list[Any]) -> dict[str, Any]:
    def cited(items: list[CitedText]) -> list[dict[str, Any]]:
        return [{"text": i.text, "citations": [ids[c - 1] for c in i.citations]} for i in items]

    return {
        "headline": written.headline,
        "highlights": cited(written.highlights),
        "story": cited(written.story),
        "opinions": [
            {
                "id": ids[o.article_id - 1],
                "outlet": o.outlet,
                "author": o.author,
                "title": o.title,
                "gist": o.gist,
            }
            for o in written.opinions
        ],
        "sources": [
            {
                "outlet": s.outlet,
                "articles": [ids[a - 1] for a in s.articles],
                "wire_copies": s.wire_copies,
            }
            for s in written.sources
        ],
    }
