from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from storywire import __version__
from storywire.cli import app, state
from storywire.store import db
from tests.store.test_repo import _story_with_revision


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setattr(state, "settings", None)
    monkeypatch.setattr(state, "config_file", None)
    return CliRunner()


def test_help_and_version(cli: CliRunner) -> None:
    result = cli.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "config", "db", "stories", "version"):
        assert command in result.output
    assert cli.invoke(app, ["version"]).output.strip() == __version__


def test_config_show_masks_secrets(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORYWIRE_ADMIN_TOKEN", "super-secret-token")
    result = cli.invoke(app, ["config", "show"])
    assert result.exit_code == 0
    assert "super-secret-token" not in result.output
    assert "**********" in result.output and "STORYWIRE_DATABASE_URL" in result.output


def test_config_file_option(cli: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("web_port = 8123\n")
    result = cli.invoke(app, ["--config", str(config), "config", "show"])
    assert result.exit_code == 0 and "8123" in result.output
    result = cli.invoke(app, ["--config", str(tmp_path / "missing.toml"), "config", "show"])
    assert result.exit_code != 0


def test_stories_commands_refuse_an_outdated_database(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("STORYWIRE_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    result = cli.invoke(app, ["stories", "list"])
    assert result.exit_code == 1
    assert "storywire db upgrade" in result.output
    upgraded = cli.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0 and db.head_revision() in upgraded.output
    listed = cli.invoke(app, ["stories", "list"])
    assert listed.exit_code == 0 and "You've reached the end" in listed.output


def test_stories_list_and_show_in_the_story_page_layout(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    with db.connect(database_url) as sessions, db.transaction(sessions) as session:
        story, articles = _story_with_revision(session)
    monkeypatch.setenv("STORYWIRE_DATABASE_URL", database_url)
    listed = cli.invoke(app, ["stories", "list"])
    assert listed.exit_code == 0
    assert "Magnitude" in listed.output and "Teravale" in listed.output
    shown = cli.invoke(app, ["stories", "show", str(story.id)])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0] == "Nov 2, 2026, 7:00 AM UTC"  # updated
    assert lines[1] == "Nov 2, 2026, 6:00 AM UTC"  # published
    assert lines[3] == "Magnitude 6.4 earthquake strikes Teravale"
    order = [lines.index(h) for h in ("Highlights", "Story", "Opinions", "You've reached the end")]
    assert order == sorted(order)
    assert f"Nine people died in the earthquake. [{articles[1].id}]" in shown.output
    by_slug = cli.invoke(app, ["stories", "show", "quake-teravale"])
    assert by_slug.output == shown.output
    missing = cli.invoke(app, ["stories", "show", "999999"])
    assert missing.exit_code == 1 and "no story" in missing.output
