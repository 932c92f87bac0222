"""A real gunicorn serving the portal on a migrated database loaded with the demo region."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """``flask db upgrade``, ``flask demo``, then ``gunicorn wsgi:app`` as subprocesses."""

    def __init__(self, database_url: str, instance: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DATABASE_URL": database_url,
                    "PORTAL_INSTANCE_PATH": str(instance), "SECRET_KEY": "live-test-secret",
                    "PORTAL_BASE_URL": self.url, "PORTAL_LOCALE": "ru"}
        self.log = instance / "gunicorn.log"
        self.process: subprocess.Popen | None = None

    def _flask(self, *args: str) -> None:
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                       env=self.env, check=True, capture_output=True)

    def start(self) -> LiveServer:
        self._flask("db", "upgrade")
        self._flask("demo", "--if-empty")
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
                 "--workers", "2", "wsgi:app"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/login", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not answer:\n" + self.log.read_text()[-3000:])

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def browser_log_in(page, base: str, login: str) -> None:
    """Log a Playwright page in as a demo account through the login form."""
    from portal.demo import DEMO_PASSWORD

    page.goto(base + "/login")
    page.get_by_label("Логин или электронная почта").fill(login)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(base + "/")
