"""Writes of the form editor (issue 11 §1, §3): an item's fields, its place, a rule's edit.

Every change goes to the form's editable version (:func:`operations.editable_version`): an
item or rule of a frozen version is found again, by its code, in the copy the change makes,
so periods opened earlier keep the items and rules they were opened with. The functions
check first, then flush; the request commits.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.catalogue import operations
from portal.catalogue.definition import NUMERIC_KINDS, PRESENCE_KINDS, ItemKind
from portal.catalogue.models import Form, Indicator, ValidationRule
from portal.catalogue.operations import CatalogueError
from portal.extensions import db
from portal.textcheck import too_long_for_columns

# The fields of an item the editor changes; the code stays: it names the item in every
# version, in stored values and in the rules.
EDITABLE_FIELDS = ("section", "label_ru", "label_en", "kind", "unit_ru", "unit_en",
                   "applies_to", "required", "min_value", "max_value", "scale", "presence",
                   "help_ru", "help_en")


def editable_item(indicator: Indicator) -> Indicator:
    """The item with ``indicator``'s code in its form's editable version (itself when its
    version is the editable one); refused when the editable version has no such item."""
    return operations.in_editable_version(indicator, Indicator, _(
        "The current version of the form has no item %(code)s.", code=indicator.code))


def editable_rule(rule: ValidationRule) -> ValidationRule:
    """The rule with ``rule``'s code in its form's editable version (see :func:`editable_item`)."""
    return operations.in_editable_version(rule, ValidationRule, _(
        "The current version of the form has no rule %(code)s.", code=rule.code))


def item_problem(fields: dict[str, Any]) -> str | None:
    """Why these item fields cannot be stored together, or None."""
    kind = ItemKind(fields["kind"])
    low, high = fields.get("min_value"), fields.get("max_value")
    if fields.get("scale") is not None and kind is not ItemKind.SCORE:
        return _("only a score has a scale.")
    if kind is ItemKind.SCORE and not 2 <= (fields.get("scale") or 10) <= 100:
        return _("a score's scale runs from 2 to 100.")
    if fields.get("presence") and kind not in PRESENCE_KINDS:
        return _("only yes/no and evidence items are on the presence checklist.")
    if low is not None and high is not None and low > high:
        return _("the lower bound is above the upper bound.")
    if (low is not None or high is not None) and kind not in NUMERIC_KINDS | {ItemKind.TEXT}:
        return _("only numbers and texts have bounds.")
    if not fields.get("applies_to"):
        return _("choose at least one organization type.")
    return too_long_for_columns({_("Name in Russian"): (Indicator.label_ru, fields["label_ru"]),
                                 _("Name in English"): (Indicator.label_en, fields["label_en"]),
                                 _("Section"): (Indicator.section, fields["section"]),
                                 _("Unit"): (Indicator.unit_ru, fields.get("unit_ru") or "")})


def _with_defaults(fields: dict[str, Any]) -> dict[str, Any]:
    """Bounds and scale as the kind gives them when the editor left them empty."""
    kind = ItemKind(fields["kind"])
    low, high = operations.KIND_RANGES.get(kind, (None, None))
    fields = dict(fields)
    if kind is ItemKind.SCORE:
        fields["scale"] = fields.get("scale") or 10
        high = Decimal(fields["scale"])
    if fields.get("min_value") is None:
        fields["min_value"] = low
    if fields.get("max_value") is None:
        fields["max_value"] = high
    return fields


def add_item(form: Form, code: str, fields: dict[str, Any]) -> Indicator:
    """A new item at the end of the form's editable version, every field as given."""
    problem = item_problem(fields)
    if problem:
        raise CatalogueError(problem)
    fields = _with_defaults(fields)
    return operations.add_indicator(form, code=code, **fields)


def update_item(indicator: Indicator, fields: dict[str, Any]) -> Indicator:
    """Change an item's fields in the editable version; returns the row changed."""
    problem = item_problem(fields)
    if problem:
        raise CatalogueError(problem)
    item = editable_item(indicator)
    for name, value in _with_defaults(fields).items():
        if name in EDITABLE_FIELDS:
            setattr(item, name, sorted(value) if name == "applies_to" else value)
    db.session.flush()
    return item


def move_item(indicator: Indicator, step: int) -> Indicator:
    """Move an item one place up (``step`` -1) or down (+1) in the editable version's order."""
    item = editable_item(indicator)
    items = list(db.session.scalars(sa.select(Indicator).filter_by(
        form_version_id=item.form_version_id).order_by(Indicator.position, Indicator.id)))
    index = items.index(item)
    target = index + (1 if step > 0 else -1)
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
        for position, row in enumerate(items, start=1):
            row.position = position * 10  # renumbered: equal positions never tie again
        db.session.flush()
    return item


def restore_item(indicator: Indicator) -> Indicator:
    """Bring a retired item back into the editable version."""
    item = editable_item(indicator)
    item.retired_at = None
    db.session.flush()
    return item
