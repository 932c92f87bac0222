"""Forms of the catalogue."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from portal.catalogue.models import SEVERITY_LABELS, UNIT_LABELS
from tenants.models import ORGANIZATION_TYPE_LABELS


class IndicatorForm(FlaskForm):
    code = StringField(_l("Code"), validators=[
        DataRequired(), Length(max=64),
        Regexp(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)?$",
               message=_l("Latin lower-case letters, digits and underscores only."))])
    label_ru = StringField(_l("Name in Russian"), validators=[DataRequired(), Length(max=500)])
    label_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=500)])
    unit = SelectField(_l("Unit"), choices=[SelectChoice(u.value, label)
                                             for u, label in UNIT_LABELS.items()])
    section = SelectField(_l("Section"), choices=[])  # labels in the user's language, per request
    applies_to = SelectMultipleField(
        _l("Organization types"), validators=[DataRequired()],
        choices=[SelectChoice(t.value, label) for t, label in ORGANIZATION_TYPE_LABELS.items()])
    submit = SubmitField(_l("Add the indicator"))


class CommaDecimalField(DecimalField):
    """A decimal typed the Russian way too: «0,5» as well as «0.5»."""

    def process_formdata(self, valuelist):
        super().process_formdata([v.replace(",", ".").strip() for v in valuelist])


class RuleForm(FlaskForm):
    """A validation rule: a new one, or an existing one edited (then without ``code``)."""

    code = StringField(_l("Code"), validators=[
        DataRequired(), Length(max=64),
        Regexp(r"^[a-z][a-z0-9_]*$",
               message=_l("Latin lower-case letters, digits and underscores only."))])
    severity = SelectField(_l("Severity"), choices=[SelectChoice(s.value, label)
                                                     for s, label in SEVERITY_LABELS.items()])
    expression = TextAreaField(_l("Condition that must hold"), validators=[Length(max=2000)],
                               description=_l("For example: mentees <= 5 * mentors; "
                                              "if mentees > 0 then present(mentors)"))
    threshold = CommaDecimalField(_l("Relative change (0.5 = 50 %)"), places=None,
                             validators=[Optional()])
    threshold_absolute = CommaDecimalField(_l("Smallest change that counts"), places=None,
                                      validators=[Optional()])
    message_ru = StringField(_l("Message in Russian"), validators=[DataRequired(),
                                                                   Length(max=500)])
    message_en = StringField(_l("Message in English"), validators=[DataRequired(),
                                                                   Length(max=500)])
    submit = SubmitField(_l("Save the rule"))
