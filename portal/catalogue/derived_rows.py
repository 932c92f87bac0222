"""The derived indicators of a form version, read without multiplying the items' rows.

A version's derived indicators used to come joined to every one of its items: 80 items and
five derived indicators made 400 rows and 800 JSON decodings in each request of the
deadline's hot path, about a third of its CPU time. A frozen version never changes
(portal.catalogue.operations), so its definitions are read once per worker process and kept
as plain values; the editable version's are read once per transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.memo import memoized

# Frozen versions' definitions: (version id, frozen at) → rows. The moment of freezing is
# part of the key, so a version id that a rolled-back transaction handed out and a later one
# reused never finds another version's rows.
_FROZEN: dict[tuple[int, datetime], tuple[DerivedRow, ...]] = {}
_FROZEN_LIMIT = 512  # versions kept per process; beyond it the store starts afresh


@dataclass(frozen=True)
class DerivedRow:
    """A stored derived indicator as plain values (what :meth:`portal.rules.Derived.of`
    reads), safe to share between requests and threads."""

    code: str
    label_ru: str
    label_en: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    scale: int

    def label(self) -> str:
        """The label in the current language."""
        from portal.catalogue.models import _localized

        return _localized(self.label_ru, self.label_en)


def derived_rows(version_id: int, frozen_at: datetime | None) -> tuple[DerivedRow, ...]:
    """The derived indicators of a form version, in order (``frozen_at``: when the version
    froze, None while it is editable or not known)."""
    if frozen_at is None:
        return memoized(("derived_rows", version_id), lambda: _read(version_id))
    key = (version_id, frozen_at)
    found = _FROZEN.get(key)
    if found is None:
        found = _read(version_id)
        if len(_FROZEN) >= _FROZEN_LIMIT:
            _FROZEN.clear()
        _FROZEN[key] = found
    return found


def _read(version_id: int) -> tuple[DerivedRow, ...]:
    from portal.catalogue.models import DerivedIndicator as Row  # the models import this

    rows = db.session.execute(  # through the scope, as every read of the catalogue
        sa.select(Row.code, Row.label_ru, Row.label_en, Row.numerator, Row.denominator,
                  Row.scale)
        .where(Row.form_version_id == version_id).order_by(Row.position, Row.id))
    return tuple(DerivedRow(r.code, r.label_ru, r.label_en, tuple(r.numerator),
                            tuple(r.denominator), r.scale) for r in rows)
