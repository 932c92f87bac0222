"""SQLite as the embedded default serves many writers: WAL, a long busy timeout, writers first.

The engines here are SQLite files of their own, so the tests run whatever backend the suite
is on (the embedded default is what `make run` serves).
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from portal import database


def test_the_embedded_database_runs_in_wal_with_a_long_busy_timeout(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'portal.db'}")
    database.configure_sqlite(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    engine.dispose()


@pytest.mark.parametrize("method, writer", [("GET", False), ("HEAD", False), ("POST", True),
                                            ("PUT", True), ("DELETE", True)])
def test_requests_that_may_write_begin_as_writers(app, method, writer):
    with app.test_request_context("/", method=method):
        assert database._request_may_write() is writer
    assert database._request_may_write() is False  # CLI and tests outside a request


def test_concurrent_writers_wait_their_turn_instead_of_failing(app, tmp_path):
    """Deferred transactions that read, then write, fail with "database is locked" at once;
    BEGIN IMMEDIATE (what a POST gets) waits for the busy timeout instead."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'race.db'}")
    database.configure_sqlite(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE counter (n INTEGER)")
        connection.exec_driver_sql("INSERT INTO counter VALUES (0)")
    errors: list[Exception] = []

    def bump() -> None:
        try:
            with app.test_request_context("/", method="POST"), engine.begin() as connection:
                n = connection.exec_driver_sql("SELECT n FROM counter").scalar()
                connection.exec_driver_sql(f"UPDATE counter SET n = {n + 1}")
        except Exception as exc:  # every failure counts
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT n FROM counter").scalar() == 16
    assert errors == []
    engine.dispose()
