"""Writes of the indicator catalogue: they validate first, then flush; the request commits."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.catalogue.models import Indicator, Unit
from portal.clock import utcnow
from portal.extensions import db
from portal.refusals import Refusal
from portal.textcheck import too_long_for_columns


class CatalogueError(Refusal):
    """A change of the catalogue that cannot be made; the message says why."""


def add_indicator(*, code: str, label_ru: str, label_en: str, unit: Unit, section: str,
                  applies_to: list[str]) -> Indicator:
    """Add an indicator at the end of the catalogue; codes stay unique."""
    problem = too_long_for_columns({_("Code"): (Indicator.code, code),
                                    _("Name in Russian"): (Indicator.label_ru, label_ru),
                                    _("Name in English"): (Indicator.label_en, label_en)})
    if problem:
        raise CatalogueError(problem)
    if db.session.scalar(sa.select(Indicator.id).filter_by(code=code)) is not None:
        raise CatalogueError(_("An indicator with this code already exists."))
    low, high = {Unit.COUNT: (0, None), Unit.PERCENT: (0, 100), Unit.SCORE: (1, 10)}[unit]
    last = db.session.scalar(sa.select(sa.func.max(Indicator.position))) or 0
    indicator = Indicator(code=code, label_ru=label_ru, label_en=label_en, unit=unit,
                          section=section, applies_to=applies_to, type_labels={},
                          position=last + 10, min_value=low, max_value=high)
    db.session.add(indicator)
    db.session.flush()
    return indicator


def retire_indicator(indicator: Indicator) -> None:
    """Retire: history stays, new forms no longer show the indicator."""
    indicator.retired_at = indicator.retired_at or utcnow()
    db.session.flush()
