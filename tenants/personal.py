"""Models holding person-level data (the mentoring register, 152-FZ).

A model declared here is tenant-owned like any other, but the scope hook limits every read
of it to :attr:`tenants.scoping.Action.PERSONAL_DATA`: the organization's own curator and
head. The external contour (coordinators, administrators) reads no row of it, whatever the
query; what it sees are counts, built as Core statements (``mentoring.counts`` in
:data:`tenants.opt_out.CORE_STATEMENTS`).
"""

from __future__ import annotations

import sqlalchemy as sa

from tenants.opt_out import ScopingError

_PERSONAL: set[type] = set()


def personal_data_model(model: type) -> type:
    """Declare that ``model`` holds person-level data; it must be owned by an organization."""
    if "organization_id" not in sa.inspect(model).columns:
        raise ScopingError(f"{model.__name__}: personal data must be owned by an organization")
    _PERSONAL.add(model)
    return model


def personal_data_models() -> frozenset[type]:
    """The models declared with :func:`personal_data_model`."""
    return frozenset(_PERSONAL)
