"""A throwaway PostgreSQL server for the tests (Debian's postgresql package).

initdb into a temp dir, listen on 127.0.0.1 only on a free port with the unix
socket inside the temp dir, password auth over TCP. As root, the server runs
as the `postgres` OS user (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

INSTALL_HINT = "install the PostgreSQL server with: apt-get install postgresql"
SUPERUSER = "postgres"


class PgUnavailable(RuntimeError):
    pass


def find_bindir() -> Path | None:
    """Directory with initdb/pg_ctl/postgres: $PG_BINDIR if set (only it), else PATH,
    `pg_config --bindir`, then Debian's /usr/lib/postgresql/<version>/bin (newest first)."""
    candidates: list[Path] = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]))
        return candidates[0] if _has_server(candidates[0]) else None
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(os.path.realpath(on_path)).parent)
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        if out:
            candidates.append(Path(out))
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    candidates += [Path(p) for p in debian]
    return next((d for d in candidates if _has_server(d)), None)


def _has_server(d: Path) -> bool:
    return all((d / exe).is_file() and os.access(d / exe, os.X_OK) for exe in ("initdb", "pg_ctl", "postgres"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    bindir: Path
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="todo-pg-")))
    password: str = field(default_factory=lambda: "pw-" + secrets.token_hex(12), repr=False)
    port: int = 0
    _run_as: list[str] = field(default_factory=list)
    _dbs: int = 0

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    def _cmd(self, exe: str, *args: str) -> list[str]:
        return [*self._run_as, str(self.bindir / exe), *args]

    def _run(self, exe: str, *args: str, timeout: float = 120) -> None:
        proc = subprocess.run(self._cmd(exe, *args), capture_output=True, text=True, timeout=timeout, check=False)
        if proc.returncode != 0:
            log = (self.root / "server.log").read_text(errors="replace") if (self.root / "server.log").exists() else ""
            raise PgUnavailable(f"{exe} failed ({proc.returncode}): {proc.stderr.strip()}\n{log[-2000:]}")

    def start(self) -> "PgServer":
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                raise PgUnavailable(f"running as root but there is no 'postgres' OS user; {INSTALL_HINT}") from None
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._run_as = ["runuser", "-u", "postgres", "--"]
        self.root.chmod(0o700)
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self._run_as:
            os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
        pwfile.chmod(0o600)
        self._run(
            "initdb", "-D", str(self.datadir), "-U", SUPERUSER, f"--pwfile={pwfile}",
            "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync", "--no-instructions",
        )
        pwfile.unlink()
        last_error: Exception | None = None
        for _attempt in range(3):  # the free port can be taken between probe and bind
            self.port = free_port()
            opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c full_page_writes=off"
            try:
                self._run("pg_ctl", "-D", str(self.datadir), "-l", str(self.root / "server.log"), "-o", opts, "-w", "-t", "60", "start")
                return self
            except PgUnavailable as exc:
                last_error = exc
        raise PgUnavailable(f"could not start PostgreSQL: {last_error}")

    def stop(self) -> None:
        try:
            if (self.datadir / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop", timeout=60)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, dbname: str = "postgres", password: str | None = None) -> str:
        pw = self.password if password is None else password
        return f"postgresql://{SUPERUSER}:{pw}@127.0.0.1:{self.port}/{dbname}"

    def drop_database(self, url: str) -> None:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def create_database(self, prefix: str = "t") -> str:
        """A fresh, empty database; returns its URL."""
        import psycopg

        self._dbs += 1
        name = f"{prefix}_{os.getpid()}_{self._dbs}_{int(time.time() * 1000) % 100000}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)
