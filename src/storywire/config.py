"""One typed settings object, validated at start-up and passed in explicitly.

Values come, highest priority first, from keyword arguments, `STORYWIRE_*` environment variables, an
optional TOML file, and the defaults below. Library code never reads the environment itself.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from storywire.errors import ConfigError

APP_NAME = "storywire"
# The settings file: the CLI's --config reads it, and `serve` hands it on to its workers.
CONFIG_FILE_VARIABLE = "STORYWIRE_CONFIG"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_config_file() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def _default_database_url() -> str:
    return f"sqlite:///{default_data_dir() / 'storywire.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STORYWIRE_", extra="forbid")

    database_url: str = Field(
        default_factory=_default_database_url,
        description="SQLAlchemy URL: sqlite:///PATH or postgresql://USER@HOST/DB.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="text: one line with key=value facts; json: one JSON object per line.",
    )
    user_agent: str = "storywire/0.1 (+https://github.com/storywire/storywire)"
    allow_loopback: bool = Field(
        default=False,
        description="Let the fetcher reach 127.0.0.0/8 and ::1 (the demo newsroom and tests).",
    )
    fetch_total_timeout: float = Field(
        default=30.0, gt=0, description="Seconds one fetch may take in all, retries included."
    )
    fetch_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0, description="Largest body read.")
    fetch_host_concurrency: int = Field(default=2, ge=1, description="Requests at once per host.")
    fetch_host_delay: float = Field(
        default=0.5, ge=0, description="Seconds between request starts to one host."
    )
    extract_workers: int = Field(
        default=2,
        ge=0,
        description="Processes that extract article text (0: in the main one, without limits).",
    )
    extract_timeout: float = Field(
        default=20.0, gt=0, description="Seconds one page's extraction may take."
    )
    extract_memory_mb: int = Field(
        default=1024, ge=16, description="Memory one page's extraction may take, in MB."
    )
    ingest_nice: int = Field(
        default=10,
        ge=0,
        le=19,
        description=(
            "CPU niceness the ingesting processes take (run, worker, fetch, backfill, the "
            "demo's rounds), so a reader on the same cores answers first (0: unchanged)."
        ),
    )
    claim_lease: float = Field(
        default=300.0,
        ge=1,
        description=(
            "Seconds a worker's claim on a feed or an article lasts; past it, work a dead "
            "worker held is anyone's."
        ),
    )
    cluster_wait: float = Field(
        default=60.0,
        ge=0,
        description=(
            "Seconds the story worker waits for the other workers to finish what they hold "
            "before it assigns what is ready anyway."
        ),
    )
    retention_days: int = Field(
        default=0,
        ge=0,
        description=(
            "Days article text, bands and vectors are kept once a story has gone quiet "
            "(0: forever); stories and revisions are always kept."
        ),
    )
    fetch_ports: list[int] = Field(
        default_factory=lambda: [80, 443, 8000, 8080, 8443],
        description="Ports feeds and pages may be fetched from (loopback, when allowed, any).",
    )
    feed_max_failures: int = Field(
        default=10, ge=1, description="Consecutive failures after which a feed is disabled."
    )
    demo_database: str | None = Field(
        default=None,
        description="Database URL of `storywire demo` (default: demo.db in the data directory; "
        "a SQLite demo database is recreated on each run).",
    )
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8000, ge=0, le=65535)
    allowed_hosts: list[str] = Field(
        default_factory=lambda: ["localhost", "127.0.0.1", "[::1]"],
        description="Host names the reader answers to (with web_host); any other Host header "
        "gets 400. Add the public name it is served under; '*' allows any.",
    )
    public_url: str | None = Field(
        default=None,
        description="The reader's public address, e.g. https://news.example.org, used for the "
        "absolute links in outgoing feeds (default: the request's own, once its Host passed).",
    )
    newsroom_port: int = Field(default=8800, ge=0, le=65535, description="First demo outlet port.")
    admin_token: SecretStr | None = Field(
        default=None, description="Bearer token for the feed-management API."
    )
    llm_base_url: str | None = Field(
        default=None, description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1."
    )
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout: float = Field(
        default=30.0, gt=0, description="Seconds to connect and between answer bytes."
    )
    llm_response_format: Literal["json_schema", "json_object", "none"] = Field(
        default="json_schema",
        description=(
            "How the answer's shape is asked for: a JSON Schema (llama.cpp, Ollama, vLLM, "
            "OpenAI), any JSON object, or nothing for servers that reject response_format."
        ),
    )

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "sqlite+", "postgresql:", "postgresql+")):
            raise ValueError("database_url must be a sqlite:/// or postgresql:// URL")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    def reader_hosts(self) -> list[str]:
        """The Host names the reader answers to: `allowed_hosts`, and `web_host` when it is
        a name or address rather than "every interface"."""
        hosts = list(self.allowed_hosts)
        if self.web_host not in ("", "0.0.0.0", "::", *hosts):
            hosts.append(f"[{self.web_host}]" if ":" in self.web_host else self.web_host)
        return hosts

    def public_dict(self) -> dict[str, Any]:
        """The effective settings with every secret masked, for `storywire config show`."""
        shown: dict[str, Any] = {}
        for name, value in self.model_dump().items():
            if isinstance(value, SecretStr):
                value = "**********"
            elif name == "database_url":
                value = mask_url_password(value)
            shown[name] = value
        return shown


def mask_url_password(url: str) -> str:
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Settings from the environment and `config_file` (or the user's config.toml if it exists)."""
    if config_file is not None and not config_file.is_file():
        raise ConfigError(f"config file not found: {config_file}")
    path = config_file or default_config_file()
    toml_file = path if path.is_file() else None

    class _FileSettings(Settings):
        model_config = SettingsConfigDict(toml_file=toml_file)

    try:
        return _FileSettings(**overrides)
    except ValueError as exc:
        raise ConfigError(f"invalid settings: {exc}") from exc
