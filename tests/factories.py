"""Factories for tenants and users; each flushes and returns the object."""

from __future__ import annotations

import itertools

from portal.auth import operations as accounts
from portal.auth.models import User
from portal.extensions import db
from tenants.models import Municipality, Organization, OrganizationType, Region, Role, Subordination

_counter = itertools.count(1)


class Factory:
    PASSWORD = "correct-horse-42"

    def region(self, name: str | None = None, code: str | None = None) -> Region:
        n = next(_counter)
        region = Region(code=code or f"R{n}", name=name or f"Регион {n}")
        db.session.add(region)
        db.session.flush()
        return region

    def municipality(self, region: Region | None = None, name: str | None = None,
                     code: str | None = None) -> Municipality:
        n = next(_counter)
        municipality = Municipality(region=region or self.region(), code=code or f"M{n}",
                                    name=name or f"Муниципалитет {n}")
        db.session.add(municipality)
        db.session.flush()
        return municipality

    def organization(self, municipality: Municipality | None = None, *,
                     type: OrganizationType = OrganizationType.SCHOOL,
                     subordination: Subordination = Subordination.MUNICIPAL,
                     name: str | None = None, code: str | None = None,
                     active: bool = True) -> Organization:
        n = next(_counter)
        org = Organization(
            municipality=municipality or self.municipality(), code=code or f"O{n}",
            name=name or f"Школа {n}", short_name=(name or f"Школа {n}")[:255], type=type,
            subordination=subordination, is_active=active,
        )
        db.session.add(org)
        db.session.flush()
        return org

    def user(self, role: Role | None = None, scope=None, login: str | None = None,
             password: str | None = PASSWORD, **fields) -> User:
        n = next(_counter)
        user = accounts.create_user(login or f"user{n}", fields.get("full_name", f"User {n}"),
                                    fields.get("email"))
        if password:
            user.set_password(password)
        if role is not None:
            accounts.assign_role(user, role, getattr(scope, "code", None))
        db.session.flush()
        return user
