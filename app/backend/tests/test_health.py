from __future__ import annotations

import socket

from fastapi.testclient import TestClient

from app.main import create_app
from conftest import make_settings


def test_health_reports_version_without_db(tmp_path):
    # Unreachable database: /health must still answer (it never touches the DB).
    settings = make_settings(
        tmp_path, DATABASE_URL=f"postgresql://u:pw@127.0.0.1:{_closed_port()}/db", APP_VERSION="9.8.7"
    )
    with TestClient(create_app(settings)) as c:
        r = c.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "version": "9.8.7"}


def test_health_default_version(client):
    assert client.get("/health").json() == {"status": "ok", "version": "0.1.0"}


def test_ready_ok(client):
    r = client.get("/ready")
    assert r.status_code == 200
    assert r.json() == {"status": "ready"}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on exit: nothing listens there


def test_ready_503_when_postgres_unreachable(tmp_path, capsys):
    secret = "s3cr3t-Passw0rd"
    settings = make_settings(tmp_path, DATABASE_URL=f"postgresql://todo:{secret}@127.0.0.1:{_closed_port()}/todo")
    with TestClient(create_app(settings)) as c:  # startup must survive a down database
        r = c.get("/ready")
        tasks = c.get("/api/alice/tasks")
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "unavailable"
    assert "refused" in body["reason"].lower() or "connect" in body["reason"].lower()
    assert secret not in body["reason"]
    # Data endpoints say the DB is unavailable instead of a bare 500.
    assert tasks.status_code == 503
    assert tasks.json()["detail"].startswith("Database unavailable")
    assert secret not in capsys.readouterr().out


def test_ready_503_when_sqlite_unopenable(tmp_path):
    # A directory where the database file should be: sqlite cannot open it.
    (tmp_path / "dir.db").mkdir()
    settings = make_settings(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'dir.db'}")
    with TestClient(create_app(settings)) as c:
        r = c.get("/ready")
    assert r.status_code == 503
    assert r.json()["status"] == "unavailable"
    assert "unable to open database file" in r.json()["reason"]


def test_ready_recovers_when_postgres_comes_up(pg_server, tmp_path):
    """Started while the DB is missing, the app becomes ready once it exists (schema created lazily)."""
    import psycopg

    name = f"late_{tmp_path.name[-20:].replace('-', '_').lower()}"
    settings = make_settings(tmp_path, DATABASE_URL=pg_server.url(name))
    with TestClient(create_app(settings)) as c:
        first = c.get("/ready")
        assert first.status_code == 503
        assert name in first.json()["reason"]  # 'database "late_..." does not exist'
        with psycopg.connect(pg_server.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        assert c.get("/ready").status_code == 200
        assert c.post("/api/alice/tasks", json={"title": "after recovery"}).status_code == 201


def test_cors_headers_only_for_configured_origins(tmp_path):
    settings = make_settings(
        tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'c.db'}", CORS_ORIGINS="http://localhost:3000"
    )
    with TestClient(create_app(settings)) as c:
        ok = c.get("/health", headers={"Origin": "http://localhost:3000"})
        other = c.get("/health", headers={"Origin": "http://evil.test"})
    assert ok.headers.get("access-control-allow-origin") == "http://localhost:3000"
    assert "access-control-allow-origin" not in other.headers


def test_no_cors_by_default(client):
    r = client.get("/health", headers={"Origin": "http://localhost:3000"})
    assert "access-control-allow-origin" not in r.headers
