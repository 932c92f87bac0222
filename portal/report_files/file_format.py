"""What the report files look like: sheets, headers, metadata, the names accepted on upload.

Shared by the writer of templates and exports (:mod:`portal.report_files.workbooks`) and the pure
reader of uploads (:mod:`portal.report_files.parse`); nothing here needs the database.
"""

from __future__ import annotations

from portal import tabular

REPORT_SHEET = "Отчёт"
BULK_SHEET = "Отчёты"
EXPORT_SHEET = "Отчёты организаций"
INSTRUCTIONS_SHEET = "Инструкция"
META_SHEET = "_meta"  # hidden: what the template is for, checked on upload

FORMAT_REPORT = "report"
FORMAT_BULK = "municipal"

CODE_HEADER = "Код показателя"
VALUE_HEADER = "Значение"
PREVIOUS_HEADER = "Значение за прошлый квартал"
REPORT_HEADERS = [CODE_HEADER, "Раздел", "Показатель", "Единица", VALUE_HEADER, PREVIOUS_HEADER]
ORG_HEADER = "Код организации"
ORG_NAME_HEADER = "Наименование организации"
ORG_TYPE_HEADER = "Тип организации"
STATE_HEADER = "Состояние отчёта"

# Header names accepted on upload (compared after normalizing case, spaces and ё).
CODE_ALIASES = {"код показателя", "code", "indicator", "indicator code", "indicator_code"}
VALUE_ALIASES = {"значение", "value"}
ORG_ALIASES = {"код организации", "org_code", "organization_code", "organization code",
               "код оо"}
IGNORED_BULK_COLUMNS = {"наименование организации", "наименование", "организация", "name",
                        "organization", "тип организации", "тип", "type", "состояние отчета",
                        "state"}


def read_grid(data: bytes, filename: str) -> tabular.Grid:
    """Read an uploaded report file: the data sheet of our templates, their metadata."""
    return tabular.read_grid(data, filename, prefer=(REPORT_SHEET, BULK_SHEET),
                             skip=(INSTRUCTIONS_SHEET,), meta_sheet=META_SHEET)
