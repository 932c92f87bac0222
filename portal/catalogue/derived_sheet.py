"""The optional sheet «Производные» of a definition file: the form's derived indicators.

One row per indicator: ``code, label_ru, label_en, numerator, denominator, unit``, the
numerator and denominator each a comma list of item codes of the same form (summed: the
indicator is sum(numerator) / sum(denominator), never an average), ``unit`` ``percent``
(times 100) or ``ratio`` (as is, e.g. mentees per mentor). A file without the sheet keeps
the standard derived indicators whose items the form has; a sheet without rows: none.

The rows are checked with the items of the same file (every problem with its line, the file
refused whole), and by :func:`derived_problem` again when any definition is stored.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook

from portal import tabular
from portal.catalogue.definition import DerivedDefinition, ItemKind
from portal.tabular import FileRejected

DERIVED_SHEET = "Производные"
DERIVED_COLUMNS = ("code", "label_ru", "label_en", "numerator", "denominator", "unit")
UNITS = {"percent": 100, "ratio": 1}


def derived_problem(code: str, numerator: tuple[str, ...], denominator: tuple[str, ...],
                    kinds: dict[str, str], seen: set[str]) -> str | None:
    """What is wrong with a derived indicator of a form whose items are ``kinds`` (code →
    kind value) besides the ``seen`` derived codes; None when it can be stored."""
    if code in seen:
        return _("the code %(code)s is used twice.", code=code)
    if code in kinds:
        return _("the code %(code)s is the code of an item.", code=code)
    if not numerator or not denominator:
        return _("both the numerator and the denominator need at least one item.")
    parts = list(dict.fromkeys(numerator + denominator))
    unknown = [c for c in parts if c not in kinds]
    if unknown:
        return _("the form has no items %(codes)s.", codes=", ".join(unknown))
    words = [c for c in parts if not _numeric(kinds[c])]
    if words:
        return _("the items %(codes)s are not numbers and cannot be summed.",
                 codes=", ".join(words))
    return None


def _numeric(kind: str) -> bool:
    try:
        return ItemKind(kind).is_numeric
    except ValueError:
        return False


def codes_of(text: str) -> tuple[str, ...]:
    """The item codes of a comma (or semicolon) list, in order, each once."""
    parts = (p.strip() for p in text.replace(";", ",").split(","))
    return tuple(dict.fromkeys(p for p in parts if p))


def has_sheet(data: bytes) -> bool:
    """Whether the workbook has the sheet (it is optional; a damaged file is refused by the
    other sheets' reading)."""
    try:
        return tabular.read_grid(data, "form.xlsx", prefer=(DERIVED_SHEET,)).sheet == DERIVED_SHEET
    except FileRejected:
        return False


def read_derived(reader: Any) -> tuple[DerivedDefinition, ...] | None:
    """The sheet's rows (None without the sheet); problems go to ``reader`` (the definition
    file's :class:`~portal.catalogue.definition_file._Reader`, which knows the items)."""
    from portal.catalogue.definition_file import _code, _required_text, _text

    if reader.data[:4] != b"PK\x03\x04" or not has_sheet(reader.data):
        return None
    parsers = {"code": _code, "label_ru": _required_text, "label_en": _text,
               "numerator": _required_text, "denominator": _required_text, "unit": _unit}
    found: list[DerivedDefinition] = []
    seen: set[str] = set()
    for line, cells in reader.rows(DERIVED_SHEET, DERIVED_COLUMNS, ()):
        fields, ok = reader.fields(DERIVED_SHEET, line, cells, parsers)
        if not ok:
            continue
        numerator, denominator = codes_of(fields["numerator"]), codes_of(fields["denominator"])
        problem = derived_problem(fields["code"], numerator, denominator, reader.kinds, seen)
        if problem:
            reader.refuse(DERIVED_SHEET, line, problem)
            continue
        seen.add(fields["code"])
        found.append(DerivedDefinition(fields["code"], fields["label_ru"],
                                       fields["label_en"] or fields["label_ru"], numerator,
                                       denominator, fields["unit"], row=line))
    return tuple(found)


def _unit(cell: Any) -> int:
    from portal.catalogue.definition_file import _Bad, _required_text

    text = _required_text(cell).lower()
    if text not in UNITS:
        raise _Bad(_("«%(value)s» is not one of: %(options)s", value=text,
                     options=", ".join(UNITS)))
    return UNITS[text]


def write_derived(workbook: Workbook, derived: tuple[DerivedDefinition, ...] | None) -> None:
    """Add the sheet to ``workbook`` (a stored form always has a list, maybe empty, so its
    file says which ones it has; a definition without any list has no sheet)."""
    if derived is None:
        return
    sheet = workbook.create_sheet(DERIVED_SHEET)
    sheet.append(list(DERIVED_COLUMNS))
    for d in derived or ():
        sheet.append([d.code, d.label_ru, d.label_en, ", ".join(d.numerator),
                      ", ".join(d.denominator), d.unit])
    for index, width in enumerate((24, 50, 40, 40, 40, 9)):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
