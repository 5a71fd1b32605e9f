"""Environment validation: turn os.environ into typed, checked Settings.

Every error names the variable, says what is wrong and how to fix it, and never
echoes a secret (DATABASE_URL password, OPENAI_API_KEY).

`python -m app.config --check` validates the current environment and exits
non-zero on error, so a container or CI can fail fast before serving traffic.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_APP_VERSION = "0.1.0"
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
DEFAULT_DATA_DIR = "./data"
LOG_LEVELS = ("debug", "info", "warning", "error")

# Accepted URL schemes → SQLAlchemy driver actually used. Plain postgresql://
# would pick psycopg2 (not installed), so it is mapped to psycopg 3.
DB_SCHEMES: dict[str, str] = {
    "sqlite": "sqlite",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}

DB_URL_HELP = (
    "use sqlite:///path/to/todo.db or postgresql://user:password@host:5432/dbname "
    "(percent-encode special characters in the password)"
)


class ConfigError(ValueError):
    """A bad environment variable. str() is safe to print (no secrets)."""

    def __init__(self, variable: str, problem: str, fix: str) -> None:
        self.variable = variable
        super().__init__(f"{variable}: {problem}; {fix}")


@dataclass(frozen=True)
class Settings:
    database_url: str  # normalised SQLAlchemy URL (may contain a password: never log it)
    data_dir: Path
    cors_origins: tuple[str, ...] = ()
    openai_api_key: str | None = field(default=None, repr=False)
    openai_model: str = DEFAULT_OPENAI_MODEL
    openai_base_url: str | None = None
    log_level: str = "info"
    app_version: str = DEFAULT_APP_VERSION

    @property
    def database_url_redacted(self) -> str:
        return redact_url(self.database_url)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def describe(self) -> dict[str, object]:
        """Loggable summary: secrets replaced by presence flags / ***."""
        return {
            "database_url": self.database_url_redacted,
            "data_dir": str(self.data_dir),
            "cors_origins": list(self.cors_origins),
            "openai_api_key_set": self.openai_api_key is not None,
            "openai_model": self.openai_model,
            "openai_base_url": self.openai_base_url,
            "log_level": self.log_level,
            "app_version": self.app_version,
        }


def redact_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<unparseable URL>"


def _get(env: Mapping[str, str], name: str) -> str | None:
    """Value stripped of whitespace; empty counts as unset."""
    value = env.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def parse_database_url(raw: str | None, data_dir: Path) -> str:
    if raw is None:
        return f"sqlite:///{data_dir / 'todo.db'}"
    try:
        url: URL = make_url(raw)
    except (ArgumentError, ValueError):
        # The parser's own message may quote parts of the URL: do not repeat it.
        raise ConfigError("DATABASE_URL", "is not a valid database URL", DB_URL_HELP) from None
    driver = DB_SCHEMES.get(url.drivername)
    if driver is None:
        raise ConfigError(
            "DATABASE_URL",
            f"unsupported scheme '{url.drivername}' (supported: sqlite, postgresql, postgresql+psycopg)",
            DB_URL_HELP,
        )
    if driver == "sqlite":
        if not url.database:
            raise ConfigError("DATABASE_URL", "sqlite URL has no file path", "use sqlite:///path/to/todo.db")
    elif not url.database:
        raise ConfigError("DATABASE_URL", "postgresql URL has no database name", DB_URL_HELP)
    return url.set(drivername=driver).render_as_string(hide_password=False)


def parse_cors_origins(raw: str | None) -> tuple[str, ...]:
    if raw is None:
        return ()
    origins = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in origins:
        parts = urlsplit(origin)
        if origin != "*" and (parts.scheme not in ("http", "https") or not parts.netloc or parts.path):
            raise ConfigError(
                "CORS_ORIGINS",
                f"'{origin}' is not an origin",
                "give comma-separated origins like http://localhost:3000,https://todo.example.com (or *)",
            )
    return origins


def parse_http_url(name: str, raw: str | None) -> str | None:
    if raw is None:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(name, "is not an http(s) URL", "use e.g. https://api.openai.com/v1 or leave it unset")
    if parts.password:
        # Credentials belong in OPENAI_API_KEY, and a URL is logged.
        raise ConfigError(name, "must not contain credentials", "put the key in OPENAI_API_KEY instead")
    return raw.rstrip("/")


def parse_choice(name: str, raw: str | None, choices: tuple[str, ...], default: str) -> str:
    if raw is None:
        return default
    value = raw.lower()
    if value not in choices:
        raise ConfigError(name, f"'{raw}' is not allowed", f"use one of: {', '.join(choices)}")
    return value


def parse_short_text(name: str, raw: str | None, default: str, max_len: int = 100) -> str:
    if raw is None:
        return default
    if len(raw) > max_len or any(c.isspace() for c in raw):
        raise ConfigError(name, f"must be at most {max_len} characters without spaces", f"e.g. {default}")
    return raw


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Validate the environment (os.environ by default). Raises ConfigError.

    Pure: no files or directories are created here (see ensure_data_dir).
    """
    env = os.environ if env is None else env
    data_dir = Path(_get(env, "DATA_DIR") or DEFAULT_DATA_DIR)
    api_key = _get(env, "OPENAI_API_KEY")
    if api_key is not None and any(c.isspace() for c in api_key):
        raise ConfigError("OPENAI_API_KEY", "contains whitespace", "paste the key without spaces or line breaks")
    return Settings(
        database_url=parse_database_url(_get(env, "DATABASE_URL"), data_dir),
        data_dir=data_dir,
        cors_origins=parse_cors_origins(_get(env, "CORS_ORIGINS")),
        openai_api_key=api_key,
        openai_model=parse_short_text("OPENAI_MODEL", _get(env, "OPENAI_MODEL"), DEFAULT_OPENAI_MODEL),
        openai_base_url=parse_http_url("OPENAI_BASE_URL", _get(env, "OPENAI_BASE_URL")),
        log_level=parse_choice("LOG_LEVEL", _get(env, "LOG_LEVEL"), LOG_LEVELS, "info"),
        app_version=parse_short_text("APP_VERSION", _get(env, "APP_VERSION"), DEFAULT_APP_VERSION, 64),
    )


def ensure_data_dir(settings: Settings) -> None:
    """Create DATA_DIR (and the sqlite file's folder) if missing."""
    dirs = [("DATA_DIR", settings.data_dir)]
    if settings.is_sqlite:
        db_path = make_url(settings.database_url).database
        if db_path and db_path != ":memory:":
            dirs.append(("DATABASE_URL", Path(db_path).parent))
    for variable, path in dirs:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                variable, f"cannot create directory {path} ({exc.strerror})", "point it at a writable location"
            ) from None


def load_or_exit(env: Mapping[str, str] | None = None) -> Settings:
    """For process entry points: print a clean message and exit 2 on bad config."""
    try:
        return load_settings(env)
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv not in ([], ["--check"]):
        print("usage: python -m app.config [--check]", file=sys.stderr)
        return 64
    settings = load_or_exit()
    try:
        ensure_data_dir(settings)
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    import json

    print(json.dumps({"status": "ok", "settings": settings.describe()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
