"""The hour before the deadline: ``python -m bench.deadline [--postgres]``.

A real gunicorn, started exactly as ``make run`` starts it (``flask db upgrade``, ``flask
demo --if-empty``, then the Makefile's gunicorn arguments), on an SQLite file and, with
``--postgres``, on a throwaway PostgreSQL cluster. 100 curators of 100 different
organizations (with last quarter's report stored, so the jump checks have work), 50 at a
time, each over its own keep-alive connection:

1. log in (``logins_per_s``: bounded by the password hash, which is not weakened);
2. open the report form;
3. save the report and submit it (``submits_per_s``: complete save+submit pairs per second
   of this phase; ``p95``: of the save and submit requests).

Redirects are not followed (a browser would load the form again); every answer must be
the expected redirect, or it counts as an error. Afterwards the database is checked
report by report (``lost``): stored once, exactly the values sent, submitted with one state
change, one audit row per value and one for the state change.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from bench import run_on_databases
from bench.client import Browser, csrf_token

CURATORS = 100
CONCURRENCY = 50
PASSWORD = "deadline-hour-2026"
YEAR, QUARTER = 2026, 3  # the quarter due; the one before holds last quarter's reports
TARGETS = {"sqlite": 30, "postgres": 100}  # save+submit per second
P95_TARGET_MS = 300  # on PostgreSQL


@dataclass(frozen=True)
class Curator:
    login: str
    org_id: int
    period_id: int
    values: dict[str, str]

    @property
    def form(self) -> str:
        return f"/organizations/{self.org_id}/reports/{self.period_id}"


@dataclass
class Load:
    """What the load generator saw: latencies in seconds, errors as readable lines."""

    login_seconds: float = 0.0
    submit_seconds: float = 0.0
    logins: list[float] = field(default_factory=list)
    writes: list[float] = field(default_factory=list)  # save and submit requests
    errors: list[str] = field(default_factory=list)
    submitted: set[str] = field(default_factory=set)  # logins whose submit was acknowledged

    @property
    def p95_ms(self) -> float:
        if len(self.writes) < 2:
            return 0.0
        return statistics.quantiles(self.writes, n=20)[-1] * 1000


def values_for(index: int) -> dict[str, str]:
    """Curator ``index``'s numbers: valid, close to last quarter's, different per curator."""
    from tests.report_helpers import GOOD_VALUES

    return {**GOOD_VALUES, "staff_total": str(50 + index % 30),
            "meetings_held": str(30 + index % 5)}


def database_app(url: str):
    """An application on ``url`` for setting up and checking (not the one under load)."""
    from portal import create_app
    from portal.config import Config

    class _Config(Config):
        SQLALCHEMY_DATABASE_URI = url
        SECRET_KEY = "deadline-setup"

    # Its instance folder is never used; keep it out of the working tree all the same.
    os.environ.setdefault("PORTAL_INSTANCE_PATH", tempfile.mkdtemp(prefix="deadline-"))
    return create_app(_Config)


def prepare(url: str, count: int = CURATORS, tag: str = "") -> list[Curator]:
    """A region with ``count`` schools, each with its curator and last quarter's report
    (``tag`` tells the codes and logins apart from another call's on the same database)."""
    from werkzeug.security import generate_password_hash

    from portal.catalogue.queries import indicators_for
    from portal.extensions import db
    from portal.reports import period_operations as operations
    from tenants.models import Municipality, OrganizationType, Region

    app = database_app(url)
    with app.app_context():
        region = Region(code=f"DEADLINE{tag}", name=f"Край дедлайна {tag}")
        municipality = Municipality(region=region, code=f"DEADLINE{tag}-1",
                                    name=f"Город дедлайна {tag}")
        db.session.add_all([region, municipality])
        db.session.flush()
        before = operations.open_period(region, YEAR, QUARTER - 1)
        operations.close_period(before)
        period = operations.open_period(region, YEAR, QUARTER)
        hashed = generate_password_hash(PASSWORD)  # once: the same password for everyone
        indicators = indicators_for(before, OrganizationType.SCHOOL)
        schools = [_school(municipality, before, hashed, indicators, tag, i)
                   for i in range(count)]
        db.session.flush()
        result = [Curator(user.login, org.id, period.id, values_for(i))
                  for i, (user, org) in enumerate(schools)]
        db.session.commit()
        _close(db)
    return result


def _school(municipality, before, hashed: str, indicators, tag: str, i: int):
    """School ``i`` with its curator and its accepted report of the quarter ``before``."""
    from portal.auth.models import User
    from portal.extensions import db
    from portal.reports.models import Report, ReportState, ReportValue
    from tenants.models import Organization, OrganizationType, Role, RoleAssignment
    from tests.report_helpers import GOOD_VALUES as base  # last quarter, for everyone

    org = Organization(municipality=municipality, code=f"DL{tag}{i:05d}",
                       name=f"МБОУ «Школа дедлайна № {i + 1}»",
                       short_name=f"Школа № {i + 1}", type=OrganizationType.SCHOOL)
    user = User(login=f"deadline{tag}{i:03d}", full_name=f"Куратор {i + 1}",
                password_hash=hashed)
    user.role_assignments.append(RoleAssignment(role=Role.CURATOR, organization=org))
    last = Report(organization=org, period=before, state=ReportState.ACCEPTED,
                  explanations={}, values=[
                      ReportValue(indicator_id=ind.id, raw=base[ind.code],
                                  value=Decimal(base[ind.code].replace(",", ".")))
                      for ind in indicators])
    db.session.add_all([org, user, last])
    return user, org


def _close(db) -> None:
    db.session.remove()
    db.engine.dispose()  # this process leaves the database to the server under load


# -- the load ----------------------------------------------------------------------------------

def _phase(curators: list[Curator], concurrency: int, step: Callable[[Curator], None]) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(step, curators))
    return time.perf_counter() - started


def _expect(load: Load, curator: Curator, what: str, answer, status: int = 302) -> bool:
    if answer.status == status:
        return True
    load.errors.append(f"{what} {curator.login}: HTTP {answer.status} {answer.body[:200]!r}")
    return False


class _Curators:
    """The simulated curators: one keep-alive connection each, and what they saw."""

    def __init__(self, host: str, port: int, curators: list[Curator]) -> None:
        self.load = Load()
        self.browsers = {c.login: Browser(host, port) for c in curators}
        self.tokens: dict[str, str] = {}

    def guarded(self, what: str, step: Callable[[Curator], None]) -> Callable[[Curator], None]:
        def run(curator: Curator) -> None:
            try:
                step(curator)
            except Exception as exc:  # a dropped connection, a timeout: an error, go on
                self.load.errors.append(f"{what} {curator.login}: {exc!r}")
        return run

    def log_in(self, curator: Curator) -> None:
        browser = self.browsers[curator.login]
        token = csrf_token(browser.get("/login").body)
        answer = browser.post("/login", {"login": curator.login, "password": PASSWORD,
                                         "csrf_token": token})
        self.load.logins.append(answer.seconds)
        _expect(self.load, curator, "login", answer)

    def open_form(self, curator: Curator) -> None:
        page = self.browsers[curator.login].get(curator.form)
        if _expect(self.load, curator, "form", page, 200):
            self.tokens[curator.login] = csrf_token(page.body)

    def save_and_submit(self, curator: Curator) -> None:
        if curator.login not in self.tokens:
            return
        browser = self.browsers[curator.login]
        fields = {**{f"v:{code}": raw for code, raw in curator.values.items()},
                  "csrf_token": self.tokens[curator.login], "version": ""}
        for action in ("save", "submit"):
            answer = browser.post(curator.form, {**fields, "action": action})
            self.load.writes.append(answer.seconds)
            if not _expect(self.load, curator, action, answer):
                return
        self.load.submitted.add(curator.login)

    def close(self) -> None:
        for browser in self.browsers.values():
            browser.close()


def run_load(host: str, port: int, curators: list[Curator],
             concurrency: int = CONCURRENCY) -> Load:
    """Log everyone in, open every form, then save and submit every report."""
    people = _Curators(host, port, curators)
    load = people.load
    load.login_seconds = _phase(curators, concurrency, people.guarded("login", people.log_in))
    _phase(curators, concurrency, people.guarded("form", people.open_form))
    load.submit_seconds = _phase(curators, concurrency,
                                 people.guarded("save", people.save_and_submit))
    people.close()
    return load


# -- checking the database ---------------------------------------------------------------------

def _problems(report, curator: Curator, acknowledged: bool) -> bool:
    """Whether the stored report betrays the curator: something lost, half-written, doubled."""
    from portal.reports.models import ReportState

    if report is None:
        return acknowledged
    stored = {v.indicator.code: v.raw for v in report.values}
    audits = [a for a in report_audits(report) if a.action == "value"]
    states = [a for a in report_audits(report) if a.action == "state"]
    if stored and stored != curator.values:
        return True  # a partial or foreign value set
    if sorted((a.field, a.new) for a in audits) != sorted(stored.items()):
        return True  # a value without its audit row, or an audit row without its value
    expected_states = [("draft", "submitted")] if report.state is ReportState.SUBMITTED else []
    if [(a.old, a.new) for a in states] != expected_states:
        return True  # a state change without its audit row, or a doubled one
    return acknowledged and (report.state is not ReportState.SUBMITTED or not stored)


def report_audits(report):
    from portal.extensions import db
    from portal.reports.models import AuditEntry

    return list(db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.report_id == report.id).order_by(AuditEntry.id)))


def lost(url: str, curators: list[Curator], submitted: set[str]) -> list[str]:
    """The curators whose report is not exactly what the server acknowledged."""
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.reports.models import Report

    app = database_app(url)
    found = []
    with app.app_context():
        for curator in curators:
            reports = list(db.session.scalars(sa.select(Report).filter_by(
                organization_id=curator.org_id, period_id=curator.period_id)))
            if len(reports) > 1 or _problems(reports[0] if reports else None, curator,
                                              curator.login in submitted):
                found.append(curator.login)
        _close(db)
    return found


# -- the benchmark -----------------------------------------------------------------------------

@contextmanager
def serve(url: str, folder: Path) -> Iterator:
    """gunicorn as ``make run`` starts it, on ``url``."""
    from tests.live import LiveServer

    instance = folder / "instance"
    instance.mkdir(exist_ok=True)
    server = LiveServer(url, instance, make_run=True)
    server.env.pop("SECRET_KEY")  # make run keeps its key in the instance folder
    server.start()
    try:
        yield server
    finally:
        server.stop()


def measure(url: str, label: str, curators: int = CURATORS,
            concurrency: int = CONCURRENCY) -> Iterator[str]:
    """The figures of one database, as benchmark lines."""
    folder = Path(os.environ["PORTAL_INSTANCE_PATH"])
    with serve(url, folder) as server:
        people = prepare(url, curators)
        load = run_load("127.0.0.1", server.port, people, concurrency)
    missing = lost(url, people, load.submitted)
    name = f"deadline_{label}"
    yield (f"{name}_submits_per_s: {len(load.submitted) / load.submit_seconds:.1f} /s "
           f"(target ≥ {TARGETS[label]})")
    yield (f"{name}_p95: {load.p95_ms:.0f} ms (save and submit requests"
           + (f"; target ≤ {P95_TARGET_MS})" if label == "postgres" else ")"))
    yield f"{name}_errors: {len(load.errors)} (target 0)"
    yield f"{name}_lost: {len(missing)} (target 0)"
    yield (f"{name}_logins_per_s: {len(load.logins) / load.login_seconds:.1f} /s "
           "(logins_per_s, bounded by the password hash; no target)")
    yield f"{name}_load_average: {os.getloadavg()[0]:.2f} (1 min, after the run; 2 cores)"
    for line in load.errors[:5]:
        print("  " + line, file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL")
    parser.add_argument("--curators", type=int, default=CURATORS)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    args = parser.parse_args(argv)
    return run_on_databases(
        lambda url, label: measure(url, label, args.curators, args.concurrency),
        "deadline", args.postgres)


if __name__ == "__main__":
    sys.exit(main())
