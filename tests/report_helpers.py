"""Shared set-up for report tests: a region with a period and a consistent set of values."""

from __future__ import annotations

from portal.catalogue.standard import FORMS, TYPES
from portal.reports.period_operations import open_period

GOOD_VALUES = {
    "staff_total": "60", "young_specialists": "8", "mentors": "7", "mentees": "9",
    "mentees_young": "6", "mentees_new_in_team": "2", "mentees_new_technology": "1",
    "mentees_non_pedagogical": "0", "pairs_groups": "8", "programmes_active": "8",
    "programmes_completed": "2", "programmes_ended_early": "1", "meetings_held": "30",
    "mentors_trained": "4", "mentors_paid": "5", "mentors_awarded": "2",
    "students_passed_pct": "91,5", "students_contest_participants": "12", "joint_projects": "3",
    "mentees_in_contests": "1", "mentees_attested": "1", "young_retained": "8",
    "planning_mentors": "3", "planning_mentees": "4", "satisfaction_mentees": "8,6",
    "satisfaction_mentors": "8.1",
    **{f"pairs_by_form.{key}": "0" for key, *_ in FORMS},
    **{f"pairs_by_type.{key}": "0" for key, *_ in TYPES},
}
GOOD_VALUES.update({"pairs_by_form.teacher_teacher": "6", "pairs_by_form.head_teacher": "2",
                    "pairs_by_type.traditional": "5", "pairs_by_type.group": "3"})


def form_data(values: dict, **extra) -> dict:
    return {**{f"v:{code}": value for code, value in values.items()}, **extra}


def setup_region(factory, year: int = 2026, quarter: int = 3):
    """A region with one municipality, a school, a regional college and one open period."""
    from tenants.models import OrganizationType, Subordination

    region = factory.region()
    municipality = factory.municipality(region)
    school = factory.organization(municipality, name="Школа-REPORTS")
    college = factory.organization(municipality, name="Техникум-REPORTS",
                                   type=OrganizationType.COLLEGE,
                                   subordination=Subordination.REGIONAL)
    period = open_period(region, year, quarter)
    return region, municipality, school, college, period
