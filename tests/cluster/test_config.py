"""The clusterer's settings table in docs/stories.md is the one the code generates."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from storywire.cluster.config import ClusterConfig, config_table

DOCS = Path(__file__).resolve().parents[2] / "docs" / "stories.md"
START, END = "<!-- ClusterConfig table: start -->\n", "<!-- ClusterConfig table: end -->"


def test_the_docs_table_is_the_generated_one() -> None:
    text = DOCS.read_text(encoding="utf-8")
    shown = text.split(START, 1)[1].split(END, 1)[0]
    assert shown == config_table(), (
        "docs/stories.md is out of date: replace its ClusterConfig table with the output of "
        "`python -m storywire.cluster.config`"
    )


def test_every_setting_says_what_it_means() -> None:
    for knob in fields(ClusterConfig):
        assert len(knob.metadata.get("meaning", "")) > 10, knob.name
    assert "| `merge_dense` | 0.8 |" in config_table()
    assert "| `window` | 2 days |" in config_table()
