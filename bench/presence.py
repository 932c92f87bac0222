"""Benchmark of the presence check: 300 organizations × 8 document kinds in one municipality.

``python -m bench.presence [--postgres]`` builds the data in a throwaway SQLite database
(and a throwaway PostgreSQL cluster) and prints
``presence_matrix_median_<database>: <ms> ms (target ≤ 200 ms)``. The time is the whole
request through the Flask test client (queries, template, response), median of 25 after
warm-up, on fresh planner statistics (as autovacuum keeps them). :func:`populate` is also
used by the query-counting test of the presence page.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from datetime import date, datetime

from flask import Flask

from bench import refresh_statistics, run_on_databases
from portal import clock
from portal.documents.models import Document, DocumentKind, DocumentVersion
from portal.extensions import db
from portal.reports.models import Period, Report
from portal.reports.period_operations import open_period
from portal.roadmaps import schoolyear
from portal.roadmaps.models import EventExecution, ExecutionStatus, Roadmap, RoadmapEvent
from portal.roadmaps.template import STANDARD_EVENTS
from tenants.models import Municipality, Organization, OrganizationType, Region

TARGET_MS = 200
PASSWORD = "bench-password-2026"


def populate(municipality: Municipality, count: int, today: date) -> list[Organization]:
    """``count`` organizations with documents, roadmaps and execution of varied completeness."""
    year = schoolyear.school_year_of(today)
    period = open_period(db.session.get(Region, municipality.region_id), today.year,
                         (today.month - 1) // 3 + 1)
    types = list(OrganizationType)
    orgs = [Organization(municipality_id=municipality.id, code=f"B{municipality.id}-{i:05d}",
                         name=f"Организация {i}", short_name=f"Организация {i}",
                         type=types[i % len(types)]) for i in range(count)]
    db.session.add_all(orgs)
    db.session.flush()
    uploaded = datetime.combine(schoolyear.year_start(year), datetime.min.time())
    for i, org in enumerate(orgs):
        for kind in list(DocumentKind)[: 8 - i % 4]:  # some organizations lack some documents
            document = Document(organization_id=org.id, kind=kind, current_number=1)
            db.session.add_all([document, DocumentVersion(
                document=document, organization_id=org.id, number=1, order_number=f"{i}-од",
                order_date=uploaded.date(), uploaded_at=uploaded, url="https://example.org/d")])
        if i % 5:
            _roadmap(org, year, period, today, done=i % 3 != 0)
    db.session.flush()
    return orgs


def _roadmap(org: Organization, year: int, period: Period, today: date, done: bool) -> None:
    roadmap = Roadmap(organization_id=org.id, school_year=year)
    report = Report(organization_id=org.id, period=period, explanations={})
    db.session.add_all([roadmap, report])
    for position, template in enumerate(STANDARD_EVENTS, start=1):
        event = RoadmapEvent(roadmap=roadmap, organization_id=org.id, stage=template.stage,
                             position=position, title=template.title,
                             due_on=template.due_on(year), due_is_month=True,
                             responsible=template.responsible)
        db.session.add(event)
        if done and event.due_on < today:
            db.session.add(EventExecution(organization_id=org.id, report=report, event=event,
                                          status=ExecutionStatus.DONE, note="Выполнено."))


def _log_in(client, login: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"login": login, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, "bench user could not log in"


def bench_presence_matrix(app: Flask, count: int = 300, runs: int = 25) -> float:
    """Build ``count`` organizations in a new municipality and time its presence page (ms)."""
    from portal.auth import operations as accounts
    from tenants.models import Role

    with app.app_context():
        region = Region(code=f"BENCH-{time.time_ns()}", name="Бенчмарк")
        municipality = Municipality(region=region, code=f"{region.code}-M", name="Муниципалитет")
        db.session.add_all([region, municipality])
        db.session.flush()
        populate(municipality, count, clock.today(region))
        user = accounts.create_user(f"bench-{region.code}".lower(), "Бенчмарк", None)
        user.set_password(PASSWORD)
        accounts.assign_role(user, Role.MUNICIPAL, municipality.code)
        db.session.commit()
        refresh_statistics(db.engine)
        login, url = user.login, f"/municipalities/{municipality.id}/presence"
    client = app.test_client()
    _log_in(client, login)
    timings = []
    for _ in range(runs + 2):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(timings[2:])  # the first requests warm the caches


def run(database_url: str, label: str) -> list[str]:
    """Migrate an empty database, build the data and return the figure's line."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.config import Config

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = database_url
        SECRET_KEY = "bench"

    app = create_app(BenchConfig)
    with app.app_context():
        upgrade()
    try:
        median = bench_presence_matrix(app)
    finally:
        with app.app_context():
            db.engine.dispose()
    return [f"presence_matrix_median_{label}: {median:.0f} ms (target ≤ {TARGET_MS} ms)"]


def main(argv: list[str] | None = None) -> int:
    """Print the figure on SQLite (and, with ``--postgres``, on a throwaway cluster)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true",
                        help="also run on a throwaway PostgreSQL cluster")
    return run_on_databases(run, "presence", parser.parse_args(argv).postgres)


if __name__ == "__main__":
    sys.exit(main())
