"""Benchmark of report uploads: ``python -m bench.upload [--postgres]``.

On a fresh, migrated database (an SQLite file, or with ``--postgres`` a throwaway cluster
started by tests/pgcluster.py) it measures, through the real HTTP views (Flask test client):

* ``upload_single``: one organization's report from XLSX — upload (read, check, preview
  kept) and confirmation (checked again, the previewed changes stored through
  ``operations.save_values_many``, the one write path of report values, as the form's);
* ``upload_bulk300``: a municipal file of 300 organizations (~11,000 values) — upload and
  confirmation (the same write path, all reports in a few statements);
* ``upload_bulk300_preview_page``: rendering the preview page of that file.

Wall time is the median of three runs, each on a fresh quarter, without tracing; peak
memory is the peak of Python allocations (tracemalloc) in a fourth, identical run, and the
process's maximum resident size is printed as an upper bound. Targets: ≤ 2 s, ≤ 300 MB.
"""

from __future__ import annotations

import argparse
import io
import random
import re
import resource
import statistics
import sys
import time
import tracemalloc
from contextlib import contextmanager

from bench import migrated_app, run_on_databases

TIME_TARGET_S = 2.0
MEMORY_TARGET_MB = 300
ORGANIZATIONS = 300
REPEATS = 3  # timed runs, each on a fresh quarter; the median is printed
PASSWORD = "bench-password-1"


def _values(rng: random.Random, kindergarten: bool) -> dict[str, object]:
    """A consistent set of one organization's numbers (no validation error)."""
    from portal.catalogue.standard import FORMS, TYPES

    staff = rng.randint(20, 90)
    young = max(1, staff // 6)
    mentors = max(2, staff // 8)
    mentees = rng.randint(mentors, mentors * 2)
    pairs = max(1, mentees - rng.randint(0, 2))
    values: dict[str, object] = {
        "staff_total": staff, "young_specialists": young, "mentors": mentors,
        "mentees": mentees, "mentees_young": min(young, mentees // 2),
        "mentees_new_in_team": min(2, mentees), "mentees_new_technology": 1,
        "mentees_non_pedagogical": 0, "pairs_groups": pairs, "programmes_active": pairs,
        "programmes_completed": rng.randint(0, 3), "programmes_ended_early": rng.randint(0, 1),
        "meetings_held": rng.randint(10, 1500), "mentors_trained": min(mentors, 2),
        "mentors_paid": mentors, "mentors_awarded": 1, "students_passed_pct": "87,5",
        "joint_projects": rng.randint(0, 6), "mentees_in_contests": 1, "mentees_attested": 1,
        "young_retained": young, "planning_mentors": rng.randint(0, 5),
        "planning_mentees": rng.randint(0, 5), "satisfaction_mentees": "8,4",
        "satisfaction_mentors": 9,
    }
    if not kindergarten:
        values["students_contest_participants"] = rng.randint(0, 40)
    for key, *_ in FORMS:
        values[f"pairs_by_form.{key}"] = pairs if key == "teacher_teacher" else 0
    for key, *_ in TYPES:
        values[f"pairs_by_type.{key}"] = pairs if key == "traditional" else 0
    return values


def _setup(app):
    """A region with one municipality of 300 organizations, two quarters, two accounts."""
    from portal.auth import operations as accounts
    from portal.extensions import db
    from portal.reports import period_operations
    from tenants.models import (
        Municipality,
        Organization,
        OrganizationType,
        Region,
        Role,
    )

    with app.app_context():
        region = Region(code="B1", name="Бенчмарк-край")
        municipality = Municipality(region=region, code="B1-01", name="Бенчмарк-округ")
        db.session.add_all([region, municipality])
        orgs = []
        for n in range(ORGANIZATIONS):
            kind = OrganizationType.KINDERGARTEN if n % 3 == 2 else OrganizationType.SCHOOL
            orgs.append(Organization(municipality=municipality, code=f"B{n:05d}",
                                     name=f"Организация № {n}", short_name=f"ОО № {n}",
                                     type=kind))
        db.session.add_all(orgs)
        db.session.flush()
        quarters = [(2024, 4), (2025, 1), (2025, 2), (2025, 3), (2025, 4), (2026, 1), (2026, 2),
                    (2026, 3)]
        periods = {yq: period_operations.open_period(region, *yq) for yq in quarters}
        curator = accounts.create_user("bench.curator", "Куратор")
        curator.set_password(PASSWORD)
        accounts.assign_role(curator, Role.CURATOR, orgs[0].code)
        coordinator = accounts.create_user("bench.municipal", "Координатор")
        coordinator.set_password(PASSWORD)
        accounts.assign_role(coordinator, Role.MUNICIPAL, municipality.code)
        db.session.commit()
        return {"org": orgs[0].id, "municipality": municipality.id,
                "periods": {q: p.id for q, p in periods.items()}}


def _login(client, login: str) -> None:
    response = client.post("/login", data={"login": login, "password": PASSWORD})
    assert response.status_code == 302, response.status_code


def _single_file(client, org_id: int, period_id: int) -> bytes:
    from openpyxl import load_workbook

    with client.get(f"/organizations/{org_id}/reports/{period_id}/template.xlsx") as response:
        assert response.status_code == 200
        workbook = load_workbook(io.BytesIO(response.get_data()))
    values = _values(random.Random(1), kindergarten=False)
    for row in workbook["Отчёт"].iter_rows(min_row=6):
        if row[0].value in values:
            row[4].value = values[row[0].value]
    out = io.BytesIO()
    workbook.save(out)
    workbook.close()
    return out.getvalue()


def _bulk_file(client, municipality_id: int, period_id: int) -> bytes:
    from openpyxl import load_workbook

    url = f"/municipalities/{municipality_id}/periods/{period_id}/template.xlsx"
    with client.get(url) as response:
        assert response.status_code == 200
        workbook = load_workbook(io.BytesIO(response.get_data()))
    sheet = workbook["Отчёты"]
    header = [c.value for c in sheet[5]]
    rng = random.Random(2)
    for row in sheet.iter_rows(min_row=6):
        kindergarten = str(row[2].value).lower().startswith("дошкольная")  # the type column
        for code, value in _values(rng, kindergarten).items():
            row[header.index(code)].value = value
    out = io.BytesIO()
    workbook.save(out)
    workbook.close()
    return out.getvalue()


def _upload_and_confirm(client, upload_url: str, data: bytes, name: str) -> tuple[int, str]:
    response = client.post(upload_url, data={"file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    preview = response.headers["Location"]
    saved = client.post(preview + "/save")
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    return saved.status_code, preview


@contextmanager
def _peak_memory(result: dict, key: str):
    tracemalloc.start()
    try:
        yield
    finally:
        result[key] = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()


def _single_runs(app, org: int, periods: dict, quarters: list, memory: dict) -> list[float]:
    """Times of the single-report uploads; the last run measures peak memory instead."""
    single = app.test_client()
    _login(single, "bench.curator")
    single_times = []
    for n, quarter in enumerate(quarters):
        data = _single_file(single, org, periods[quarter])
        url = f"/organizations/{org}/reports/{periods[quarter]}/upload"
        if n == REPEATS:
            with _peak_memory(memory, "single"):
                _upload_and_confirm(single, url, data, "report.xlsx")
            continue
        started = time.perf_counter()
        _upload_and_confirm(single, url, data, "report.xlsx")
        single_times.append(time.perf_counter() - started)
    return single_times


def _problems(html: str) -> str:
    """The problems a refused preview lists (for a failed run's message)."""
    return " | ".join(re.findall(r'data-problem-row="[^"]*">([^<]*)<', html))[:3000] or html[:3000]


def _timed_bulk(bulk, url: str, data: bytes) -> tuple[float, float]:
    """Upload and save one bulk file: (upload + save time, preview page time)."""
    started = time.perf_counter()
    response = bulk.post(url, data={"file": (io.BytesIO(data), "municipality.xlsx")},
                         content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    uploaded = time.perf_counter()
    page = bulk.get(response.headers["Location"])
    assert page.status_code == 200 and b'data-testid="confirm-upload"' in page.data, \
        _problems(page.get_data(as_text=True))
    shown = time.perf_counter()
    saved = bulk.post(response.headers["Location"] + "/save")
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    done = time.perf_counter()
    return (uploaded - started) + (done - shown), shown - uploaded


def _bulk_runs(app, municipality: int, periods: dict, quarters: list, memory: dict
               ) -> tuple[list[float], list[float]]:
    """Times of the bulk uploads and of their preview pages; the last run measures memory."""
    bulk = app.test_client()
    _login(bulk, "bench.municipal")
    bulk_times, preview_times = [], []
    for n, quarter in enumerate(quarters):
        data = _bulk_file(bulk, municipality, periods[quarter])
        url = f"/municipalities/{municipality}/periods/{periods[quarter]}/upload"
        if n == REPEATS:
            with _peak_memory(memory, "bulk"):
                _upload_and_confirm(bulk, url, data, "municipality.xlsx")
            continue
        upload_time, preview_time = _timed_bulk(bulk, url, data)
        bulk_times.append(upload_time)
        preview_times.append(preview_time)
    return bulk_times, preview_times


def _stored_values(app) -> int:
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.reports.models import ReportValue

    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(ReportValue))
        db.engine.dispose()
    return stored


def run(database_url: str, label: str) -> list[str]:
    """Time and measure single and bulk uploads on the database; the result lines."""
    app = migrated_app(database_url)
    ids = _setup(app)
    org, municipality, periods = ids["org"], ids["municipality"], ids["periods"]
    quarters = sorted(periods)  # 8 quarters: 4 for the single runs, 4 for the bulk runs
    memory: dict[str, float] = {}
    single_times = _single_runs(app, org, periods, quarters[:REPEATS + 1], memory)
    bulk_times, preview_times = _bulk_runs(app, municipality, periods,
                                           quarters[REPEATS + 1:], memory)
    single_time, bulk_time = statistics.median(single_times), statistics.median(bulk_times)
    preview_time = statistics.median(preview_times)
    stored = _stored_values(app)
    assert stored > (REPEATS + 1) * ORGANIZATIONS * 30, stored  # every bulk run stored its values
    return _result_lines(label, single_time, bulk_time, preview_time, memory)


def _result_lines(label: str, single_time: float, bulk_time: float, preview_time: float,
                  memory: dict[str, float]) -> list[str]:
    lines = [
        f"upload_single_{label}: {single_time:.2f} s (target ≤ {TIME_TARGET_S:g} s)",
        f"upload_single_{label}_peak_memory: {memory['single']:.0f} MB "
        f"(target ≤ {MEMORY_TARGET_MB} MB)",
        f"upload_bulk300_{label}: {bulk_time:.2f} s (target ≤ {TIME_TARGET_S:g} s)",
        f"upload_bulk300_{label}_peak_memory: {memory['bulk']:.0f} MB "
        f"(target ≤ {MEMORY_TARGET_MB} MB)",
        f"upload_bulk300_{label}_preview_page: {preview_time:.2f} s "
        f"(target ≤ {TIME_TARGET_S:g} s)",
    ]
    # An upper bound: the whole process (app, both databases' drivers, every run so far).
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines.append(f"upload_{label}_process_max_rss: {rss:.0f} MB (target ≤ {MEMORY_TARGET_MB} MB)")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true",
                        help="also run on a throwaway PostgreSQL cluster")
    args = parser.parse_args(argv)
    return run_on_databases(run, "upload", args.postgres)


if __name__ == "__main__":
    sys.exit(main())
