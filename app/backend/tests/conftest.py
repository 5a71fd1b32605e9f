from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import Settings, load_settings
from app.main import create_app
from pg_server import INSTALL_HINT, PgServer, PgUnavailable, find_bindir

BACKENDS = ["sqlite", "postgresql"]


def _pg_missing(reason: str):
    # In CI a missing PostgreSQL is a broken setup, not something to skip quietly.
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL tests cannot run: {reason}. {INSTALL_HINT}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason} ({INSTALL_HINT})")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bindir = find_bindir()
    if bindir is None:
        where = "in $PG_BINDIR" if os.environ.get("PG_BINDIR") else "on PATH, via pg_config, or in /usr/lib/postgresql/*/bin"
        _pg_missing(f"initdb/pg_ctl/postgres not found {where}")
    server = PgServer(bindir)
    try:
        server.start()
    except PgUnavailable as exc:
        server.stop()
        _pg_missing(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind (PostgreSQL ones are dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'todo.db'}"
        return
    server: PgServer = request.getfixturevalue("pg_server")
    url = server.create_database()
    yield url
    server.drop_database(url)


def make_settings(tmp_path: Path, **env: str) -> Settings:
    base = {"DATA_DIR": str(tmp_path / "data")}
    base.update(env)
    return load_settings(base)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(tmp_path, DATABASE_URL=database_url)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c
