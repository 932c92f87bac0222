"""A chart's data as a file: CSV the way Russian Excel opens it, or XLSX."""

from __future__ import annotations

import csv
import io

from flask import Response
from flask_babel import format_datetime
from flask_babel import gettext as _

from dashboards.charts import Chart, Column, Numbers
from portal.clock import utcnow
from portal.downloads import csv_response, xlsx_response


def _csv_value(column: Column, value, decimal: str) -> str:
    if value is None:
        return ""
    if column.kind == "text":
        return str(value)
    if column.kind == "integer":
        return str(int(round(value)))
    return f"{value:.{column.decimals}f}".replace(".", decimal)


def to_csv(chart: Chart, numbers: Numbers) -> bytes:
    """UTF-8 with a BOM; semicolons and decimal commas where the decimal sign is a comma
    (what Excel expects in a Russian locale), commas and points otherwise."""
    delimiter = ";" if numbers.decimal == "," else ","
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([c.header for c in chart.columns])
    for row in chart.records():
        writer.writerow([_csv_value(c, v, numbers.decimal) for c, v in zip(chart.columns, row)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


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
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def about(chart: Chart, counted: str) -> list[tuple[str, str]]:
    changed = format_datetime(chart.changed_at, "short") if chart.changed_at else "—"
    return [(_("Chart"), chart.title), (_("Units"), chart.unit), (_("Period"), chart.period),
            (_("Data last changed"), changed), (_("Counted"), counted), (_("Note"), chart.note),
            (_("Exported"), format_datetime(utcnow(), "short"))]


def response(chart: Chart, fmt: str, basename: str, numbers: Numbers, counted: str) -> Response:
    """The chart's data as a download: XLSX, or CSV otherwise."""
    if fmt == "xlsx":
        return xlsx_response(to_xlsx(chart, about(chart, counted)), f"{basename}.xlsx")
    return csv_response(to_csv(chart, numbers), f"{basename}.csv")
