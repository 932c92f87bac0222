"""Issue 10, item 3: sessions end on the server. A copied session cookie stops working after
logout, password change, deactivation and role change; sessions expire when idle and at
an absolute limit; a new set-password link voids the older ones."""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta

import pytest

from portal import config as portal_config
from portal.auth import sessions
from portal.auth.models import User
from portal.auth.tokens import make_token
from portal.extensions import db
from tenants.models import Role

NEW_PASSWORD = "a-brand-new-secret-77"


class StolenCookie:
    """A copy of a logged-in browser's session cookie, replayed from a fresh browser each
    time (so nothing the server sent back to an earlier replay is kept)."""

    def __init__(self, app, client):
        self.app = app
        cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
        assert cookie is not None
        self.key, self.value = cookie.key, cookie.value

    def works(self) -> bool:
        thief = self.app.test_client()
        thief.set_cookie(self.key, self.value)
        return _works(thief)


def _works(client) -> bool:
    response = client.get("/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


@pytest.fixture
def victim(app, client, factory):
    user = factory.user(Role.CURATOR, factory.organization())
    client.login(user)
    thief = StolenCookie(app, client)
    assert thief.works()  # the copy works as long as nothing ended the session
    return user, thief


@pytest.fixture
def admin(app, factory):
    admin_client = app.test_client()
    admin_client.login(factory.user(Role.ADMIN))
    return admin_client


def test_logout_ends_the_copied_session(client, victim):
    _user, thief = victim
    assert client.post_form("/logout").status_code == 302
    assert not thief.works()


def test_password_change_ends_other_sessions_but_keeps_this_one(client, factory, victim):
    _user, thief = victim
    response = client.post_form("/password", {"current": factory.PASSWORD,
                                              "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                                token_from="/password")
    assert response.status_code == 302
    assert not thief.works()
    assert _works(client)


def test_password_set_through_a_link_ends_every_session(app, client, victim):
    user, thief = victim
    token = make_token(db.session.get(User, user.id))
    stranger = app.test_client()
    response = stranger.post_form(f"/set-password/{token}",
                                  {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                                  token_from=f"/set-password/{token}")
    assert response.status_code == 302
    assert not thief.works() and not _works(client)


def test_deactivation_ends_the_session_for_good(admin, victim):
    user, thief = victim
    assert admin.post_form(f"/admin/users/{user.id}/active",
                           token_from=f"/admin/users/{user.id}").status_code == 302
    assert not thief.works()
    admin.post_form(f"/admin/users/{user.id}/active", token_from=f"/admin/users/{user.id}")
    assert db.session.get(User, user.id).active  # reactivated: the old cookie stays dead
    assert not thief.works()


def test_a_new_role_ends_the_session(admin, factory, victim):
    user, thief = victim
    other = factory.organization(code="SEC-ROLE-1")
    response = admin.post_form(f"/admin/users/{user.id}/roles",
                               {"role": "head", "scope_code": other.code},
                               token_from=f"/admin/users/{user.id}")
    assert response.status_code == 302
    assert {a.role for a in db.session.get(User, user.id).role_assignments} == {
        Role.CURATOR, Role.HEAD}
    assert not thief.works()


def test_a_withdrawn_role_ends_the_session(admin, victim):
    user, thief = victim
    assignment = db.session.get(User, user.id).role_assignments[0]
    response = admin.post_form(f"/admin/users/{user.id}/roles/{assignment.id}/remove",
                               token_from=f"/admin/users/{user.id}")
    assert response.status_code == 302
    assert db.session.get(User, user.id).role_assignments == []
    assert not thief.works()


class Clock:
    """Stands in for ``portal.clock.utcnow`` where the session code reads it."""

    def __init__(self):
        self.now = datetime(2026, 12, 1, 9, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(sessions, "utcnow", fake)
    return fake


def test_an_idle_session_expires(client, factory, clock):
    client.login(factory.user(Role.ADMIN))
    clock.advance(minutes=29)
    assert _works(client)  # each request counts as activity
    clock.advance(minutes=29)
    assert _works(client)
    clock.advance(minutes=30, seconds=1)
    response = client.get("/admin/users")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    clock.advance(minutes=-30)  # coming back in time does not revive it: the login keys are gone
    assert not _works(client)


def test_an_active_session_expires_at_the_absolute_limit(client, factory, clock):
    client.login(factory.user(Role.ADMIN))
    for _ in range(12 * 3 - 1):  # a request every 20 minutes for 11 h 40 min
        clock.advance(minutes=20)
        assert _works(client)
    clock.advance(minutes=20, seconds=1)
    assert not _works(client)


def test_limits_come_from_the_configuration(app, client, factory, clock, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_TIMEOUT", timedelta(minutes=5))
    monkeypatch.setitem(app.config, "SESSION_MAX_AGE", timedelta(hours=1))
    client.login(factory.user(Role.ADMIN))
    clock.advance(minutes=5, seconds=1)
    assert not _works(client)
    client.login(factory.user(Role.ADMIN))
    for _ in range(15):
        clock.advance(minutes=4)
        assert _works(client)
    clock.advance(minutes=1)
    assert not _works(client)


def test_limits_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("PORTAL_SESSION_IDLE_MINUTES", "7")
    monkeypatch.setenv("PORTAL_SESSION_MAX_HOURS", "3")
    try:
        reloaded = importlib.reload(portal_config).Config
        assert timedelta(minutes=7) == reloaded.SESSION_IDLE_TIMEOUT
        assert reloaded.SESSION_MAX_AGE == reloaded.PERMANENT_SESSION_LIFETIME == timedelta(hours=3)
    finally:
        monkeypatch.undo()
        defaults = importlib.reload(portal_config).Config
    assert timedelta(minutes=30) == defaults.SESSION_IDLE_TIMEOUT
    assert timedelta(hours=12) == defaults.SESSION_MAX_AGE


def test_a_new_set_password_link_voids_the_older_ones(client, factory):
    user = factory.user(Role.HEAD, factory.organization(), password=None)
    first = make_token(user)
    second = make_token(user)
    older = client.get(f"/set-password/{first}")
    assert older.status_code == 400 and "уже использована" in older.get_data(as_text=True)
    assert client.get(f"/set-password/{second}").status_code == 200


def test_the_administrators_new_link_voids_the_one_handed_out_before(admin, factory):
    user = factory.user(Role.HEAD, factory.organization(), password=None)
    links = []
    for _ in range(2):
        page = admin.post_form(f"/admin/users/{user.id}/link",
                               token_from=f"/admin/users/{user.id}", follow_redirects=True)
        html = page.get_data(as_text=True)
        links.append(html.split("/set-password/", 1)[1].split("<", 1)[0])
    anonymous = admin.application.test_client()
    assert anonymous.get(f"/set-password/{links[0]}").status_code == 400
    assert anonymous.get(f"/set-password/{links[1]}").status_code == 200
