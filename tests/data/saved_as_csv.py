"""A workbook saved as CSV the way Excel and LibreOffice Calc save it.

«Save as → CSV» writes the active sheet only (the hidden metadata sheet of a template is
lost, its visible top rows are kept), every column including hidden ones, each row padded
with separators to the width of the used range, numbers as the cell shows them (a decimal
comma in Russian Excel, whose list separator is then «;»), text quoted only where it holds
the separator, a quote or a line break, lines ended by CR LF. Russian Excel's «CSV
(разделители — запятые)» is Windows-1251, its «CSV UTF-8» has a BOM; LibreOffice asks and
defaults to UTF-8 without one.
"""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

# (separator, encoding, decimal mark, padded): what each program writes by default
EXCEL_RU = (";", "cp1251", ",", True)
EXCEL_RU_UTF8 = (";", "utf-8-sig", ",", True)
EXCEL_EN_UTF8 = (",", "utf-8-sig", ".", True)
LIBREOFFICE = (",", "utf-8", ".", False)


def _shown(value: object, decimal: str) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{int(value)}" if value.is_integer() else repr(value)
        return text.replace(".", decimal)
    return str(value)


def saved_as_csv(xlsx: bytes, how: tuple[str, str, str, bool] = EXCEL_RU) -> bytes:
    """The active sheet of ``xlsx`` as the program described by ``how`` saves it as CSV."""
    separator, encoding, decimal, padded = how
    workbook = load_workbook(io.BytesIO(xlsx))
    sheet = workbook.active
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
    for row in sheet.iter_rows(min_row=1, max_row=sheet.max_row, max_col=sheet.max_column,
                               values_only=True):
        fields = [_shown(value, decimal) for value in row]
        if not padded:
            while fields and fields[-1] == "":
                fields.pop()
        writer.writerow(fields)
    workbook.close()
    return out.getvalue().encode(encoding)
