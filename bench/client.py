"""A small HTTP client for load generators: keep-alive, cookies, CSRF tokens, no redirects.

``http.client`` rather than urllib: one connection per simulated user, kept alive the way a
browser keeps it, so the load generator spends little CPU of the machine it measures.
"""

from __future__ import annotations

import http.client
import re
import time
import urllib.parse
from dataclasses import dataclass
from http.cookies import SimpleCookie

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
KEEP_ALIVE = 1.5  # seconds; gunicorn closes idle connections after 2 s


@dataclass
class Answer:
    status: int
    location: str
    body: str
    seconds: float


class Browser:
    """One user's connection and cookies; every call returns the raw answer (no redirects)."""

    def __init__(self, host: str, port: int, timeout: float = 60):
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies: dict[str, str] = {}
        self._connection: http.client.HTTPConnection | None = None
        self._last_used = 0.0

    def _connect(self) -> http.client.HTTPConnection:
        idle = time.monotonic() - self._last_used
        if self._connection is None or idle > KEEP_ALIVE:
            self.close()
            self._connection = http.client.HTTPConnection(self.host, self.port,
                                                          timeout=self.timeout)
        return self._connection

    def request(self, method: str, path: str, fields: dict | None = None,
                headers: dict | None = None) -> Answer:
        """Send one request and read the whole answer."""
        headers = {"Accept-Language": "ru", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        connection = self._connect()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except Exception:
            self.close()
            raise
        self._last_used = time.monotonic()
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:  # deleted
                    self.cookies.pop(name, None)
        return Answer(response.status, response.getheader("Location", ""), text,
                      time.perf_counter() - started)

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, fields: dict) -> Answer:
        return self.request("POST", path, fields)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def csrf_token(html: str) -> str | None:
    """The CSRF token of the first form on a page."""
    match = CSRF.search(html)
    return match.group(1) if match else None
