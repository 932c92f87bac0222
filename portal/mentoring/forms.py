"""Forms of the register: a participant, a consent withdrawal, a pair or group."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.mentoring.models import (
    Initiator,
    MenteeCategory,
    MentoringForm,
    MentoringType,
    PairStatus,
    ParticipantRole,
    Qualification,
)


def enum_choices(enum_cls, blank: bool = False) -> list[SelectChoice]:
    """An enum's members as choices labelled in the user's language (a blank one first)."""
    choices = [SelectChoice("", "—")] if blank else []
    return choices + [SelectChoice(member.value, member.label) for member in enum_cls]


class ParticipantForm(FlaskForm):
    """One person of the register."""

    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=255)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=255)])
    education = StringField(_l("Education"), validators=[Optional(), Length(max=500)])
    experience_years = IntegerField(_l("Pedagogical experience, years"),
                                    validators=[Optional(), NumberRange(0, 80)])
    qualification = SelectField(_l("Qualification category"))
    role = SelectField(_l("Role in mentoring"))
    mentee_category = SelectField(_l("Mentee category"))
    consent_on = DateField(_l("Consent to personal-data processing given on"),
                           validators=[Optional()])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.qualification.choices = enum_choices(Qualification, blank=True)
        self.role.choices = enum_choices(ParticipantRole)
        self.mentee_category.choices = enum_choices(MenteeCategory, blank=True)


class WithdrawForm(FlaskForm):
    """The withdrawal of consent: the person's data is removed."""

    withdrawn_on = DateField(_l("Consent withdrawn on"), validators=[InputRequired()])
    submit = SubmitField(_l("Withdraw consent and remove the data"))


class ConsentFileForm(FlaskForm):
    """The signed consent as a file; a new one replaces the current one."""

    file = FileField(_l("Signed consent (file)"), description=_l(
        "PDF, DOCX, ODT, JPEG or PNG (a scan or a photo), up to 10 MB. A new file replaces the "
        "current one."))
    submit = SubmitField(_l("Upload the consent"))


class RegisterImportForm(FlaskForm):
    """A register file in the template's format."""

    file = FileField(_l("XLSX file"), description=_l(
        "The template filled in, or an export of the register. Every line is checked; nothing "
        "is imported while any line has a problem."))
    submit = SubmitField(_l("Import"))


class PairForm(FlaskForm):
    """A pair or group; the people are chosen from the register."""

    mentors = SelectMultipleField(_l("Mentors"), coerce=int)
    mentees = SelectMultipleField(_l("Mentees"), coerce=int)
    form = SelectField(_l("Form of mentoring"))
    type = SelectField(_l("Type of mentoring"))
    starts_on = DateField(_l("Start"), validators=[InputRequired()])
    planned_end_on = DateField(_l("Planned end"), validators=[Optional()])
    order_number = StringField(_l("Number of the order on assignment"),
                               validators=[Optional(), Length(max=100)])
    order_date = DateField(_l("Date of the order"), validators=[Optional()])
    status = SelectField(_l("Status"))
    ended_on = DateField(_l("Ended on"), validators=[Optional()])
    ended_by = SelectField(_l("Ended early at the initiative of"))
    end_reason = TextAreaField(_l("Reason of the early end"),
                               validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})
    submit = SubmitField(_l("Save"))

    def __init__(self, people, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.mentors.choices = [SelectChoice(p.id, p.display_name) for p in people
                                if p.is_mentor]
        self.mentees.choices = [SelectChoice(p.id, p.display_name) for p in people
                                if p.is_mentee]
        self.form.choices = enum_choices(MentoringForm)
        self.type.choices = enum_choices(MentoringType)
        self.status.choices = enum_choices(PairStatus)
        self.ended_by.choices = enum_choices(Initiator, blank=True)
