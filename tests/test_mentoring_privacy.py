"""Personal data stays inside: a crawl of everything the external contour can reach finds no
name of the register, and every register route refuses it."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.mentoring import operations
from portal.mentoring.models import (
    MenteeCategory,
    MentoringForm,
    MentoringPair,
    MentoringType,
    Participant,
    ParticipantRole,
)
from portal.programmes import operations as programmes
from tenants.models import Role
from tests.privacy_helpers import assert_routes_refused, crawl
from tests.report_helpers import setup_region

NAMES = ["Секретова Ольга Викторовна", "Тайнов Игорь Павлович", "Скрытная Елена Юрьевна",
         "Приватов Денис Олегович"]


@pytest.fixture
def land(factory):
    """A school and a regional college, each with a mentor, a mentee and their pair."""
    region, municipality, school, college, _period = setup_region(factory)
    for org, (mentor_name, mentee_name) in ((school, NAMES[:2]), (college, NAMES[2:])):
        mentor, mentee = (operations.create_participant(org, operations.ParticipantData(
            full_name=name, role=role, position="учитель", consent_on=date(2025, 9, 1),
            mentee_category=MenteeCategory.YOUNG if role is ParticipantRole.MENTEE else None))
            for name, role in ((mentor_name, ParticipantRole.MENTOR),
                               (mentee_name, ParticipantRole.MENTEE)))
        pair = operations.create_pair(org, operations.PairData(
            mentors=[mentor], mentees=[mentee], form=MentoringForm.TEACHER_TEACHER,
            type=MentoringType.TRADITIONAL, starts_on=date(2025, 9, 15), order_number="12"))
        programmes.create_programme(pair, programmes.ProgrammeData(  # its pages name them too
            starts_on=date(2025, 9, 15), ends_on=date(2026, 5, 31), goal="Адаптация"))
    return {"region": region, "municipality": municipality, "school": school,
            "college": college}


@pytest.mark.parametrize("role", ["municipal", "regional"])
def test_a_crawl_of_the_external_contour_finds_no_personal_name(client, factory, land, role):
    scope = land["municipality"] if role == "municipal" else land["region"]
    client.login(factory.user(Role(role), scope))
    pages = crawl(client)
    school = land["school"].id
    assert f"/organizations/{school}/mentoring" in pages, "the crawl never reached the counts"
    assert "register-counts" in pages[f"/organizations/{school}/mentoring"]
    assert len(pages) >= 10
    leaks = [(url, name) for url, body in pages.items() for name in NAMES if name in body]
    assert not leaks, leaks


def test_the_curator_crawl_does_find_the_names(client, factory, land):
    """The other side: the same crawl as the school's curator reaches its own names."""
    client.login(factory.user(Role.CURATOR, land["school"]))
    pages = crawl(client)
    assert any("/programme.docx" in url for url in pages)  # the crawl reaches the programmes
    bodies = "".join(pages.values())
    assert NAMES[0] in bodies and NAMES[1] in bodies
    assert NAMES[2] not in bodies  # the college's register is not the school's


@pytest.mark.parametrize("role", ["municipal", "regional", "admin"])
def test_every_register_route_refuses_the_external_contour(app, client, factory, land, role):
    """Own-scope ids, every route of the register but the counts: 403 or 404."""
    scope = {"municipal": land["municipality"], "regional": land["region"], "admin": None}[role]
    client.login(factory.user(Role(role), scope))
    school = land["school"]
    ids = {"org_id": school.id,
           "participant_id": db.session.scalar(sa.select(Participant.id).filter_by(
               organization_id=school.id).limit(1)),
           "pair_id": db.session.scalar(sa.select(MentoringPair.id).filter_by(
               organization_id=school.id))}
    checked = assert_routes_refused(app, client, "mentoring.", ids, NAMES,
                                    skip={"mentoring.overview"})
    assert checked >= 10
