"""PostgreSQL restarts under the portal: at most the requests in flight fail, the next succeed.

A throwaway cluster of its own (the suite's other tests keep theirs, so this runs whatever
backend the suite is on), gunicorn as ``make run`` starts it, and curators at work. The pool checks each connection before handing it
out (``pool_pre_ping``), so connections cut by the restart are replaced, not used.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench import deadline
from bench.client import Browser, csrf_token
from tests.conftest import missing
from tests.live import LiveServer
from tests.pgcluster import PostgresUnavailable, ThrowawayPostgres

pytestmark = pytest.mark.live
CURATORS = 6


@pytest.fixture(scope="module")
def restartable(tmp_path_factory):
    """Its own cluster and server; curators logged in, each with a browser."""
    try:
        cluster = ThrowawayPostgres().start()
    except PostgresUnavailable as exc:
        missing(str(exc))
    url = cluster.create_database("portal_restart")
    server = LiveServer(url, tmp_path_factory.mktemp("restart-instance"), make_run=True,
                        demo=False)
    server.start()
    browsers: list[Browser] = []
    try:
        curators = deadline.prepare(url, CURATORS)
        for curator in curators:
            browser = Browser("127.0.0.1", server.port)
            browsers.append(browser)
            token = csrf_token(browser.get("/login").body)
            assert browser.post("/login", {"login": curator.login,
                                           "password": deadline.PASSWORD,
                                           "csrf_token": token}).status == 302
        yield cluster, server, url, list(zip(curators, browsers))
    finally:
        for browser in browsers:
            browser.close()
        server.stop()
        cluster.stop()


def _open(pair) -> int:
    curator, browser = pair
    try:
        return browser.get(curator.form).status
    except OSError:
        return 0


def test_requests_after_a_restart_succeed(restartable):
    cluster, _server, _url, people = restartable
    with ThreadPoolExecutor(CURATORS) as pool:
        assert set(pool.map(_open, people)) == {200}  # every pooled connection in use
        cluster.restart()
        assert list(pool.map(_open, people)) == [200] * CURATORS


def test_a_restart_under_load_fails_at_most_the_requests_in_flight(restartable):
    cluster, _server, _url, people = restartable
    log: list[tuple[float, float, int]] = []  # start, end, status
    stop = threading.Event()

    def work(pair):
        while not stop.is_set():
            started = time.monotonic()
            status = _open(pair)
            log.append((started, time.monotonic(), status))

    threads = [threading.Thread(target=work, args=(pair,)) for pair in people]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    down = time.monotonic()
    cluster.restart()
    up = time.monotonic()
    time.sleep(2)
    stop.set()
    for thread in threads:
        thread.join(30)
    failed = [entry for entry in log if entry[2] != 200]
    in_flight = [entry for entry in log if entry[0] <= up and entry[1] >= down]
    after = [entry for entry in log if entry[0] > up]
    assert all(entry in in_flight for entry in failed), failed
    # New connections wait for the server (portal.database.configure_postgresql): only the
    # requests whose connection the restart cut fail, one per curator at most.
    assert len(failed) <= CURATORS, failed
    assert after and all(status == 200 for _s, _e, status in after)
    assert len([e for e in log if e[1] < down]) > CURATORS  # the load was on before
