"""Length limits on every text people type, enforced on the server with a message in their
language; explanations only for warnings the values raise."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import Length

import portal
from portal.admin import forms as admin_forms
from portal.auth import operations as accounts
from portal.auth.models import User
from portal.catalogue import forms as catalogue_forms
from portal.catalogue import operations as catalogue
from portal.catalogue.models import Indicator, Unit
from portal.documents import forms as document_forms
from portal.documents import operations as documents
from portal.documents.models import DocumentKind, DocumentVersion
from portal.extensions import db
from portal.mentoring import forms as mentoring_forms
from portal.mentoring.models import MentoringPair, Participant
from portal.programmes import forms as programme_forms
from portal.programmes.models import PlanEvent, Programme, ProgrammeExtension
from portal.refusals import Refusal
from portal.reports import forms as report_forms
from portal.reports import notes, operations, workflow
from portal.reports.models import AuditEntry, Period, Report, ReportState
from portal.roadmaps import forms as roadmap_forms
from portal.roadmaps.models import RoadmapEvent
from tenants import operations as tenants
from tenants.models import Organization, OrganizationType, Role, Subordination
from tests.report_helpers import GOOD_VALUES, form_data, setup_region

# Mentors so few that the mentor load rule warns (tests/test_report_validation.py).
ONE_MENTOR = {**GOOD_VALUES, "mentors": "1", "mentors_trained": "1", "mentors_paid": "1",
              "mentors_awarded": "1"}


def _url(org, period):
    return f"/organizations/{org.id}/reports/{period.id}"


def _report(org, period) -> Report | None:
    db.session.expire_all()
    return db.session.scalars(sa.select(Report).filter_by(organization_id=org.id,
                                                          period_id=period.id)).first()


def _save(client, org, period, values, **extra):
    report = _report(org, period)
    data = form_data(values, action="save", version=report.version if report else "", **extra)
    return client.post_form(_url(org, period), data, token_from=_url(org, period))


@pytest.fixture
def curator_school(client, factory):
    _region, municipality, school, _college, period = setup_region(factory)
    client.login(factory.user(Role.CURATOR, school))
    return school, period, municipality


def test_a_comment_over_the_limit_is_refused_with_a_message_and_nothing_saved(
        client, curator_school):
    school, period, _m = curator_school
    assert _save(client, school, period, GOOD_VALUES, comment="Всё в порядке.").status_code == 302
    response = _save(client, school, period, GOOD_VALUES, comment="x" * (notes.COMMENT_MAX + 1))
    assert response.status_code == 400
    assert f"длиннее {notes.COMMENT_MAX} символов" in response.get_data(as_text=True)
    assert _report(school, period).comment == "Всё в порядке."
    assert _save(client, school, period, GOOD_VALUES,
                 comment="я" * notes.COMMENT_MAX).status_code == 302
    assert _report(school, period).comment == "я" * notes.COMMENT_MAX


def test_only_explanations_of_raised_warnings_are_kept(client, curator_school):
    school, period, _m = curator_school
    planted = {f"x:rule_{n}": "Пояснение " * 50 for n in range(500)}
    response = _save(client, school, period, ONE_MENTOR, **planted,
                     **{"x:mentor_load": "Наставник в декрете.", "x:staff_vs_mentors": "x"})
    assert response.status_code == 302
    report = _report(school, period)
    assert report.explanations == {"mentor_load": "Наставник в декрете."}
    entries = db.session.scalars(sa.select(AuditEntry).filter_by(report_id=report.id)).all()
    assert not any("rule_" in (e.new or "") + (e.note or "") for e in entries)
    # The values change so that the warning is gone: so is its explanation.
    assert _save(client, school, period, GOOD_VALUES,
                 **{"x:mentor_load": "Наставник в декрете."}).status_code == 302
    assert _report(school, period).explanations == {}


def test_an_explanation_over_the_limit_is_refused(client, curator_school):
    school, period, _m = curator_school
    _save(client, school, period, ONE_MENTOR, **{"x:mentor_load": "Коротко."})
    response = _save(client, school, period, ONE_MENTOR,
                     **{"x:mentor_load": "я" * (notes.EXPLANATION_MAX + 1)})
    assert response.status_code == 400
    assert f"Пояснение длиннее {notes.EXPLANATION_MAX} символов" in response.get_data(as_text=True)
    assert _report(school, period).explanations == {"mentor_load": "Коротко."}


@pytest.mark.parametrize("action", ["return", "reopen"])
def test_a_review_comment_over_the_limit_is_refused(client, factory, curator_school, action):
    school, period, municipality = curator_school
    report = operations.ensure_report(school, period)
    operations.save_values(report, GOOD_VALUES, user=None, source="form")
    report.state = ReportState.SUBMITTED if action == "return" else ReportState.ACCEPTED
    db.session.flush()
    client.post_form("/logout")
    client.login(factory.user(Role.MUNICIPAL, municipality))
    page = _url(school, period)
    long = "я" * (notes.REVIEW_COMMENT_MAX + 1)
    response = client.post_form(f"/reports/{report.id}/{action}", {"comment": long},
                                token_from=page, follow_redirects=True)
    assert f"длиннее {notes.REVIEW_COMMENT_MAX} символов" in response.get_data(as_text=True)
    assert _report(school, period).state is not ReportState.RETURNED
    with pytest.raises(operations.ReportError):
        workflow.return_report(report, None, long) if action == "return" else \
            workflow.reopen(report, None, long)


# -- every text field of every form has a server-side limit within its column ------------------

COLUMNS = {
    (admin_forms.UserCreateForm, "login"): User.login,
    (admin_forms.UserCreateForm, "full_name"): User.full_name,
    (admin_forms.UserCreateForm, "email"): User.email,
    (admin_forms.OrganizationForm, "code"): Organization.code,
    (admin_forms.OrganizationForm, "name"): Organization.name,
    (admin_forms.OrganizationForm, "short_name"): Organization.short_name,
    (catalogue_forms.IndicatorForm, "code"): Indicator.code,
    (catalogue_forms.IndicatorForm, "label_ru"): Indicator.label_ru,
    (catalogue_forms.IndicatorForm, "label_en"): Indicator.label_en,
    (report_forms.PeriodForm, "title"): Period.title,
    (document_forms.UploadForm, "order_number"): DocumentVersion.order_number,
    (document_forms.UploadForm, "url"): DocumentVersion.url,
    (roadmap_forms.EventForm, "title"): RoadmapEvent.title,
    (roadmap_forms.EventForm, "note"): RoadmapEvent.deadline_note,
    (roadmap_forms.EventForm, "responsible"): RoadmapEvent.responsible,
    (mentoring_forms.ParticipantForm, "full_name"): Participant.full_name,
    (mentoring_forms.ParticipantForm, "position"): Participant.position,
    (mentoring_forms.ParticipantForm, "education"): Participant.education,
    (mentoring_forms.PairForm, "order_number"): MentoringPair.order_number,
    (mentoring_forms.PairForm, "end_reason"): MentoringPair.end_reason,
    (programme_forms.PlanEventForm, "title"): PlanEvent.title,
    (programme_forms.PlanEventForm, "dates"): PlanEvent.dates,
    (programme_forms.PlanEventForm, "methods"): PlanEvent.methods,
    (programme_forms.PlanEventForm, "expected_result"): PlanEvent.expected_result,
    (programme_forms.DoneForm, "evidence_url"): PlanEvent.evidence_url,
    (programme_forms.ExtendForm, "reason"): ProgrammeExtension.reason,
    (programme_forms.FinishForm, "reason"): Programme.end_reason,
}


def _forms() -> set[type]:
    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    found, todo = set(), [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.add(sub)
            todo.append(sub)
    return found


def test_every_text_field_of_every_form_has_a_limit_within_its_column(app):
    checked = set()
    with app.test_request_context():
        for form_class in _forms():
            for name, field in vars(form_class).items():
                field_class = getattr(field, "field_class", None)
                if field_class is None or not issubclass(field_class, StringField) \
                        or issubclass(field_class, PasswordField):
                    continue  # passwords: limited by the password policy (portal/auth)
                limits = [v.max for v in field.kwargs.get("validators", ())
                          if isinstance(v, Length) and v.max > 0]
                assert limits, f"{form_class.__name__}.{name} has no length limit"
                column = COLUMNS.get((form_class, name))
                if column is not None:
                    assert max(limits) <= column.type.length, (form_class.__name__, name)
                checked.add((form_class, name))
    assert set(COLUMNS) <= checked
    assert (report_forms.CommentForm, "comment") in checked


def test_a_form_limit_answers_in_the_users_language(client, factory):
    client.login(factory.user(Role.ADMIN))
    response = client.post_form("/catalogue", {
        "code": "long_label", "label_ru": "я" * 501, "label_en": "Long", "unit": "count",
        "section": "staff"}, token_from="/catalogue")
    assert "не должно содержать более 500 символов" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Indicator).filter_by(code="long_label")) is None


# -- the operations refuse what would not fit, whatever sent it (a command, a file, a script) --

def _documents_upload(order_number):
    return documents.Upload(DocumentKind.REGULATION, order_number=order_number,
                            url="https://example.org/order")


def _rename(school, name):
    return tenants.save_organization(
        school, code=school.code, name=name, short_name="x", org_type=OrganizationType.SCHOOL,
        subordination=Subordination.MUNICIPAL, municipality_id=school.municipality_id)


def test_operations_refuse_texts_longer_than_their_columns(app, factory):
    school = factory.organization()
    with app.test_request_context(method="POST", headers={"Accept-Language": "ru"}):
        attempts = [
            lambda: accounts.create_user("long-name", "я" * 256),
            lambda: accounts.create_user("л" * 65),
            lambda: catalogue.add_indicator(catalogue.template(), code="long_label",
                                            label_ru="я" * 501, label_en="x", kind=Unit.COUNT,
                                            section="staff", applies_to=["school"]),
            lambda: _rename(school, "я" * 501),
            lambda: documents.add_version(school, _documents_upload("№" * 101), None),
        ]
        for attempt in attempts:
            with pytest.raises(Refusal, match="длиннее .* символов"):
                attempt()
        _rename(school, "я" * 500)
    assert db.session.get(Organization, school.id).name == "я" * 500
    assert db.session.scalar(sa.select(User).filter_by(login="long-name")) is None
