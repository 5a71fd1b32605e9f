"""Engine, schema creation and readiness checks.

Tables are created at startup. Against PostgreSQL the create_all runs inside a
transaction holding an advisory lock, so replicas starting together serialise
instead of racing on CREATE TABLE (which fails with duplicate pg_type errors).
If the database is down at startup the app still starts: /ready reports 503 and
the schema is created on the first request that reaches the database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine

from . import models  # noqa: F401  (registers the tables on SQLModel.metadata)

log = logging.getLogger("app.db")

# Arbitrary constant shared by every replica: "todo" in ASCII.
SCHEMA_LOCK_KEY = 0x746F646F
PG_CONNECT_TIMEOUT_S = 5
SQLITE_SCHEMA_ATTEMPTS = 5


def make_engine(database_url: str) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        in_memory = url.database in (None, "", ":memory:")
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False},
            # One shared connection, or every connection would see its own empty DB.
            poolclass=StaticPool if in_memory else None,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args = {} if "connect_timeout" in url.query else {"connect_timeout": PG_CONNECT_TIMEOUT_S}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_schema(engine: Engine) -> None:
    """create_all, serialised across processes on PostgreSQL."""
    for attempt in range(1, SQLITE_SCHEMA_ATTEMPTS + 1):
        try:
            return _create_all(engine)
        except OperationalError as exc:
            # SQLite has no advisory locks: with several workers on one file, a
            # sibling may create a table between our existence check and CREATE.
            # Another pass skips the tables that now exist.
            if engine.dialect.name != "sqlite" or "already exists" not in str(exc.orig) or attempt == SQLITE_SCHEMA_ATTEMPTS:
                raise


def _create_all(engine: Engine) -> None:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Transaction-scoped: released by the commit/rollback of this block.
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        SQLModel.metadata.create_all(conn)


def short_reason(exc: BaseException, secrets: tuple[str, ...] = ()) -> str:
    """First line of the driver error, without secrets or SQLAlchemy's help links."""
    orig = getattr(exc, "orig", None) or exc
    line = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    for secret in secrets:
        if secret:
            line = line.replace(secret, "***")
    return f"{type(orig).__name__}: {line}"[:300]


class Database:
    def __init__(self, database_url: str) -> None:
        self.engine = make_engine(database_url)
        self._password = make_url(database_url).password or ""
        self._schema_ready = False
        self._lock = threading.Lock()

    @property
    def schema_ready(self) -> bool:
        return self._schema_ready

    def ensure_schema(self) -> None:
        """Create tables once; raises the DB error if unreachable (retried next call)."""
        if self._schema_ready:
            return
        with self._lock:
            if not self._schema_ready:
                create_schema(self.engine)
                self._schema_ready = True
                log.info("database schema ready")

    def try_ensure_schema(self) -> str | None:
        try:
            self.ensure_schema()
            return None
        except Exception as exc:  # noqa: BLE001 - any driver error means "not ready"
            reason = self.reason(exc)
            log.warning("database not ready", extra={"reason": reason})
            return reason

    def check(self) -> str | None:
        """None when SELECT 1 works (and the schema exists), else a short reason."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001
            return self.reason(exc)
        return self.try_ensure_schema()

    def reason(self, exc: BaseException) -> str:
        return short_reason(exc, (self._password,))

    def session(self) -> Iterator[Session]:
        self.ensure_schema()
        with Session(self.engine) as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()

