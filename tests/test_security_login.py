"""Issue 10, item 4: login refusals that tell nothing (same message, same work, a lockout
that does not reveal the account) and the password policy of ASVS 2.1."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.auth import operations, passwords
from portal.auth.models import User
from portal.auth.tokens import make_token
from portal.demo import ACCOUNTS, DEMO_PASSWORD
from portal.demo.synthetic import SCALE_LOGINS
from portal.extensions import db
from tenants.models import Role

ERRORS = re.compile(r'<div class="invalid-feedback d-block">([^<]*)</div>')
GENERIC = "Неверный логин или пароль."


def _attempt(client, login: str, password: str):
    return client.post("/login", data={"login": login, "password": password,
                                       "csrf_token": client.csrf_token("/login")})


def _errors(response) -> list[str]:
    return ERRORS.findall(response.get_data(as_text=True))


@pytest.fixture
def accounts(app, factory):
    """One account of each kind a login can fail on, each with the factory password."""
    locked = factory.user(Role.ADMIN, login="sec.locked")
    locked.locked_until = operations.utcnow() + timedelta(minutes=10)
    inactive = factory.user(Role.ADMIN, login="sec.inactive")
    inactive.active = False
    factory.user(Role.ADMIN, login="sec.nopassword", password=None)
    factory.user(Role.ADMIN, login="sec.known")
    db.session.flush()
    return factory.PASSWORD


def test_every_refusal_shows_the_same_single_message(client, accounts):
    right = accounts
    cases = [("sec.unknown", right), ("sec.known", "wrong-password-1"), ("sec.locked", right),
             ("sec.inactive", right), ("sec.nopassword", right)]
    answers = [_attempt(client, login, password) for login, password in cases]
    assert {r.status_code for r in answers} == {200}
    messages = [_errors(r) for r in answers]
    assert all(m == messages[0] for m in messages), messages
    assert len(messages[0]) == 1 and messages[0][0].startswith(GENERIC)


def test_every_refusal_checks_one_password_hash(client, accounts, monkeypatch):
    """Equal work: an unknown login costs a hash check like a known one (it was 4 ms against
    90 ms), and so do locked, deactivated and password-less accounts."""
    checked = []
    real = operations.check_password_hash

    def counting(pwhash, password):
        checked.append(pwhash.split("$", 1)[0])
        return real(pwhash, password)

    monkeypatch.setattr(operations, "check_password_hash", counting)
    monkeypatch.setattr("portal.auth.models.check_password_hash", counting)
    method = User(password_hash=None)
    method.set_password("x" * 12)
    for login in ("sec.unknown", "sec.known", "sec.locked", "sec.inactive", "sec.nopassword"):
        checked.clear()
        _attempt(client, login, "wrong-password-1")
        # One check, with a hash made the way real ones are (same method and cost).
        assert checked == [method.password_hash.split("$", 1)[0]], login


def test_the_lockout_looks_the_same_for_unknown_logins(app, client, factory):
    factory.user(Role.ADMIN, login="sec.target")
    last = {}
    for login in ("sec.target", "sec.nobody"):
        for _ in range(app.config["LOGIN_MAX_FAILURES"] + 1):
            response = _attempt(client, login, "wrong-password-1")
        last[login] = (response.status_code, _errors(response))
    assert last["sec.target"] == last["sec.nobody"]
    locked = db.session.scalars(db.select(User).filter_by(login="sec.target")).one()
    assert locked.locked_until is not None  # the lockout itself still works
    # The right password during the lockout is refused with that same message.
    response = _attempt(client, "sec.target", factory.PASSWORD)
    assert (response.status_code, _errors(response)) == last["sec.nobody"]


# -- the password policy --------------------------------------------------------------------

LOGIN, EMAIL = "ivan.petrov", "vanya.p@example.org"
WEAK = {
    "short-9ch": "не короче 10 символов",
    "x" * 129: "не длиннее 128 символов",
    "ivan.petrov": "не должен содержать логин",
    "IVAN.PETROV": "не должен содержать логин",
    "my-ivan.petrov-pass": "не должен содержать логин",
    "vanya.p-1234567": "не должен содержать логин",
    "qwertyuiop": "слишком распространён",
    "1234567890": "слишком распространён",
    "password123": "слишком распространён",
    "Sunshine2026!": "слишком распространён",
    "йцукенгшщз": "слишком распространён",
    "наставник2026": "слишком распространён",
}
STRONG = ["kq8-vm3-pz", "x" * 128, "три белых кота на крыше", "correct-horse-42"]


@pytest.mark.parametrize("password", list(WEAK))
def test_policy_refuses_weak_passwords(app, password):
    with app.test_request_context():
        assert WEAK[password] in (passwords.problem(password, LOGIN, EMAIL) or "")


@pytest.mark.parametrize("password", STRONG)
def test_policy_accepts_long_uncommon_passwords(app, password):
    with app.test_request_context():
        assert passwords.problem(password, LOGIN, EMAIL) is None


def test_the_bundled_list_is_large():
    listed = passwords.common_passwords()
    assert len(listed) >= 30_000
    assert {"123456", "qwerty123", "йцукенгшщз"} <= listed


@pytest.mark.parametrize("password", list(WEAK))
def test_change_password_page_applies_the_policy(client, factory, password):
    user = factory.user(Role.CURATOR, factory.organization(), login=LOGIN, email=EMAIL)
    client.login(user)
    response = client.post_form("/password", {"current": factory.PASSWORD, "password": password,
                                              "confirm": password}, token_from="/password")
    assert response.status_code == 200
    assert any(WEAK[password] in e for e in _errors(response))
    assert db.session.get(User, user.id).check_password(factory.PASSWORD)


@pytest.mark.parametrize("password", list(WEAK))
def test_set_password_link_applies_the_policy(client, factory, password):
    user = factory.user(Role.HEAD, factory.organization(), login=LOGIN, email=EMAIL,
                        password=None)
    token = make_token(user)
    response = client.post_form(f"/set-password/{token}", {"password": password,
                                                           "confirm": password},
                                token_from=f"/set-password/{token}")
    assert response.status_code == 200
    assert any(WEAK[password] in e for e in _errors(response))
    assert db.session.get(User, user.id).password_hash is None


def test_both_pages_accept_a_good_password(client, factory):
    user = factory.user(Role.HEAD, factory.organization(), login=LOGIN, password=None)
    token = make_token(user)
    assert client.post_form(f"/set-password/{token}", {"password": STRONG[0],
                                                       "confirm": STRONG[0]},
                            token_from=f"/set-password/{token}").status_code == 302
    client.login(db.session.get(User, user.id), STRONG[0])
    response = client.post_form("/password", {"current": STRONG[0], "password": STRONG[2],
                                              "confirm": STRONG[2]}, token_from="/password")
    assert response.status_code == 302
    assert db.session.get(User, user.id).check_password(STRONG[2])


def test_the_operation_refuses_what_the_forms_refuse(app, factory):
    user = factory.user(Role.HEAD, factory.organization(), login=LOGIN)
    with app.test_request_context(), pytest.raises(operations.AccountError):
        operations.set_password(user, "qwertyuiop")
    assert user.check_password(factory.PASSWORD)


def test_the_command_line_applies_the_policy(app, database, factory):
    factory.organization(code="SEC-CLI-1")
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "--login", "sec.cli", "--role", "head", "--scope", "SEC-CLI-1",
        "--password-stdin"], input="password123\n")
    assert result.exit_code != 0 and "слишком распространён" in result.output
    db.session.expire_all()
    assert db.session.scalars(db.select(User).filter_by(login="sec.cli")).first() is None


def test_the_demo_password_meets_the_policy(app):
    with app.test_request_context():
        for login, *_rest in ACCOUNTS:
            assert passwords.problem(DEMO_PASSWORD, login, f"{login}@demo.example") is None
        for login in SCALE_LOGINS:
            assert passwords.problem(DEMO_PASSWORD, login) is None
