"""A real gunicorn serving the portal on a migrated database loaded with the demo region."""

from __future__ import annotations

import os
import shlex
import signal
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


def make_run_arguments(port: int) -> list[str]:
    """The gunicorn arguments of the Makefile's ``run`` target, with ``$(PORT)`` filled in.

    Read from the Makefile itself, so a server started with them is started exactly as
    ``make run`` starts it, whatever the Makefile says today.
    """
    recipe = (ROOT / "Makefile").read_text().split("\nrun:", 1)[1]
    line = next(line for line in recipe.splitlines() if "$(BIN)/gunicorn" in line)
    words = shlex.split(line.strip())
    return [word.replace("$(PORT)", str(port)) for word in words[words.index(
        "$(BIN)/gunicorn") + 1:]]


class LiveServer:
    """``flask db upgrade``, ``flask demo``, then ``gunicorn wsgi:app`` as subprocesses.

    ``make_run=True`` starts gunicorn with the arguments of ``make run`` (workers and
    threads); ``app`` names another WSGI module for tests that need a hook in the server;
    ``demo=False`` leaves the database empty for the test's own data (a faster start).
    """

    def __init__(self, database_url: str, instance: Path, *, make_run: bool = False,
                 app: str = "wsgi:app", demo: bool = True):
        self.demo = demo
        self.port = _free_port()
        if make_run:
            self.arguments = [app if word == "wsgi:app" else word
                              for word in make_run_arguments(self.port)]
        else:
            self.arguments = ["--bind", f"127.0.0.1:{self.port}", "--workers", "2", app]
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
        if self.demo:
            self._flask("demo", "--if-empty")
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", *self.arguments],
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
            # SIGINT: gunicorn's quick shutdown (SIGTERM waits out idle keep-alive connections)
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def browser_log_in(page, base: str, login: str) -> None:
    """Log a Playwright page in as a demo account through the login form."""
    from portal.demo import DEMO_PASSWORD

    page.goto(base + "/login")
    page.get_by_label("Логин или электронная почта").fill(login)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(base + "/")
