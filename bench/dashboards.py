"""Benchmark of the dashboards: ``python -m bench.dashboards [--postgres] [--orgs 2000]``.

Builds the synthetic region of ``portal.demo.synthetic`` (``--orgs`` organizations,
one municipality per 33 of them, 12 quarters, the full catalogue: ~1 million values for
2,000 organizations) on an SQLite file, and with ``--postgres`` also on a throwaway
PostgreSQL cluster (tests/pgcluster.py), then measures, as the regional coordinator and as
the coordinator of the largest municipality:

* ``dashboard_regional``: the regional dashboard's data, all charts of the page (queries,
  pandas, figures, tables, figure JSON), median server time;
* ``dashboard_regional_sql_only``: the same SQL statements, recorded during a page build
  and replayed on the bare DBAPI cursor (execute + fetchall), median — side by side;
* ``dashboard_municipal`` (and its SQL), ``dashboard_institution`` (no target);
* ``dashboard_*_page``: the whole HTTP request through the Flask test client;
* ``dashboard_page_weight``: HTML with the figure JSON of the heaviest page; plotly.js is
  separate, served once with a one-year cache lifetime.

Targets (issue 5): regional ≤ 300 ms and ≤ 2× its bare SQL; municipal ≤ 150 ms; the same
at 20,000 organizations ≤ 2 s; page ≤ 1 MB.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from contextlib import contextmanager

from bench import migrated_app, refresh_statistics, run_on_databases

PASSWORD = "bench-password-1"
SEED = 2026


def _median_ms(run, repeat: int) -> float:
    return _side_by_side([run], repeat)[0]


def _side_by_side(runs: list, repeat: int) -> list[float]:
    """Median milliseconds of each run, the runs taking turns so that both see the same
    machine (other processes, caches) — the comparison is what matters. A run may time
    itself (it returns its milliseconds) to leave its set-up out."""
    for run in runs:
        run()  # warm-up: compiled statement cache, first pages of the database in memory
    timings: list[list[float]] = [[] for _ in runs]
    for _ in range(repeat):
        for run, found in zip(runs, timings):
            started = time.perf_counter()
            own = run()
            found.append(own if isinstance(own, float) else
                         (time.perf_counter() - started) * 1000)
    return [statistics.median(found) for found in timings]


def _setup(app, organizations: int) -> dict:
    """The synthetic region, a user per dashboard level, fresh planner statistics."""
    import sqlalchemy as sa

    from portal.demo.synthetic import build_region
    from portal.extensions import db
    from tenants.models import Municipality, Organization, Region

    with app.app_context():
        started = time.perf_counter()
        info = build_region(organizations, seed=SEED)
        db.session.commit()
        built = time.perf_counter() - started
        largest = db.session.execute(
            sa.select(Organization.municipality_id, sa.func.count())
            .group_by(Organization.municipality_id).order_by(sa.func.count().desc()).limit(1)
        ).first()[0]
        region = db.session.get(Region, info.region_id)
        municipality = db.session.get(Municipality, largest)
        organization = db.session.scalars(
            sa.select(Organization).where(Organization.municipality_id == largest,
                                          Organization.is_active).order_by(Organization.id)
        ).first()
        users = _users(region.code, municipality.code, organization.code)
        refresh_statistics(db.engine)
        return {"info": info, "built": built, "region": region.id, "municipality": largest,
                "organization": organization.id, "users": users}


def _users(region: str, municipality: str, organization: str) -> dict[str, int]:
    """The regional, municipal and institution accounts (committed); ids by login."""
    from portal.auth import operations as accounts
    from portal.extensions import db
    from tenants.models import Role

    users = {}
    for login, role, code in (("bench.region", Role.REGIONAL, region),
                              ("bench.municipal", Role.MUNICIPAL, municipality),
                              ("bench.curator", Role.CURATOR, organization)):
        user = accounts.create_user(login, login)
        user.set_password(PASSWORD)
        accounts.assign_role(user, role, code)
        users[login] = user.id
    db.session.commit()
    return users


@contextmanager
def _recording(engine, statements: list):
    import sqlalchemy as sa

    def _record(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", _record)
    try:
        yield
    finally:
        sa.event.remove(engine, "before_cursor_execute", _record)


def _measure(app, ids: dict, repeat: int) -> dict:
    """Median data time and bare SQL time of each dashboard, as its own user."""
    from dashboards import views
    from portal.extensions import db
    from tenants.models import Municipality, Organization, Region

    pages = {
        "regional": ("bench.region", Region, ids["region"], views.regional_page,
                     "/dashboards/regions/{}"),
        "municipal": ("bench.municipal", Municipality, ids["municipality"],
                      views.municipal_page, "/dashboards/municipalities/{}"),
        "institution": ("bench.curator", Organization, ids["organization"],
                        views.institution_page, "/dashboards/organizations/{}"),
    }
    results = {}
    for name, (login, model, ident, build, path) in pages.items():
        data = _page_data(app, ids["users"][login], model, ident, build, path)
        statements: list = []
        with app.app_context():
            data(statements)
            sql = _sql_runner(db.engines[None], statements)
            page_ms, sql_ms = _side_by_side([data, sql], repeat)
            results[name] = {"data": page_ms, "sql": sql_ms, "statements": len(statements)}
    return results


def _page_data(app, user_id: int, model, ident: int, build, path: str):
    """A timer of one dashboard's data (ms), recording its SQL into the list it is given."""
    from flask_login import login_user

    from portal.auth.models import User
    from portal.extensions import db

    def data(statements: list | None = None) -> float:
        # The request as the view gets it: the user logged in, the URL's object loaded
        # through the scope; timed from there to every chart's figure JSON and table.
        with app.test_request_context(path.format(ident), headers={"Accept-Language": "ru"}):
            login_user(db.session.get(User, user_id))
            target = db.session.get(model, ident)
            engine = db.engines[None]
            started = time.perf_counter()
            with _recording(engine, statements if statements is not None else []):
                page = build(target)
                charts = page.charts()
                json.dumps([c.figure for c in charts], allow_nan=False)
                for chart in charts:
                    chart.records()
            elapsed = (time.perf_counter() - started) * 1000
            db.session.remove()
        return elapsed
    return data


def _sql_runner(engine, statements: list):
    def run():
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            for statement, parameters in statements:
                cursor.execute(statement, parameters)
                cursor.fetchall()
            cursor.close()
            connection.rollback()
        finally:
            connection.close()
    return run


def _http(app, ids: dict, repeat: int) -> dict:
    """The whole request through the test client, and the bytes of the HTML."""
    client = app.test_client()
    found = {}
    for name, login, path in (
            ("regional", "bench.region", f"/dashboards/regions/{ids['region']}"),
            ("municipal", "bench.municipal", f"/dashboards/municipalities/{ids['municipality']}"),
            ("institution", "bench.curator", f"/dashboards/organizations/{ids['organization']}")):
        client.post("/logout")
        response = client.post("/login", data={"login": login, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        body = client.get(path, headers={"Accept-Language": "ru"})
        assert body.status_code == 200, body.status_code
        assert b"data-figure" in body.data
        found[name] = {"ms": _median_ms(lambda path=path: client.get(path), repeat),
                       "bytes": len(body.data)}
    script = client.get(f"/dashboards/vendor/plotly-{_plotly_version()}.min.js",
                        headers={"Accept-Encoding": "gzip"})
    found["plotly"] = {"bytes": len(script.data),
                       "cache": script.headers.get("Cache-Control", "")}
    return found


def _plotly_version() -> str:
    import plotly

    return plotly.__version__


def run(database_url: str, label: str, organizations: int, repeat: int) -> list[str]:
    """Build the region on the database, measure the dashboards; the result lines."""
    from portal.extensions import db

    app = migrated_app(database_url)
    ids = _setup(app, organizations)
    measured = _measure(app, ids, repeat)
    http = _http(app, ids, repeat)
    with app.app_context():
        db.engine.dispose()
    return _result_lines(f"{label}_{organizations}", organizations >= 10_000, ids, measured,
                         http)


def _result_lines(suffix: str, big: bool, ids: dict, measured: dict, http: dict) -> list[str]:
    info = ids["info"]
    regional_target = 2000 if big else 300
    municipal_target = 2000 if big else 150
    regional, municipal = measured["regional"], measured["municipal"]
    institution = measured["institution"]
    ratio = regional["data"] / regional["sql"] if regional["sql"] else float("inf")
    weight = max(http[name]["bytes"] for name in ("regional", "municipal", "institution"))
    return [
        f"synthetic_region_{suffix}: {ids['built']:.1f} s ({info.municipalities} municipalities,"
        f" {info.organizations} organizations, {info.periods} quarters, {info.values} values)",
        f"dashboard_regional_{suffix}: {regional['data']:.0f} ms "
        f"(target ≤ {regional_target} ms)",
        f"dashboard_regional_sql_only_{suffix}: {regional['sql']:.0f} ms "
        f"({regional['statements']} statements)",
        f"dashboard_regional_vs_sql_{suffix}: {ratio:.2f}× (target ≤ 2×)",
        f"dashboard_municipal_{suffix}: {municipal['data']:.0f} ms "
        f"(target ≤ {municipal_target} ms)",
        f"dashboard_municipal_sql_only_{suffix}: {municipal['sql']:.0f} ms "
        f"({municipal['statements']} statements)",
        f"dashboard_institution_{suffix}: {institution['data']:.0f} ms "
        f"(sql only {institution['sql']:.0f} ms)",
        f"dashboard_regional_page_{suffix}: {http['regional']['ms']:.0f} ms "
        f"(whole request, HTML {http['regional']['bytes'] / 1024:.0f} KB)",
        f"dashboard_municipal_page_{suffix}: {http['municipal']['ms']:.0f} ms "
        f"(whole request, HTML {http['municipal']['bytes'] / 1024:.0f} KB)",
        f"dashboard_page_weight: {weight / 1024:.0f} KB (target ≤ 1 MB)",
        f"dashboard_plotly_js: {http['plotly']['bytes'] / 1024:.0f} KB gzip, once "
        f"({http['plotly']['cache']})",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true",
                        help="also run on a throwaway PostgreSQL cluster")
    parser.add_argument("--orgs", type=int, default=2000,
                        help="organizations of the synthetic region (default 2000)")
    parser.add_argument("--repeat", type=int, default=21, help="timed runs per figure")
    args = parser.parse_args(argv)
    return run_on_databases(lambda url, label: run(url, label, args.orgs, args.repeat),
                            "dashboards", args.postgres)


if __name__ == "__main__":
    sys.exit(main())
