"""SQLite as the embedded default serves many writers: WAL, a long busy timeout, writers first,
and nothing slow - the password hash, reading what the form sent - inside a write transaction.

The engines here are SQLite files of their own, without the per-test rollback, so the
transactions the requests open are the real ones (another connection probes the locks), and
the tests run whatever backend the suite is on (the embedded default is what `make run`
serves).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from portal import database
from portal.auth import operations as accounts
from portal.auth.models import User
from portal.extensions import db
from portal.reports import operations
from tenants.models import Role
from tests.conftest import migrated_app
from tests.factories import Factory
from tests.report_helpers import GOOD_VALUES, form_data, setup_region


def test_the_embedded_database_runs_in_wal_with_a_long_busy_timeout(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'portal.db'}")
    database.configure_sqlite(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
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


@pytest.fixture(scope="module")
def locks(tmp_path_factory):
    """An application on its own SQLite file, a curator, and the file's path."""
    url = f"sqlite:///{tmp_path_factory.mktemp('locks') / 'portal_locks.db'}"
    app = migrated_app(url)
    with app.app_context():
        factory = Factory()
        _region, _m, school, _c, period = setup_region(factory)
        curator = factory.user(Role.CURATOR, school)
        db.session.commit()
        ids = {"login": curator.login, "form": f"/organizations/{school.id}/reports/{period.id}"}
        db.engine.dispose()
    yield app, url.removeprefix("sqlite:///"), ids
    with app.app_context():
        db.engine.dispose()


def _can_write(path: str) -> bool:
    """Whether another connection could begin writing right now (without waiting)."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    finally:
        other.close()


@contextmanager
def _statements(app) -> Iterator[list[str]]:
    """The SQL sent by the requests made inside the block."""
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def _column(app, column, login):
    with app.app_context():
        value = db.session.scalar(sa.select(column).filter_by(login=login))
        db.session.rollback()
    return value


def test_pages_read_and_posts_begin_as_writers(locks, monkeypatch):
    app, path, ids = locks
    client = app.test_client()
    client.post("/login", data={"login": ids["login"], "password": Factory.PASSWORD})
    probes = []
    real_set_locale = accounts.set_locale

    def probing_set_locale(*args):
        probes.append(_can_write(path))  # the POST holds the write lock from its start
        return real_set_locale(*args)

    monkeypatch.setattr(accounts, "set_locale", probing_set_locale)
    with _statements(app) as statements:
        assert client.get(ids["form"]).status_code == 200
        page_begins = [s for s in statements if s.startswith("BEGIN")]
        statements.clear()
        assert client.post("/language", data={"locale": "ru"}).status_code == 302
        post_begins = [s for s in statements if s.startswith("BEGIN")]
    assert page_begins == ["BEGIN"]
    assert post_begins == ["BEGIN IMMEDIATE"]
    assert probes == [False]
    assert _can_write(path)  # and lets go when it has committed


def test_the_report_form_holds_the_write_lock_only_for_its_writes(locks, monkeypatch):
    app, path, ids = locks
    client = app.test_client()
    client.post("/login", data={"login": ids["login"], "password": Factory.PASSWORD})
    probes = {}
    real_parse, real_write = operations.parse_cells, operations._Rows.write

    def probing_parse(*args):
        probes.setdefault("reading", _can_write(path))  # the first parse: the view's own
        return real_parse(*args)

    def probing_write(*args):
        probes["writing"] = _can_write(path)
        return real_write(*args)

    monkeypatch.setattr(operations, "parse_cells", probing_parse)
    monkeypatch.setattr(operations._Rows, "write", probing_write)
    with _statements(app) as statements:
        response = client.post(ids["form"], data=form_data(
            {**GOOD_VALUES, "staff_total": "61"}, action="save"))
    transaction = [s for s in statements if s.startswith(("BEGIN", "COMMIT"))]
    assert response.status_code == 302
    assert probes == {"reading": True, "writing": False}
    assert transaction == ["BEGIN", "COMMIT", "BEGIN IMMEDIATE"]  # the reader, then the writer


def test_the_password_hash_is_checked_outside_the_write_transaction(locks, monkeypatch):
    app, path, ids = locks
    writable_while_hashing = []
    real_check = User.check_password

    def probing_check(self, password):
        writable_while_hashing.append(_can_write(path))
        return real_check(self, password)

    monkeypatch.setattr(User, "check_password", probing_check)
    with _statements(app) as statements:
        response = app.test_client().post(
            "/login", data={"login": ids["login"], "password": Factory.PASSWORD})
    begins = [s for s in statements if s.startswith(("BEGIN", "UPDATE"))]
    assert response.status_code == 302
    assert writable_while_hashing == [True]
    assert begins[0] == "BEGIN"  # reading the account and checking the hash
    assert begins[1] == "BEGIN IMMEDIATE" and begins[2].startswith("UPDATE users")
    assert _column(app, User.last_login_at, ids["login"]) is not None


def test_a_failed_login_is_counted_on_the_current_counter(locks, monkeypatch):
    """The writer reads the account again: failures counted while the hash was checked stay."""
    app, path, ids = locks
    real_check = User.check_password

    def check_while_others_fail(self, password):
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("UPDATE users SET failed_logins = 3 WHERE login = ?", (ids["login"],))
        other.close()
        return real_check(self, password)

    monkeypatch.setattr(User, "check_password", check_while_others_fail)
    response = app.test_client().post("/login", data={"login": ids["login"],
                                                      "password": "wrong password"})
    assert response.status_code == 200
    assert _column(app, User.failed_logins, ids["login"]) == 4
