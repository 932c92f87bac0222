"""What the parser's keys say: problems of a file's structure and why a file is refused.

The parser (:mod:`portal.report_files.parse`) stores problems and rejections by key with
their parameters; they are worded here, in the user's language, each time they are shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.report_files import file_format as fmt
from portal.report_files.parse import Rejected
from portal.reports.models import Period
from portal.reports.periods import period_label, quarter_start
from portal.tabular import FileRejected
from tenants.models import OrganizationType

# Problems of the file's structure, stored by key and worded when shown.
PROBLEMS = {
    "merged": _l("the cells %(ref)s are merged; unmerge them"),
    "formula": _l("the cell holds a formula (%(formula)s); type the number itself"),
    "no_code": _l("the indicator code is missing"),
    "unknown_code": _l("there is no indicator with the code “%(code)s”"),
    "retired": _l("the indicator “%(code)s” is no longer collected"),
    "not_applicable": _l("the indicator “%(code)s” does not apply to this type of "
                         "organization (%(type)s)"),
    "duplicate_code": _l("the indicator “%(code)s” is given twice (also in row %(other)d)"),
    "unknown_column": _l("“%(code)s” is not an indicator code"),
    "duplicate_column": _l("the indicator “%(code)s” has two columns"),
    "no_org_code": _l("the organization code is missing"),
    "duplicate_org": _l("the organization %(code)s is listed twice (also in row %(other)d)"),
    "closed_org": _l("the organization %(code)s is closed"),
    "extra_values": _l("the row has more values than columns; put a number with a decimal "
                       "comma in quotes or use “;” as the separator"),
}


# Why a whole file is refused, stored by key by the parser and worded here.
REJECTIONS = {
    "municipal_file": _l("This is a municipal file with the reports of many organizations; "
                         "upload it on the municipality's page."),
    "report_file": _l("This is the file of one organization's report; upload it on that "
                      "report's page."),
    "other_organization": _l("This file is the template of another organization (code "
                             "%(other)s), not of %(code)s. Download the template of your "
                             "organization."),
    "other_municipality": _l("This file is the template of another municipality (code "
                             "%(other)s), not of %(code)s."),
    "other_quarter": _l("This file is the template for %(other)s, but you are uploading the "
                        "report for %(period)s. Download the template for %(period)s."),
    "other_period": _l("This file is the template for another period (%(other)s), but you "
                       "are uploading the report for %(period)s. Download the template for "
                       "%(period)s."),
    "missing_column": _l("The table has no column %(columns)s. Do not rename or delete the "
                         "columns of the template."),
    "missing_column_found": _l("The table has no column %(columns)s (found: %(found)s). Do "
                               "not rename or delete the columns of the template."),
    "no_values": _l("The file holds no indicator values."),
    "no_indicator_columns": _l("The table has no indicator columns: the header row must hold "
                               "the indicator codes after “%(org)s”."),
    "not_responsible": _l("Row %(row)d: the organization with the code “%(code)s” is not "
                          "among the organizations you are responsible for. The whole file "
                          "was rejected; nothing was saved."),
    "no_organizations": _l("The file lists no organization."),
}


@dataclass(frozen=True)
class RowProblem:
    """One problem, by row and column of the file, in the user's language."""

    line: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return _("Column %(col)s: %(reason)s", col=self.column, reason=self.message)
        if not self.column:
            return _("Row %(row)d: %(reason)s", row=self.line, reason=self.message)
        return _("Row %(row)d, column %(col)s: %(reason)s", row=self.line, col=self.column,
                 reason=self.message)


def structural(problem: dict) -> RowProblem:
    """A problem of the file's structure, worded."""
    params = dict(problem.get("a") or {})
    if "type" in params:
        params["type"] = OrganizationType(params["type"]).label
    return RowProblem(problem.get("l"), problem.get("k") or "",
                      str(PROBLEMS[problem["p"]]) % params)


_COLUMNS = {"code": fmt.CODE_HEADER, "value": fmt.VALUE_HEADER, "org_code": fmt.ORG_HEADER}


def rejection(rejected: Rejected, period: Period) -> FileRejected:
    """The refusal of a whole file, worded (the quarter named as the user reads it)."""
    params = {"org": fmt.ORG_HEADER, **rejected.params}
    if rejected.key == "other_quarter":
        year, quarter = params.pop("year"), params.pop("quarter")
        # A quarter the file names is worded as the Period model words its own.
        params["other"] = period_label("quarter", quarter_start(int(year), int(quarter))) \
            if year.isdigit() and quarter in ("1", "2", "3", "4") else year
        params["period"] = period.label
    if rejected.key == "other_period":
        params["other"], params["period"] = _tag_dates(str(params["other"])), period.label
    if "columns" in params:
        params["columns"] = _("“%(name)s” (%(code)s)", name=_COLUMNS[params["columns"]],
                              code=params["columns"])
    return FileRejected(str(REJECTIONS[rejected.key]) % params)


def _tag_dates(tag: str) -> str:
    """A period's file tag (20260101-20260630) as its dates, «01.01.2026–30.06.2026»."""
    found = re.fullmatch(r"(\d{4})(\d\d)(\d\d)-(\d{4})(\d\d)(\d\d)", tag)
    if not found:
        return tag[:40]
    y1, m1, d1, y2, m2, d2 = found.groups()
    return f"{d1}.{m1}.{y1}–{d2}.{m2}.{y2}"


def hidden_sheets(names: list[str] | None) -> list[str]:
    """The notice that hidden sheets of a workbook were not read (they never are)."""
    if not names:
        return []
    return [_("Hidden sheets were not read: %(names)s.",
              names=", ".join(f"«{name}»" for name in names))]
