"""Environment validation: typed settings, clear errors, no secrets printed, non-zero exits."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app.config import ConfigError, load_settings

BACKEND_DIR = Path(__file__).resolve().parents[1]
SECRET = "hunter2-Very-Secret"


def test_defaults(tmp_path):
    s = load_settings({"DATA_DIR": str(tmp_path / "d")})
    assert s.database_url == f"sqlite:///{tmp_path / 'd' / 'todo.db'}"
    assert s.cors_origins == ()
    assert s.openai_api_key is None
    assert s.openai_model == "gpt-4o-mini"
    assert s.openai_base_url is None
    assert s.log_level == "info"
    assert s.app_version == "0.1.0"
    assert not (tmp_path / "d").exists()  # loading is pure; the app creates DATA_DIR at startup


def test_default_data_dir_is_relative_data():
    assert load_settings({}).database_url == "sqlite:///data/todo.db"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("postgresql://u:p@db:5432/todo", "postgresql+psycopg://u:p@db:5432/todo"),
        ("postgres://u:p@db/todo", "postgresql+psycopg://u:p@db/todo"),
        ("postgresql+psycopg://u:p@db/todo", "postgresql+psycopg://u:p@db/todo"),
        ("sqlite:///./x.db", "sqlite:///./x.db"),
        ("sqlite:////abs/x.db", "sqlite:////abs/x.db"),
    ],
)
def test_database_url_schemes(raw, expected):
    assert load_settings({"DATABASE_URL": raw}).database_url == expected


def test_parsed_values():
    s = load_settings(
        {
            "CORS_ORIGINS": "http://localhost:3000, https://todo.example.com/ ,",
            "OPENAI_API_KEY": " sk-test ",
            "OPENAI_MODEL": "gpt-4.1",
            "OPENAI_BASE_URL": "http://127.0.0.1:9999/v1/",
            "LOG_LEVEL": "DEBUG",
            "APP_VERSION": "1.2.3",
        }
    )
    assert s.cors_origins == ("http://localhost:3000", "https://todo.example.com")
    assert s.openai_api_key == "sk-test"
    assert s.openai_model == "gpt-4.1"
    assert s.openai_base_url == "http://127.0.0.1:9999/v1"
    assert s.log_level == "debug"
    assert s.app_version == "1.2.3"
    assert "sk-test" not in repr(s) and "sk-test" not in json.dumps(s.describe())


@pytest.mark.parametrize(
    "env, variable",
    [
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"DATABASE_URL": f"postgresql://todo:{SECRET}@db:notaport/todo"}, "DATABASE_URL"),
        ({"DATABASE_URL": f"mysql://todo:{SECRET}@db/todo"}, "DATABASE_URL"),
        ({"DATABASE_URL": f"postgresql://todo:{SECRET}@db"}, "DATABASE_URL"),
        ({"DATABASE_URL": "sqlite://"}, "DATABASE_URL"),
        ({"LOG_LEVEL": "verbose"}, "LOG_LEVEL"),
        ({"CORS_ORIGINS": "localhost:3000"}, "CORS_ORIGINS"),
        ({"CORS_ORIGINS": "http://ok.test,ftp://x"}, "CORS_ORIGINS"),
        ({"OPENAI_BASE_URL": "api.openai.com"}, "OPENAI_BASE_URL"),
        ({"OPENAI_BASE_URL": f"https://user:{SECRET}@proxy.test/v1"}, "OPENAI_BASE_URL"),
        ({"OPENAI_API_KEY": f"sk {SECRET}"}, "OPENAI_API_KEY"),
        ({"OPENAI_MODEL": "gpt 4"}, "OPENAI_MODEL"),
        ({"APP_VERSION": "v" * 65}, "APP_VERSION"),
    ],
)
def test_bad_values_name_the_variable_without_secrets(env, variable):
    with pytest.raises(ConfigError) as info:
        load_settings(env)
    assert info.value.variable == variable
    message = str(info.value)
    assert message.startswith(f"{variable}:")
    assert SECRET not in message


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "OPENAI_API_KEY", "CORS_ORIGINS", "LOG_LEVEL"}}
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=BACKEND_DIR, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_check_command_rejects_malformed_database_url(tmp_path):
    proc = _run(
        ["-m", "app.config", "--check"],
        _env(DATA_DIR=str(tmp_path), DATABASE_URL=f"postgresql://todo:{SECRET}@db:notaport/todo"),
    )
    assert proc.returncode != 0
    assert "DATABASE_URL" in proc.stderr
    assert SECRET not in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr


def test_check_command_accepts_good_config_and_hides_password(tmp_path):
    proc = _run(
        ["-m", "app.config", "--check"],
        _env(DATA_DIR=str(tmp_path / "data"), DATABASE_URL=f"postgresql://todo:{SECRET}@db:5432/todo", OPENAI_API_KEY=SECRET + "k"),
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["settings"]["database_url"] == "postgresql+psycopg://todo:***@db:5432/todo"
    assert out["settings"]["openai_api_key_set"] is True
    assert SECRET not in proc.stdout + proc.stderr
    assert (tmp_path / "data").is_dir()  # --check creates DATA_DIR like the app would


def test_check_command_reports_uncreatable_data_dir(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    proc = _run(["-m", "app.config", "--check"], _env(DATA_DIR=str(blocker / "sub")))
    assert proc.returncode != 0
    assert "DATA_DIR" in proc.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_uvicorn_startup_fails_fast_on_bad_config(tmp_path):
    proc = _run(
        ["-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(_free_port())],
        _env(DATA_DIR=str(tmp_path), DATABASE_URL=f"mysql://todo:{SECRET}@db/todo"),
    )
    assert proc.returncode != 0
    assert "DATABASE_URL" in proc.stderr
    assert SECRET not in proc.stderr + proc.stdout


def test_uvicorn_serves_and_logs_json(tmp_path):
    """The documented run command works, and stdout is one JSON object per line without secrets."""
    port = _free_port()
    env = _env(DATA_DIR=str(tmp_path / "data"), OPENAI_API_KEY=SECRET, OPENAI_BASE_URL="http://127.0.0.1:9/v1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=BACKEND_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        body = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    body = json.loads(r.read())
                break
            except OSError:
                time.sleep(0.2)
        assert body == {"status": "ok", "version": "0.1.0"}, proc.stderr.read() if proc.poll() is not None else ""
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=5) as r:
            assert json.loads(r.read()) == {"status": "ready"}
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    assert (tmp_path / "data" / "todo.db").is_file()
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]  # every line must be JSON
    requests = [entry for entry in lines if entry["msg"] == "request"]
    assert {"method": "GET", "path": "/health", "status": 200}.items() <= requests[0].items()
    assert all({"ts", "level", "msg", "duration_ms"} <= set(r) for r in requests)
    assert any(entry["msg"].startswith("Started server process") for entry in lines)  # uvicorn's own logs are JSON too
    assert SECRET not in out + err
