"""Forms of the administration pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from tenants.models import ORGANIZATION_TYPE_LABELS, ROLE_LABELS, SUBORDINATION_LABELS


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(member.value, label) for member, label in labels.items()]


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=_choices(ROLE_LABELS))
    scope_code = StringField(
        _l("Code of the region, municipality or organization"),
        validators=[Optional(), Length(max=32)],
        description=_l("Not needed for administrators."),
    )
    submit = SubmitField(_l("Assign role"))


class UserCreateForm(RoleForm):
    login = StringField(_l("Login"), validators=[DataRequired(), Length(max=64)])
    full_name = StringField(_l("Last name, first name, patronymic"),
                            validators=[Optional(), Length(max=255)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=255)])
    submit = SubmitField(_l("Create account"))


class ActionForm(FlaskForm):
    """A form with only a CSRF token, for POST buttons."""

    submit = SubmitField()


class OrganizationForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=500)])
    short_name = StringField(_l("Short name"), validators=[DataRequired(), Length(max=255)])
    type = SelectField(_l("Type"), choices=_choices(ORGANIZATION_TYPE_LABELS))
    subordination = SelectField(_l("Subordination"), choices=_choices(SUBORDINATION_LABELS))
    municipality_id = SelectField(_l("Municipality"), coerce=int, choices=[])
    submit = SubmitField(_l("Save"))
