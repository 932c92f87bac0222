"""The rules of portal/rules.py: each holds in Python and in SQL alike, at its boundaries.

Deadlines are checked in two time zones, UTC+3 (Europe/Moscow) and UTC+10
(Asia/Vladivostok), through the Python form (the status page's counts) and the SQL form
(the dashboards' statement and a direct SELECT), which must agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import sqlalchemy as sa

from dashboards import queries as dashboard_queries
from portal import clock, rules
from portal.auth import operations as accounts
from portal.catalogue.models import Indicator
from portal.catalogue.queries import template_version_id
from portal.extensions import db
from portal.reports.models import Period, Report, ReportState, ReportValue
from portal.reports.period_operations import open_period
from portal.roadmaps.models import ExecutionStatus
from portal.status import queries as status_queries
from tenants import operations as registry
from tenants.models import Organization, OrganizationType, Role
from tenants.scoping import Scope

ZONES = ["Europe/Moscow", "Asia/Vladivostok"]  # UTC+3 and UTC+10, no summer time
DEADLINE = date(2026, 4, 10)  # the default deadline of the first quarter of 2026
STATES = list(ReportState)


def local(zone: str, day: date, hour: int, minute: int) -> datetime:
    """A local wall-clock time as the naive UTC the database stores."""
    moment = datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone))
    return moment.astimezone(UTC).replace(tzinfo=None)


@pytest.fixture(params=ZONES)
def land(request, factory):
    """A region in the zone with one municipality and the first quarter of 2026 open."""
    region = factory.region()
    registry.set_region_timezone(region, request.param)
    municipality = factory.municipality(region)
    period = open_period(region, 2026, 1)
    assert period.deadline == DEADLINE
    return {"zone": request.param, "region": region, "municipality": municipality,
            "period": period}


def _report(org, period, state, first=None) -> Report:
    report = Report(organization=org, period=period, state=state, explanations={},
                    first_submitted_at=first, submitted_at=first)
    db.session.add(report)
    db.session.flush()
    return report


def _dashboard_status(land, reporting, grain=("organization_id",)):
    selection = dashboard_queries.Selection(land["region"].id, (land["period"].id,))
    return dashboard_queries.status(selection, reporting, grain, Scope.system("the test reads every organization"))


def _sql(expression):
    return db.session.scalar(sa.select(expression))


# -- time zones and the deadline ----------------------------------------------------------------

@pytest.mark.parametrize("zone, hours", [("Europe/Moscow", 3), ("Asia/Vladivostok", 10)])
def test_the_deadline_ends_at_local_midnight_after_the_deadline_day(zone, hours):
    ends = rules.deadline_end(DEADLINE, zone)
    assert ends == datetime(2026, 4, 11) - timedelta(hours=hours)
    assert local(zone, DEADLINE, 23, 59) < ends <= local(zone, DEADLINE + timedelta(1), 0, 0)


@pytest.mark.parametrize("hour, minute, day_after, on_time", [
    (23, 59, 0, True),  # the last minute of the deadline day, local time
    (0, 0, 1, False),  # local midnight: already the next day
    (0, 1, 1, False),
])
def test_first_submission_at_the_deadline_boundary(land, factory, hour, minute, day_after,
                                                   on_time):
    period, zone = land["period"], land["zone"]
    org = factory.organization(land["municipality"])
    first = local(zone, DEADLINE + timedelta(days=day_after), hour, minute)
    report = _report(org, period, ReportState.SUBMITTED, first)
    reporting = rules.reporting(period)
    later = reporting.ends_at + timedelta(days=30)
    # Python: the rule itself and the status page's counts.
    assert rules.on_time(report.state, report.first_submitted_at, reporting.ends_at) is on_time
    assert rules.late(report.state, report.first_submitted_at, reporting.ends_at,
                      later) is (not on_time)
    rows = status_queries.status_rows(period, municipality=land["municipality"], scope=Scope.system("the test reads every organization"))
    assert status_queries.summarize(rows, period).on_time == int(on_time)
    assert rows[0].submitted_late(reporting) is (not on_time)
    # SQL: the dashboards' statement and a direct SELECT.
    frame = _dashboard_status(land, reporting)
    assert frame["on_time"].tolist() == [int(on_time)]
    assert frame["submitted"].tolist() == [1]
    assert bool(db.session.scalar(
        sa.select(rules.on_time(Report.state, Report.first_submitted_at, reporting.ends_at))
        .where(Report.id == report.id))) is on_time
    assert bool(db.session.scalar(
        sa.select(rules.late(Report.state, Report.first_submitted_at, reporting.ends_at, later))
        .where(Report.id == report.id))) is (not on_time)


@pytest.mark.parametrize("state", [None, *STATES])
@pytest.mark.parametrize("minutes", [-1, 0, 1])  # around the end of the deadline day
def test_a_missing_report_is_late_exactly_when_the_local_deadline_day_is_over(land, state,
                                                                              minutes):
    reporting = rules.reporting(land["period"])
    now = reporting.ends_at + timedelta(minutes=minutes)
    expected = now >= reporting.ends_at and state in (None, ReportState.DRAFT)
    assert rules.missing(state, reporting.ends_at, now) is expected
    column = sa.literal(state.value if state else None, sa.String)
    assert bool(_sql(rules.missing(column, reporting.ends_at, now))) is expected
    assert (rules.status(state, reporting.ends_at, now) == rules.STATUS_LATE) is expected


@pytest.mark.parametrize("zone, day, hour", [("Europe/Moscow", date(2026, 4, 10), 17),
                                             ("Asia/Vladivostok", date(2026, 4, 11), 0)])
def test_today_is_the_day_in_the_regions_time_zone(monkeypatch, factory, zone, day, hour):
    instant = datetime(2026, 4, 10, 14, 30, tzinfo=UTC)
    monkeypatch.setattr(clock, "current_instant", lambda: instant)
    region = factory.region()
    registry.set_region_timezone(region, zone)
    assert clock.today(region) == day
    assert (clock.now(region).hour, clock.now(region).minute) == (hour, 30)
    assert clock.today() == date(2026, 4, 10)  # the portal's zone: Europe/Moscow
    # The deadline day is over in Vladivostok (14:00 UTC), not yet in Moscow (21:00 UTC).
    ends = rules.deadline_end(DEADLINE, region)
    assert rules.missing(None, ends, clock.utcnow()) is (day > DEADLINE)


@pytest.mark.parametrize("minutes, status", [(-1, "not_started"), (1, "late")])
def test_pages_call_a_missing_report_late_once_the_local_deadline_day_is_over(
        client, monkeypatch, land, factory, minutes, status):
    """The curator's home page and the municipal status page, a minute either side."""
    org = factory.organization(land["municipality"], name="Школа-RULES")
    closed = factory.organization(land["municipality"], name="Закрыта-RULES", active=False)
    ends = rules.reporting(land["period"]).ends_at
    instant = (ends + timedelta(minutes=minutes)).replace(tzinfo=UTC)
    monkeypatch.setattr(clock, "current_instant", lambda: instant)
    curator = factory.user(Role.CURATOR, org)
    accounts.assign_role(curator, Role.CURATOR, closed.code)  # closed: nothing is due
    client.login(curator)
    home = client.get("/").get_data(as_text=True)
    assert home.count('data-status="') == 1 and f'data-status="{status}"' in home
    client.post_form("/logout")
    client.login(factory.user(Role.MUNICIPAL, land["municipality"]))
    page = client.get(f"/municipalities/{land['municipality'].id}/periods/{land['period'].id}"
                      f"/status?status={status}").get_data(as_text=True)
    assert "Школа-RULES" in page and "Закрыта-RULES" not in page


def test_new_regions_take_the_portal_time_zone(app, factory):
    assert factory.region().timezone == "Europe/Moscow"
    app.config["PORTAL_TIMEZONE"] = "Asia/Vladivostok"
    try:
        assert factory.region().timezone == "Asia/Vladivostok"
    finally:
        app.config["PORTAL_TIMEZONE"] = "Europe/Moscow"


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd", "europe/moscow"])
def test_unknown_time_zones_are_refused(factory, name):
    region = factory.region()
    with pytest.raises(registry.RegistryError):
        registry.set_region_timezone(region, name)
    assert region.timezone == "Europe/Moscow"


def test_one_statement_binds_each_periods_own_deadline(factory):
    """Periods of regions in different zones, judged in one SQL statement."""
    reports, reportings = [], []
    for zone in ZONES:
        region = factory.region()
        registry.set_region_timezone(region, zone)
        period = open_period(region, 2026, 1)
        org = factory.organization(factory.municipality(region))
        # 20:30 UTC on the deadline day: 23:30 in Moscow, already 06:30 the next day at +10.
        reports.append(_report(org, period, ReportState.ACCEPTED, datetime(2026, 4, 10, 20, 30)))
        reportings.append(rules.reporting(period))
    ends = rules.per_period(reportings, Report.period_id)
    found = dict(db.session.execute(
        sa.select(Report.id, rules.on_time(Report.state, Report.first_submitted_at, ends))
        .where(Report.id.in_([r.id for r in reports]))).all())
    python = {r.id: rules.on_time(r.state, r.first_submitted_at, p.ends_at)
              for r, p in zip(reports, reportings)}
    assert found == python == {reports[0].id: True, reports[1].id: False}


# -- submitted and completeness -----------------------------------------------------------------

@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("stamped", [True, False], ids=["with-time", "without-time"])
def test_only_a_report_out_of_the_draft_counts_as_submitted(land, factory, state, stamped):
    """A draft never counts, even with a submission time (as after an import)."""
    period = land["period"]
    org = factory.organization(land["municipality"])
    factory.organization(land["municipality"])  # expected, without a report
    first = local(land["zone"], DEADLINE, 12, 0) if stamped else None
    report = _report(org, period, state, first)
    counted = state is not ReportState.DRAFT
    assert rules.submitted(report.state) is counted
    assert db.session.scalar(sa.select(rules.submitted(Report.state))
                             .where(Report.id == report.id)) is counted
    rows = status_queries.status_rows(period, municipality=land["municipality"], scope=Scope.system("the test reads every organization"))
    summary = status_queries.summarize(rows, period)
    reporting = rules.reporting(period)
    totals = _dashboard_status(land, reporting, ()).iloc[0]
    assert (summary.expected, summary.submitted) == (2, int(counted))
    assert (totals["expected"], totals["submitted"]) == (2, int(counted))
    assert summary.completeness == rules.completeness(int(totals["submitted"]), 2) \
        == (50.0 if counted else 0.0)
    assert summary.on_time == totals["on_time"] == int(counted and stamped)


@pytest.mark.parametrize("part, whole", [(0, 0), (1, 3), (2, 3), (3, 3), (5, 0)])
def test_shares_agree_as_scalars_arrays_and_sql(database, part, whole):
    scalar = rules.completeness(part, whole)
    array = rules.completeness(np.array([part]), np.array([whole]))[0]
    sql = _sql(rules.completeness(sa.literal(part), sa.literal(whole)))
    if whole == 0:
        assert scalar is None and np.isnan(array) and sql is None
    else:
        assert scalar == pytest.approx(part / whole * 100) == array == pytest.approx(sql)
    assert rules.timeliness(part, whole) == scalar


# -- expected organizations ---------------------------------------------------------------------

CLOSURES = {  # when the organization closed, against the end of the deadline day
    "open": None,
    "closed without a date": "undated",
    "closed before the period": timedelta(days=-120),
    "closed a minute before the deadline ended": timedelta(minutes=-1),
    "closed as the deadline ended": timedelta(0),
    "closed after the deadline": timedelta(days=40),
}


@pytest.mark.parametrize("closure", list(CLOSURES))
def test_closed_organizations_are_expected_only_if_they_closed_after_the_deadline(
        land, factory, closure):
    period = land["period"]
    reporting = rules.reporting(period)
    org = factory.organization(land["municipality"], active=closure == "open")
    shift = CLOSURES[closure]
    if isinstance(shift, timedelta):
        org.closed_at = reporting.ends_at + shift
        db.session.flush()
    wanted = closure in ("open", "closed as the deadline ended", "closed after the deadline")
    assert rules.expected(org, reporting) is wanted
    rows = status_queries.status_rows(period, municipality=land["municipality"], scope=Scope.system("the test reads every organization"))
    assert [r.organization.id for r in rows] == ([org.id] if wanted else [])
    assert _dashboard_status(land, reporting, ())["expected"].sum() == int(wanted)


@pytest.mark.parametrize("excluded", list(OrganizationType))
def test_only_types_the_form_applies_to_are_expected(land, factory, excluded):
    orgs = {t: factory.organization(land["municipality"], type=t) for t in OrganizationType}
    reporting = rules.reporting(land["period"], frozenset(OrganizationType) - {excluded})
    python = {o.id for o in orgs.values() if rules.expected(o, reporting)}
    sql = set(db.session.scalars(sa.select(Organization.id).where(
        rules.expected(Organization, reporting),
        Organization.municipality_id == land["municipality"].id)))
    assert python == sql == {o.id for t, o in orgs.items() if t is not excluded}


def test_the_form_applies_to_the_types_of_its_indicators_in_use(database):
    version = template_version_id()
    assert rules.form_types(version) == frozenset(OrganizationType)
    db.session.execute(sa.update(Indicator).values(
        applies_to=["school"], retired_at=None))
    db.session.execute(sa.update(Indicator).where(Indicator.code == "mentors")
                       .values(applies_to=["college"], retired_at=datetime(2026, 1, 1)))
    assert rules.form_types(version) == {OrganizationType.SCHOOL}


def test_another_regions_organizations_are_never_expected(land, factory):
    other = factory.organization(factory.municipality(factory.region()))
    reporting = rules.reporting(land["period"])
    assert rules.expected(other, reporting) is False
    assert _dashboard_status(land, reporting, ())["expected"].sum() == 0


# -- derived indicators -------------------------------------------------------------------------

def _put(org, period, values: dict) -> Report:
    ids = dict(db.session.execute(sa.select(Indicator.code, Indicator.id).where(
        Indicator.form_version_id == period.form_version_id)).all())
    report = _report(org, period, ReportState.ACCEPTED, datetime(2026, 4, 1))
    for code, value in values.items():
        db.session.add(ReportValue(report_id=report.id, indicator_id=ids[code], raw=str(value),
                                   value=Decimal(str(value))))
    db.session.flush()
    return report


FULL = {"staff_total": 50, "young_specialists": 8, "mentors": 5, "mentees": 20,
        "mentees_young": 6, "programmes_completed": 3, "programmes_ended_early": 1}
OTHER = {"staff_total": 40, "young_specialists": 10, "mentors": 4, "mentees": 2,
         "mentees_young": 1, "programmes_completed": 1, "programmes_ended_early": 3}
CASES = [(d.code, part) for d in rules.DERIVED for part in d.parts]


@pytest.mark.parametrize("code, lacking", CASES)
def test_a_ratio_ignores_a_report_that_lacks_one_of_its_parts(app, land, factory, code,
                                                              lacking):
    derived = rules.DERIVED_BY_CODE[code]
    period = land["period"]
    _put(factory.organization(land["municipality"]), period, FULL)
    partial = {k: v for k, v in OTHER.items() if k != lacking}
    _put(factory.organization(land["municipality"]), period, partial)
    assert derived.compute(partial) is None
    python = derived.over_reports([FULL, partial])
    assert python == derived.compute(FULL) == derived.over_reports([FULL])
    with app.test_request_context("/"):
        catalogue = dashboard_queries.catalogue(period.form_version_id)
        metric = catalogue.get(code)
        selection = dashboard_queries.Selection(land["region"].id, (period.id,))
        strategies = ["joins", "pivot"] + (
            ["lateral"] if db.engine.dialect.name == "postgresql" else [])
        for strategy in strategies:
            total = dashboard_queries.aggregate([metric], catalogue, selection, (),
                                                Scope.system("the test reads every organization"), strategy=strategy).values()
            assert total[code].iloc[0] == round(python, metric.precision), strategy
            assert total[f"{code}__n"].iloc[0] == 1, strategy


@pytest.mark.parametrize("derived", rules.DERIVED, ids=lambda d: d.code)
def test_a_ratio_with_a_zero_denominator_has_no_value(derived):
    zero = {code: 0 for code in derived.parts}
    assert derived.compute(zero) is None
    assert derived.over_reports([zero, zero]) is None
    assert np.isnan(rules.ratio(derived.numerator, derived.denominator, derived.scale,
                                {code: np.array([0.0]) for code in derived.parts})[0])


# -- roadmap execution ---------------------------------------------------------------------------

REACHED = date(2025, 12, 31)


@pytest.mark.parametrize("status", [None, *ExecutionStatus])
@pytest.mark.parametrize("due_on", [REACHED - timedelta(days=1), REACHED,
                                    REACHED + timedelta(days=1)])
def test_execution_rate_counts_due_events_in_python_and_sql(database, status, due_on):
    python_status = status or ExecutionStatus.PLANNED
    due = due_on <= REACHED and python_status is not ExecutionStatus.CANCELLED
    done = due and python_status is ExecutionStatus.DONE
    assert rules.event_due(python_status, due_on, REACHED) is due
    assert rules.event_done(python_status, due_on, REACHED) is done
    column = sa.literal(status.value if status else None, sa.String)
    day = sa.literal(due_on, sa.Date)
    assert bool(_sql(rules.event_due(column, day, REACHED))) is due
    assert bool(_sql(rules.event_done(column, day, REACHED))) is done


def test_execution_rate_is_done_over_due():
    assert rules.execution_rate(3, 4) == 75.0
    assert rules.execution_rate(0, 0) is None


# -- school years ---------------------------------------------------------------------------------

def test_a_quarter_belongs_to_the_school_year_it_starts_in(factory):
    region = factory.region()
    periods = [open_period(region, year, quarter) for year in (2025, 2026)
               for quarter in (1, 2, 3, 4)]
    python = {p.id: p.school_year for p in periods}
    sql = dict(db.session.execute(sa.select(Period.id, Period.school_year)
                                  .where(Period.region_id == region.id)).all())
    assert python == sql
    assert [python[p.id] for p in periods] == [2024, 2024, 2024, 2025, 2025, 2025, 2025, 2026]
    assert periods[3].school_year_label == "2025/2026"


def test_the_form_types_are_read_once_per_request_until_the_catalogue_changes(
        app, database, count_queries):
    from tenants.opt_out import system_session

    with app.test_request_context("/", method="POST"), system_session("test: the memo"):
        version = template_version_id()
        with count_queries() as statements:
            assert rules.form_types(version) == rules.form_types(version) == frozenset(
                OrganizationType)
        assert len(statements) == 1
        indicators = db.session.scalars(sa.select(Indicator)).all()
        for indicator in indicators:
            indicator.applies_to = ["school"]
        db.session.flush()  # an ORM write to the catalogue drops the memo
        assert rules.form_types(version) == {OrganizationType.SCHOOL}
