"""Two years of plausible quarterly reports for the demo region, in every workflow state."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from portal.auth.models import User
from portal.catalogue.models import Indicator
from portal.catalogue.standard import FORMS, TYPES
from portal.extensions import db
from portal.reports import period_operations
from portal.reports.models import AuditEntry, Report, ReportState, ReportValue
from portal.reports.periods import previous_quarter, quarter_of
from tenants.models import Organization, OrganizationType, Region, Role, Subordination

STAFF = {OrganizationType.SCHOOL: (45, 90), OrganizationType.KINDERGARTEN: (14, 35),
         OrganizationType.COLLEGE: (60, 120), OrganizationType.ADDITIONAL: (15, 40)}
QUARTERS = 9  # eight closed quarters (two school years) and the current one


def quarters_back(today, count: int) -> list[tuple[int, int]]:
    """The last ``count`` quarters up to the one containing ``today``, oldest first."""
    year, quarter = quarter_of(today)
    result = [(year, quarter)]
    for _ in range(count - 1):
        year, quarter = previous_quarter(year, quarter)
        result.append((year, quarter))
    return result[::-1]


def plausible_values(org: Organization, step: int, rng: random.Random) -> dict[str, int | float]:
    """A consistent set of values (passes the validation rules) that grows over quarters."""
    low, high = STAFF[org.type]
    staff = rng.randint(low, high)
    young = max(1, round(staff * rng.uniform(0.08, 0.2)))
    mentees_young = rng.randint(max(0, young - 2), young)
    mentees = max(1, mentees_young + rng.randint(0, 3) + step // 3)
    mentors = max(1, min(staff, round(mentees * rng.uniform(0.6, 1.0))))
    pairs = max(1, min(mentees, round(mentees * rng.uniform(0.7, 1.0))))
    values: dict[str, int | float] = {
        "staff_total": staff, "young_specialists": young, "mentors": mentors,
        "mentees": mentees, "mentees_young": mentees_young,
        "mentees_new_in_team": rng.randint(0, mentees - mentees_young),
        "mentees_new_technology": rng.randint(0, 2), "mentees_non_pedagogical": rng.randint(0, 1),
        "pairs_groups": pairs, "programmes_active": pairs,
        "programmes_completed": rng.randint(0, 2), "programmes_ended_early": rng.randint(0, 1),
        "meetings_held": pairs * rng.randint(2, 6), "mentors_trained": rng.randint(0, mentors),
        "mentors_paid": rng.randint(0, mentors), "mentors_awarded": rng.randint(0, mentors // 2),
        "students_passed_pct": round(rng.uniform(70, 99), 1),
        "students_contest_participants": rng.randint(0, 25), "joint_projects": rng.randint(0, 5),
        "mentees_in_contests": rng.randint(0, 3), "mentees_attested": rng.randint(0, 2),
        "young_retained": max(0, young - rng.randint(0, 1)),
        "planning_mentors": rng.randint(0, 6), "planning_mentees": rng.randint(0, 6),
        "satisfaction_mentees": round(rng.uniform(7, 10), 1),
        "satisfaction_mentors": round(rng.uniform(6.5, 10), 1),
    }
    values.update(_split("pairs_by_form", [k for k, *_ in FORMS], pairs, rng))
    values.update(_split("pairs_by_type", [k for k, *_ in TYPES], pairs, rng))
    return values


def _split(prefix: str, keys: list[str], total: int, rng: random.Random) -> dict[str, int]:
    shares = dict.fromkeys(keys, 0)
    for _ in range(total):
        shares[rng.choice(keys[:3])] += 1  # most pairs are of the first few forms/types
    return {f"{prefix}.{key}": count for key, count in shares.items()}


def _state_for(position: int, org_index: int, rng: random.Random) -> ReportState | None:
    """Older quarters are mostly accepted; the last closed and current ones are mixed."""
    if position < QUARTERS - 2:
        return None if rng.random() < 0.05 else ReportState.ACCEPTED
    if position == QUARTERS - 2:
        cycle = [ReportState.ACCEPTED, ReportState.ACCEPTED, ReportState.SUBMITTED,
                 ReportState.RETURNED, ReportState.DRAFT, None, ReportState.ACCEPTED]
        return cycle[org_index % len(cycle)]
    cycle = [ReportState.DRAFT, None, ReportState.SUBMITTED, None, ReportState.DRAFT, None]
    return cycle[org_index % len(cycle)]


def load_reports(region: Region, today) -> None:
    """Open the demo region's periods and fill them with reports (flushes only)."""
    periods = [period_operations.open_period(region, y, q) for y, q in quarters_back(today, QUARTERS)]
    for period in periods[:-1]:
        period.is_open = period.deadline >= today
    indicators = {i.code: i for i in db.session.scalars(sa.select(Indicator).where(
        Indicator.form_version_id == periods[-1].form_version_id))}
    curators = responsible_by_org(curators_only=True)
    orgs = list(db.session.scalars(sa.select(Organization).order_by(Organization.code)))
    for org_index, org in enumerate(orgs):
        rng = random.Random(org.code)
        for position, period in enumerate(periods):
            state = _state_for(position, org_index, rng)
            if state is None or not org.is_active:
                continue
            _make_report(org, period, state, plausible_values(org, position, rng), indicators,
                         curators.get(org.id), rng, today)
    db.session.flush()


def responsible_by_org(curators_only: bool = False) -> dict[int, User]:
    """Who works on each organization's data in the demo: its curator where it has an account,
    else (not ``curators_only``) the coordinator over it — municipal, or regional for the
    regionally subordinate ones — who keeps its documents for it."""
    by_role: dict[tuple[Role, int], User] = {}
    for user in db.session.scalars(sa.select(User)):
        for a in user.role_assignments:
            scope_id = a.organization_id or a.municipality_id or a.region_id
            by_role.setdefault((a.role, scope_id), user)
    people = {}
    for org in db.session.scalars(sa.select(Organization)):
        coordinator = (by_role.get((Role.REGIONAL, org.municipality.region_id))
                       if org.subordination is Subordination.REGIONAL
                       else by_role.get((Role.MUNICIPAL, org.municipality_id)))
        person = by_role.get((Role.CURATOR, org.id)) or (None if curators_only else coordinator)
        if person is not None:
            people[org.id] = person
    return people


def _make_report(org, period, state, values, indicators, curator, rng, today) -> None:
    late = rng.random() < 0.15
    day = period.deadline + timedelta(days=3 if late else -rng.randint(0, 8))
    day = min(day, today - timedelta(days=rng.randint(0, 5)))  # nothing happens in the future
    submitted = datetime.combine(day, time(10, 30))
    report = Report(organization=org, period=period, state=state, explanations={},
                    comment="", updated_at=submitted, updated_by_id=getattr(curator, "id", None))
    if state is not ReportState.DRAFT:
        report.submitted_at = report.first_submitted_at = submitted
    if state is ReportState.RETURNED:
        report.review_comment = "Проверьте число наставнических пар: не совпадает с приказом."
    db.session.add(report)
    for code, value in values.items():
        if state is ReportState.DRAFT and code.startswith(("satisfaction", "planning")):
            continue  # drafts are half-filled
        report.values.append(ReportValue(indicator_id=indicators[code].id, raw=str(value).replace(".", ","),
                                         value=value))
    if state is not ReportState.DRAFT:
        db.session.add(AuditEntry(organization=org, report=report, user_id=getattr(curator, "id", None),
                                  at=submitted, source="workflow", action="state", field="state",
                                  old="draft", new="submitted"))
