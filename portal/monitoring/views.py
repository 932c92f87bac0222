"""Request handlers of monitoring: load from the URL, check, act.

Pair, pair member and record ids are loaded with PERSONAL_DATA (tenants/urls.py): anyone
but the organization's curator and head gets 404; organization pages require
PERSONAL_DATA (403 for the external contour). Every GET of a page of person-level answers
or records is written to the access log; writes require EDIT.
"""

from __future__ import annotations

import functools

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.clock import today
from portal.database import begin_writing
from portal.mentoring import operations as register
from portal.mentoring import queries as register_queries
from portal.mentoring.models import AccessKind, MentoringPair, PairMember, Side
from portal.monitoring import counts, forms, operations, queries, results
from portal.monitoring.definitions import CRITERIA, QUESTION, Stage, Trend, questions_for
from portal.monitoring.models import MonitoringRecord
from portal.monitoring.operations import MonitoringError
from tenants.models import Organization
from tenants.scoping import Action, allows, require


def _pair_of(obj) -> MentoringPair | None:
    if isinstance(obj, MentoringPair):
        return obj
    return obj.pair if isinstance(obj, (MonitoringRecord, PairMember)) else None


def logged(view):
    """Decorator: the view shows monitoring of its URL's first object (an organization, a
    pair, a record); requires PERSONAL_DATA and records each GET in the access log."""

    @functools.wraps(view)
    def run(**kwargs):
        obj = next(iter(kwargs.values()))
        pair = _pair_of(obj)
        organization = require(Action.PERSONAL_DATA, pair.organization if pair else obj)
        if request.method == "GET":
            begin_writing()  # a page of person-level data writes its access log entry
            register.record_access(organization, current_user.id, AccessKind.MONITORING,
                                   pair.id if pair else None)
        return view(**kwargs)

    return run


@logged
def overview(organization: Organization):
    """The organization's pairs with their monitoring, and the change over all of them."""
    frame = results.answer_frame(queries.answer_rows(organization))
    return render_template(
        "monitoring/overview.html", organization=organization,
        pairs=register_queries.pairs_of(organization),
        progress=queries.progress_of(organization),
        overall=results.table(results.changes_overall(frame)),
        counts=counts.monitoring_counts(organization), min_respondents=counts.MIN_RESPONDENTS,
        questions=[QUESTION[k] for k in results.scale_questions()], sides=list(Side))


@logged
def pair_page(pair: MentoringPair):
    """One pair's stage-1 records, its participants' questionnaires and the change."""
    frame = results.answer_frame(queries.answer_rows(pair.organization, pair))
    answered = {(s.participant_id, s.stage) for s in queries.answer_sets_of(pair)}
    return render_template(
        "monitoring/pair.html", organization=pair.organization, pair=pair,
        records=queries.records_of(pair), criteria=CRITERIA, answered=answered,
        changes=results.table(results.changes_per_pair(frame)), stages=list(Stage),
        questions=[QUESTION[k] for k in results.scale_questions()], sides=list(Side),
        can_edit=_can_edit(pair), trend_label=lambda number: Trend(str(int(number))).label)


def _can_edit(pair: MentoringPair) -> bool:
    try:
        operations.check_open(pair)
    except MonitoringError:
        return False
    return allows(Action.EDIT, pair.organization)


def _posted(form, pair: MentoringPair, save, field_of, message: str):
    """On POST: require EDIT, validate and ``save()``; the redirect to the pair's page, or
    None (a refusal is put on the field ``field_of(key)`` names)."""
    if request.method != "POST":
        return None
    require(Action.EDIT, pair.organization)
    if not form.validate_on_submit():
        return None
    try:
        save()
    except MonitoringError as problem:
        field = field_of(problem.key)
        field.errors = [*field.errors, str(problem)]
        return None
    flash(message, "success")
    return redirect(url_for("monitoring.pair", pair_id=pair.id))


def _period(form):
    """The (first, last) day the form names: its quarter, or its two dates."""
    if form.quarter.data:
        year, quarter = (int(part) for part in form.quarter.data.split("-"))
        return operations.quarter_dates(year, quarter)
    if form.starts_on.data is None or form.ends_on.data is None:
        raise MonitoringError(_("Choose a quarter or enter both dates of the period."))
    return form.starts_on.data, form.ends_on.data


def _record_form(pair: MentoringPair, record: MonitoringRecord | None):
    form = forms.RecordForm()
    now = today(pair.organization.municipality.region)
    last = pair.ended_on or max(pair.planned_end_on or now, now)
    form.quarter.choices = forms.quarter_choices(pair.starts_on, last)
    if request.method == "GET" and record is not None:
        forms.fill_record_form(form, record)
    saved = _posted(
        form, pair, lambda: operations.save_record(pair, *_period(form),
                                                   forms.entries_of(form), record),
        lambda key: getattr(form, f"{key}_number", None) or getattr(form, f"{key}_text", None)
        or form.quarter, _("Stage 1 of the period has been saved."))
    if saved:
        return saved
    return render_template(
        "monitoring/record_form.html", organization=pair.organization, pair=pair, form=form,
        record=record, can_edit=_can_edit(pair), sides=list(Side)), 422 if form.errors else 200


@logged
def record_new(pair: MentoringPair):
    """Record stage 1 of the pair for a period (the curator)."""
    require(Action.EDIT, pair.organization)
    return _record_form(pair, None)


@logged
def record_edit(record: MonitoringRecord):
    """A stage-1 record: the curator changes it while the pair works."""
    return _record_form(record.pair, record)


def _answers(member: PairMember, stage: Stage):
    pair, participant, side = member.pair, member.participant, member.side
    stored = next((s for s in queries.answer_sets_of(pair)
                   if s.participant_id == participant.id and s.stage == stage), None)
    form = forms.questionnaire_form(side, stage)
    if request.method == "GET" and stored is not None:
        form.answered_on.data = stored.answered_on
        for answer in stored.answers:
            if answer.question in form:
                form[answer.question].data = str(answer.value)
    saved = _posted(
        form, pair, lambda: operations.save_answers(pair, participant, stage,
                                                    form.answered_on.data,
                                                    forms.answers_of(form, side, stage)),
        lambda key: next((f for f in form if f.name == key), form.answered_on),
        _("The answers have been saved."))
    if saved:
        return saved
    return render_template(
        "monitoring/answers.html", organization=pair.organization, pair=pair, form=form,
        participant=participant, side=side, stage=stage, can_edit=_can_edit(pair),
        questions=questions_for(side, stage), stored=stored), 422 if form.errors else 200


@logged
def answers_before(member: PairMember):
    """A participant's questionnaire at the start of the programme."""
    return _answers(member, Stage.BEFORE)


@logged
def answers_after(member: PairMember):
    """A participant's questionnaire at the end of the programme."""
    return _answers(member, Stage.AFTER)


