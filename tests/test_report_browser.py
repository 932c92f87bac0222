"""The report form and the status page in a real browser against gunicorn."""

from __future__ import annotations

import re

import pytest

from portal.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.live, pytest.mark.browser]


def _log_in(page, base: str, login: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Логин или электронная почта").fill(login)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(base + "/")


def test_curator_fills_the_form_and_the_coordinator_accepts(live_server, browser):
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    _log_in(page, live_server.url, "curator.ds3")
    page.get_by_test_id("due-list").get_by_role("link").first.click()
    page.wait_for_url(re.compile(r".*/organizations/\d+/reports/\d+$"))
    form_url = page.url

    staff, mentees = page.locator("#v-staff_total"), page.locator("#v-mentees")
    staff.fill("40")
    mentees.fill("10")
    coverage = page.locator('[data-derived-code="mentee_coverage"]')
    assert coverage.inner_text() == "25 %"  # recomputed in the browser as the curator types
    # The demo kindergarten keeps its register: a count changed from it asks for the reason.
    reason = page.locator("#r-mentees")
    reason.wait_for(state="visible")
    reason.fill("Двое наставляемых пришли после сверки реестра")
    staff.fill("сорок")
    page.get_by_role("button", name="Сохранить черновик").click()
    page.wait_for_load_state()
    assert page.locator("#v-staff_total").input_value() == "сорок"  # nothing typed is lost
    assert "«сорок» не является числом" in page.content()

    page.locator("#v-staff_total").fill("40")
    for code, value in {"satisfaction_mentees": "8,5", "satisfaction_mentors": "9"}.items():
        page.locator(f"#v-{code}").fill(value)
    for code in ("planning_mentors", "planning_mentees"):  # kept as the register gives them
        field = page.locator(f"#v-{code}")
        assert field.input_value() == field.get_attribute("data-register") != ""
    page.get_by_role("button", name="Сохранить черновик").click()
    page.wait_for_load_state()
    for textarea in page.locator("textarea[name^='x:']").all():
        textarea.fill("Пояснение: изменился состав коллектива.")
    page.get_by_role("button", name="Отправить отчёт").click()
    page.wait_for_load_state()
    assert "Отчёт отправлен." in page.content(), page.locator(".alert").all_inner_texts()
    assert page.locator("#v-staff_total").get_attribute("readonly") is not None
    context.close()

    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    _log_in(page, live_server.url, "ozersk")
    page.get_by_role("link", name=re.compile("Кто отчитался")).first.click()
    row = page.locator('tr[data-org="9901011"]')
    assert row.locator("[data-status]").get_attribute("data-status") == "submitted"
    row.get_by_role("button", name="Принять", exact=True).click()  # asks first, in the page
    assert row.locator("[data-status]").get_attribute("data-status") == "submitted"
    row.get_by_role("button", name="Да, принять").click()
    page.wait_for_load_state()
    assert page.locator('tr[data-org="9901011"] [data-status]').get_attribute(
        "data-status") == "accepted"
    page.goto(form_url)
    assert "принят" in page.locator("[data-status]").first.inner_text()
    context.close()
