"""Forms of the reports module (the value grid itself is built from the catalogue)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.reports.notes import REVIEW_COMMENT_MAX

# The report page's link to the upload; the template's instruction sheet names it the same way.
UPLOAD_FROM_FILE = _l("Upload from a file")


class CommentForm(FlaskForm):
    """Return or reopen a report: the comment is required."""

    comment = TextAreaField(_l("Comment"),
                            validators=[DataRequired(), Length(max=REVIEW_COMMENT_MAX)])
    submit = SubmitField(_l("Send"))


class PeriodForm(FlaskForm):
    # The region's forms, per request; none sent: the quarterly form.
    form_id = SelectField(_l("Form"), coerce=int, choices=[], validate_choice=False,
                          validators=[Optional()])
    title = StringField(_l("Title of a one-off collection"), validators=[Optional(),
                                                                          Length(max=200)],
                        description=_l("For example «на 13.12.2024»."))
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(2020, 2100)])
    quarter = SelectField(_l("Quarter"), coerce=int,
                          choices=[SelectChoice(q, label) for q, label in
                                   [(1, "I"), (2, "II"), (3, "III"), (4, "IV")]])
    opens_on = DateField(_l("Opening date"), validators=[Optional()],
                         description=_l("Default: the first day of the quarter's last month."))
    deadline = DateField(_l("Deadline"), validators=[Optional()],
                         description=_l("Default: the 10th day after the quarter ends."))
    submit = SubmitField(_l("Open the period"))
