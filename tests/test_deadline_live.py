"""A small deadline hour against a real gunicorn started as ``make run`` starts it: 20
curators of 20 organizations, 10 at a time, log in, open the form, save and submit.

Correctness, not speed (``make bench`` measures the full hour): not one error - on SQLite
not one "database is locked" - and not one report lost, doubled or half-written.
"""

from __future__ import annotations

import pytest

from bench import deadline

pytestmark = pytest.mark.live


def test_twenty_curators_ten_at_a_time_get_no_error_and_lose_nothing(make_run_server):
    server, url = make_run_server
    curators = deadline.prepare(url, 20, tag="L")
    load = deadline.run_load("127.0.0.1", server.port, curators, concurrency=10)
    assert load.errors == []
    assert load.submitted == {c.login for c in curators}
    assert deadline.lost(url, curators, load.submitted) == []
    assert "database is locked" not in server.log.read_text()
