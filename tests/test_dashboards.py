"""Dashboards on a real database: arithmetic with hand-computed numbers, scope, exports,
freshness, the query count, plotly.js delivery."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_login import login_user

from dashboards import views
from portal.catalogue.models import Indicator
from portal.extensions import db
from portal.reports import period_operations, workflow
from portal.reports.models import Report, ReportState, ReportValue
from tenants.models import OrganizationType, Role, Subordination

A, S = ReportState.ACCEPTED, ReportState.SUBMITTED
SUBMITTED_AT = datetime(2026, 7, 5, 12, 0)
UPDATED_AT = datetime(2026, 7, 20, 9, 30)


def put(org, period, state, when=SUBMITTED_AT, **values):
    """A report with the given values, written directly (the workflow has its own tests)."""
    # the items of the period's version: every region has its own copy of the codes
    ids = dict(db.session.execute(sa.select(Indicator.code, Indicator.id).where(
        Indicator.form_version_id == period.form_version_id)).all())
    report = Report(organization=org, period=period, state=state, explanations={},
                    first_submitted_at=when, submitted_at=when, updated_at=UPDATED_AT)
    db.session.add(report)
    db.session.flush()
    for code, value in values.items():
        db.session.add(ReportValue(report_id=report.id, indicator_id=ids[code], raw=str(value),
                                   value=Decimal(str(value))))
    db.session.flush()
    return report


@pytest.fixture
def land(factory):
    """Region R: municipality M1 with schools A, C, D, kindergarten B and the regional
    college K; municipality M2 with school E. Quarter II of 2026 (and I for trends)."""
    region = factory.region("Край-DASH")
    m1 = factory.municipality(region, "Первый-район-DASH")
    m2 = factory.municipality(region, "Второй-район-DASH")
    o = {
        "A": factory.organization(m1, name="Школа-А-DASH"),
        "B": factory.organization(m1, name="Детсад-Б-DASH", type=OrganizationType.KINDERGARTEN),
        "C": factory.organization(m1, name="Школа-В-DASH"),
        "D": factory.organization(m1, name="Школа-Г-DASH"),
        "K": factory.organization(m1, name="Техникум-К-DASH", type=OrganizationType.COLLEGE,
                                  subordination=Subordination.REGIONAL),
        "E": factory.organization(m2, name="Школа-Д-DASH"),
    }
    q1 = period_operations.open_period(region, 2026, 1)
    q2 = period_operations.open_period(region, 2026, 2)
    late = datetime(2026, 7, 30, 12, 0)  # the deadline of quarter II is 10 July
    put(o["A"], q2, A, staff_total=100, mentees=30, mentors=10, satisfaction_mentees=8,
        programmes_completed=3, programmes_ended_early=1)
    put(o["B"], q2, A, late, staff_total=20, mentees=18, mentors=6, satisfaction_mentees=6,
        programmes_completed=1, programmes_ended_early=0)
    put(o["C"], q2, S, staff_total=50, mentees=50, mentors=10, satisfaction_mentees=9)
    put(o["K"], q2, A, staff_total=80, mentees=8, mentors=4)
    put(o["E"], q2, A, staff_total=40, mentees=4, mentors=2)
    put(o["A"], q1, A, staff_total=100, mentees=20, mentors=8)
    put(o["B"], q1, A, staff_total=20, mentees=10, mentors=5)
    return {"region": region, "m1": m1, "m2": m2, "q1": q1, "q2": q2, **o}


def build(app, page_function, target, user, query: str = ""):
    """A dashboard object as the view builds it, for ``user``, with its charts by key."""
    with app.test_request_context(f"/?{query}", headers={"Accept-Language": "ru"}):
        login_user(user)
        page = page_function(target)
        return page, {chart.key: chart for chart in page.charts()}


def rows(chart, key: str = "label") -> dict:
    return {r[key]: r for r in chart.frame.to_dict("records")}


def test_municipal_values_are_computed_from_sums_and_missing_is_not_zero(app, factory, land):
    user = factory.user(Role.MUNICIPAL, land["m1"])
    page, charts = build(app, views.municipal_page, land["m1"], user,
                         f"period={land['q2'].id}&indicator=mentee_coverage")
    organizations = rows(charts["organizations"])
    assert organizations["Школа-А-DASH"]["mentee_coverage"] == 30.0
    assert organizations["Детсад-Б-DASH"]["mentee_coverage"] == 90.0
    # C only submitted, D never reported: both shown, without a value.
    assert set(organizations) >= {"Школа-В-DASH", "Школа-Г-DASH"}
    assert organizations["Школа-В-DASH"]["mentee_coverage"] != organizations["Школа-В-DASH"][
        "mentee_coverage"]  # NaN
    assert organizations["Школа-Г-DASH"]["status"] == "не начат" or \
        organizations["Школа-Г-DASH"]["status"] == "not started"
    # Σ mentees / Σ staff of the accepted reports: 48 / 120 — not (30 % + 90 %) / 2.
    assert page.municipal_value == 40.0
    # The region: (30 + 18 + 8 + 4) / (100 + 20 + 80 + 40) = 60 / 240.
    assert page.region_value == 25.0
    assert "Техникум-К-DASH" not in organizations and "Школа-Д-DASH" not in organizations
    figure = charts["organizations"].figure
    assert figure["data"][0]["x"][:2] == [90.0, 30.0]
    assert [t["x"][0] for t in figure["data"] if t["type"] == "scatter"] == [40.0, 25.0]
    assert figure["layout"]["separators"] == ", "
    assert page.summary == {**page.summary, "expected": 4, "submitted": 3, "on_time": 2,
                            "accepted": 2, "completeness": 75.0, "timeliness": 50.0}


def test_switch_counts_submitted_reports_too(app, factory, land):
    user = factory.user(Role.MUNICIPAL, land["m1"])
    page, charts = build(app, views.municipal_page, land["m1"], user,
                         f"period={land['q2'].id}&submitted=1")
    assert page.municipal_value == round(98 / 170 * 100, 1)  # 57.6
    assert rows(charts["organizations"])["Школа-В-DASH"]["mentee_coverage"] == 100.0
    assert "accepted and submitted" in page.filters.counted_note or \
        "принятые и отправленные" in page.filters.counted_note


def test_regional_groups_weighted_means_and_the_regional_group(app, factory, land):
    user = factory.user(Role.REGIONAL, land["region"])
    page, charts = build(app, views.regional_page, land["region"], user,
                         f"period={land['q2'].id}&indicator=mentee_coverage")
    municipalities = rows(charts["municipalities"])
    assert municipalities["Первый-район-DASH"]["mentee_coverage"] == 40.0
    assert municipalities["Первый-район-DASH"]["reporting"] == 2
    assert municipalities["Первый-район-DASH"]["expected"] == 4
    assert municipalities["Второй-район-DASH"]["mentee_coverage"] == 10.0
    regional = [r for r in municipalities.values() if r["kind"] == "regional"][0]
    assert regional["mentee_coverage"] == 10.0  # 8 / 80, the college on its own
    heat = rows(charts["heatmap"])["Первый-район-DASH"]
    assert heat["satisfaction_mentees"] == 7.25  # (8·30 + 6·18) / 48
    assert heat["mentor_load"] == 3.0  # 48 / 16
    assert heat["programme_completion"] == 80.0  # 4 / 5
    completeness = rows(charts["completeness"])
    assert completeness["Первый-район-DASH"]["completeness"] == 75.0
    assert completeness["Первый-район-DASH"]["timeliness"] == 50.0
    total = charts["completeness"].frame.iloc[0]
    assert (total["expected"], total["submitted"], total["on_time"]) == (6, 5, 4)
    types = rows(charts["types"], "group")
    assert [t["n"] for t in types.values()] == [2, 1, 1, 0]  # schools A, E; B; K; none
    trend = rows(charts["trend"], "period")
    assert trend["1 кв. 2026"]["region"] == 25.0 or trend["Q1 2026"]["region"] == 25.0


def test_trend_follows_quarters(app, factory, land):
    user = factory.user(Role.MUNICIPAL, land["m1"])
    page, charts = build(app, views.municipal_page, land["m1"], user,
                         f"period={land['q2'].id}&orgs={land['A'].id}")
    trend = charts["trend"].frame
    assert list(trend["municipality"]) == [25.0, 40.0]  # 30/120, then 48/120
    assert list(trend[f"org{land['A'].id}"]) == [20.0, 30.0]
    assert trend["region"].iloc[1] == 25.0


def test_municipal_coordinator_sees_only_the_municipality(client, factory, land):
    client.login(factory.user(Role.MUNICIPAL, land["m1"]))
    own = client.get(f"/dashboards/municipalities/{land['m1'].id}?period={land['q2'].id}")
    html = own.get_data(as_text=True)
    assert own.status_code == 200
    for name in ("Школа-А-DASH", "Детсад-Б-DASH", "Школа-В-DASH", "Школа-Г-DASH"):
        assert name in html
    for foreign in ("Техникум-К-DASH", "Школа-Д-DASH", "Второй-район-DASH", "Край-DASH"):
        assert foreign not in html
    for url in (f"/dashboards/municipalities/{land['m2'].id}",
                f"/dashboards/municipalities/{land['m2'].id}/export?chart=organizations",
                f"/dashboards/regions/{land['region'].id}",
                f"/dashboards/organizations/{land['K'].id}",
                f"/dashboards/organizations/{land['E'].id}"):
        assert client.get(url).status_code == 404, url
    export = client.get(f"/dashboards/municipalities/{land['m1'].id}/export"
                        f"?chart=organizations&format=csv&period={land['q2'].id}")
    assert "Техникум-К-DASH" not in export.get_data(as_text=True)


def test_curator_sees_aggregates_of_others_never_their_names_or_values(client, factory, land):
    curator = factory.user(Role.CURATOR, land["A"])
    client.login(curator)
    response = client.get(f"/dashboards/organizations/{land['A'].id}?period={land['q2'].id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Школа-А-DASH" in html
    for other in ("Детсад-Б-DASH", "Школа-В-DASH", "Школа-Г-DASH", "Техникум-К-DASH",
                  "Школа-Д-DASH", "Второй-район-DASH"):
        assert other not in html
    assert client.get(f"/dashboards/organizations/{land['B'].id}").status_code == 404
    assert client.get(f"/dashboards/municipalities/{land['m1'].id}").status_code == 404
    for key in ("trend", "key", "position"):
        body = client.get(f"/dashboards/organizations/{land['A'].id}/export?chart={key}"
                          f"&format=csv&period={land['q2'].id}").get_data(as_text=True)
        assert "Детсад" not in body and "Техникум" not in body and "Школа-Д" not in body


def test_curator_references_hide_small_groups(app, factory, land):
    page, charts = build(app, views.institution_page, land["A"],
                         factory.user(Role.CURATOR, land["A"]), f"period={land['q2'].id}")
    trend = charts["trend"].frame.set_index("period")
    quarter = trend.iloc[1]
    assert quarter["organization"] == 30.0
    assert quarter["region"] == 25.0  # four organizations reported
    # The municipality: only A and B accepted — B's value would follow from A's; hidden.
    assert quarter["group"] != quarter["group"]
    assert quarter["type"] != quarter["type"]  # schools in the region: A and E only
    position = charts["position"].frame
    assert position["count"].sum() == 4 and set(position.columns) == {"start", "end", "count"}


def test_institution_view_for_the_external_contour(client, factory, land):
    client.login(factory.user(Role.REGIONAL, land["region"]))
    assert client.get(f"/dashboards/organizations/{land['K'].id}").status_code == 200
    client.post_form("/logout")
    client.login(factory.user(Role.MUNICIPAL, land["m1"]))
    assert client.get(f"/dashboards/organizations/{land['A'].id}").status_code == 200


def test_accepted_report_is_in_the_next_view(client, factory, land):
    coordinator = factory.user(Role.MUNICIPAL, land["m1"])
    client.login(coordinator)
    url = (f"/dashboards/municipalities/{land['m1'].id}/export?chart=organizations&format=csv"
           f"&period={land['q2'].id}")

    def reference_line() -> str:
        table = list(csv.reader(io.StringIO(client.get(url).get_data(as_text=True)),
                                delimiter=";"))
        return [r for r in table if r[0].startswith("Муниципальное образование (")][0][3]

    assert reference_line() == "40,0"
    report = db.session.scalars(sa.select(Report).filter_by(organization_id=land["C"].id)).one()
    workflow.accept(report, coordinator)
    db.session.commit()
    assert reference_line() == "57,6"  # (48 + 50) / (120 + 50)


def test_exports_hold_the_plotted_numbers(client, factory, land):
    client.login(factory.user(Role.REGIONAL, land["region"]))
    base = f"/dashboards/regions/{land['region'].id}"
    query = f"period={land['q2'].id}&indicator=mentee_coverage"
    page = client.get(f"{base}?{query}").get_data(as_text=True)
    figure = json.loads(re.search(
        r'<script type="application/json" id="figure-municipalities">(.*?)</script>', page,
        re.S).group(1))
    plotted = [x for trace in figure["data"] if trace["type"] == "bar" for x in trace["x"]
               if x is not None]
    references = [t["x"][0] for t in figure["data"] if t["type"] == "scatter"]
    assert references == [25.0]
    response = client.get(f"{base}/export?chart=municipalities&format=csv&{query}")
    assert response.headers["Content-Disposition"].endswith('.csv"')
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")),
                            delimiter=";"))
    exported = [float(r[1].replace(",", ".")) for r in table[1:] if r[1]]
    assert sorted(plotted) == sorted(exported[:len(plotted)])
    assert exported[len(plotted):] == references  # the reference line's row comes last
    assert "40,0" in page and "40,0" in response.get_data(as_text=True)

    from openpyxl import load_workbook

    xlsx = client.get(f"{base}/export?chart=municipalities&format=xlsx&{query}")
    sheet = load_workbook(io.BytesIO(xlsx.data)).worksheets[0]
    values = [r[1] for r in sheet.iter_rows(min_row=2, values_only=True) if r[1] is not None]
    assert 40.0 in values and 10.0 in values
    assert client.get(f"{base}/export?chart=nothing&{query}").status_code == 404


def test_english_figures_and_page(client, factory, land):
    user = factory.user(Role.REGIONAL, land["region"])
    user.locale = "en"
    client.login(user)
    page = client.get(f"/dashboards/regions/{land['region'].id}?period={land['q2'].id}")
    html = page.get_data(as_text=True)
    assert '"separators": ".,"' in html or '"separators":".,"' in html
    assert "Reporting completeness and timeliness" in html


def test_pages_have_no_inline_script_and_load_plotly_once(client, factory, land):
    client.login(factory.user(Role.REGIONAL, land["region"]))
    html = client.get(f"/dashboards/regions/{land['region'].id}").get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>", html)
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts)
    assert html.count("plotly-") == 1 and "cdn" not in html.lower()
    assert html.count('class="dashboard-figure"') == 7


def test_plotly_js_is_served_by_the_portal_with_a_long_cache(client):
    import plotly

    url = f"/dashboards/vendor/plotly-{plotly.__version__}.min.js"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and plain.mimetype == "text/javascript"
    assert b"plotly.js" in plain.data[:200]
    assert "max-age=31536000" in plain.headers["Cache-Control"]
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and len(zipped.data) < len(plain.data)
    again = client.get(url, headers={"Accept-Encoding": "gzip",
                                     "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304


def test_period_of_another_region_is_not_used(client, factory, land):
    other = factory.region("Чужой-край-DASH")
    foreign = period_operations.open_period(other, 2026, 2)
    client.login(factory.user(Role.REGIONAL, land["region"]))
    response = client.get(f"/dashboards/regions/{land['region'].id}?period={foreign.id}")
    assert response.status_code == 200
    assert f'value="{foreign.id}"' not in response.get_data(as_text=True)


def test_index_leads_to_the_users_dashboard(client, factory, land):
    client.login(factory.user(Role.CURATOR, land["A"]))
    response = client.get("/dashboards")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/dashboards/organizations/{land['A'].id}")


def test_region_without_periods(client, factory):
    region = factory.region()
    client.login(factory.user(Role.REGIONAL, region))
    response = client.get(f"/dashboards/regions/{region.id}")
    assert response.status_code == 200 and "data-figure" not in response.get_data(as_text=True)
    assert client.get(f"/dashboards/regions/{region.id}/export?chart=trend").status_code == 404


def _grow(factory, municipality, period, count: int):
    for n in range(count):
        org = factory.organization(municipality, name=f"Рост-{n}")
        put(org, period, A, staff_total=10 + n, mentees=n, mentors=1)


def test_query_count_does_not_grow_with_organizations(client, factory, land, count_queries):
    user = factory.user(Role.REGIONAL, land["region"])
    client.login(user)
    urls = [f"/dashboards/regions/{land['region'].id}?period={land['q2'].id}",
            f"/dashboards/municipalities/{land['m1'].id}?period={land['q2'].id}",
            f"/dashboards/organizations/{land['A'].id}?period={land['q2'].id}"]
    for url in urls:  # the worker's first requests: a frozen version's derived indicators
        client.get(url)  # are read once per process (portal.catalogue.derived_rows)
    before = []
    for url in urls:
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        before.append(len(statements))
    _grow(factory, land["m1"], land["q2"], 30)
    _grow(factory, land["m2"], land["q2"], 30)
    for url, count in zip(urls, before):
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        assert len(statements) == count, url
    assert max(before) <= 16, before


@pytest.mark.parametrize("grain", [("organization_id", "municipality_id", "subordination",
                                     "type"), ("period_id", "subordination"), ()])
def test_both_sql_shapes_give_the_same_sums(app, factory, land, grain):
    from dashboards import queries
    from tenants.scoping import Scope

    with app.test_request_context("/"):
        catalogue = queries.catalogue(land["q2"].form_version_id)
        metrics = [catalogue.get(c) for c in ("mentee_coverage", "mentees",
                                              "satisfaction_mentees", "programme_completion")]
        selection = queries.Selection(land["region"].id, (land["q1"].id, land["q2"].id),
                                      queries.ACCEPTED_OR_SUBMITTED)
        strategies = ["joins", "pivot"] + (["lateral"] if db.engine.dialect.name ==
                                           "postgresql" else [])  # SQLite has no LATERAL
        found = {strategy: queries.aggregate(metrics, catalogue, selection, grain,
                                             Scope.system("the test compares sums of all organizations"), strategy=strategy)
                 .frame.sort_values(list(grain) or ["reports"]).reset_index(drop=True)
                 for strategy in strategies}
    for strategy in strategies[1:]:
        assert found["joins"].astype(str).equals(found[strategy].astype(str)), found
    assert len(found["joins"]) > 0


def test_presence_of_documents_on_the_municipal_dashboard(app, factory, land):
    import io

    from portal.documents import operations as documents
    from portal.documents.models import DocumentKind
    from tests.document_files import pdf

    for org in (land["A"], land["K"]):  # the regional college is not counted here
        upload = documents.Upload(kind=DocumentKind.REGULATION, order_number="17",
                                  stream=io.BytesIO(pdf("dashboards")),
                                  filename="regulation.pdf")
        documents.add_version(org, upload, None)
    page, charts = build(app, views.municipal_page, land["m1"],
                         factory.user(Role.MUNICIPAL, land["m1"]), f"period={land['q2'].id}")
    presence = charts["presence"].frame.set_index("label")
    regulation = DocumentKind.REGULATION.short_label
    assert presence.loc[regulation, "count"] == 1
    assert presence.loc[regulation, "share"] == 25.0  # 1 of the 4 municipal organizations
    assert charts["presence"].counted is False


def test_trend_window_ends_at_the_chosen_quarter(app, factory, land):
    for year, quarter in ((2024, 1), (2024, 2), (2024, 3), (2024, 4), (2025, 1), (2025, 2),
                          (2025, 3), (2025, 4)):
        period_operations.open_period(land["region"], year, quarter)
    user = factory.user(Role.REGIONAL, land["region"])
    _page, charts = build(app, views.regional_page, land["region"], user,
                          f"period={land['q2'].id}")
    assert list(charts["trend"].frame["period"])[0] == "3 кв. 2024"
    assert len(charts["trend"].frame) == 8 and charts["trend"].period == \
        "3 кв. 2024 – 2 кв. 2026"
    _page, charts = build(app, views.regional_page, land["region"], user,
                          f"period={land['q1'].id}")
    assert list(charts["trend"].frame["period"])[-1] == "1 кв. 2026"
