"""The real thing: gunicorn over HTTP, and Chromium clicking through the pages."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request
from urllib.parse import urlparse

import pytest

from portal.demo import DEMO_PASSWORD

pytestmark = pytest.mark.live


def _opener():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_gunicorn_serves_login_and_a_curator_session(live_server):
    opener = _opener()
    login_page = opener.open(live_server.url + "/login").read().decode()
    assert "Вход в портал наставничества" in login_page
    data = urllib.parse.urlencode({"login": "curator", "password": DEMO_PASSWORD,
                                   "csrf_token": _csrf(login_page)}).encode()
    home = opener.open(live_server.url + "/login", data=data).read().decode()
    assert "МБОУ «СШ № 23»" in home
    assert "КГБПОУ" not in home
    with opener.open(live_server.url + "/bootstrap/static/css/bootstrap.min.css") as css:
        assert css.status == 200 and b"Bootstrap" in css.read(2000)


@pytest.mark.browser
def test_curator_and_municipal_coordinator_in_a_real_browser(live_server, browser):
    foreign_requests: list[str] = []
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    page.on("request", lambda r: foreign_requests.append(r.url)
            if urlparse(r.url).hostname not in ("127.0.0.1", None) else None)

    def log_in(login: str):
        page.goto(live_server.url + "/login")
        page.get_by_label("Логин или электронная почта").fill(login)
        page.get_by_label("Пароль").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Войти").click()
        page.wait_for_url(live_server.url + "/")

    log_in("curator")
    own = page.get_by_test_id("own-organization")
    assert own.count() == 1 and "МБОУ «СШ № 23»" in own.inner_text()
    own.click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("МБОУ «СШ № 23»")
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Выйти").click()
    page.wait_for_url("**/login")

    log_in("ozersk")
    table = page.get_by_test_id("organization-table").first
    text = table.inner_text()
    assert "МБОУ «Гимназия № 1»" in text and "МБДОУ «ДС № 3 «Солнышко»" in text
    assert "Озёрский политехнический техникум" not in text  # regional subordination
    assert "Берёзовская" not in text  # another municipality
    page.get_by_role("button", name="EN").click()
    page.wait_for_load_state()
    assert "Welcome" in page.content()
    page.get_by_role("button", name="RU").click()
    assert foreign_requests == []
    context.close()
