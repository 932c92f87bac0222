"""``flask users create`` and ``flask demo``."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.demo import DEMO_PASSWORD
from portal.extensions import db
from tenants.models import Organization, Region, Role


def _invoke(app, *args, input=None):
    result = app.test_cli_runner().invoke(args=list(args), input=input)
    db.session.expire_all()
    return result


def _user(login) -> User:
    return db.session.scalars(sa.select(User).filter_by(login=login)).one()


def test_create_user_prints_a_working_set_password_link(app, client, factory):
    org = factory.organization(code="5501001")
    result = _invoke(app, "users", "create", "--login", "kurator", "--role", "curator",
                     "--scope", "5501001")
    assert result.exit_code == 0, result.output
    link = re.search(r"http://localhost(/set-password/\S+)", result.output).group(1)
    page = client.get(link)
    assert page.status_code == 200 and "kurator" in page.get_data(as_text=True)
    user = _user("kurator")
    assert [(a.role, a.organization_id) for a in user.role_assignments] == [(Role.CURATOR, org.id)]
    assert user.password_hash is None


def test_create_user_with_password_from_stdin_and_second_role(app, client, factory):
    municipality = factory.municipality(code="55-01")
    factory.organization(municipality, code="5501002")
    assert _invoke(app, "users", "create", "--login", "metodist", "--role", "municipal",
                   "--scope", "55-01", "--password-stdin", input="s3cret-pass\n").exit_code == 0
    assert _invoke(app, "users", "create", "--login", "metodist", "--role", "head",
                   "--scope", "5501002").exit_code == 0
    user = _user("metodist")
    assert user.check_password("s3cret-pass")
    assert sorted(a.role.value for a in user.role_assignments) == ["head", "municipal"]
    client.login(user, "s3cret-pass")


def test_create_user_rejects_unknown_scope_and_writes_nothing(app, factory):
    result = _invoke(app, "users", "create", "--login", "x", "--role", "regional",
                     "--scope", "NOPE")
    assert result.exit_code != 0
    assert "Нет региона, муниципалитета или организации с кодом NOPE." in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_create_user_requires_scope_for_non_admin(app, database):
    result = _invoke(app, "users", "create", "--login", "x", "--role", "curator")
    assert result.exit_code != 0 and "--scope" in result.output


def test_demo_loads_once_into_an_empty_database(app, client):
    result = _invoke(app, "demo")
    assert result.exit_code == 0, result.output
    orgs = db.session.scalars(sa.select(Organization)).all()
    assert 20 <= len(orgs) <= 30
    assert {o.type.value for o in orgs} == {"school", "kindergarten", "college", "additional"}
    assert any(o.subordination.value == "regional" for o in orgs)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Region)) == 1
    again = _invoke(app, "demo")
    assert again.exit_code != 0 and "не пуста" in again.output
    assert _invoke(app, "demo", "--if-empty").exit_code == 0
    assert len(db.session.scalars(sa.select(Organization)).all()) == len(orgs)
    for login in ("admin", "region", "ozersk", "curator", "head"):
        client.login(_user(login), DEMO_PASSWORD)
        assert client.get("/").status_code == 200
        client.post_form("/logout")


@pytest.mark.parametrize("args, input, code, message", [
    (["users", "create", "--role", "curator"], None, 2,
     "Ошибка: Обязателен параметр --login.\nСправка: "),
    (["users", "create", "--login", "x", "--role", "rector"], None, 2,
     "Ошибка: Значение --role должно быть одним из: admin, regional, municipal, curator, head."),
    (["users", "create", "--login", "x", "--role", "admin", "--color", "red"], None, 2,
     "Ошибка: Нет параметра --color."),
    (["users", "create", "--login", "x", "--role", "curator"], None, 2,
     "Ошибка: Для роли curator нужен параметр --scope."),
    (["users", "create", "--login", "x", "--role", "admin", "--password-stdin"], "short\n", 1,
     "Ошибка: Пароль должен быть не короче 10 символов."),
    (["users", "rename"], None, 2, "Ошибка: Нет команды rename."),
])
def test_command_line_errors_are_in_the_users_language(app, database, args, input, code,
                                                       message):
    result = _invoke(app, *args, input=input)
    assert result.exit_code == code
    assert message in result.output
    assert "Error" not in result.output and "Usage" not in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_command_line_errors_are_in_english_when_the_shell_is(app, database, monkeypatch):
    monkeypatch.setenv("PORTAL_LOCALE", "en")
    result = _invoke(app, "users", "create", "--role", "curator")
    assert result.exit_code == 2 and "Error: The option --login is required." in result.output
    result = _invoke(app, "tenants", "import", "/nonexistent.csv")
    assert "Error: Nothing was imported.\nThere is no file /nonexistent.csv." in result.output


def test_demo_refusal_is_in_the_users_language(app, factory):
    factory.organization()
    result = _invoke(app, "demo")
    assert result.exit_code == 1
    assert result.output.startswith("Ошибка: База данных не пуста")
