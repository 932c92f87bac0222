"""Server CPU per request of the curator's flow in one gunicorn worker:
``python -m bench.server_cpu [--postgres] [--curators N]``.

gunicorn runs with one worker (the threads of ``make run``); the flows run one after another,
and the worker's own CPU time (``/proc``, so other processes on a shared machine do not
count) is read before and after every request: what a request costs the server, HTTP and
access log included, independent of the load on the machine.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from pathlib import Path

from bench import run_on_databases
from bench.client import Browser, csrf_token
from bench.deadline import PASSWORD, prepare

TICKS = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    """The CPU seconds (user + system) of ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _worker(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(children[0])


def measure(url: str, label: str, curators: int):
    """The flows of ``curators`` curators, one at a time; CPU ms per request by step."""
    from tests.live import LiveServer, make_run_arguments

    instance = Path(os.environ["PORTAL_INSTANCE_PATH"]) / "instance"
    instance.mkdir(exist_ok=True)
    server = LiveServer(url, instance, demo=False)
    arguments = make_run_arguments(server.port)  # make run's threads and access log...
    arguments[arguments.index("--workers") + 1] = "1"  # ...in one worker
    server.arguments = arguments
    server.start()
    spent: dict[str, float] = defaultdict(float)
    try:
        people = prepare(url, curators + 1)
        worker = _worker(server.process.pid)
        for index, curator in enumerate(people):
            browser = Browser("127.0.0.1", server.port)

            def step(name, call, index=index):
                before = _cpu(worker)
                answer = call()
                if index:  # the first flow warms the worker up: not counted
                    spent[name] += _cpu(worker) - before
                return answer

            token = csrf_token(step("login page", lambda b=browser: b.get("/login")).body)
            step("login", lambda b=browser, c=curator, t=token: b.post("/login", {
                "login": c.login, "password": PASSWORD, "csrf_token": t}))
            page = step("form", lambda b=browser, c=curator: b.get(c.form))
            fields = {**{f"v:{code}": raw for code, raw in curator.values.items()},
                      "csrf_token": csrf_token(page.body), "version": ""}
            for action in ("save", "submit"):
                answer = step(action, lambda b=browser, c=curator, f=fields, a=action: b.post(
                    c.form, {**f, "action": a}))
                assert answer.status == 302, (action, answer.status, answer.body[:300])
            browser.close()
    finally:
        server.stop()
    for name, seconds in spent.items():
        yield f"{label}_server_cpu_{name.replace(' ', '_')}: {seconds * 1000 / curators:.1f} ms"
    writes = (spent["save"] + spent["submit"]) / curators
    yield (f"{label}_server_cpu_save_submit: {writes * 1000:.1f} ms "
           f"(one core: ≤ {1 / writes:.0f} save+submit pairs per second)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL")
    parser.add_argument("--curators", type=int, default=40)
    args = parser.parse_args(argv)
    return run_on_databases(lambda url, label: measure(url, label, args.curators),
                            "server_cpu", args.postgres)


if __name__ == "__main__":
    sys.exit(main())
