"""A synthetic region at scale for benchmarks and load tests, deterministic by seed.

``build_region(2000)`` makes 60 municipalities, 2,000 organizations of all four types, 12
quarters and the full catalogue: about a million report values, written with bulk core
inserts in batches (no ORM objects per row). Numbers follow the validation rules of the
catalogue (mentors ≤ staff, pairs by form and by type add up, …), vary by municipality,
organization type and quarter, and the newest quarter has reports in every state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import numpy as np
import sqlalchemy as sa
from flask_babel import gettext as _

from portal.catalogue import operations as catalogue_operations
from portal.catalogue.models import Indicator
from portal.catalogue.standard import FORMS
from portal.catalogue.standard import TYPES as PAIR_TYPES
from portal.extensions import db
from portal.reports.models import Period, Report, ReportState, ReportValue
from portal.reports.periods import (
    default_deadline,
    default_opening,
    previous_quarter,
    quarter_end,
    quarter_start,
)
from tenants.models import Municipality, Organization, OrganizationType, Region, Subordination
from tenants.scoping import system_task

TYPES = [OrganizationType.SCHOOL, OrganizationType.KINDERGARTEN, OrganizationType.ADDITIONAL,
         OrganizationType.COLLEGE]
TYPE_SHARES = [0.47, 0.36, 0.10, 0.07]
# Pedagogical staff of a typical organization of each type: mean, spread, minimum.
STAFF = {OrganizationType.SCHOOL: (60, 22, 12), OrganizationType.KINDERGARTEN: (24, 8, 6),
         OrganizationType.ADDITIONAL: (22, 9, 5), OrganizationType.COLLEGE: (85, 25, 25)}
SHORT_NAMES = {OrganizationType.SCHOOL: "МБОУ «СШ № {n}»",
               OrganizationType.KINDERGARTEN: "МБДОУ «ДС № {n}»",
               OrganizationType.ADDITIONAL: "МБУ ДО «ЦДТ № {n}»",
               OrganizationType.COLLEGE: "КГБПОУ «Техникум № {n}»"}
FULL_NAMES = {OrganizationType.SCHOOL: "Муниципальное бюджетное общеобразовательное учреждение",
              OrganizationType.KINDERGARTEN: "Муниципальное бюджетное дошкольное "
                                             "образовательное учреждение",
              OrganizationType.ADDITIONAL: "Муниципальное бюджетное учреждение дополнительного "
                                           "образования",
              OrganizationType.COLLEGE: "Краевое государственное бюджетное профессиональное "
                                        "образовательное учреждение"}
PLACES = ["Озёрный", "Сосновый", "Каменный", "Берёзовый", "Луговой", "Речной", "Лесной",
          "Горный", "Степной", "Северный", "Южный", "Заречный", "Ключевой", "Кедровый",
          "Светлый"]
FORM_SHARES = [0.62, 0.08, 0.05, 0.05, 0.04, 0.08, 0.08]
TYPE_OF_PAIR_SHARES = [0.06, 0.15, 0.12, 0.05, 0.07, 0.03, 0.52]
BATCH = 20_000


@dataclass(frozen=True)
class SyntheticRegion:
    region_id: int
    code: str
    municipalities: int
    organizations: int
    periods: int
    reports: int
    values: int


def _quarters(count: int, last: tuple[int, int]) -> list[tuple[int, int]]:
    found = [last]
    while len(found) < count:
        found.append(previous_quarter(*found[-1]))
    return found[::-1]


def _insert(table: sa.Table, rows: list[dict]) -> None:
    connection = db.session.connection()
    for start in range(0, len(rows), BATCH):
        connection.execute(sa.insert(table), rows[start:start + BATCH])


def build_region(organizations: int = 2000, municipalities: int | None = None,
                 quarters: int = 12, *, seed: int = 2026, code: str | None = None,
                 name: str | None = None, last_quarter: tuple[int, int] = (2026, 3)
                 ) -> SyntheticRegion:
    """Create the region with everything in it; flushes, the caller commits."""
    # The helpers draw from one generator in a fixed order: that order is the seed's data.
    rng = np.random.default_rng(seed)
    n_mun = municipalities or max(1, round(organizations / 33))
    code = code or f"SYN{seed}-{organizations}"
    if db.session.scalar(sa.select(Region.id).where(Region.code == code)) is not None:
        raise ValueError(_("The region %(code)s already exists.", code=code))
    region = Region(code=code, name=name or f"Синтетический край ({organizations})")
    db.session.add(region)
    db.session.flush()
    orgs = _organizations(rng, region, code, organizations, n_mun)
    quarter_list = _quarters(quarters, last_quarter)
    period_ids = _periods(region, quarter_list)
    report_keys = _reports(rng, orgs, period_ids, quarter_list)
    report_ids = dict(((o, p), r) for o, p, r in db.session.execute(
        sa.select(Report.organization_id, Report.period_id, Report.id)
        .join(Period).where(Period.region_id == region.id)))
    keys = [(i, j, report_ids[int(orgs.ids[i]), period_ids[quarter_list[j]]])
            for i, j in report_keys]
    columns = _values(rng, orgs.types, orgs.municipalities, n_mun, len(quarter_list))
    total = _write_values(keys, columns, orgs.types)
    db.session.flush()
    return SyntheticRegion(region.id, code, n_mun, organizations, len(quarter_list),
                           len(report_keys), total)


@dataclass(frozen=True)
class _Organizations:
    """The synthetic organizations, by position: type index, municipality index, ids."""

    types: np.ndarray
    municipalities: np.ndarray
    active: np.ndarray
    ids: np.ndarray


def _organizations(rng: np.random.Generator, region: Region, code: str, organizations: int,
                   n_mun: int) -> _Organizations:
    """Insert the municipalities and organizations of the region."""
    _insert(Municipality.__table__, [
        {"region_id": region.id, "code": f"{code}-{i + 1:03d}",
         "name": f"{PLACES[i % len(PLACES)]} муниципальный район № {i + 1}"}
        for i in range(n_mun)])
    mun_ids = dict(db.session.execute(sa.select(Municipality.code, Municipality.id)
                                      .where(Municipality.region_id == region.id)).all())
    # Every municipality has at least one organization, the rest fall at random.
    first = np.arange(min(n_mun, organizations))
    mun_of_org = np.sort(np.concatenate(
        [first, rng.integers(0, n_mun, max(0, organizations - n_mun))]))
    type_of_org = rng.choice(len(TYPES), size=organizations, p=TYPE_SHARES)
    active = rng.random(organizations) > 0.01
    _insert(Organization.__table__,
            _organization_rows(code, mun_ids, mun_of_org, type_of_org, active))
    org_ids = np.array(db.session.scalars(
        sa.select(Organization.id).join(Municipality)
        .where(Municipality.region_id == region.id).order_by(Organization.code)).all())
    return _Organizations(type_of_org, mun_of_org, active, org_ids)


def _organization_rows(code: str, mun_ids: dict[str, int], mun_of_org: np.ndarray,
                       type_of_org: np.ndarray, active: np.ndarray) -> list[dict]:
    counters: dict[tuple[int, int], int] = {}
    org_rows = []
    for i in range(len(type_of_org)):
        org_type, mun = TYPES[type_of_org[i]], int(mun_of_org[i])
        counters[mun, type_of_org[i]] = number = counters.get((mun, type_of_org[i]), 0) + 1
        short = SHORT_NAMES[org_type].format(n=number)
        place = PLACES[mun % len(PLACES)]
        org_rows.append({
            "municipality_id": mun_ids[f"{code}-{mun + 1:03d}"], "code": f"{code}-{i + 1:06d}",
            "name": f"{FULL_NAMES[org_type]} {short[short.index('«'):]} ({place} район № {mun + 1})",
            "short_name": short, "type": org_type.value,
            "subordination": (Subordination.REGIONAL if org_type is OrganizationType.COLLEGE
                              else Subordination.MUNICIPAL).value,
            "is_active": bool(active[i]), "closed_at": None if active[i] else datetime(2026, 1, 15),
        })
    return org_rows


def _periods(region: Region, quarter_list: list[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Insert the quarters of the region's quarterly form, only the newest open; their ids
    by (year, quarter)."""
    form = catalogue_operations.quarterly_form(region)
    version = catalogue_operations.latest_version(form)
    catalogue_operations.freeze(version)
    _insert(Period.__table__, [
        {"region_id": region.id, "form_id": form.id, "form_version_id": version.id,
         "starts_on": quarter_start(y, q), "ends_on": quarter_end(y, q),
         "year": y, "quarter": q, "opens_on": default_opening(y, q),
         "deadline": default_deadline(y, q), "is_open": (y, q) == quarter_list[-1],
         "closed_at": None if (y, q) == quarter_list[-1]
         else datetime.combine(default_deadline(y, q) + timedelta(days=30), time(9))}
        for y, q in quarter_list])
    return dict(((p.year, p.quarter), p.id) for p in db.session.execute(
        sa.select(Period.year, Period.quarter, Period.id).where(Period.region_id == region.id)))


_STATES = [ReportState.ACCEPTED, ReportState.SUBMITTED, ReportState.RETURNED, ReportState.DRAFT]


def _report_draws(rng: np.random.Generator, active: np.ndarray, n_q: int
                  ) -> tuple[np.ndarray, ...]:
    """Who reported, in which state (index into _STATES), how late and how long reviewed."""
    shape = (len(active), n_q)
    newest = np.zeros(shape, dtype=bool)
    newest[:, -1] = True
    reported = rng.random(shape) < np.where(newest, 0.85, 0.97)
    reported &= active[:, None] | (np.arange(n_q) < n_q - 4)[None, :]  # closed: no recent ones
    draw = rng.random(shape)
    state = np.where(draw < 0.95, 0, np.where(draw < 0.97, 1, 2))  # accepted, submitted, returned
    newest_draw = rng.random(len(active))
    state[:, -1] = np.select([newest_draw < 0.55, newest_draw < 0.75, newest_draw < 0.82],
                             [0, 1, 2], default=3)
    late = rng.random(shape) < 0.08
    submit_offset = np.where(late, rng.integers(1, 20, shape), -rng.integers(0, 25, shape))
    review_delay = rng.integers(1, 10, shape)
    return reported, state, submit_offset, review_delay


def _reports(rng: np.random.Generator, orgs: _Organizations,
             period_ids: dict[tuple[int, int], int], quarter_list: list[tuple[int, int]]
             ) -> list[tuple[int, int]]:
    """Insert the reports; the (organization, quarter) positions that have one."""
    reported, state, submit_offset, review_delay = _report_draws(rng, orgs.active,
                                                                 len(quarter_list))
    report_rows = []
    report_keys = []
    for j, (y, q) in enumerate(quarter_list):
        deadline = default_deadline(y, q)
        opens = datetime.combine(default_opening(y, q), time(8))
        for i in np.nonzero(reported[:, j])[0]:
            st = _STATES[state[i, j]]
            first = (None if st is ReportState.DRAFT else
                     datetime.combine(deadline + timedelta(days=int(submit_offset[i, j])), time(15)))
            updated = first + timedelta(days=int(review_delay[i, j])) if first else opens
            reviewed = updated if st in (ReportState.ACCEPTED, ReportState.RETURNED) else None
            report_rows.append({
                "organization_id": int(orgs.ids[i]), "period_id": period_ids[y, q],
                "state": st.value, "version": 1, "comment": "", "review_comment": "",
                "explanations": {}, "submitted_at": first, "first_submitted_at": first,
                "reviewed_at": reviewed, "created_at": opens, "updated_at": updated,
            })
            report_keys.append((i, j))
    _insert(Report.__table__, report_rows)
    return report_keys


def _write_values(keys: list[tuple[int, int, int]], columns: dict[str, np.ndarray],
                  type_of_org: np.ndarray) -> int:
    """Insert the values of the reports (organization, quarter, report id); how many."""
    # Every report is of the region's quarterly form: the items of the version it reads.
    version = db.session.scalar(sa.select(Period.form_version_id).join(
        Report, Report.period_id == Period.id).where(Report.id == keys[0][2])) if keys else None
    indicators = list(db.session.scalars(sa.select(Indicator).where(
        Indicator.retired_at.is_(None), Indicator.form_version_id == version)))
    applies = {i.code: np.array([t.value in (i.applies_to or []) for t in TYPES])[type_of_org]
               for i in indicators}
    ids = {i.code: i.id for i in indicators}
    decimals = {i.code: i.unit != "count" for i in indicators}
    present = [c for c in ids if c in columns]
    value_rows: list[dict] = []
    total = 0
    for (i, j, report_id) in keys:
        for c in present:
            if not applies[c][i]:
                continue
            v = columns[c][i, j]
            raw = f"{v:.1f}".replace(".", ",") if decimals[c] else str(int(v))
            value_rows.append({"report_id": report_id, "indicator_id": ids[c], "raw": raw,
                               "value": float(v)})
        if len(value_rows) >= BATCH:
            _insert(ReportValue.__table__, value_rows)
            total += len(value_rows)
            value_rows = []
    _insert(ReportValue.__table__, value_rows)
    return total + len(value_rows)


def _values(rng: np.random.Generator, type_of_org: np.ndarray, mun_of_org: np.ndarray,
            n_mun: int, n_q: int) -> dict[str, np.ndarray]:
    """Every indicator as an (organizations × quarters) array that passes the rules."""
    values, municipal_effect = _people(rng, type_of_org, mun_of_org, n_mun, n_q)
    values.update(_activity(rng, values, municipal_effect, (len(type_of_org), n_q)))
    pairs = values["pairs_groups"]
    for prefix, shares in (("pairs_by_form", FORM_SHARES), ("pairs_by_type", TYPE_OF_PAIR_SHARES)):
        split = rng.multinomial(pairs.astype(int).ravel(), shares).reshape(
            len(type_of_org), n_q, len(shares))
        keys = FORMS if prefix == "pairs_by_form" else PAIR_TYPES
        for k, (key, _ru, _en) in enumerate(keys):
            values[f"{prefix}.{key}"] = split[:, :, k]
    return {code: np.asarray(v, dtype=float) for code, v in values.items()}


def _people(rng: np.random.Generator, type_of_org: np.ndarray, mun_of_org: np.ndarray,
            n_mun: int, n_q: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Staff, mentors, mentees and pairs (they bound each other); the municipal effect."""
    n = len(type_of_org)
    shape = (n, n_q)
    mean = np.array([STAFF[t][0] for t in TYPES])[type_of_org]
    spread = np.array([STAFF[t][1] for t in TYPES])[type_of_org]
    low = np.array([STAFF[t][2] for t in TYPES])[type_of_org]
    staff0 = np.maximum(low, rng.normal(mean, spread)).round()
    drift = 1 + np.cumsum(rng.normal(0, 0.015, shape), axis=1)
    staff = np.maximum(low[:, None], (staff0[:, None] * drift).round())
    young = np.minimum(staff, (staff * rng.uniform(0.04, 0.16, n)[:, None]).round())
    # Mentoring spreads with time and differs between municipalities.
    municipal_effect = rng.uniform(0.55, 1.45, n_mun)[mun_of_org]
    growth = 1 + 0.03 * np.arange(n_q)[None, :]
    share = np.clip(0.11 * municipal_effect[:, None] * growth
                    * rng.lognormal(0, 0.25, n)[:, None], 0.02, 0.45)
    mentors = np.clip((staff * share).round(), 1, staff)
    load = rng.uniform(1.0, 2.4, shape)
    mentees = np.minimum(staff, (mentors * load).round())
    mentees = np.minimum(mentees, mentors * 5)
    mentees_young = np.minimum(young, (mentees * rng.uniform(0.25, 0.6, shape)).round())
    rest = mentees - mentees_young
    new_in_team = (rest * rng.uniform(0, 0.4, shape)).round()
    new_technology = ((rest - new_in_team) * rng.uniform(0, 0.6, shape)).round()
    non_pedagogical = np.minimum(mentees, (mentees * rng.uniform(0, 0.1, shape)).round())
    pairs = np.maximum(np.minimum(mentees, 1), (mentees * rng.uniform(0.6, 1.0, shape)).round())
    return {
        "staff_total": staff, "young_specialists": young, "mentors": mentors,
        "mentees": mentees, "mentees_young": mentees_young, "mentees_new_in_team": new_in_team,
        "mentees_new_technology": new_technology, "mentees_non_pedagogical": non_pedagogical,
        "pairs_groups": pairs, "programmes_active": pairs,
    }, municipal_effect


def _activity(rng: np.random.Generator, people: dict[str, np.ndarray],
              municipal_effect: np.ndarray, shape: tuple[int, int]) -> dict[str, np.ndarray]:
    """Programmes, training, results and satisfaction, drawn from the people counts."""
    staff, young, mentors = people["staff_total"], people["young_specialists"], people["mentors"]
    mentees, pairs = people["mentees"], people["pairs_groups"]
    return {
        "programmes_completed": rng.binomial(pairs.astype(int), 0.2),
        "programmes_ended_early": rng.binomial(pairs.astype(int), 0.03),
        "meetings_held": pairs * rng.poisson(6, shape),
        "mentors_trained": rng.binomial(mentors.astype(int), 0.2),
        "mentors_paid": rng.binomial(mentors.astype(int), 0.6),
        "mentors_awarded": rng.binomial(mentors.astype(int), 0.1),
        "students_passed_pct": np.clip(rng.normal(84, 7, shape) + 4 * (municipal_effect[:, None] - 1),
                                       40, 100).round(1),
        "students_contest_participants": rng.poisson(mentees * 1.5),
        "joint_projects": rng.poisson(pairs * 0.3),
        "mentees_in_contests": rng.binomial(mentees.astype(int), 0.15),
        "mentees_attested": rng.binomial(mentees.astype(int), 0.1),
        "young_retained": rng.binomial(young.astype(int), 0.9),
        "planning_mentors": rng.poisson(staff * 0.05),
        "planning_mentees": rng.poisson(staff * 0.04),
        "satisfaction_mentees": np.clip(rng.normal(8.1, 0.8, shape), 1, 10).round(1),
        "satisfaction_mentors": np.clip(rng.normal(7.8, 0.9, shape), 1, 10).round(1),
    }


SCALE_LOGINS = ("scale.region", "scale.municipal")


@system_task("flask demo --scale builds a synthetic region with its accounts")
def load_scaled(organizations: int, *, seed: int = 2026, password: str = "demo-mentor-2026"
                ) -> SyntheticRegion:
    """``flask demo --scale N``: the synthetic region and two accounts to look at it, the
    regional coordinator ``scale.region`` and the coordinator of its first municipality
    ``scale.municipal`` (existing accounts get the role added). Flushes only."""
    from portal.auth import operations as accounts
    from portal.auth.queries import find_by_login_or_email
    from tenants.models import Role

    info = build_region(organizations, seed=seed)
    first = db.session.scalars(sa.select(Municipality.code).where(
        Municipality.region_id == info.region_id).order_by(Municipality.code)).first()
    for login, role, code in ((SCALE_LOGINS[0], Role.REGIONAL, info.code),
                              (SCALE_LOGINS[1], Role.MUNICIPAL, first)):
        user = find_by_login_or_email(login)
        if user is None:
            user = accounts.create_user(login, login, None)
            user.set_password(password)
        accounts.assign_role(user, role, code)
    db.session.flush()
    return info
