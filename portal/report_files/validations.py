"""Excel's own checks of a template's value cells, by item kind (data validations)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from openpyxl.worksheet.datavalidation import DataValidation

from portal.catalogue.models import Indicator, Unit
from portal.documents.operations import MAX_URL_LENGTH
from portal.report_files.file_format import VALUE_HEADER
from portal.reports.values import TEXT_MAX, bounds


def _check(type_: str, operator: str | None, formula1: str, formula2: str | None = None
           ) -> DataValidation:
    return DataValidation(type=type_, operator=operator, formula1=formula1, formula2=formula2,
                          allow_blank=True)


def _bounded(indicator: Indicator, integral: bool) -> tuple[tuple, DataValidation, str]:
    """A number within the item's bounds (those of :func:`portal.reports.values.bounds`)."""
    low, high = bounds(indicator)
    low_text, high_text = (str(int(b)) if b == b.to_integral_value() else str(b)
                           for b in (low, high))
    kind = "whole" if integral else "decimal"
    return ((kind, low_text, high_text), _check(kind, "between", low_text, high_text),
            _("Enter a number from %(low)s to %(high)s.", low=low_text, high=high_text))


def _validation(indicator: Indicator) -> tuple[tuple, DataValidation]:
    """Excel's own check on a value cell, by the item's kind: whole ≥ 0, percent 0–100,
    score 1–scale, a number within its bounds, yes or no from a list, a date, a text within
    its length. The key groups the cells one check covers."""
    kind = indicator.kind
    if kind is Unit.COUNT:
        key, check = ("whole", "0", None), _check("whole", "greaterThanOrEqual", "0")
        text = _("Enter a whole number of 0 or more.")
    elif kind is Unit.PERCENT:
        key, check = ("decimal", "0", "100"), _check("decimal", "between", "0", "100")
        text = _("Enter a percentage from 0 to 100.")
    elif kind is Unit.SCORE:
        top = str(indicator.scale or 10)
        key, check = ("decimal", "1", top), _check("decimal", "between", "1", top)
        text = _("Enter an average score from 1 to %(n)s.", n=top)
    elif kind is Unit.EVIDENCE:  # a web link or «нет»: a yes/no list would refuse the link
        limit = str(MAX_URL_LENGTH)
        key, check = ("textLength", "0", limit), _check("textLength", "between", "0", limit)
        text = _("Enter a web link starting with http:// or https://, or “нет”.")
    elif kind is Unit.YES_NO:
        choices = f'"{_("yes")},{_("no")}"'
        key, check = ("list", choices, None), _check("list", None, choices)
        text = _("Choose yes or no.")
    elif kind is Unit.DATE:  # any day after 1900 (Excel counts days from 1900-01-01)
        key, check = ("date", "1", None), _check("date", "greaterThan", "1")
        text = _("Enter a date, such as 13.12.2024.")
    elif kind is Unit.TEXT:
        limit = str(min(int(indicator.max_value or TEXT_MAX), TEXT_MAX))
        key, check = ("textLength", "0", limit), _check("textLength", "between", "0", limit)
        text = _("Enter a text of at most %(n)s characters.", n=limit)
    else:
        key, check, text = _bounded(indicator, integral=False)
    check.error, check.errorTitle = text, _("Invalid value")
    check.prompt, check.promptTitle = text, str(VALUE_HEADER)
    check.showErrorMessage = check.showInputMessage = True
    return key, check


def add_validations(sheet: Any, ranges: list[tuple[Indicator, str]]) -> None:
    """Excel's own checks of the value cells: one per unit, over all the ranges of its unit."""
    validations: dict[tuple, DataValidation] = {}
    for indicator, cells in ranges:
        key, check = _validation(indicator)
        validations.setdefault(key, check).add(cells)
    for check in validations.values():
        sheet.add_data_validation(check)
