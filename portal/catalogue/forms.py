"""Forms of the catalogue."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp

from portal.catalogue.models import UNIT_LABELS
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
