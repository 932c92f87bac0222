"""PostgreSQL: a request's runaway statement is cancelled; the command line is not bounded.

Runs on the real engine (not the test's rolled-back connection), so each block begins its
own transaction as a gunicorn worker's request does.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db


@pytest.fixture
def postgres_engine(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("statement_timeout is PostgreSQL's; SQLite has no statement limit")
        yield db.engine


def _sleep(engine, seconds: float) -> None:
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT pg_sleep(:s)"), {"s": seconds})


def test_a_request_statement_over_the_limit_is_cancelled(app, postgres_engine, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_STATEMENT_TIMEOUT_MS", 200)
    with app.test_request_context("/"):
        with pytest.raises(sa.exc.OperationalError, match="statement timeout"):
            _sleep(postgres_engine, 2)
        _sleep(postgres_engine, 0.05)  # under the limit: runs


def test_the_limit_is_per_transaction_and_off_outside_requests(app, postgres_engine,
                                                              monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_STATEMENT_TIMEOUT_MS", 200)
    with app.test_request_context("/"):
        with postgres_engine.connect() as connection:
            limit = connection.exec_driver_sql("SHOW statement_timeout").scalar()
        assert limit == "200ms"
    _sleep(postgres_engine, 0.4)  # the CLI (no request) is not bounded
    with postgres_engine.connect() as connection:  # SET LOCAL: pooled connections keep none
        assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "0"


def test_zero_turns_the_limit_off(app, postgres_engine, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_STATEMENT_TIMEOUT_MS", 0)
    with app.test_request_context("/"):
        _sleep(postgres_engine, 0.3)
