"""Reads of user accounts."""

from __future__ import annotations

import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db


def find_by_login_or_email(identifier: str) -> User | None:
    """The account whose login or e-mail equals ``identifier`` (case-insensitive)."""
    needle = identifier.strip().lower()
    if not needle:
        return None
    stmt = sa.select(User).where(
        sa.or_(sa.func.lower(User.login) == needle, sa.func.lower(User.email) == needle)
    ).options(sa.orm.lazyload(User.role_assignments))  # a login does not need the roles
    return db.session.scalars(stmt).first()
