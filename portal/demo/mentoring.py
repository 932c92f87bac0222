"""A plausible register of mentors and mentees, and their pairs, for the demo organizations.

Consistent with each organization's latest stored quarterly report: as many mentors,
mentees (by category) and active pairs as it reported, pairs by the reported forms and types.
Names are made up from common Russian names (deterministic per organization).
"""

from __future__ import annotations

import io
import random
from datetime import date

import sqlalchemy as sa

from portal.catalogue.models import Indicator
from portal.demo.roadmaps import demo_pdf
from portal.extensions import db
from portal.mentoring import consent, operations
from portal.mentoring.models import (
    MenteeCategory,
    MentoringForm,
    MentoringType,
    Participant,
    ParticipantRole,
    Qualification,
)
from portal.reports.models import Period, Report, ReportValue
from portal.roadmaps import schoolyear
from tenants.models import Municipality, Organization, Region

SURNAMES = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов",
            "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев",
            "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов", "Николаев", "Орлов",
            "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв", "Борисов"]
FIRST = {"f": ["Анна", "Мария", "Елена", "Ольга", "Наталья", "Ирина", "Татьяна", "Светлана",
               "Юлия", "Екатерина", "Дарья", "Алина", "Виктория", "Ксения"],
         "m": ["Алексей", "Дмитрий", "Сергей", "Андрей", "Михаил", "Иван", "Павел", "Артём"]}
PATRONYMICS = {"f": ["Александровна", "Сергеевна", "Викторовна", "Николаевна", "Петровна",
                     "Игоревна", "Андреевна", "Владимировна"],
               "m": ["Александрович", "Сергеевич", "Викторович", "Николаевич", "Петрович"]}
POSITIONS = ["учитель начальных классов", "учитель математики", "учитель русского языка и "
             "литературы", "учитель физики", "учитель английского языка", "учитель истории"]
KINDERGARTEN_POSITIONS = ["воспитатель", "музыкальный руководитель", "педагог-психолог"]
EDUCATION = ["высшее педагогическое", "высшее педагогическое, магистратура",
             "среднее профессиональное педагогическое", "высшее непедагогическое, "
             "профессиональная переподготовка"]
CATEGORIES = [(MenteeCategory.YOUNG, "mentees_young"),
              (MenteeCategory.NEW_IN_TEAM, "mentees_new_in_team"),
              (MenteeCategory.NEW_TECHNOLOGY, "mentees_new_technology"),
              (MenteeCategory.NON_PEDAGOGICAL, "mentees_non_pedagogical")]


def _name(rng: random.Random) -> str:
    sex = "f" if rng.random() < 0.8 else "m"  # most teachers are women
    surname = rng.choice(SURNAMES) + ("а" if sex == "f" else "")
    return f"{surname} {rng.choice(FIRST[sex])} {rng.choice(PATRONYMICS[sex])}"


def _latest_values(org: Organization) -> dict[str, int]:
    """The integer values of the organization's latest report (empty without one)."""
    report = db.session.scalars(
        sa.select(Report).join(Period).where(Report.organization_id == org.id)
        .order_by(Period.starts_on.desc())).first()
    if report is None:
        return {}
    rows = db.session.execute(sa.select(Indicator.code, ReportValue.value).join(Indicator)
                              .where(ReportValue.report_id == report.id))
    return {code: int(value) for code, value in rows if value is not None}


def _people(org, values, rng, role, count, mentee_categories=()) -> list[Participant]:
    positions = KINDERGARTEN_POSITIONS if org.type.value == "kindergarten" else POSITIONS
    categories = list(mentee_categories)
    people = []
    for index in range(count):
        category = categories[index] if index < len(categories) else None
        young = category is MenteeCategory.YOUNG
        people.append(operations.create_participant(org, operations.ParticipantData(
            full_name=_name(rng), position=rng.choice(positions),
            education=EDUCATION[3] if category is MenteeCategory.NON_PEDAGOGICAL
            else rng.choice(EDUCATION[:3]),
            experience_years=rng.randint(0, 2) if young else rng.randint(8, 30),
            qualification=Qualification.NONE if young else rng.choice(list(Qualification)[1:]),
            role=role, mentee_category=category, consent_on=values["consent_on"])))
    return people


def _sign(person: Participant) -> None:
    """Attach a scanned signed consent (a one-page PDF) to ``person``."""
    scan = demo_pdf(f"Soglasie na obrabotku personalnykh dannykh No. {person.id}")
    consent.attach(person, consent.check(io.BytesIO(scan), f"Согласие {person.full_name}.pdf"),
                   None)


def _keys(values: dict[str, int], prefix: str, enum_cls) -> list:
    """One enum member per pair, as many of each as the report counted."""
    return [member for member in enum_cls for _ in range(values.get(f"{prefix}.{member.value}", 0))]


def _register(org: Organization, values: dict[str, int], start: date) -> None:
    rng = random.Random(f"register-{org.code}")
    mentees_n, mentors_n = values.get("mentees", 0), values.get("mentors", 0)
    pairs_n = values.get("pairs_groups", 0)
    if not (mentees_n and mentors_n and pairs_n):
        return
    values = {**values, "consent_on": start.replace(day=1)}
    categories = [c for c, code in CATEGORIES for _ in range(values.get(code, 0))][:mentees_n]
    mentors = _people(org, values, rng, ParticipantRole.MENTOR, mentors_n)
    mentees = _people(org, values, rng, ParticipantRole.MENTEE, mentees_n, categories)
    for person in mentors[:1] + mentees[:1]:  # some signed consents are on file already
        _sign(person)
    forms = _keys(values, "pairs_by_form", MentoringForm) or [MentoringForm.TEACHER_TEACHER] * pairs_n
    types = _keys(values, "pairs_by_type", MentoringType) or [MentoringType.TRADITIONAL] * pairs_n
    order = f"{rng.randint(40, 140)}-од"
    for index in range(pairs_n):
        # Every pair gets a mentee; the mentees left over join the last pairs (groups).
        group = mentees[index::pairs_n]
        operations.create_pair(org, operations.PairData(
            mentors=[mentors[index % mentors_n]], mentees=group, form=forms[index % len(forms)],
            type=types[index % len(types)], starts_on=start, planned_end_on=date(
                start.year + 1, 5, 31), order_number=order, order_date=start.replace(day=10)))


def load_register(region: Region, today: date) -> None:
    """A register and pairs for every active organization of the region (flushes only)."""
    start = date(schoolyear.school_year_of(today), 9, 15)
    orgs = db.session.scalars(
        sa.select(Organization).join(Municipality)
        .where(Municipality.region_id == region.id, Organization.is_active)
        .order_by(Organization.code))
    for org in orgs:
        _register(org, _latest_values(org), start)
    db.session.flush()
