"""A chart's data as a file: CSV the way Russian Excel opens it, or XLSX."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import Response
from flask_babel import gettext as _
from flask_babel import to_user_timezone

from dashboards.charts import Chart, Column, Numbers
from portal import sheets
from portal.clock import utcnow
from portal.downloads import csv_response, xlsx_response


def _csv_value(column: Column, value):
    """A number rounded as the table shows it (still a number), text as it is."""
    if value is None or column.kind == "text":
        return value
    if column.kind == "integer":
        return int(round(value))
    return Decimal(f"{value:.{column.decimals}f}")


def to_csv(chart: Chart, numbers: Numbers) -> bytes:
    """UTF-8 with a BOM; semicolons and decimal commas where the decimal sign is a comma
    (what Excel expects in a Russian locale), commas and points otherwise."""
    delimiter = ";" if numbers.decimal == "," else ","
    rows = [[c.header for c in chart.columns]]
    rows += [[_csv_value(c, v) for c, v in zip(chart.columns, row)] for row in chart.records()]
    text = sheets.csv_text(rows, delimiter=delimiter, decimal=numbers.decimal)
    return ("\ufeff" + text).encode("utf-8")


def to_xlsx(chart: Chart, about: list[tuple[str, str]]) -> bytes:
    """The table on the first sheet (numbers as numbers), what it is on the second."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Data")[:31]
    sheet.append([c.header for c in chart.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    formats = [None if c.kind == "text" else ("0" if c.kind == "integer" or not c.decimals
                                               else "0." + "0" * c.decimals)
               for c in chart.columns]
    for row in chart.records():
        sheet.append(row)
        for cell, number_format in zip(sheet[sheet.max_row], formats):
            if number_format and cell.value is not None:
                cell.number_format = number_format
    for i, column in enumerate(chart.columns, start=1):
        cells = [len(str(r[i - 1] or "")) for r in chart.records()[:200]]
        width = max([len(column.header), *cells])
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = min(60, max(10, width + 2))
    info = workbook.create_sheet(_("About")[:31])
    for key, value in about:
        info.append([key, value])
    info.column_dimensions["A"].width = 28
    info.column_dimensions["B"].width = 100
    return sheets.xlsx_bytes(workbook)


def _local(moment: datetime) -> datetime:
    """A UTC moment as a date cell shows it: the user's wall-clock time, without a zone."""
    return to_user_timezone(moment).replace(tzinfo=None, second=0, microsecond=0)


def about(chart: Chart, counted: str) -> list[tuple[str, object]]:
    """What the exported table is (the XLSX's second sheet); the moments are date cells."""
    changed = _local(chart.changed_at) if chart.changed_at else "—"
    return [(_("Chart"), chart.title), (_("Units"), chart.unit), (_("Period"), chart.period),
            (_("Data last changed"), changed), (_("Counted"), counted), (_("Note"), chart.note),
            (_("Exported"), _local(utcnow()))]


def response(chart: Chart, fmt: str, basename: str, numbers: Numbers, counted: str) -> Response:
    """The chart's data as a download: XLSX, or CSV otherwise."""
    if fmt == "xlsx":
        return xlsx_response(to_xlsx(chart, about(chart, counted)), f"{basename}.xlsx")
    return csv_response(to_csv(chart, numbers), f"{basename}.csv")
