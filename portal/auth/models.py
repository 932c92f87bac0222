"""The user account."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from portal.clock import utcnow
from portal.extensions import db
from tenants.models import Role, RoleAssignment
from tenants.scoping import Action, Scope, scope_rule, shared_model, url_argument


class User(UserMixin, db.Model):
    """A person who logs in; what they may see comes from their role assignments."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(sa.String(64), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(255), default="")
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # Bumped to end every session at once (logout, password, deactivation, roles): a
    # session holds the value it was opened with and stops counting when they differ.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # Bumped by each new set-password link, which voids the links issued before it.
    link_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    role_assignments: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="RoleAssignment.id",
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """What the session stores: the id with the session generation (Flask-Login's
        "alternative token"), so bumping the generation ends every copy of the cookie."""
        return f"{self.id}:{self.session_generation}"

    @property
    def display_name(self) -> str:
        return self.full_name or self.login

    def set_password(self, password: str) -> None:
        """Store a salted hash of ``password``; the plain text is never kept."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def has_role(self, role: Role) -> bool:
        return any(a.role == role for a in self.role_assignments)

    def __repr__(self) -> str:
        return f"<User {self.login}>"


@scope_rule(User)
def _visible_users(scope: Scope, action: Action) -> sa.ColumnElement[bool]:
    """Administrators manage every account; anyone else only sees their own."""
    if scope.is_admin:
        return sa.true()
    if action is Action.VIEW and scope.user_id is not None:
        return User.id == scope.user_id
    return sa.false()


@scope_rule(RoleAssignment)
def _visible_assignments(scope: Scope, action: Action) -> sa.ColumnElement[bool]:
    """Role assignments are managed by administrators only."""
    if scope.is_admin:
        return sa.true()
    if action is Action.VIEW and scope.user_id is not None:
        return RoleAssignment.user_id == scope.user_id
    return sa.false()


# Accounts are not tenant data: who changed a report is shown beside it to everyone who sees
# the report. Account pages and the administration read them through the rules above.
shared_model(User, "accounts: the names of who changed what are shown beside tenant data")
shared_model(RoleAssignment, "accounts: read by the administration and the user's own scope")

url_argument("user_id", "account", User)
url_argument("assignment_id", "assignment", RoleAssignment, parents=("user",))
