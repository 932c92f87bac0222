"""The report workflow (portal/reports/workflow.py) as a state machine: every transition
from every state, with and without the head's confirmation, in open and closed periods.

A refused step changes nothing and records nothing; an allowed one moves to the state
written out in ``STEPS``, stamps who and when, and records one audit entry old → new.
"""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.reports import operations as ops
from portal.reports import workflow
from portal.reports.models import AuditEntry, Report, ReportState, ReportValue
from portal.reports.period_operations import close_period, set_head_confirmation
from tests.report_helpers import GOOD_VALUES, setup_region

S = ReportState
# step → {from state: to state}; with the head's confirmation submit goes to AWAITING_HEAD.
STEPS = {
    "submit": {S.DRAFT: S.SUBMITTED, S.RETURNED: S.SUBMITTED},
    "confirm": {S.AWAITING_HEAD: S.SUBMITTED},
    "accept": {S.SUBMITTED: S.ACCEPTED},
    "return": {S.SUBMITTED: S.RETURNED, S.AWAITING_HEAD: S.RETURNED},
    "reopen": {S.ACCEPTED: S.RETURNED},
}
EARLIER = datetime(2026, 1, 5, 9, 30)


def _do(step, report, user):
    if step == "submit":
        return workflow.submit(report, user)
    if step == "confirm":
        return workflow.confirm(report, user)
    if step == "accept":
        return workflow.accept(report, user)
    if step == "return":
        return workflow.return_report(report, user, "  исправьте  ")
    return workflow.reopen(report, user, "  ошибка  ")


@pytest.fixture
def school(factory):
    region, municipality, school, college, period = setup_region(factory)
    return {"region": region, "org": school, "period": period, "user": factory.user()}


def _report_in(school, state, first=EARLIER):
    report = ops.ensure_report(school["org"], school["period"])
    ops.save_values(report, GOOD_VALUES, user=school["user"], source="test")
    db.session.refresh(report)
    report.state = state
    report.first_submitted_at = None if state is S.DRAFT else first
    report.review_comment = "прежний"
    db.session.flush()
    return report


def _audits(report):
    return list(db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.report_id == report.id, AuditEntry.action == "state")
        .order_by(AuditEntry.id)))


@pytest.mark.parametrize("head", [False, True], ids=["direct", "head-confirms"])
@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("step", list(STEPS))
def test_every_step_from_every_state(school, step, state, head):
    set_head_confirmation(school["region"], head)
    report = _report_in(school, state)
    before = (report.state, report.review_comment, report.first_submitted_at)
    target = STEPS[step].get(state)
    if step == "submit" and head and target is not None:
        target = S.AWAITING_HEAD
    if target is None:
        with pytest.raises(ops.ReportError) as refused:
            _do(step, report, school["user"])
        assert _told_in_russian(refused.value)
        db.session.refresh(report)
        assert (report.state, report.review_comment, report.first_submitted_at) == before
        assert _audits(report) == []
        return
    result = _do(step, report, school["user"])
    db.session.refresh(report)
    assert report.state is target
    assert report.updated_by_id == school["user"].id and report.updated_at is not None
    [entry] = _audits(report)
    assert (entry.old, entry.new, entry.user_id, entry.source) == (
        state.value, target.value, school["user"].id, "workflow")
    _check_stamps(step, report, result, target, state, school["user"])


def _told_in_russian(refusal):
    """The user reads why, in the portal's language (not an untranslated message id)."""
    text = str(refusal)
    return any("а" <= ch <= "я" for ch in text.lower()) and "None" not in text


@pytest.mark.parametrize("step", list(STEPS))
def test_a_step_taken_by_the_system_records_no_user(school, step):
    """Imports and CLI commands act without a signed-in user."""
    state = next(iter(STEPS[step]))
    report = _report_in(school, state)
    _do(step, report, None)
    db.session.refresh(report)
    [entry] = _audits(report)
    assert entry.user_id is None and report.updated_by_id is None
    stamped = {"submit": "submitted", "confirm": "confirmed", "accept": "reviewed",
               "return": "reviewed"}.get(step)
    if stamped:
        assert getattr(report, f"{stamped}_at") is not None
        assert getattr(report, f"{stamped}_by_id") is None


def _check_stamps(step, report, result, target, state, user):
    if step == "submit":
        assert result is target
        assert report.submitted_by_id == user.id and report.submitted_at is not None
        # A resubmission after a return keeps the first time: timeliness counts it.
        wanted = EARLIER if state is S.RETURNED else report.submitted_at
        assert report.first_submitted_at == wanted
        assert report.review_comment == ""
    elif step == "confirm":
        assert report.confirmed_by_id == user.id and report.confirmed_at is not None
        assert report.review_comment == "прежний"
    elif step == "accept":
        assert report.reviewed_by_id == user.id and report.reviewed_at is not None
    elif step == "return":
        assert report.review_comment == "исправьте"
        assert report.reviewed_by_id == user.id and report.reviewed_at is not None
        assert _audits(report)[0].note == "исправьте"
    else:
        assert report.review_comment == "ошибка"
        assert _audits(report)[0].note == "ошибка"


@pytest.mark.parametrize("step, state", [("return", S.SUBMITTED), ("reopen", S.ACCEPTED)])
@pytest.mark.parametrize("text", ["", "   ", None])
def test_returning_and_reopening_need_a_reason(school, step, state, text):
    report = _report_in(school, state)
    with pytest.raises(ops.ReportError) as refused:
        if step == "return":
            workflow.return_report(report, school["user"], text)
        else:
            workflow.reopen(report, school["user"], text)
    assert report.state is state and _audits(report) == []
    assert _told_in_russian(refused.value)


@pytest.mark.parametrize("state", [S.SUBMITTED, S.AWAITING_HEAD, S.ACCEPTED])
def test_a_repeated_submit_is_refused_as_already_submitted(school, state):
    report = _report_in(school, state)
    with pytest.raises(ops.AlreadySubmitted):
        workflow.submit(report, school["user"])


def test_a_report_with_errors_cannot_be_submitted_but_keeps_its_values(school):
    report = ops.ensure_report(school["org"], school["period"])
    outcome = ops.save_values(report, {**GOOD_VALUES, "mentors": "-3"}, user=school["user"],
                              source="test")
    assert outcome.errors
    with pytest.raises(ops.SubmissionBlocked) as refused:
        workflow.submit(report, school["user"])
    assert refused.value.outcome.errors and _told_in_russian(refused.value)
    db.session.refresh(report)
    assert report.state is S.DRAFT and report.first_submitted_at is None
    assert workflow.submission_checks(report).errors


# -- values --------------------------------------------------------------------------------------

def _stored(report):
    return dict(db.session.execute(
        sa.select(ReportValue.indicator_id, ReportValue.raw)
        .where(ReportValue.report_id == report.id)).all())


def _value_audits(report):
    return db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.report_id == report.id, AuditEntry.action == "value")).all()


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("period_open", [True, False], ids=["open", "closed"])
def test_values_change_only_in_an_editable_report_of_an_open_period(school, state, period_open):
    """Drafts and returned reports are editable; a closed period still takes corrections
    of a returned report, never a draft."""
    report = _report_in(school, state)
    if not period_open:
        close_period(school["period"])
    stored, version = _stored(report), report.version
    editable = state is S.RETURNED or (state is S.DRAFT and period_open)
    if not editable:
        with pytest.raises(ops.ReportError):
            ops.save_values(report, {"mentors": "6"}, user=school["user"], source="test")
        assert _stored(report) == stored
        return
    ops.save_values(report, {"mentors": "6"}, user=school["user"], source="test")
    db.session.refresh(report)
    assert report.version == version + 1
    changed = {k for k in stored if _stored(report)[k] != stored[k]}
    assert len(changed) == 1 and _stored(report)[changed.pop()] == "6"


def test_a_save_writes_and_audits_only_what_changed(school):
    report = ops.ensure_report(school["org"], school["period"])
    user = school["user"]
    ops.save_values(report, {"mentors": "7", "mentees": "", "staff_total": "60"}, user=user,
                    source="form")
    assert sorted(a.field for a in _value_audits(report)) == ["mentors", "staff_total"]
    assert len(_stored(report)) == 2  # a blank cell of a new value is not stored
    version = db.session.scalar(sa.select(Report.version).where(Report.id == report.id))
    update = ops.ValuesUpdate(report, ops.parse_cells(_indicators(report), {
        "mentors": "7", "staff_total": "61", "unknown_code": "5"}))
    assert ops.save_values_many([update], _indicators(report), user=user, source="file") == 1
    audits = {(a.field, a.old, a.new, a.source, a.user_id) for a in _value_audits(report)}
    assert ("staff_total", "60", "61", "file", user.id) in audits and len(audits) == 3
    db.session.refresh(report)
    assert report.version == version + 1 and report.updated_by_id == user.id
    # Nothing changed: no write, no new version.
    ops.save_values(report, {"mentors": "7"}, user=user, source="form")
    db.session.refresh(report)
    assert report.version == version + 1 and len(_value_audits(report)) == 3


def _indicators(report):
    from portal.catalogue import queries as catalogue_queries

    return catalogue_queries.indicators_for(report, report.organization.type)


def test_the_comment_and_explanations_are_saved_cleaned_and_audited(school):
    report = ops.ensure_report(school["org"], school["period"])
    user = school["user"]
    ops.save_values(report, {}, user=user, source="form", comment="первый",
                    explanations={"r1": "  причина ", "r2": "   ", "r3": ""})
    db.session.refresh(report)
    # No rule of these values raised "r1": explanations of warnings not raised are dropped.
    assert report.comment == "первый" and report.explanations == {}
    version = report.version
    ops.save_values(report, {}, user=user, source="form", comment="первый",
                    explanations={"r1": "причина"})  # the same again: nothing to write
    db.session.refresh(report)
    assert report.version == version
    comments = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.report_id == report.id, AuditEntry.action == "comment")).all()
    assert [(c.old, c.new) for c in comments] == [("", "первый")]


def test_a_stale_version_is_a_conflict_and_writes_nothing(school):
    report = ops.ensure_report(school["org"], school["period"])
    ops.save_values(report, {"mentors": "7"}, user=school["user"], source="form")
    db.session.refresh(report)
    stale = report.version - 1
    for call in (lambda: ops.save_values(report, {"mentors": "8"}, user=school["user"],
                                         source="form", expected_version=stale),
                 lambda: workflow.submit(report, school["user"], expected_version=stale)):
        with pytest.raises(ops.ConflictError) as refused:
            call()
        assert _told_in_russian(refused.value)
    assert list(_stored(report).values()) == ["7"] and report.state is S.DRAFT


def test_reports_are_started_once_and_only_in_an_open_period(school, factory):
    other = factory.organization(school["org"].municipality)
    first = ops.ensure_reports([school["org"], other], school["period"])
    again = ops.ensure_reports([other, school["org"]], school["period"])
    assert {k: v.id for k, v in first.items()} == {k: v.id for k, v in again.items()}
    assert all(r.state is S.DRAFT for r in first.values())
    close_period(school["period"])
    assert ops.ensure_report(other, school["period"]).id == first[other.id].id
    with pytest.raises(ops.ReportError):
        ops.ensure_report(factory.organization(school["org"].municipality), school["period"])


def test_a_draft_may_be_incomplete_but_a_submission_may_not(school):
    """Required values are checked when submitting, not while the draft is kept."""
    report = ops.ensure_report(school["org"], school["period"])
    ops.save_values(report, {"mentors": "7"}, user=school["user"], source="form")
    assert not ops.validate(report).errors
    assert workflow.submission_checks(report).errors
    with pytest.raises(ops.SubmissionBlocked):
        workflow.submit(report, school["user"])
    assert report.state is S.DRAFT
