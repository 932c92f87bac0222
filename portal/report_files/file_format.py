"""What the report files look like: sheets, headers, metadata, the names accepted on upload.

Shared by the writer of templates and exports (:mod:`portal.report_files.workbooks`) and the pure
reader of uploads (:mod:`portal.report_files.parse`); nothing here needs the database.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal import tabular

# Written in the user's language (the names are msgids, portal/translations has the Russian);
# read back in either, so that a template downloaded in English can be uploaded by anyone.
REPORT_SHEET = _l("Report")
BULK_SHEET = _l("Reports")
EXPORT_SHEET = _l("Reports of the organizations")
INSTRUCTIONS_SHEET = _l("Instructions")
META_SHEET = "_meta"  # hidden: what the template is for, checked on upload
DATA_SHEETS = ("Отчёт", "Отчёты", "Report", "Reports")
SKIPPED_SHEETS = ("Инструкция", "Instructions")

FORMAT_REPORT = "report"
FORMAT_BULK = "municipal"

CODE_HEADER = _l("Indicator code")
VALUE_HEADER = _l("Value")
PREVIOUS_HEADER = _l("Value for the previous quarter")
PREVIOUS_PERIOD_HEADER = _l("Value for the previous period")
REPORT_HEADERS = [CODE_HEADER, _l("Section"), _l("Indicator"), _l("Unit"), VALUE_HEADER,
                  PREVIOUS_HEADER]
ORG_HEADER = _l("Organization code")
ORG_NAME_HEADER = _l("Organization name")
ORG_TYPE_HEADER = _l("Organization type")
STATE_HEADER = _l("Report state")

# Header names accepted on upload (compared after normalizing case, spaces and ё).
CODE_ALIASES = {"код показателя", "code", "indicator", "indicator code", "indicator_code"}
VALUE_ALIASES = {"значение", "value"}
ORG_ALIASES = {"код организации", "org_code", "organization_code", "organization code",
               "код оо"}
IGNORED_BULK_COLUMNS = {"наименование организации", "наименование", "организация", "name",
                        "organization", "organization name", "тип организации", "тип", "type",
                        "organization type", "состояние отчета", "state", "report state"}


def read_grid(data: bytes, filename: str) -> tabular.Grid:
    """Read an uploaded report file: the data sheet of our templates, their metadata."""
    return tabular.read_grid(data, filename, prefer=DATA_SHEETS,
                             skip=SKIPPED_SHEETS, meta_sheet=META_SHEET)
