"""Request handlers of the register: load from the URL, check, act.

Participant and pair ids are loaded with PERSONAL_DATA (tenants/urls.py): anyone but the
organization's curator and head gets 404. Organization pages of person-level data require
PERSONAL_DATA (403 for the external contour) and record the view in the access log; the
overview shows counts only and is open to everyone who sees the organization.
"""

from __future__ import annotations

import functools

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.database import begin_writing
from portal.mentoring import counts, forms, operations, queries
from portal.mentoring.models import (
    AccessKind,
    Initiator,
    MenteeCategory,
    MentoringForm,
    MentoringPair,
    MentoringType,
    PairStatus,
    Participant,
    ParticipantRole,
    Qualification,
    Side,
)
from portal.mentoring.operations import MentoringError, PairData, ParticipantData
from tenants.models import Organization
from tenants.scoping import Action, allows, require


def _organization_of(obj) -> Organization:
    return obj if isinstance(obj, Organization) else obj.organization


def personal_data(kind: AccessKind):
    """Decorator: the view shows person-level data of its URL's object.

    Requires PERSONAL_DATA on the organization (403 otherwise) and records each GET in the
    access log (a refused POST re-renders what the GET already showed and logged).
    """

    def decorate(view):
        @functools.wraps(view)
        def run(**kwargs):
            (obj,) = kwargs.values()
            organization = require(Action.PERSONAL_DATA, _organization_of(obj))
            if request.method == "GET":
                subject = None if isinstance(obj, Organization) else obj.id
                begin_writing()  # a page of person-level data writes its access log entry
                operations.record_access(organization, current_user.id, kind, subject)
            return view(**kwargs)

        return run

    return decorate


def overview(organization: Organization):
    """Counts of the register (for everyone who sees the organization); links for its own."""
    return render_template(
        "mentoring/overview.html", organization=organization,
        counts=counts.register_counts(organization),
        personal=allows(Action.PERSONAL_DATA, organization),
        categories=list(MenteeCategory), forms=list(MentoringForm), types=list(MentoringType),
        statuses=list(PairStatus))


@personal_data(AccessKind.REGISTER)
def participants(organization: Organization):
    """The register of participants."""
    return render_template(
        "mentoring/participants.html", organization=organization,
        participants=queries.participants_of(organization),
        can_edit=allows(Action.EDIT, organization))


def _participant_data(form: forms.ParticipantForm) -> ParticipantData:
    def enum_or_none(enum_cls, value):
        return enum_cls(value) if value else None

    return ParticipantData(
        full_name=form.full_name.data or "", position=form.position.data or "",
        education=form.education.data or "", experience_years=form.experience_years.data,
        qualification=enum_or_none(Qualification, form.qualification.data),
        role=ParticipantRole(form.role.data),
        mentee_category=enum_or_none(MenteeCategory, form.mentee_category.data),
        consent_on=form.consent_on.data)


def _saved(form: forms.ParticipantForm, organization: Organization, message: str, save):
    """Validate and ``save`` the participant form: the redirect to the register, or None
    (the errors are on the form)."""
    if not form.validate_on_submit():
        return None
    try:
        save(_participant_data(form))
    except MentoringError as problem:
        form.full_name.errors.append(str(problem))
        return None
    flash(message, "success")
    return redirect(url_for("mentoring.participants", org_id=organization.id))


def participant_new(organization: Organization):
    """Add a person to the register (the curator; an administrator may edit the organization
    but never its personal data)."""
    require(Action.PERSONAL_DATA, organization)
    require(Action.EDIT, organization)
    form = forms.ParticipantForm()
    saved = _saved(form, organization, _("The person has been added to the register."),
                   lambda data: operations.create_participant(organization, data))
    if saved:
        return saved
    return render_template("mentoring/participant_form.html", organization=organization,
                           form=form, participant=None), 422 if form.errors else 200


@personal_data(AccessKind.PARTICIPANT)
def participant_edit(participant: Participant):
    """A person's data: the curator edits it, or records the withdrawal of consent."""
    organization = participant.organization
    can_edit = allows(Action.EDIT, organization) and participant.anonymized_at is None
    form = forms.ParticipantForm(obj=participant)
    if request.method == "POST":
        require(Action.EDIT, organization)
        saved = _saved(form, organization, _("The data has been saved."),
                       lambda data: operations.update_participant(participant, data))
        if saved:
            return saved
    elif participant.anonymized_at is not None:
        form.full_name.data = participant.display_name
    return render_template(
        "mentoring/participant_form.html", organization=organization, form=form,
        participant=participant, can_edit=can_edit, withdraw_form=forms.WithdrawForm(),
        consent_form=forms.ConsentFileForm(),
        pairs=queries.pairs_of_participant(participant)), 422 if form.errors else 200


def participant_withdraw(participant: Participant):
    """Record the withdrawal of consent: the person is anonymized, the counts stay."""
    require(Action.EDIT, participant.organization)
    form = forms.WithdrawForm()
    if form.validate_on_submit():
        try:
            operations.withdraw_consent(participant, form.withdrawn_on.data)
        except MentoringError as problem:
            flash(str(problem), "danger")
        else:
            flash(_("Consent withdrawn: the person's data has been removed."), "success")
            return redirect(url_for("mentoring.participants",
                                    org_id=participant.organization_id))
    else:
        flash(_("Enter the date consent was withdrawn."), "danger")
    return redirect(url_for("mentoring.participant_edit", participant_id=participant.id))


@personal_data(AccessKind.PAIRS)
def pairs(organization: Organization):
    """The organization's pairs and groups."""
    return render_template(
        "mentoring/pairs.html", organization=organization, pairs=queries.pairs_of(organization),
        can_edit=allows(Action.EDIT, organization), sides=Side)


def _pair_data(form: forms.PairForm, people: dict[int, Participant]) -> PairData:
    return PairData(
        mentors=[people[i] for i in form.mentors.data or ()],
        mentees=[people[i] for i in form.mentees.data or ()],
        form=MentoringForm(form.form.data), type=MentoringType(form.type.data),
        starts_on=form.starts_on.data, planned_end_on=form.planned_end_on.data,
        order_number=form.order_number.data or "", order_date=form.order_date.data,
        status=PairStatus(form.status.data), ended_on=form.ended_on.data,
        ended_by=Initiator(form.ended_by.data) if form.ended_by.data else None,
        end_reason=form.end_reason.data)


def _pair_form(organization: Organization, pair: MentoringPair | None):
    """Show or save the pair form; ``pair`` None forms a new one."""
    people = [p for p in queries.participants_of(organization) if p.anonymized_at is None
              or (pair and p in [m.participant for m in pair.members])]
    form = forms.PairForm(people, obj=pair)
    if request.method == "GET" and pair is not None:
        form.mentors.data = [p.id for p in pair.side(Side.MENTOR)]
        form.mentees.data = [p.id for p in pair.side(Side.MENTEE)]
    if request.method == "POST":
        require(Action.EDIT, organization)
        if form.validate_on_submit():
            try:
                data = _pair_data(form, {p.id: p for p in people})
                if pair is None:
                    operations.create_pair(organization, data)
                else:
                    operations.update_pair(pair, data)
            except MentoringError as problem:
                form.mentors.errors = [*form.mentors.errors, str(problem)]
            else:
                flash(_("The pair or group has been saved."), "success")
                return redirect(url_for("mentoring.pairs", org_id=organization.id))
    return render_template(
        "mentoring/pair_form.html", organization=organization, form=form, pair=pair,
        can_edit=allows(Action.EDIT, organization), sides=Side), 422 if form.errors else 200


@personal_data(AccessKind.PAIRS)
def pair_new(organization: Organization):
    """Form a pair or group (the curator); the choices show the register's names."""
    require(Action.EDIT, organization)
    return _pair_form(organization, None)


@personal_data(AccessKind.PAIR)
def pair_edit(pair: MentoringPair):
    """A pair or group: the curator changes it or records its end."""
    return _pair_form(pair.organization, pair)


def access_log(organization: Organization):
    """Who viewed the organization's person-level data, and when (curator and head)."""
    require(Action.PERSONAL_DATA, organization)
    return render_template("mentoring/access_log.html", organization=organization,
                           entries=queries.access_log(organization))
