"""Accounts: login, lockout, logout, password change, set-password links, CSRF, cookies."""

from __future__ import annotations

from datetime import timedelta

from portal.auth.models import User
from portal.auth.tokens import make_token
from portal.extensions import db
from tenants.models import Role


def _login(client, login, password):
    return client.post("/login", data={"login": login, "password": password,
                                       "csrf_token": client.csrf_token("/login")})


def test_anonymous_user_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/")


def test_login_by_login_and_by_email(client, factory):
    user = factory.user(Role.ADMIN, login="ivanova", email="ivanova@example.org")
    assert _login(client, "ivanova", factory.PASSWORD).status_code == 302
    client.post_form("/logout")
    assert _login(client, "IVANOVA@example.org", factory.PASSWORD).status_code == 302
    assert client.get("/").status_code == 200
    assert db.session.get(User, user.id).last_login_at is not None


def test_unknown_login_and_wrong_password_get_the_same_clear_message(client, factory):
    factory.user(Role.ADMIN, login="petrov")
    for login, password in [("nobody", "whatever-123"), ("petrov", "wrong-password")]:
        response = _login(client, login, password)
        assert response.status_code == 200
        assert "Неверный логин или пароль." in response.get_data(as_text=True)


def test_messages_follow_the_chosen_language(client, factory):
    client.post("/language", data={"locale": "en", "csrf_token": client.csrf_token()})
    response = _login(client, "nobody", "whatever-123")
    assert "Wrong login or password." in response.get_data(as_text=True)


def test_repeated_failures_lock_the_account(app, client, factory):
    user = factory.user(Role.ADMIN, login="sidorov")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _login(client, "sidorov", "wrong-password")
    response = _login(client, "sidorov", factory.PASSWORD)  # right password, but locked
    assert response.status_code == 200
    # Issue 10: a locked account gets the one message every refusal gets (no enumeration).
    assert "Неверный логин или пароль." in response.get_data(as_text=True)
    db.session.get(User, user.id).locked_until -= timedelta(hours=1)
    assert _login(client, "sidorov", factory.PASSWORD).status_code == 302


def test_deactivated_account_cannot_log_in_and_loses_its_session(client, factory):
    user = factory.user(Role.ADMIN, login="gone")
    client.login(user)
    db.session.get(User, user.id).active = False
    assert client.get("/").status_code == 302  # the session no longer authenticates
    response = _login(client, "gone", factory.PASSWORD)
    assert "Неверный логин или пароль." in response.get_data(as_text=True)  # issue 10: one message


def test_logout_requires_post_and_ends_the_session(client, factory):
    client.login(factory.user(Role.ADMIN))
    assert client.get("/logout").status_code == 405
    assert client.post_form("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_forged_csrf_token_is_refused_with_a_message(client, factory):
    factory.user(Role.ADMIN, login="csrf")
    client.get("/login")
    response = client.post("/login", data={"login": "csrf", "password": factory.PASSWORD,
                                           "csrf_token": "forged"})
    assert response.status_code == 400
    assert "Форма устарела" in response.get_data(as_text=True)


def test_change_own_password(client, factory):
    user = factory.user(Role.CURATOR, factory.organization())
    client.login(user)
    wrong = client.post_form("/password", {"current": "nope-nope", "password": "new-pass-123",
                                           "confirm": "new-pass-123"}, token_from="/password")
    assert "Текущий пароль указан неверно." in wrong.get_data(as_text=True)
    ok = client.post_form("/password", {"current": factory.PASSWORD, "password": "new-pass-123",
                                        "confirm": "new-pass-123"}, token_from="/password")
    assert ok.status_code == 302
    assert db.session.get(User, user.id).check_password("new-pass-123")


def test_set_password_link_works_once(client, factory):
    user = factory.user(Role.HEAD, factory.organization(), password=None)
    token = make_token(user)
    form = {"password": "first-pass-1", "confirm": "first-pass-1"}
    response = client.post_form(f"/set-password/{token}", form, token_from=f"/set-password/{token}")
    assert response.status_code == 302
    assert db.session.get(User, user.id).check_password("first-pass-1")
    reused = client.get(f"/set-password/{token}")
    assert reused.status_code == 400
    assert "уже использована" in reused.get_data(as_text=True)


def test_expired_and_forged_set_password_links(app, client, factory):
    user = factory.user(Role.HEAD, factory.organization(), password=None)
    token = make_token(user)
    app.config["SET_PASSWORD_LINK_MAX_AGE"] = timedelta(seconds=-1)
    try:
        expired = client.get(f"/set-password/{token}")
    finally:
        app.config["SET_PASSWORD_LINK_MAX_AGE"] = timedelta(hours=72)
    assert expired.status_code == 400 and "истёк" in expired.get_data(as_text=True)
    forged = client.get(f"/set-password/{token[:-3]}abc")
    assert forged.status_code == 400 and "недействительна" in forged.get_data(as_text=True)


def test_session_cookie_is_httponly_and_samesite(client, factory):
    response = client.login(factory.user(Role.ADMIN))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_open_redirect_after_login_is_refused(client, factory):
    factory.user(Role.ADMIN, login="redirect")
    response = client.post("/login?next=//evil.example/x",
                           data={"login": "redirect", "password": factory.PASSWORD,
                                 "csrf_token": client.csrf_token("/login")})
    assert response.headers["Location"] == "/"
