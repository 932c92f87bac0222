"""Forms of the documents register."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional

from portal.documents.models import DOCUMENT_KIND_LABELS


class UploadForm(FlaskForm):
    """A new version of one document: the file and/or link with the approving order."""

    kind = SelectField(_l("Document"),
                       choices=[SelectChoice(kind.value, label)
                                for kind, label in DOCUMENT_KIND_LABELS.items()])
    order_number = StringField(_l("Number of the approving order"),
                               validators=[Optional(), Length(max=100)])
    order_date = DateField(_l("Date of the order"), validators=[Optional()])
    file = FileField(_l("File"), description=_l(
        "PDF, DOCX, ODT, XLSX, JPEG or PNG, up to 10 MB. A new file replaces the current one; "
        "the old one stays in the history."))
    url = StringField(_l("Link"), validators=[Optional(), Length(max=2000)],
                      description=_l("For example, the address of the «Mentoring» section of "
                                     "the website: https://…"))
    submit = SubmitField(_l("Save"))
