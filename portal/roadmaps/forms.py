"""Forms of roadmaps."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.roadmaps import schoolyear
from portal.roadmaps.models import STAGES
from portal.roadmaps.template import STANDARD_EVENTS


def stage_choices() -> list[SelectChoice]:
    """Stages as "1. Preparing…" (built per request: the labels are translated)."""
    return [SelectChoice(number, f"{number}. {label}") for number, label in STAGES.items()]


def year_choices(current: int) -> list[SelectChoice]:
    """The school years a roadmap can be made for: the next, this and the last one."""
    return [SelectChoice(year, schoolyear.year_label(year))
            for year in (current + 1, current, current - 1)]


class ActionForm(FlaskForm):
    """Only a CSRF token, for POST buttons (delete, move)."""

    submit = SubmitField()


class CreateForm(FlaskForm):
    """A new roadmap: from the standard template or empty."""

    school_year = SelectField(_l("School year"), coerce=int, choices=[])
    source = RadioField(_l("Start from"), default="template", choices=[
        SelectChoice("template", _l("The standard roadmap (%(n)d events of the 7 stages, deadlines "
                        "shifted to the school year)", n=len(STANDARD_EVENTS))),
        SelectChoice("empty", _l("An empty roadmap")),
    ])
    submit = SubmitField(_l("Create roadmap"))


class ImportForm(FlaskForm):
    """A roadmap from a spreadsheet in the format of the export."""

    school_year = SelectField(_l("School year"), coerce=int, choices=[])
    file = FileField(_l("XLSX file"), description=_l(
        "Columns: stage (1–7), event, deadline (10.2025 or 15.10.2025), responsible; optional: "
        "start, deadline note, planned result. Export a roadmap to see the format."))
    submit = SubmitField(_l("Import"))


class EventForm(FlaskForm):
    """One event of a roadmap."""

    stage = SelectField(_l("Stage"), coerce=int, choices=[])  # stage_choices() per request
    title = TextAreaField(_l("Event"), validators=[DataRequired(), Length(max=1000)],
                          render_kw={"rows": 3})
    start = StringField(_l("Start (month, optional)"), validators=[Optional(), Length(max=40)],
                        description=_l("For a period of several months, e.g. 09.2025."))
    deadline = StringField(_l("Due"), validators=[DataRequired(), Length(max=40)],
                           description=_l("A month (10.2025) or a date (15.10.2025) within the "
                                          "school year."))
    note = StringField(_l("Deadline note"), validators=[Optional(), Length(max=255)],
                       description=_l("For example: then every year in September."))
    responsible = StringField(_l("Responsible"), validators=[Optional(), Length(max=500)])
    planned_result = TextAreaField(_l("Planned result"), validators=[Optional(), Length(max=5000)],
                                   render_kw={"rows": 3})
    submit = SubmitField(_l("Save"))
