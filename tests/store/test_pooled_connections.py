"""Pooled PostgreSQL connections: checked with a round trip only after lying idle.

A dead connection must never reach a request after a quiet spell, and one killed while in
busy use costs one failed statement, not a broken pool.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, exc, text

from store.database import create_database_engine
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(POSTGRES_URL is None, reason="PostgreSQL only: SQLite has no ping")


@pytest.fixture
def admin() -> Iterator[Engine]:
    assert POSTGRES_URL is not None
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")  # a fresh view each read
    yield engine
    engine.dispose()


def backend(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def kill(admin: Engine, pid: int) -> None:
    """Terminate a server process and wait until it is gone."""
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        for _ in range(500):
            alive = connection.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            ).scalar_one()
            if not alive:
                return
            time.sleep(0.01)
    raise AssertionError(f"server process {pid} still running")


def test_a_connection_that_died_while_idle_is_replaced_before_a_statement_sees_it(
    admin: Engine,
) -> None:
    assert POSTGRES_URL is not None
    engine = create_database_engine(POSTGRES_URL, ping_after_idle=0.05)
    try:
        first = backend(engine)
        kill(admin, first)
        time.sleep(0.1)
        assert backend(engine) != first
    finally:
        engine.dispose()


def test_a_connection_killed_while_in_busy_use_fails_one_statement_and_the_next_is_served(
    admin: Engine,
) -> None:
    assert POSTGRES_URL is not None
    engine = create_database_engine(POSTGRES_URL, ping_after_idle=60)
    try:
        first = backend(engine)
        kill(admin, first)
        with pytest.raises(exc.OperationalError) as failed:
            backend(engine)
        assert failed.value.connection_invalidated
        assert backend(engine) != first
    finally:
        engine.dispose()
