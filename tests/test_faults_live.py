"""Faults survived: a gunicorn worker killed in the middle of a save or a submission leaves
no partial value set and no state change without its audit row.

The server is gunicorn as ``make run`` starts it, serving ``tests.stall_wsgi:app``: a
request marked with a header stops just before its commit - every statement sent - and the
test kills its worker with SIGKILL there. The answer is lost; the database shows nothing of
the request, and the same request sent again does its work exactly once.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench import deadline
from bench.client import Browser, csrf_token
from tests.stall_wsgi import STALL_HEADER

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def stalling(make_run_server):
    """The server, a logged-in curator with the form open, and an engine to look inside."""
    server, url = make_run_server
    engine = sa.create_engine(url)
    browser = Browser("127.0.0.1", server.port)
    try:
        curator = deadline.prepare(url, 1, tag="F")[0]
        token = csrf_token(browser.get("/login").body)
        assert browser.post("/login", {"login": curator.login, "password": deadline.PASSWORD,
                                       "csrf_token": token}).status == 302
        fields = {**{f"v:{code}": raw for code, raw in curator.values.items()},
                  "csrf_token": csrf_token(browser.get(curator.form).body), "version": ""}
        yield server, Path(server.env["PORTAL_TEST_STALL_FILE"]), engine, curator, browser, fields
    finally:
        browser.close()
        engine.dispose()


def _kill_in_the_middle(browser: Browser, path: str, fields: dict, stall_file) -> None:
    """Send the request, SIGKILL its worker just before the commit, see the answer lost."""
    stall_file.unlink(missing_ok=True)
    outcome: dict = {}

    def send():
        try:
            outcome["answer"] = browser.request("POST", path, fields, {STALL_HEADER: "1"})
        except Exception as exc:  # the connection dies with the worker
            outcome["error"] = exc

    sender = threading.Thread(target=send)
    sender.start()
    deadline_at = time.monotonic() + 60
    while not stall_file.exists() or not stall_file.read_text():
        assert time.monotonic() < deadline_at, "the request never reached its commit"
        time.sleep(0.05)
    os.kill(int(stall_file.read_text()), signal.SIGKILL)
    sender.join(30)
    assert "error" in outcome, outcome  # no answer: the request died with its worker


def _stored(engine, curator) -> dict:
    with engine.connect() as connection:
        report = connection.execute(sa.text(
            "SELECT id, state FROM reports WHERE organization_id = :o AND period_id = :p"),
            {"o": curator.org_id, "p": curator.period_id}).first()
        if report is None:
            return {"report": None, "values": {}, "audit": []}
        values = dict(connection.execute(sa.text(
            "SELECT i.code, v.raw FROM report_values v JOIN indicators i "
            "ON i.id = v.indicator_id WHERE v.report_id = :r"), {"r": report.id}).all())
        audit = [tuple(row) for row in connection.execute(sa.text(
            "SELECT action, field, old, new FROM audit_entries WHERE report_id = :r "
            "ORDER BY id"), {"r": report.id})]
    return {"report": report.state, "values": values, "audit": audit}


def _value_audit(curator) -> list[tuple]:
    return sorted(("value", code, None, raw) for code, raw in curator.values.items())


def test_a_worker_killed_in_a_save_or_a_submission_leaves_nothing_half_done(stalling):
    server, stall_file, engine, curator, browser, fields = stalling
    save, submit = {**fields, "action": "save"}, {**fields, "action": "submit"}

    _kill_in_the_middle(browser, curator.form, save, stall_file)
    assert _stored(engine, curator) == {"report": None, "values": {}, "audit": []}

    assert browser.post(curator.form, save).status == 302  # a new worker serves the retry
    saved = _stored(engine, curator)
    assert saved["report"] == "draft" and saved["values"] == curator.values
    assert sorted(saved["audit"]) == _value_audit(curator)

    _kill_in_the_middle(browser, curator.form, submit, stall_file)
    assert _stored(engine, curator) == saved  # no state change, no audit row

    assert browser.post(curator.form, submit).status == 302
    submitted = _stored(engine, curator)
    assert submitted["report"] == "submitted" and submitted["values"] == curator.values
    assert submitted["audit"][-1] == ("state", "state", "draft", "submitted")
    assert sorted(submitted["audit"][:-1]) == _value_audit(curator)
    assert server.process.poll() is None  # the master lived on and replaced its workers
