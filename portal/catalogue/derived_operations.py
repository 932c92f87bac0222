"""Writes of a form version's derived indicators (issue 11 §8): stored with a definition,
copied with the version's items, added and deleted in the editor. They validate first, then
flush; the request commits.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from portal import rules
from portal.catalogue.definition import DerivedDefinition, FormDefinition
from portal.catalogue.derived_sheet import derived_problem
from portal.catalogue.models import DerivedIndicator, Form, FormVersion, Indicator
from portal.catalogue.operations import CatalogueError, editable_version, in_editable_version
from portal.extensions import db
from portal.textcheck import too_long_for_columns

FIELDS = ("code", "label_ru", "label_en", "numerator", "denominator", "scale", "position")


def copy_derived(source: FormVersion, target: FormVersion) -> None:
    """Copy the derived indicators of ``source`` into ``target`` (a version's copy)."""
    found = db.session.scalars(sa.select(DerivedIndicator).filter_by(form_version_id=source.id)
                               .order_by(DerivedIndicator.position, DerivedIndicator.id)).all()
    db.session.add_all(DerivedIndicator(form_version_id=target.id,
                                        **{f: getattr(d, f) for f in FIELDS}) for d in found)


def store_definition_derived(version: FormVersion, definition: FormDefinition) -> None:
    """Store the definition's derived indicators in ``version`` (whose items are stored);
    a definition without any list keeps the standard ones its items allow."""
    derived = definition.derived
    if derived is None:
        present = {i.code for i in definition.items}
        derived = tuple(DerivedDefinition(d.code, _ru(d), _en(d), d.numerator, d.denominator,
                                          d.scale) for d in rules.standard_derived(present))
    kinds = {i.code: i.kind.value for i in definition.items}
    seen: set[str] = set()
    for position, d in enumerate(derived, start=1):
        problem = _problem(d.code, d.label_ru, d.label_en, d.numerator, d.denominator,
                           kinds, seen)
        if problem:
            raise CatalogueError(_("Derived indicators, row %(row)d: %(problem)s",
                                   row=d.row or position, problem=problem))
        seen.add(d.code)
        db.session.add(DerivedIndicator(
            form_version_id=version.id, code=d.code, label_ru=d.label_ru,
            label_en=d.label_en or d.label_ru, numerator=list(d.numerator),
            denominator=list(d.denominator), scale=d.scale, position=10 * position))
    db.session.flush()


def _ru(d: rules.Derived) -> str:
    with force_locale("ru"):
        return str(d.label)


def _en(d: rules.Derived) -> str:
    with force_locale("en"):
        return str(d.label)


def definition_derived(version: FormVersion, codes: set[str]) -> tuple[DerivedDefinition, ...]:
    """The version's derived indicators as plain data, in order: those whose parts are all
    among ``codes`` (the items the definition has: a retired part, no indicator)."""
    rows = db.session.scalars(sa.select(DerivedIndicator).filter_by(form_version_id=version.id)
                              .order_by(DerivedIndicator.position, DerivedIndicator.id))
    return tuple(DerivedDefinition(d.code, d.label_ru, d.label_en, tuple(d.numerator),
                                   tuple(d.denominator), d.scale)
                 for d in rows if set(d.numerator) | set(d.denominator) <= codes)


def add_derived(form: Form, *, code: str, label_ru: str, label_en: str,
                numerator: tuple[str, ...], denominator: tuple[str, ...],
                scale: int) -> DerivedIndicator:
    """Add a derived indicator at the end of the form's editable version, its parts the
    version's current items."""
    version = editable_version(form)
    kinds = {i.code: i.kind.value for i in db.session.scalars(
        sa.select(Indicator).filter_by(form_version_id=version.id)
        .where(Indicator.retired_at.is_(None)))}
    existing = db.session.scalars(sa.select(DerivedIndicator)
                                  .filter_by(form_version_id=version.id)).all()
    problem = _problem(code, label_ru, label_en, numerator, denominator, kinds,
                       {d.code for d in existing})
    if problem:
        raise CatalogueError(problem)
    row = DerivedIndicator(form_version_id=version.id, code=code, label_ru=label_ru,
                           label_en=label_en or label_ru, numerator=list(numerator),
                           denominator=list(denominator), scale=scale,
                           position=max((d.position for d in existing), default=0) + 10)
    db.session.add(row)
    db.session.flush()
    return row


def delete_derived(row: DerivedIndicator) -> None:
    """Delete a derived indicator from the form's editable version (a frozen version keeps
    it: the change goes to the copy)."""
    row = in_editable_version(row, DerivedIndicator, _(
        "The current version of the form has no derived indicator %(code)s.", code=row.code))
    db.session.delete(row)
    db.session.flush()


def _problem(code, label_ru, label_en, numerator, denominator, kinds, seen) -> str | None:
    return too_long_for_columns({_("Code"): (DerivedIndicator.code, code),
                                 _("Name in Russian"): (DerivedIndicator.label_ru, label_ru),
                                 _("Name in English"): (DerivedIndicator.label_en, label_en)}
                                ) or derived_problem(code, tuple(numerator),
                                                     tuple(denominator), kinds, seen)
