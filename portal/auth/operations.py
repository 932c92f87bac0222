"""Writes of the accounts module. They flush; the request (or CLI command) commits."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import Enum
from functools import cache

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from portal.auth import passwords
from portal.auth.models import User
from portal.auth.queries import find_by_login_or_email
from portal.clock import utcnow
from portal.database import Refusal, begin_writing
from portal.extensions import db
from portal.textcheck import too_long_for_columns
from tenants.models import Municipality, Organization, Region, Role, RoleAssignment


class LoginOutcome(Enum):
    OK = "ok"
    REFUSED = "refused"  # wrong login or password, locked or deactivated: told apart nowhere


@dataclass
class LoginResult:
    outcome: LoginOutcome
    user: User | None = None


@cache
def _dummy_hash() -> str:
    # Made like real hashes (same method and cost), so an unknown login costs the same time.
    return generate_password_hash(secrets.token_hex(16))


def authenticate(identifier: str, password: str) -> LoginResult:
    """Check a login attempt, counting failures and locking the account after too many.

    Every refusal looks the same from outside: one outcome, and a password hash is checked
    for unknown logins and accounts without a password too (no timing difference).
    """
    user = find_by_login_or_email(identifier)
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), password)
        return LoginResult(LoginOutcome.REFUSED)
    matches = user.check_password(password)  # slow by design: before the write transaction
    begin_writing()  # the account is read again: the counters below are the current ones
    now = utcnow()
    if user.locked_until and user.locked_until > now:
        return LoginResult(LoginOutcome.REFUSED)
    if not matches:
        user.failed_logins += 1
        if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + current_app.config["LOGIN_LOCKOUT"]
            user.failed_logins = 0
        db.session.flush()
        return LoginResult(LoginOutcome.REFUSED)
    if not user.active:
        return LoginResult(LoginOutcome.REFUSED)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.flush()
    return LoginResult(LoginOutcome.OK, user)


def end_sessions(user: User) -> None:
    """End every session of ``user`` on every device (see portal/auth/sessions.py)."""
    user.session_generation += 1
    db.session.flush()


def set_password(user: User, password: str) -> None:
    """Replace the password, if the policy allows it (:class:`AccountError` otherwise).

    This also voids outstanding set-password links and ends the user's other sessions.
    """
    problem = passwords.problem(password, user.login, user.email)
    if problem:
        raise AccountError(problem)
    user.set_password(password)
    user.failed_logins = 0
    user.locked_until = None
    end_sessions(user)


class AccountError(Refusal):
    """A user-facing problem with an account operation (message already translated)."""


class UnknownScope(Refusal, LookupError):
    """No tenant of the level the role works at has the code given (``args[0]``)."""


def create_user(login: str, full_name: str | None = "", email: str | None = None) -> User:
    """Create an active account without a password (it is set through a one-time link)."""
    login = login.strip()
    if not login:
        raise AccountError(_("The login must not be empty."))
    email, full_name = (email or "").strip() or None, (full_name or "").strip()
    problem = too_long_for_columns({_("Login"): (User.login, login),
                                    _("Full name"): (User.full_name, full_name),
                                    _("E-mail"): (User.email, email)})
    if problem:
        raise AccountError(problem)
    clash = sa.or_(sa.func.lower(User.login) == login.lower(),
                   sa.func.lower(User.email) == login.lower())
    if email:
        clash = sa.or_(clash, sa.func.lower(User.email) == email.lower(),
                       sa.func.lower(User.login) == email.lower())
    if db.session.scalar(sa.select(sa.func.count()).select_from(User).where(clash)):
        raise AccountError(_("The login or e-mail is already taken by another account."))
    user = User(login=login, full_name=full_name, email=email)
    db.session.add(user)
    db.session.flush()
    return user


def scope_for_role(role: Role, code: str | None) -> dict[str, int | None]:
    """Turn a tenant code into the scope column of a role assignment.

    Raises :class:`UnknownScope` (a ``LookupError``) when the code names no tenant of the
    level the role works at.
    """
    model = {Role.REGIONAL: Region, Role.MUNICIPAL: Municipality,
             Role.CURATOR: Organization, Role.HEAD: Organization}.get(role)
    if model is None:
        return {}
    tenant = db.session.scalars(db.select(model).where(model.code == (code or "").strip())).first()
    if tenant is None:
        raise UnknownScope(code)
    column = {Region: "region_id", Municipality: "municipality_id",
              Organization: "organization_id"}[model]
    return {column: tenant.id}


def create_user_with_role(login: str, full_name: str | None, email: str | None, role: Role,
                          code: str | None) -> User:
    """Create an account with its first role; checks the scope first, so a bad code writes
    nothing (raises :class:`UnknownScope`), and a taken login raises :class:`AccountError`."""
    scope_for_role(role, code)
    user = create_user(login, full_name, email)
    assign_role(user, role, code)
    return user


def assign_role(user: User, role: Role, code: str | None = None) -> RoleAssignment:
    """Give ``user`` ``role`` over the tenant with ``code``; idempotent."""
    scope = scope_for_role(role, code)
    for existing in user.role_assignments:
        if existing.role == role and all(getattr(existing, k) == v for k, v in scope.items()):
            return existing
    assignment = RoleAssignment(role=role, **scope)
    user.role_assignments.append(assignment)
    end_sessions(user)  # what a session may do was decided with the old roles
    return assignment


def remove_role(user: User, assignment: RoleAssignment) -> None:
    """Withdraw one of the user's role assignments (which ends the user's sessions)."""
    user.role_assignments.remove(assignment)
    end_sessions(user)


def set_active(user: User, active: bool) -> None:
    """Deactivate (or reactivate) an account; deactivated users cannot log in."""
    user.active = active
    end_sessions(user)


def set_locale(user: User, locale: str) -> None:
    """Remember the interface language the user chose."""
    user.locale = locale
    db.session.flush()
