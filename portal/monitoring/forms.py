"""Forms of monitoring, built from the definitions: a stage-1 record, a questionnaire.

The forms only parse what was typed; the operations validate the values by the criterion's
kind and the question's scale, so the rules hold however a value arrives.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, FloatField, SelectChoice, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.mentoring.models import LABELS, Side
from portal.monitoring.definitions import CRITERIA, CriterionKind, Stage, Trend, questions_for
from portal.monitoring.operations import Entry


class CommaFloatField(FloatField):
    """A number typed with a decimal comma or point."""

    def process_formdata(self, valuelist):
        super().process_formdata([v.replace(",", ".").replace(" ", "") for v in valuelist])


def _criterion_fields(criterion) -> dict:
    """The number field (first: fields keep their creation order) and the text field."""
    number = None
    if criterion.kind is CriterionKind.TREND:
        number = SelectField(criterion.wording, choices=[SelectChoice("", "—")] + [
            SelectChoice(t.value, LABELS[Trend][t]) for t in reversed(Trend)])
    elif criterion.kind is not CriterionKind.TEXT:
        number = CommaFloatField(criterion.wording, validators=[Optional()])
    label = {CriterionKind.TEXT: criterion.wording,
             CriterionKind.COUNT: _l("Description")}.get(criterion.kind, _l("Comment"))
    text = TextAreaField(label, validators=[Optional(), Length(max=4000)],
                         render_kw={"rows": 2})
    fields = {f"{criterion.key}_number": number} if number is not None else {}
    return {**fields, f"{criterion.key}_text": text}


class _RecordBase(FlaskForm):
    quarter = SelectField(_l("Quarter"))
    starts_on = DateField(_l("or a period from"), validators=[Optional()])
    ends_on = DateField(_l("to"), validators=[Optional()])


RecordForm = type("RecordForm", (_RecordBase,), {
    **{name: field for c in CRITERIA for name, field in _criterion_fields(c).items()},
    "submit": SubmitField(_l("Save")), "__doc__": "Stage 1 of one pair for one period."})


def quarter_choices(first: date, last: date) -> list[SelectChoice]:
    """The calendar quarters from ``first`` to ``last`` (newest first), blank for dates."""
    quarters, year, quarter = [], first.year, (first.month - 1) // 3 + 1
    while (year, quarter) <= (last.year, (last.month - 1) // 3 + 1):
        quarters.append(SelectChoice(f"{year}-{quarter}", str(_l(
            "quarter %(quarter)d of %(year)d", quarter=quarter, year=year))))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return [SelectChoice("", _l("the dates below"))] + quarters[::-1]


def entries_of(form) -> dict[str, Entry]:
    """What the form holds for each criterion."""
    entries = {}
    for criterion in CRITERIA:
        number = getattr(form, f"{criterion.key}_number", None)
        value = number.data if number is not None else None
        entries[criterion.key] = Entry(
            number=float(value) if value not in (None, "") else None,
            text=getattr(form, f"{criterion.key}_text").data)
    return entries


def fill_record_form(form, record) -> None:
    """Put a stored record's values into the form (GET of an existing record)."""
    form.starts_on.data, form.ends_on.data = record.starts_on, record.ends_on
    for value in record.values:
        number = getattr(form, f"{value.criterion}_number", None)
        if number is not None and value.number is not None:
            as_int = int(value.number) if value.number == int(value.number) else value.number
            number.data = str(as_int) if isinstance(number, SelectField) else as_int
        getattr(form, f"{value.criterion}_text").data = value.text


def _scale(question) -> list[SelectChoice]:
    if question.is_yes_no:
        return [SelectChoice("", "—"), SelectChoice("1", _l("yes")), SelectChoice("0", _l("no"))]
    return [SelectChoice("", "—")] + [SelectChoice(str(point), str(point))
                                      for point in range(question.low, question.high + 1)]


def questionnaire_form(side: Side, stage: Stage, **kwargs) -> FlaskForm:
    """The questionnaire of a participant on ``side`` at ``stage``."""
    fields = {q.key: SelectField(q.wording, choices=_scale(q), description=None if q.is_yes_no
                                 else _l("Scale from %(low)d to %(high)d", low=q.low, high=q.high))
              for q in questions_for(side, stage)}
    form_class = type("QuestionnaireForm", (FlaskForm,), {
        "answered_on": DateField(_l("Answered on"), validators=[InputRequired()]), **fields,
        "submit": SubmitField(_l("Save the answers"))})
    return form_class(**kwargs)


def answers_of(form, side: Side, stage: Stage) -> dict[str, int]:
    """The answers the form holds (unanswered questions left out)."""
    return {q.key: int(getattr(form, q.key).data) for q in questions_for(side, stage)
            if getattr(form, q.key).data not in (None, "")}
