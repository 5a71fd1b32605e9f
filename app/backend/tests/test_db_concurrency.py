"""Schema creation when several replicas start at once against one PostgreSQL database."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg
from sqlalchemy import inspect

from app.db import SCHEMA_LOCK_KEY, Database, create_schema, make_engine
from app.config import load_settings

TABLES = {"tasks", "conversations", "messages"}


def _sa_url(url: str) -> str:
    return load_settings({"DATABASE_URL": url}).database_url


def test_parallel_create_all_does_not_fail(pg_server):
    for _round in range(3):  # fresh database each round: the race is on the very first CREATE TABLE
        url = _sa_url(pg_server.create_database("race"))
        engines = [make_engine(url) for _ in range(4)]
        barrier = threading.Barrier(len(engines))

        def start(engine):
            barrier.wait()
            create_schema(engine)

        try:
            with ThreadPoolExecutor(len(engines)) as pool:
                for future in [pool.submit(start, e) for e in engines]:
                    future.result(timeout=60)  # re-raises any replica's error
            assert TABLES <= set(inspect(engines[0]).get_table_names())
        finally:
            for e in engines:
                e.dispose()


def test_create_all_waits_for_the_advisory_lock(pg_server):
    """While another session holds the lock, create_schema blocks; it proceeds once released."""
    raw_url = pg_server.create_database("lock")
    db = Database(_sa_url(raw_url))
    done = threading.Event()
    errors: list[BaseException] = []

    def replica():
        try:
            db.ensure_schema()
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)
        finally:
            done.set()

    try:
        with psycopg.connect(raw_url) as holder:
            holder.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK_KEY,))
            thread = threading.Thread(target=replica)
            thread.start()
            assert not done.wait(1.0), "create_schema did not wait for the advisory lock"
            assert not (TABLES & set(inspect(db.engine).get_table_names()))
            holder.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK_KEY,))
            assert done.wait(30)
            thread.join()
        assert errors == []
        assert db.schema_ready
        assert TABLES <= set(inspect(db.engine).get_table_names())
    finally:
        db.dispose()


def test_parallel_create_all_on_one_sqlite_file(tmp_path):
    """Several uvicorn workers share one SQLite file: their startups must not fail either."""
    for round_ in range(3):
        url = f"sqlite:///{tmp_path / f'race{round_}.db'}"
        engines = [make_engine(url) for _ in range(4)]
        barrier = threading.Barrier(len(engines))

        def start(engine):
            barrier.wait()
            create_schema(engine)

        try:
            with ThreadPoolExecutor(len(engines)) as pool:
                for future in [pool.submit(start, e) for e in engines]:
                    future.result(timeout=60)
            assert TABLES <= set(inspect(engines[0]).get_table_names())
        finally:
            for e in engines:
                e.dispose()
