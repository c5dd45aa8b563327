from __future__ import annotations

from pathlib import Path

import pytest

from storywire.config import Settings, load_settings, mask_url_password
from storywire.errors import ConfigError


def test_defaults_put_the_database_in_the_user_data_directory(tmp_path: Path) -> None:
    settings = load_settings()
    assert (
        settings.database_url == f"sqlite:///{tmp_path / 'xdg-data' / 'storywire' / 'storywire.db'}"
    )
    assert settings.allow_loopback is False


def test_environment_overrides_toml_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "storywire.toml"
    config.write_text('web_port = 9000\nlog_level = "DEBUG"\nllm_api_key = "sk-from-file"\n')
    monkeypatch.setenv("STORYWIRE_WEB_PORT", "9100")
    settings = load_settings(config)
    assert settings.web_port == 9100
    assert settings.log_level == "DEBUG"
    assert settings.llm_api_key is not None
    assert settings.llm_api_key.get_secret_value() == "sk-from-file"


def test_user_config_file_is_read_when_present(tmp_path: Path) -> None:
    user_config = tmp_path / "xdg-config" / "storywire" / "config.toml"
    user_config.parent.mkdir(parents=True)
    user_config.write_text("newsroom_port = 9900\n")
    assert load_settings().newsroom_port == 9900


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STORYWIRE_DATABASE_URL", "mysql://root@localhost/news"),
        ("STORYWIRE_WEB_PORT", "70000"),
        ("STORYWIRE_LOG_LEVEL", "LOUD"),
        ("STORYWIRE_NO_SUCH_SETTING", "1"),
    ],
)
def test_invalid_settings_are_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    if name == "STORYWIRE_NO_SUCH_SETTING":
        # Unknown environment variables are ignored; unknown keys in a file are not.
        load_settings()
        return
    with pytest.raises(ConfigError, match="invalid settings"):
        load_settings()


def test_unknown_key_in_config_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("databse_url = 'sqlite:///x.db'\n")
    with pytest.raises(ConfigError, match="databse_url"):
        load_settings(config)


def test_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml")


def test_public_dict_masks_every_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORYWIRE_ADMIN_TOKEN", "tok-123")
    monkeypatch.setenv("STORYWIRE_LLM_API_KEY", "sk-456")
    monkeypatch.setenv("STORYWIRE_DATABASE_URL", "postgresql://news:pa55@db.internal/news")
    shown = load_settings().public_dict()
    assert "tok-123" not in str(shown) and "sk-456" not in str(shown) and "pa55" not in str(shown)
    assert shown["database_url"] == "postgresql://news:***@db.internal/news"


def test_mask_leaves_urls_without_password_alone() -> None:
    assert mask_url_password("sqlite:////tmp/a.db") == "sqlite:////tmp/a.db"
    assert mask_url_password("postgresql://u@h/db") == "postgresql://u@h/db"


def test_the_reader_answers_to_its_allowed_hosts_and_web_host() -> None:
    assert Settings(web_host="news.internal").reader_hosts() == [
        "localhost",
        "127.0.0.1",
        "[::1]",
        "news.internal",
    ]
    assert Settings(web_host="0.0.0.0", allowed_hosts=["news.example.org"]).reader_hosts() == [
        "news.example.org"
    ]
    assert Settings(web_host="::1", allowed_hosts=[]).reader_hosts() == ["[::1]"]
