"""Writes of region forms: versions, items, copies of templates; they validate first, then
flush; the request commits.

A version is frozen when a period of it opens (:func:`freeze`) and never changes after:
every change goes through :func:`editable_version`, which copies a frozen version into the
next one, so periods opened earlier keep reading the items they were opened with.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.catalogue.definition import (
    PRESENCE_KINDS,
    FormDefinition,
    ItemDefinition,
    ItemKind,
    Periodicity,
    RuleDefinition,
)
from portal.catalogue.models import (
    DerivedIndicator,
    Form,
    FormVersion,
    Indicator,
    ValidationRule,
)
from portal.clock import utcnow
from portal.extensions import db
from portal.refusals import Refusal
from portal.textcheck import too_long_for_columns
from tenants.models import Region

QUARTERLY = "quarterly"  # the code of the form every region reports each quarter
KIND_RANGES = {ItemKind.COUNT: (0, None), ItemKind.PERCENT: (0, 100), ItemKind.SCORE: (1, 10)}
ITEM_FIELDS = ("code", "label_ru", "label_en", "kind", "unit_ru", "unit_en", "help_ru",
               "help_en", "required", "scale", "presence", "document_kind", "section",
               "position", "applies_to", "type_labels", "breakdown", "min_value", "max_value",
               "retired_at")
RULE_FIELDS = ("code", "kind", "severity", "expression", "threshold", "threshold_absolute",
               "message_ru", "message_en", "active")


class CatalogueError(Refusal):
    """A change of a form that cannot be made; the message says why."""


def latest_version(form: Form) -> FormVersion:
    """The form's newest version (the one the next period opens with)."""
    return db.session.scalars(sa.select(FormVersion).filter_by(form_id=form.id)
                              .order_by(FormVersion.number.desc())).first()


def editable_version(form: Form) -> FormVersion:
    """The version a change of the form goes to: the latest one, or, when that one is frozen
    (a period opened with it), a new copy of it with the next number."""
    current = latest_version(form)
    if current is not None and not current.frozen:
        return current
    version = FormVersion(form_id=form.id, number=(current.number + 1) if current else 1)
    db.session.add(version)
    db.session.flush()
    if current is not None:
        copy_items(current, version)
    return version


def in_editable_version(row, model, missing: str):
    """The row of ``model`` with ``row``'s code in its form's editable version (``row``
    itself when its version is the editable one); refused with ``missing`` when none."""
    version = editable_version(row.form_version.form)
    if version.id == row.form_version_id:
        return row
    found = db.session.scalars(sa.select(model).filter_by(
        form_version_id=version.id, code=row.code)).first()
    if found is None:
        raise CatalogueError(missing)
    return found


def freeze(version: FormVersion) -> None:
    """Freeze a version: a period opens with it, so its items and rules never change again."""
    version.frozen_at = version.frozen_at or utcnow()
    db.session.flush()


def copy_items(source: FormVersion, target: FormVersion) -> None:
    """Copy every item and rule of ``source`` into ``target`` (same codes, same order)."""
    items = db.session.scalars(sa.select(Indicator).filter_by(form_version_id=source.id)
                               .order_by(Indicator.position, Indicator.id)).all()
    db.session.add_all(Indicator(form_version_id=target.id,
                                 **{f: getattr(i, f) for f in ITEM_FIELDS}) for i in items)
    found = db.session.scalars(sa.select(ValidationRule).filter_by(form_version_id=source.id)
                               .order_by(ValidationRule.id)).all()
    db.session.add_all(ValidationRule(form_version_id=target.id,
                                      **{f: getattr(r, f) for f in RULE_FIELDS}) for r in found)
    from portal.catalogue import derived_operations  # it builds on this module's refusals

    derived_operations.copy_derived(source, target)
    db.session.flush()


def template(code: str = QUARTERLY) -> Form | None:
    """The national template with this code."""
    return db.session.scalars(sa.select(Form).filter_by(region_id=None, code=code)
                              .order_by(Form.id)).first()


def copy_template(region: Region, source: Form) -> Form:
    """Give the region its own copy of a template (or of another form): version 1, unfrozen."""
    if find_form(region, source.code) is not None:
        raise CatalogueError(_("The region already has a form with this code."))
    form = Form(region_id=region.id, code=source.code, name_ru=source.name_ru,
                name_en=source.name_en, periodicity=source.periodicity,
                applies_to=list(source.applies_to), jump_relative=source.jump_relative,
                jump_absolute=source.jump_absolute)
    db.session.add(form)
    db.session.flush()
    version = FormVersion(form_id=form.id, number=1)
    db.session.add(version)
    db.session.flush()
    copy_items(latest_version(source), version)
    return form


def find_form(region: Region, code: str) -> Form | None:
    """The region's form with this code."""
    return db.session.scalars(sa.select(Form).filter_by(region_id=region.id, code=code)).first()


def quarterly_form(region: Region) -> Form:
    """The region's quarterly form, copied from the national template on first use."""
    form = find_form(region, QUARTERLY)
    if form is not None:
        return form
    source = template(QUARTERLY)
    if source is None:
        raise CatalogueError(_("There is no quarterly form to copy."))
    return copy_template(region, source)


def create_form(region: Region | None, *, code: str, name_ru: str, name_en: str,
                periodicity: Periodicity, applies_to: list[str]) -> Form:
    """A new empty form of the region (version 1, no items yet)."""
    if region is not None and find_form(region, code) is not None:
        raise CatalogueError(_("The region already has a form with this code."))
    form = Form(region_id=region.id if region else None, code=code, name_ru=name_ru,
                name_en=name_en, periodicity=periodicity, applies_to=list(applies_to))
    db.session.add(form)
    db.session.flush()
    db.session.add(FormVersion(form_id=form.id, number=1))
    db.session.flush()
    return form


def add_indicator(form: Form, *, code: str, label_ru: str, label_en: str, kind: ItemKind,
                  section: str, applies_to: list[str], **fields) -> Indicator:
    """Add an item at the end of the form's editable version; codes stay unique in it."""
    problem = too_long_for_columns({_("Code"): (Indicator.code, code),
                                    _("Name in Russian"): (Indicator.label_ru, label_ru),
                                    _("Name in English"): (Indicator.label_en, label_en)})
    if problem:
        raise CatalogueError(problem)
    version = editable_version(form)
    if db.session.scalar(sa.select(Indicator.id).filter_by(
            form_version_id=version.id, code=code)) is not None:
        raise CatalogueError(_("An indicator with this code already exists."))
    low, high = KIND_RANGES.get(ItemKind(kind), (None, None))
    last = db.session.scalar(sa.select(sa.func.max(Indicator.position))
                             .filter_by(form_version_id=version.id)) or 0
    fields.setdefault("min_value", low)
    fields.setdefault("max_value", high)
    if kind == ItemKind.SCORE:
        fields.setdefault("scale", 10)
    indicator = Indicator(form_version_id=version.id, code=code, label_ru=label_ru,
                          label_en=label_en, kind=ItemKind(kind), section=section,
                          applies_to=list(applies_to), type_labels={}, position=last + 10,
                          **fields)
    db.session.add(indicator)
    db.session.flush()
    return indicator


def retire_indicator(indicator: Indicator) -> Indicator:
    """Retire an item in the form's editable version: history stays, periods opened from now
    on no longer show it. Returns the retired row (a copy when the version was frozen)."""
    version = editable_version(indicator.form_version.form)
    if version.id != indicator.form_version_id:
        indicator = db.session.scalars(sa.select(Indicator).filter_by(
            form_version_id=version.id, code=indicator.code)).one()
    indicator.retired_at = indicator.retired_at or utcnow()
    db.session.flush()
    return indicator


# -- definitions (issue 11 §7): a form as plain data, in and out -----------------------------

def import_definition(region: Region | None, definition: FormDefinition) -> FormVersion:
    """Store ``definition`` as the region's form: a new form, or the next version of the
    region's form with that code (the open, unfrozen version is replaced in place). Items in
    order with their sections; refused whole, naming the row, when something does not fit.

    Rules are checked against the items and stored with them; the jump warning becomes the
    version's jump rule (the one the validation engine runs).
    """
    _check_definition(definition)
    form = find_form(region, definition.code) if region is not None else None
    if form is None:
        form = create_form(region, code=definition.code, name_ru=definition.name_ru,
                           name_en=definition.name_en, periodicity=definition.periodicity,
                           applies_to=sorted(definition.applies_to))
    form.name_ru, form.name_en = definition.name_ru, definition.name_en
    form.periodicity, form.applies_to = definition.periodicity, sorted(definition.applies_to)
    form.jump_relative, form.jump_absolute = definition.jump_relative, definition.jump_absolute
    version = _empty_version(form)
    db.session.add_all(_item(version, position, item)
                       for position, item in enumerate(definition.items, start=1))
    db.session.flush()
    store_rules(version, definition.rules, (definition.jump_relative, definition.jump_absolute))
    from portal.catalogue import derived_operations  # it builds on this module's refusals

    derived_operations.store_definition_derived(version, definition)
    return version


def store_rules(version: FormVersion, rules: tuple[RuleDefinition, ...],
                jump: tuple[Decimal | None, Decimal | None] = (None, None)) -> None:
    """Store a definition's rules in ``version`` (see :mod:`portal.catalogue.rule_operations`)."""
    from portal.catalogue import rule_operations  # it builds on this module's refusals

    rule_operations.store_definition_rules(version, rules, jump)


def definition_of(version: FormVersion) -> FormDefinition:
    """A stored version as plain data: items in form order, rules, the jump warning."""
    from portal.catalogue import rule_operations  # it builds on this module's refusals

    form = version.form
    items = db.session.scalars(sa.select(Indicator).filter_by(form_version_id=version.id)
                               .where(Indicator.retired_at.is_(None))
                               .order_by(Indicator.position, Indicator.id)).all()
    from portal.catalogue import derived_operations

    rules, jump = rule_operations.definition_rules(version)
    return FormDefinition(
        code=form.code, name_ru=form.name_ru, name_en=form.name_en,
        periodicity=Periodicity(form.periodicity), applies_to=frozenset(form.applies_to),
        items=tuple(_item_definition(i) for i in items), rules=rules,
        jump_relative=jump[0] if jump else None, jump_absolute=jump[1] if jump else None,
        derived=derived_operations.definition_derived(version, {i.code for i in items}))


def _empty_version(form: Form) -> FormVersion:
    current = latest_version(form)
    if current is not None and not current.frozen:  # no period reads it: replaced in place
        for model in (Indicator, ValidationRule, DerivedIndicator):
            db.session.execute(sa.delete(model).where(model.form_version_id == current.id))
        return current
    version = FormVersion(form_id=form.id, number=(current.number + 1) if current else 1)
    db.session.add(version)
    db.session.flush()
    return version


def _item(version: FormVersion, position: int, item: ItemDefinition) -> Indicator:
    low, high = KIND_RANGES.get(item.kind, (None, None))
    return Indicator(
        form_version_id=version.id, code=item.code, label_ru=item.label_ru,
        label_en=item.label_en or item.label_ru, kind=item.kind, unit_ru=item.unit_ru,
        unit_en=item.unit_en, help_ru=item.help_ru, help_en=item.help_en,
        required=item.required, scale=item.scale, presence=item.presence,
        document_kind=item.document_kind, section=item.section, position=position * 10,
        applies_to=sorted(item.applies_to),
        type_labels={}, min_value=item.min_value if item.min_value is not None else low,
        max_value=item.max_value if item.max_value is not None else high)


def _item_definition(item: Indicator) -> ItemDefinition:
    return ItemDefinition(
        code=item.code, section=item.section, label_ru=item.label_ru, label_en=item.label_en,
        kind=ItemKind(item.kind), unit_ru=item.unit_ru, unit_en=item.unit_en,
        applies_to=frozenset(item.applies_to or ()), required=item.required,
        min_value=item.min_value, max_value=item.max_value, scale=item.scale,
        presence=item.presence, help_ru=item.help_ru, help_en=item.help_en,
        document_kind=item.document_kind)


def _check_definition(definition: FormDefinition) -> None:
    """Refuse a definition whose items cannot be stored, naming the first bad row."""
    seen: set[str] = set()
    for item in definition.items:
        problem = _item_problem(item, seen)
        if problem:
            raise CatalogueError(_("Row %(row)d: %(problem)s", row=item.row, problem=problem))
        seen.add(item.code)


def _item_problem(item: ItemDefinition, seen: set[str]) -> str | None:
    if item.code in seen:
        return _("the code %(code)s is used twice.", code=item.code)
    if item.scale is not None and item.kind is not ItemKind.SCORE:
        return _("only a score has a scale.")
    if item.presence and item.kind not in PRESENCE_KINDS:
        return _("only yes/no and evidence items are on the presence checklist.")
    return too_long_for_columns({_("Code"): (Indicator.code, item.code),
                                 _("Name in Russian"): (Indicator.label_ru, item.label_ru),
                                 _("Name in English"): (Indicator.label_en, item.label_en),
                                 _("Section"): (Indicator.section, item.section),
                                 _("Unit"): (Indicator.unit_ru, item.unit_ru)})
