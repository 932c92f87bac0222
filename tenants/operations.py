"""Writes to the tenant hierarchy. They flush; the request or CLI command commits."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.clock import check_timezone, utcnow
from portal.database import Refusal
from portal.extensions import db
from portal.textcheck import too_long_for_columns
from tenants.models import Organization, OrganizationType, Region, Subordination


class RegistryError(Refusal):
    """A user-facing problem with a registry change (message already translated)."""


def save_organization(org: Organization | None, *, code: str, name: str, short_name: str,
                      org_type: OrganizationType, subordination: Subordination,
                      municipality_id: int) -> Organization:
    """Create (``org`` is None) or update an organization; codes stay unique."""
    code, name, short_name = code.strip(), name.strip(), short_name.strip()
    problem = too_long_for_columns({_("Code"): (Organization.code, code),
                                    _("Full name"): (Organization.name, name),
                                    _("Short name"): (Organization.short_name, short_name)})
    if problem:
        raise RegistryError(problem)
    clash = db.session.scalar(
        sa.select(Organization.id).where(Organization.code == code,
                                         Organization.id != (org.id if org else -1))
    )
    if clash is not None:
        raise RegistryError(_("The code %(code)s is already used by another organization.",
                              code=code))
    if org is None:
        org = Organization(code=code)
        db.session.add(org)
    org.code = code
    org.name, org.short_name = name, short_name
    org.type = org_type
    org.subordination = subordination
    org.municipality_id = municipality_id
    db.session.flush()
    return org


def set_organization_active(org: Organization, active: bool) -> None:
    """Close or reopen an organization; closed ones keep their history, never deleted."""
    org.is_active = active
    org.closed_at = None if active else (org.closed_at or utcnow())
    db.session.flush()


def set_region_timezone(region: Region, name: str) -> None:
    """Set the IANA time zone the region's days and deadlines are counted in."""
    try:
        region.timezone = check_timezone(name)
    except ValueError:
        raise RegistryError(_("Unknown time zone “%(name)s” (write an IANA name such as "
                              "Asia/Vladivostok).", name=name)) from None
    db.session.flush()
