"""Forms of the form editor: a new form, an item with every field, a definition file."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from portal.catalogue.definition import Periodicity
from portal.catalogue.forms import CommaDecimalField
from portal.catalogue.models import KIND_LABELS
from tenants.models import ORGANIZATION_TYPE_LABELS

CODE_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)?$"
CODE_MESSAGE = _l("Latin lower-case letters, digits and underscores only.")
PERIODICITY_LABELS = {
    Periodicity.QUARTER: _l("quarter"), Periodicity.HALF_YEAR: _l("half-year"),
    Periodicity.SCHOOL_YEAR: _l("school year"), Periodicity.CALENDAR_YEAR: _l("calendar year"),
    Periodicity.ONE_OFF: _l("one-off collection on a date"),
}


def _types_field() -> SelectMultipleField:
    return SelectMultipleField(
        _l("Organization types"), validators=[DataRequired()],
        choices=[SelectChoice(t.value, label) for t, label in ORGANIZATION_TYPE_LABELS.items()])


class NewFormForm(FlaskForm):
    """A new form of the region: a copy of a national template, or empty."""

    source = SelectField(_l("Start from"), choices=[], validate_choice=False)  # per request
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=64),
                                               Regexp(CODE_PATTERN, message=CODE_MESSAGE)])
    name_ru = StringField(_l("Name in Russian"), validators=[DataRequired(), Length(max=500)])
    name_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=500)])
    periodicity = SelectField(_l("How often"), choices=[
        SelectChoice(p.value, label) for p, label in PERIODICITY_LABELS.items()])
    applies_to = _types_field()
    submit = SubmitField(_l("Create the form"))


class ItemForm(FlaskForm):
    """An item of a form with every field of a definition file's «Показатели» row."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=64),
                                               Regexp(CODE_PATTERN, message=CODE_MESSAGE)])
    section = StringField(_l("Section"), validators=[DataRequired(), Length(max=200)])
    label_ru = StringField(_l("Name in Russian"), validators=[DataRequired(), Length(max=500)])
    label_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=500)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, label)
                                            for k, label in KIND_LABELS.items()])
    unit_ru = StringField(_l("Unit in Russian"), validators=[Optional(), Length(max=64)],
                          description=_l("For example «человек», «пар», «мероприятий»."))
    unit_en = StringField(_l("Unit in English"), validators=[Optional(), Length(max=64)])
    applies_to = _types_field()
    required = BooleanField(_l("Required"), default=True)
    min_value = CommaDecimalField(_l("Smallest value"), places=None, validators=[Optional()])
    max_value = CommaDecimalField(_l("Largest value (a text: its length)"), places=None,
                                  validators=[Optional()])
    scale = IntegerField(_l("Scale of a score (values 1 to this)"),
                         validators=[Optional(), NumberRange(2, 100)])
    presence = BooleanField(_l("On the presence checklist (yes/no and evidence items)"))
    help_ru = TextAreaField(_l("Help in Russian"), validators=[Optional(), Length(max=2000)])
    help_en = TextAreaField(_l("Help in English"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save the item"))

    def fields_data(self) -> dict:
        """The item's fields as :mod:`portal.catalogue.editor` takes them."""
        return {"section": self.section.data.strip(), "label_ru": self.label_ru.data.strip(),
                "label_en": (self.label_en.data or self.label_ru.data).strip(),
                "kind": self.kind.data, "unit_ru": (self.unit_ru.data or "").strip(),
                "unit_en": (self.unit_en.data or "").strip(),
                "applies_to": list(self.applies_to.data), "required": bool(self.required.data),
                "min_value": self.min_value.data, "max_value": self.max_value.data,
                "scale": self.scale.data, "presence": bool(self.presence.data),
                "help_ru": (self.help_ru.data or "").strip(),
                "help_en": (self.help_en.data or "").strip()}


class DefinitionUploadForm(FlaskForm):
    """A definition XLSX (sheets «Форма», «Показатели», «Правила») replacing the form's
    editable version."""

    file = FileField(_l("Definition file (XLSX)"), description=_l(
        "Sheets «Форма», «Показатели» and «Правила»; download the form to see the format."))
    submit = SubmitField(_l("Upload the definition"))


class DerivedForm(FlaskForm):
    """A new derived indicator: sums of items over sums of items, a percent or a ratio."""

    code = StringField(_l("Code"), validators=[
        DataRequired(), Length(max=64), Regexp(CODE_PATTERN, message=CODE_MESSAGE)])
    label_ru = StringField(_l("Name in Russian"), validators=[DataRequired(), Length(max=500)])
    label_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=500)])
    numerator = StringField(_l("Numerator: item codes, comma-separated"),
                            validators=[DataRequired(), Length(max=2000)])
    denominator = StringField(_l("Denominator: item codes, comma-separated"),
                              validators=[DataRequired(), Length(max=2000)])
    unit = SelectField(_l("Shown as"), choices=[SelectChoice("percent", _l("a percent (× 100)")),
                                                SelectChoice("ratio", _l("a ratio"))])
    submit = SubmitField(_l("Add the derived indicator"))
