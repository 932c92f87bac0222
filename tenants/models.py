"""The tenant hierarchy and the role assignments that give users a scope in it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import DEFAULT_TIMEZONE, default_timezone, utcnow
from portal.extensions import db

if TYPE_CHECKING:
    from portal.auth.models import User


def _enum(enum_cls: type[StrEnum], name: str) -> sa.Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, stored by value."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class OrganizationType(StrEnum):
    """Kinds of educational organization (DOMAIN.md §2)."""

    SCHOOL = "school"
    KINDERGARTEN = "kindergarten"
    COLLEGE = "college"
    ADDITIONAL = "additional"

    @property
    def label(self) -> str:
        return str(ORGANIZATION_TYPE_LABELS[self])


ORGANIZATION_TYPE_LABELS = {
    OrganizationType.SCHOOL: _l("General education organization"),
    OrganizationType.KINDERGARTEN: _l("Preschool organization"),
    OrganizationType.COLLEGE: _l("Vocational education organization"),
    OrganizationType.ADDITIONAL: _l("Additional education organization"),
}


class Subordination(StrEnum):
    """Who founded the organization and so which level of the external contour oversees it."""

    MUNICIPAL = "municipal"
    REGIONAL = "regional"

    @property
    def label(self) -> str:
        return str(SUBORDINATION_LABELS[self])


SUBORDINATION_LABELS = {
    Subordination.MUNICIPAL: _l("municipal"),
    Subordination.REGIONAL: _l("regional"),
}


class Role(StrEnum):
    """Roles a user can be assigned; each role has a scope of a fixed level."""

    ADMIN = "admin"
    REGIONAL = "regional"
    MUNICIPAL = "municipal"
    CURATOR = "curator"
    HEAD = "head"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.REGIONAL: _l("Regional coordinator"),
    Role.MUNICIPAL: _l("Municipal coordinator"),
    Role.CURATOR: _l("Curator"),
    Role.HEAD: _l("Head of organization"),
}


class Region(db.Model):
    """A constituent entity of the Russian Federation (субъект РФ)."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    # Per-region setting: a submitted report needs the head's confirmation before review.
    requires_head_confirmation: Mapped[bool] = mapped_column(default=False,
                                                             server_default=sa.false())
    # IANA name: the region's "today" and its deadlines (the end of the deadline day here).
    timezone: Mapped[str] = mapped_column(sa.String(64), default=default_timezone,
                                          server_default=DEFAULT_TIMEZONE)
    # The document kinds of the region's presence checklist (DocumentKind values, in order);
    # None: all of them, as before regions could choose (portal.roadmaps.checklist).
    presence_document_kinds: Mapped[list | None] = mapped_column(sa.JSON)

    municipalities: Mapped[list[Municipality]] = relationship(
        back_populates="region", order_by="Municipality.name"
    )

    def __repr__(self) -> str:
        return f"<Region {self.code}>"


class Municipality(db.Model):
    """A municipal formation (город, район, округ) inside a region."""

    __tablename__ = "municipalities"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))

    # Joined: every request about an organization needs its municipality and region (the
    # period's region, the head-confirmation setting), and a lazy load is one query each.
    region: Mapped[Region] = relationship(back_populates="municipalities", lazy="joined")
    organizations: Mapped[list[Organization]] = relationship(
        back_populates="municipality", order_by="Organization.name"
    )

    def __repr__(self) -> str:
        return f"<Municipality {self.code}>"


class Organization(db.Model):
    """An educational organization: the tenant that owns mentoring data."""

    __tablename__ = "organizations"
    __table_args__ = (sa.Index("ix_organizations_municipality_type", "municipality_id", "type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"))
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(500))
    short_name: Mapped[str] = mapped_column(sa.String(255))
    type: Mapped[OrganizationType] = mapped_column(_enum(OrganizationType, "organization_type"))
    subordination: Mapped[Subordination] = mapped_column(
        _enum(Subordination, "subordination"), default=Subordination.MUNICIPAL
    )
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    closed_at: Mapped[datetime | None]
    # Set once the first person is entered in the organization's register (never unset: an
    # emptied register still gives its counts, zeros). Kept on the row the URL loads anyway,
    # so the report form on the deadline's hot path asks no extra question.
    keeps_register: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    municipality: Mapped[Municipality] = relationship(back_populates="organizations",
                                                      lazy="joined")

    def __repr__(self) -> str:
        return f"<Organization {self.code}>"


class RoleAssignment(db.Model):
    """One role of one user over one tenant: the scope is the level the role works at."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        sa.CheckConstraint(
            "(role = 'admin' AND region_id IS NULL AND municipality_id IS NULL"
            " AND organization_id IS NULL)"
            " OR (role = 'regional' AND region_id IS NOT NULL AND municipality_id IS NULL"
            " AND organization_id IS NULL)"
            " OR (role = 'municipal' AND municipality_id IS NOT NULL AND region_id IS NULL"
            " AND organization_id IS NULL)"
            " OR (role IN ('curator', 'head') AND organization_id IS NOT NULL"
            " AND region_id IS NULL AND municipality_id IS NULL)",
            name="scope_matches_role",
        ),
        sa.UniqueConstraint(
            "user_id", "role", "region_id", "municipality_id", "organization_id",
            name="uq_role_assignments_user_scope",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    municipality_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("municipalities.id"), index=True
    )
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="role_assignments")
    # Joined: every listing of users shows the scope of each of their roles.
    region: Mapped[Region | None] = relationship(lazy="joined")
    municipality: Mapped[Municipality | None] = relationship(lazy="joined")
    organization: Mapped[Organization | None] = relationship(lazy="joined")

    @property
    def scope_object(self) -> Region | Municipality | Organization | None:
        """The tenant this assignment is about (None for administrators)."""
        return self.region or self.municipality or self.organization

    def __repr__(self) -> str:
        return f"<RoleAssignment {self.role} user={self.user_id}>"
