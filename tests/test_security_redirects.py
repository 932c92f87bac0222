"""Issue 10, item 2: one helper decides where a ``next`` may lead; the classic open-redirect
payloads go nowhere but the default, through the helper and through every route that
redirects to a ``next`` (login, the language switch, the hidden ``next`` of workflow forms)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from portal.auth.gate import local_path, safe_next_url
from portal.reports.operations import ensure_report
from tenants.models import Role
from tests.report_helpers import setup_region

# Each is what the server sees after the query string or form is decoded once.
PAYLOADS = [
    "//evil.example",
    "///evil.example",
    "////evil.example/x",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "/\t/evil.example",  # the reported bug: next=/%09/evil.example
    "/\n/evil.example",
    "/\r/evil.example",
    "/\r\nSet-Cookie: hijack=1",  # header injection; was an HTTP 500
    "/ok\nLocation: //evil.example",
    "/%09/evil.example",  # the same, encoded once more (double-encoded in the URL)
    "/%0a/evil.example",
    "/%0d%0aSet-Cookie:%20hijack=1",
    "/%2509/evil.example",
    "/%5Cevil.example",
    "/%5C%5Cevil.example",
    "/%2F/evil.example",
    "/%252F%252Fevil.example",
    "%2F%2Fevil.example",
    "https:evil.example",
    "https://evil.example",
    "http:/evil.example",
    "HTTPS://evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    " //evil.example",
    "\t//evil.example",
    "\x00//evil.example",
    "/\x00/evil.example",
    "/\x7f/evil.example",
    "/\u2028/evil.example",
    "/\u202e/evil.example",
    "/\ufeff/evil.example",
    "/\u00a0/evil.example",
    "/%252525252525252Fevil.example",  # encoded deeper than any link of ours
    "/" + "a" * 5000,
    "",
]
SAFE = [("/", "/"), ("/municipalities/3?type=school", "/municipalities/3?type=school"),
        ("/admin/users?q=%D0%98%D0%B2%D0%B0%D0%BD", "/admin/users?q=%D0%98%D0%B2%D0%B0%D0%BD"),
        ("/admin/users?q=a%20b&page=2", "/admin/users?q=a%20b&page=2"),
        ("/x?next=%2Fy", "/x?next=%2Fy"),
        ("/школа", "/%D1%88%D0%BA%D0%BE%D0%BB%D0%B0")]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_helper_refuses_every_payload(app, payload):
    assert local_path(payload) is None
    with app.test_request_context("/login?next=" + quote(payload, safe="")):
        assert safe_next_url("/default") == "/default"


@pytest.mark.parametrize("target,expected", SAFE)
def test_the_helper_keeps_local_paths(target, expected):
    assert local_path(target) == expected


def _location(response) -> str:
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_login_ignores_a_foreign_next(client, factory, payload):
    user = factory.user(Role.ADMIN)
    response = client.post("/login", query_string={"next": payload},
                           data={"login": user.login, "password": factory.PASSWORD,
                                 "csrf_token": client.csrf_token("/login")})
    assert _location(response) == "/"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_language_switch_ignores_a_foreign_next(client, payload):
    response = client.post("/language", query_string={"next": payload},
                           data={"locale": "en", "csrf_token": client.csrf_token("/login")})
    assert _location(response) == "/"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_workflow_forms_ignore_a_foreign_next(client, factory, payload):
    _region, _municipality, school, _college, period = setup_region(factory)
    report = ensure_report(school, period)
    client.login(factory.user(Role.HEAD, school))
    response = client.post_form(f"/reports/{report.id}/confirm", {"next": payload})
    assert _location(response) == f"/organizations/{school.id}/reports/{period.id}"


def test_local_next_is_followed_by_every_route(client, factory):
    _region, municipality, school, _college, period = setup_region(factory)
    report = ensure_report(school, period)
    head = factory.user(Role.HEAD, school)
    target = f"/municipalities/{municipality.id}?type=school"
    response = client.post("/login", query_string={"next": target},
                           data={"login": head.login, "password": factory.PASSWORD,
                                 "csrf_token": client.csrf_token("/login")})
    assert _location(response) == target
    response = client.post_form("/language", {"locale": "en"}, query_string={"next": target})
    assert _location(response) == target
    response = client.post_form(f"/reports/{report.id}/confirm", {"next": target})
    assert _location(response) == target
