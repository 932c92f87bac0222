"""``gunicorn tests.stall_wsgi:app``: the portal with a test-only stall at its commit point.

A request carrying the header ``X-Portal-Test-Stall`` writes its worker's pid to the file
named by ``PORTAL_TEST_STALL_FILE`` when the view has done all its work and the request is
about to be committed (after-request functions run last-registered first, so this one runs
just before the portal's commit), and sleeps: the fault tests kill the worker right there.
Whatever the request had committed before its commit point would stay; nothing else may.
Without the header nothing changes.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from flask import request

from wsgi import app

STALL_HEADER = "X-Portal-Test-Stall"


@app.after_request
def _stall_before_the_commit(response):
    if request.headers.get(STALL_HEADER):
        Path(os.environ["PORTAL_TEST_STALL_FILE"]).write_text(str(os.getpid()))
        time.sleep(120)  # killed long before
    return response


__all__ = ["app", "STALL_HEADER"]
