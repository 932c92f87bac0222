"""Reads of region forms: a version's items and rules, a region's forms."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.catalogue.models import (
    DerivedIndicator,
    Form,
    FormVersion,
    Indicator,
    ValidationRule,
)
from portal.extensions import db
from portal.memo import MEMO_SOURCES, memoized
from tenants.models import OrganizationType

MEMO_SOURCES.update({Form, FormVersion, Indicator, ValidationRule, DerivedIndicator})


def with_derived() -> Any:
    """The loader option of an item query bringing its version, whose derived indicators
    :attr:`Indicator.version_derived` reads (built on use: building it at import would
    configure the mappers before every model exists)."""
    return joinedload(Indicator.form_version)


def version_id_of(source: Any) -> int:
    """The form version of a period, a report, a version or a version id."""
    if isinstance(source, int):
        return source
    if isinstance(source, FormVersion):
        return source.id
    period = getattr(source, "period", source)  # a report reads its period's version
    return period.form_version_id


def indicators_for(source: Any, org_type: OrganizationType,
                   include_retired: bool = False) -> list[Indicator]:
    """The items an organization of this type reports in the version of ``source`` (a period,
    a report or a version), in form order (read once per request; the list is the caller's)."""
    version_id = version_id_of(source)
    return list(memoized(("indicators", version_id, org_type, include_retired),
                         lambda: _indicators_for(version_id, org_type, include_retired)))


def _indicators_for(version_id: int, org_type: OrganizationType,
                    include_retired: bool) -> list[Indicator]:
    stmt = _items(version_id)
    if not include_retired:
        stmt = stmt.where(Indicator.retired_at.is_(None))
    return [i for i in db.session.scalars(stmt).unique() if i.applies(org_type)]


def _items(version_id: int) -> sa.Select:
    return (sa.select(Indicator).where(Indicator.form_version_id == version_id)
            .order_by(Indicator.position, Indicator.id))  # its version: the period's


def all_indicators(source: Any) -> list[Indicator]:
    """Every item of the version of ``source``, retired ones too, in form order."""
    version_id = version_id_of(source)
    return list(memoized(("all_indicators", version_id),
                         lambda: list(db.session.scalars(_items(version_id)).unique())))


def indicators_of_versions(version_ids: set[int]) -> list[Indicator]:
    """Every item of several versions (the periods of one page), in form order."""
    return list(db.session.scalars(
        sa.select(Indicator).where(Indicator.form_version_id.in_(sorted(version_ids)))
        .order_by(Indicator.form_version_id, Indicator.position, Indicator.id)))


def active_rules(source: Any) -> list[ValidationRule]:
    """The active validation rules of the version of ``source`` (read once per request)."""
    version_id = version_id_of(source)
    return list(memoized(("rules", version_id), lambda: list(db.session.scalars(
        sa.select(ValidationRule).where(ValidationRule.active,
                                        ValidationRule.form_version_id == version_id)
        .order_by(ValidationRule.id)))))


def forms_of(region_id: int | None) -> list[Form]:
    """The region's forms (or, for None, the national templates), by code."""
    return list(db.session.scalars(sa.select(Form).filter_by(region_id=region_id)
                                   .order_by(Form.code, Form.id)))


def template_version_id(code: str = "quarterly") -> int | None:
    """The latest version of the national template with this code (what regions copy)."""
    return db.session.scalar(
        sa.select(FormVersion.id).join(Form, Form.id == FormVersion.form_id)
        .where(Form.region_id.is_(None), Form.code == code)
        .order_by(FormVersion.number.desc()).limit(1))


def derived_rows(source: Any) -> list[DerivedIndicator]:
    """Every derived indicator of the version of ``source``, in order (the editor, files)."""
    return list(db.session.scalars(
        sa.select(DerivedIndicator).where(DerivedIndicator.form_version_id == version_id_of(source))
        .order_by(DerivedIndicator.position, DerivedIndicator.id)))


def all_rules(source: Any) -> list[ValidationRule]:
    """Every validation rule of the version of ``source``, active or not, in the order the
    engine runs them (the rule editor)."""
    return list(db.session.scalars(sa.select(ValidationRule)
                                   .where(ValidationRule.form_version_id == version_id_of(source))
                                   .order_by(ValidationRule.id)))
