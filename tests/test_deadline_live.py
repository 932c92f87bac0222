"""A small deadline hour against a real gunicorn started as ``make run`` starts it: 20
curators of 20 organizations, 10 at a time, log in, open the form, save and submit.

Correctness, not speed (``make bench`` measures the full hour): not one error - on SQLite
not one "database is locked" - and not one report lost, doubled or half-written.
"""

from __future__ import annotations

import pytest

from bench import deadline
from tests.live import LiveServer

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def deadline_server(databases, tmp_path_factory):
    url = databases.new_database("portal_deadline")
    server = LiveServer(url, tmp_path_factory.mktemp("deadline-instance"), make_run=True)
    server.start()
    try:
        yield server, url
    finally:
        server.stop()


def test_twenty_curators_ten_at_a_time_get_no_error_and_lose_nothing(deadline_server):
    server, url = deadline_server
    curators = deadline.prepare(url, 20)
    load = deadline.run_load("127.0.0.1", server.port, curators, concurrency=10)
    assert load.errors == []
    assert load.submitted == {c.login for c in curators}
    assert deadline.lost(url, curators, load.submitted) == []
    assert "database is locked" not in server.log.read_text()
