"""Issue 10, item 1: the indicator catalogue is shared by every region, so only the
administrator changes it; every other role gets 403 and nothing changes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.catalogue.models import Indicator
from portal.extensions import db
from tenants.models import Role
from tests.report_helpers import setup_region

NEW_INDICATOR = {"code": "sec_required", "label_ru": "Обязательный", "label_en": "Required",
                 "unit": "count", "section": "participants", "applies_to": ["school"]}

# Who may look at the catalogue but not change it: every role but the administrator,
# the regional coordinator of the very region included, and an account without a role.
NOT_ADMIN = ["regional", "regional_elsewhere", "municipal", "curator", "head", "no_role"]


def _user(factory, who: str):
    region, municipality, school, _college, _period = setup_region(factory)
    return {
        "admin": lambda: factory.user(Role.ADMIN),
        "regional": lambda: factory.user(Role.REGIONAL, region),
        "regional_elsewhere": lambda: factory.user(Role.REGIONAL, factory.region()),
        "municipal": lambda: factory.user(Role.MUNICIPAL, municipality),
        "curator": lambda: factory.user(Role.CURATOR, school),
        "head": lambda: factory.user(Role.HEAD, school),
        "no_role": lambda: factory.user(),
    }[who]()


def _indicator(code: str) -> Indicator | None:
    return db.session.scalars(sa.select(Indicator).filter_by(code=code)).first()


def _in_use() -> Indicator:
    return db.session.scalars(sa.select(Indicator).where(Indicator.retired_at.is_(None))
                              .order_by(Indicator.id)).first()


@pytest.mark.parametrize("who", NOT_ADMIN)
def test_only_the_administrator_adds_indicators(client, factory, who):
    client.login(_user(factory, who))
    page = client.get("/catalogue")
    assert page.status_code == 200  # everyone may read the catalogue
    assert 'name="label_ru"' not in page.get_data(as_text=True)  # no form to add one
    response = client.post_form("/catalogue", NEW_INDICATOR, token_from="/catalogue")
    assert response.status_code == 403
    assert _indicator("sec_required") is None
    # An invalid form is refused the same way, before anything is looked at.
    assert client.post_form("/catalogue", {}, token_from="/catalogue").status_code == 403


@pytest.mark.parametrize("who", NOT_ADMIN)
def test_only_the_administrator_retires_indicators(client, factory, who):
    client.login(_user(factory, who))
    indicator = _in_use()
    assert f"/catalogue/{indicator.id}/retire" not in client.get("/catalogue").get_data(
        as_text=True)
    response = client.post_form(f"/catalogue/{indicator.id}/retire", token_from="/catalogue")
    assert response.status_code == 403
    assert db.session.get(Indicator, indicator.id).retired_at is None


def test_the_administrator_adds_and_retires_indicators(client, factory):
    client.login(_user(factory, "admin"))
    assert 'name="label_ru"' in client.get("/catalogue").get_data(as_text=True)
    assert client.post_form("/catalogue", NEW_INDICATOR, token_from="/catalogue").status_code == 302
    added = _indicator("sec_required")
    assert added is not None and added.retired_at is None
    assert client.post_form(f"/catalogue/{added.id}/retire",
                            token_from="/catalogue").status_code == 302
    assert db.session.get(Indicator, added.id).retired_at is not None
