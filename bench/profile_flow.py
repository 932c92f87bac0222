"""Where a curator's deadline flow spends its server time: ``python -m bench.profile_flow``.

The flow of ``bench.deadline`` (log in, open the form, save, submit) runs in-process under
Flask's test client on an SQLite file (``--postgres``: a throwaway PostgreSQL too), with the
production configuration (CSRF on, the real password hash). It prints, per step, the SQL
statements per request and the CPU time per request by area (templates, Babel, password hash,
session, validation, SQLAlchemy), then the functions with the most own time. Work is counted
(statements, CPU time of this process), so the figures hold on a machine shared with others.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections import defaultdict
from contextlib import contextmanager

from bench import run_on_databases
from bench.client import csrf_token
from bench.deadline import PASSWORD, database_app, prepare

STEPS = ("login", "form", "save", "submit")
# Areas of the profile, by the file a function lives in (first match wins).
AREAS = [("password hash", ("hashlib", "werkzeug/security", "scrypt")), ("templates", ("jinja2",
         "/templates/", "<template>")), ("babel", ("babel/", "flask_babel")),
         ("session", ("itsdangerous", "flask/sessions", "portal/auth/sessions")),
         ("validation", ("portal/reports/validation", "portal/rules", "portal/reports/values")),
         ("sqlalchemy", ("sqlalchemy/",)), ("database driver", ("sqlite3", "psycopg"))]


def _area(where: str) -> str:
    return next((name for name, parts in AREAS if any(p in where for p in parts)), "other")


@contextmanager
def _counting(engine, statements: dict[str, list[str]], step: str):
    import sqlalchemy as sa

    def count(_connection, _cursor, statement, *_args):
        statements[step].append(" ".join(statement.split())[:150])

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def _flow(client, curator, run) -> None:
    token = csrf_token(client.get("/login").get_data(as_text=True))
    run("login", lambda: client.post("/login", data={
        "login": curator.login, "password": PASSWORD, "csrf_token": token}), 302)
    token = csrf_token(run("form", lambda: client.get(curator.form), 200).get_data(as_text=True))
    fields = {**{f"v:{code}": raw for code, raw in curator.values.items()},
              "csrf_token": token, "version": ""}
    for action in ("save", "submit"):
        run(action, lambda action=action: client.post(curator.form, data={
            **fields, "action": action}), 302)


class _Recorder:
    """Each step's statements, profile and CPU time (the profiler only when ``profiled``)."""

    def __init__(self, engine, profiled: bool) -> None:
        self.engine, self.profiled = engine, profiled
        self.profiles = {step: cProfile.Profile(time.process_time) for step in STEPS}
        self.statements: dict[str, list[str]] = defaultdict(list)
        self.cpu: dict[str, float] = defaultdict(float)

    def run(self, step, call, status):
        with _counting(self.engine, self.statements, step):
            started = time.process_time()
            if self.profiled:
                self.profiles[step].enable()
            response = call()
            if self.profiled:
                self.profiles[step].disable()
            self.cpu[step] += time.process_time() - started
        assert response.status_code == status, (step, response.status_code)
        return response


def profile(url: str, label: str, curators: int, top: int, show_sql: bool = False,
            save: str = "", profiled: bool = True):
    """The flow of ``curators`` curators; the profile lines of ``label``'s database."""
    from flask_migrate import upgrade

    from portal.extensions import db

    app = database_app(url)
    with app.app_context():
        upgrade()  # as make run does; then the curators, as bench.deadline makes them
        recorder = _Recorder(db.engine, profiled)
    people = prepare(url, curators)

    def warm_up(_step, call, _status):  # templates compiled, locale data loaded: not counted
        return call()

    _flow(app.test_client(), people[0], warm_up)
    for curator in people[1:]:
        _flow(app.test_client(), curator, recorder.run)
    yield from _lines(recorder, label, len(people) - 1, top, show_sql, save)


def _lines(recorder: _Recorder, label: str, requests: int, top: int, show_sql: bool,
           save: str):
    yield f"{label}: {requests} curators; per request: statements, CPU ms by area"
    statements, profiles = recorder.statements, recorder.profiles
    for step in STEPS:
        if not recorder.profiled:
            yield (f"{step:7} {len(statements[step]) / requests:5.1f} statements, "
                   f"{recorder.cpu[step] * 1000 / requests:6.1f} ms CPU (not profiled)")
            continue
        yield _step_line(step, len(statements[step]) / requests,
                         pstats.Stats(profiles[step]), requests)
    if not recorder.profiled:
        return
    for step in STEPS if save else ():
        profiles[step].dump_stats(f"{save}/{label}-{step}.pstats")
    for step in STEPS if show_sql else ():
        yield f"-- {label} {step}: the statements of one request"
        yield from (f"  {s}" for s in statements[step][:len(statements[step]) // requests])
    for step in ("form", "save", "submit"):
        yield f"-- {label} {step}: top {top} functions by own CPU time (ms per request)"
        yield from _top(pstats.Stats(profiles[step]), requests, top)


def _step_line(step: str, statements: float, stats: pstats.Stats, requests: int) -> str:
    by_area: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():
        by_area[_area(f"{filename}:{_name}")] += own
    total = sum(by_area.values())
    areas = ", ".join(f"{name} {seconds * 1000 / requests:.1f}" for name, seconds
                      in sorted(by_area.items(), key=lambda item: -item[1]))
    return (f"{step:7} {statements:5.1f} statements, {stats.total_calls / requests:7.0f} Python "
            f"calls, {total * 1000 / requests:6.1f} ms CPU profiled ({areas})")


def _top(stats: pstats.Stats, requests: int, top: int):
    rows = sorted(stats.stats.items(), key=lambda item: -item[1][2])[:top]
    for (filename, line, name), (_cc, calls, own, cumulative, _callers) in rows:
        short = "/".join(filename.split("/")[-2:])
        yield (f"  {own * 1000 / requests:6.2f} own {cumulative * 1000 / requests:7.2f} cum "
               f"{calls / requests:8.1f} calls  {short}:{line} {name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL")
    parser.add_argument("--curators", type=int, default=20)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--sql", action="store_true", help="print one request's statements")
    parser.add_argument("--save", default="", help="a folder for the steps' pstats files")
    parser.add_argument("--cpu", action="store_true",
                        help="CPU time per request without the profiler's overhead")
    args = parser.parse_args(argv)
    return run_on_databases(lambda url, label: profile(url, label, args.curators + 1, args.top,
                                                       args.sql, args.save, not args.cpu),
                            "profile", args.postgres)


if __name__ == "__main__":
    sys.exit(main())
