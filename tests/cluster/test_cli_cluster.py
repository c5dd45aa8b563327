from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from storywire.cli import app
from storywire.demo.corpus import load_corpus

EPOCH = datetime(2026, 11, 2, tzinfo=UTC)


def test_cluster_command_replays_jsonl_from_a_file_or_stdin(tmp_path: Path) -> None:
    corpus = load_corpus()
    chosen = [a for a in corpus.articles if a.event in ("quake-ormsby", "probe-aurelis")][:8]
    rows = [
        {
            "id": a.id,
            "title": a.title if n % 2 else "",  # a missing title must not be required
            "text": "\n\n".join(a.paragraphs),
            "published": (EPOCH + a.published).isoformat(),
            "source": a.outlet,
        }
        for n, a in enumerate(chosen)
    ]
    path = tmp_path / "articles.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    runner = CliRunner()
    from_file = runner.invoke(app, ["cluster", "--input", str(path)])
    assert from_file.exit_code == 0, from_file.output
    lines = [json.loads(line) for line in from_file.output.splitlines()]
    assert [line["id"] for line in lines] == [a.id for a in chosen]
    story = {line["id"]: line["story"] for line in lines}
    by_event: dict[str, set[int]] = {}
    for article in chosen:
        by_event.setdefault(article.event, set()).add(story[article.id])
    assert not by_event["quake-ormsby"] & by_event["probe-aurelis"]
    from_stdin = runner.invoke(app, ["cluster"], input=path.read_text(encoding="utf-8"))
    assert from_stdin.output == from_file.output
    broken = runner.invoke(app, ["cluster"], input='{"title": "no id"}\n')
    assert broken.exit_code == 1 and "line 1" in broken.output
