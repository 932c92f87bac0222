"""Forms of a programme: the note and term, a plan row, done with evidence, extend, end."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.mentoring.forms import enum_choices
from portal.programmes.models import Direction, EarlyEndInitiator, ProgrammeStatus

NOTE_MAX = 10000  # a section of the explanatory note (a Text column): a few pages at most


def _text(label, rows: int = 3) -> TextAreaField:
    return TextAreaField(label, validators=[Optional(), Length(max=NOTE_MAX)],
                         render_kw={"rows": rows})


class ProgrammeForm(FlaskForm):
    """The explanatory note of seed 004's appendix and the term of the programme."""

    starts_on = DateField(_l("Start of the programme"), validators=[InputRequired()])
    ends_on = DateField(_l("End of the programme (3 months to 1 year)"),
                        validators=[InputRequired()])
    problem = _text(_l("Problem (professional deficits)"))
    goal = TextAreaField(_l("Goal of the work"),
                         validators=[DataRequired(), Length(max=NOTE_MAX)],
                         render_kw={"rows": 2})
    tasks = _text(_l("Tasks"))
    content = _text(_l("Content of the activity"), rows=5)
    planned_results = _text(_l("Planned results"), rows=5)
    submit = SubmitField(_l("Save"))


class PlanEventForm(FlaskForm):
    """A row of the plan table."""

    direction = SelectField(_l("Direction of mentoring"))
    title = StringField(_l("Event"), validators=[DataRequired(), Length(max=1000)])
    dates = StringField(_l("Dates"), validators=[DataRequired(), Length(max=200)])
    methods = TextAreaField(_l("Forms and methods of the mentor's work"),
                            validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})
    expected_result = TextAreaField(_l("Expected result"),
                                    validators=[Optional(), Length(max=2000)],
                                    render_kw={"rows": 2})
    submit = SubmitField(_l("Save the event"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.direction.choices = enum_choices(Direction)


class DoneForm(FlaskForm):
    """A plan event done, with its evidence: a link and/or a file."""

    done_on = DateField(_l("Done on"), validators=[InputRequired()])
    evidence_url = StringField(_l("Link to the evidence"),
                               validators=[Optional(), Length(max=2000)])
    evidence_file = FileField(_l("File of the evidence (PDF, DOCX, ODT, XLSX, JPEG, PNG)"))
    submit = SubmitField(_l("Mark done"))


class ExtendForm(FlaskForm):
    """An extension: the new end and its reason."""

    new_end_on = DateField(_l("New end"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason of the extension"),
                           validators=[DataRequired(), Length(max=2000)], render_kw={"rows": 2})
    submit = SubmitField(_l("Extend the programme"))


class FinishForm(FlaskForm):
    """The end of the programme: implemented in full, or early at someone's initiative."""

    status = SelectField(_l("How the programme ended"))
    ended_on = DateField(_l("Ended on"), validators=[InputRequired()])
    ended_by = SelectField(_l("Ended early at the initiative of"))
    reason = TextAreaField(_l("Reason of the early end"),
                           validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})
    submit = SubmitField(_l("End the programme"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = enum_choices(ProgrammeStatus)[1:]  # an end, not "active"
        self.ended_by.choices = enum_choices(EarlyEndInitiator, blank=True)


class DeleteForm(FlaskForm):
    """Remove a plan row (a button with its CSRF token)."""

    submit = SubmitField(_l("Remove"))
