"""When PostgreSQL binaries are missing: CI fails loudly, a developer's run skips with the reason."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BACKEND_DIR = Path(__file__).resolve().parents[1]
TARGET = "tests/test_health.py::test_ready_ok[postgresql]"


def _pytest(tmp_path: Path, ci: bool) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PG_BINDIR"] = str(tmp_path / "no-postgres-here")
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", TARGET],
        cwd=BACKEND_DIR, env=env, capture_output=True, text=True, timeout=120,
    )


def test_missing_binaries_fail_in_ci(tmp_path):
    proc = _pytest(tmp_path, ci=True)
    assert proc.returncode == 1, proc.stdout
    assert "apt-get install postgresql" in proc.stdout
    assert "1 error" in proc.stdout


def test_missing_binaries_skip_with_reason_locally(tmp_path):
    proc = _pytest(tmp_path, ci=False)
    assert proc.returncode == 0, proc.stdout
    assert "1 skipped" in proc.stdout
    assert "SKIPPED" in proc.stdout and "not found in $PG_BINDIR" in proc.stdout
    assert "apt-get install postgresql" in proc.stdout
