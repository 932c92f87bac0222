"""Issue 11 §9 in a real browser against gunicorn: running sums of a group that must add up,
the error summary's links to the fields, «в разделе нет данных — везде 0» (with and without
JavaScript)."""

from __future__ import annotations

import re

import pytest

from tests.live import browser_log_in

pytestmark = [pytest.mark.live, pytest.mark.browser]

LOGIN = "curator.college"  # a draft in the open quarter; the other browser tests leave it alone


def _open_report(page, base: str) -> str:
    browser_log_in(page, base, LOGIN)
    page.get_by_test_id("due-list").get_by_role("link").first.click()
    page.wait_for_url(re.compile(r".*/organizations/\d+/reports/\d+$"))
    return page.url


def _save(page) -> None:
    page.get_by_role("button", name="Сохранить черновик").click()
    page.wait_for_load_state()


def test_running_sums_error_summary_and_zero_everywhere(live_server, browser):
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    form_url = _open_report(page, live_server.url)

    # A group that must add up: its running sum next to the total, as the curator types.
    for field in page.locator("input[name^='v:pairs_by_form.']").all():
        field.fill("")
    page.locator("#v-pairs_groups").fill("8")
    group = page.locator('[data-sum-group="pairs_by_form_sum"]')
    mismatch = group.locator("[data-sum-mismatch]")
    page.locator('[id="v-pairs_by_form.teacher_teacher"]').fill("5")
    assert group.locator("[data-sum-value]").inner_text() == "5"
    assert mismatch.is_visible() and "не сходится с итогом" in mismatch.inner_text()
    page.locator('[id="v-pairs_by_form.head_teacher"]').fill("3")
    assert group.locator("[data-sum-value]").inner_text() == "8"
    assert not mismatch.is_visible()

    # «Везде 0»: the blanks of that section only, in the page, when the curator asks.
    section = page.locator('fieldset[data-section="programmes"]')
    for field in section.locator("input[data-zero]").all():
        field.fill("")
    page.locator("#v-programmes_active").fill("4")
    page.locator("#v-meetings_held").fill("")  # another section: stays blank
    section.get_by_role("button", name="В разделе нет данных — везде 0").click()
    assert page.url == form_url  # filled in the page, nothing sent yet
    assert page.locator("#v-programmes_active").input_value() == "4"
    assert page.locator("#v-programmes_completed").input_value() == "0"
    assert page.locator("#v-programmes_ended_early").input_value() == "0"
    assert page.locator("#v-meetings_held").input_value() == ""
    assert "заполнены нулями" in section.locator("[data-zero-status]").inner_text()

    # A refused save: the summary at the top takes the focus, its links lead to the fields.
    page.locator("#v-staff_total").fill("сорок")
    _save(page)
    assert page.url.endswith("#error-summary")
    summary = page.get_by_test_id("error-summary")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    link = summary.get_by_role("link", name=re.compile("«сорок» не является числом"))
    link.click()
    assert page.evaluate("document.activeElement.id") == "v-staff_total"
    assert page.locator("#v-programmes_completed").input_value() == "0"  # saved
    assert page.locator("#v-meetings_held").input_value() == ""  # never zeroed
    page.locator("#v-staff_total").fill("40")
    _save(page)
    assert "сорок" not in page.content()
    context.close()


def test_zero_everywhere_without_javascript_is_done_by_the_server(live_server, browser):
    context = browser.new_context(locale="ru-RU", java_script_enabled=False)
    page = context.new_page()
    _open_report(page, live_server.url)
    section = page.locator('fieldset[data-section="programmes"]')
    for field in section.locator("input[data-zero]").all():
        field.fill("")
    page.locator("#v-programmes_active").fill("6")
    page.locator("#v-meetings_held").fill("")
    section.get_by_role("button", name="В разделе нет данных — везде 0").click()
    page.wait_for_load_state()
    assert "Пустые поля раздела" in page.content()
    assert page.locator("#v-programmes_active").input_value() == "6"
    assert page.locator("#v-programmes_completed").input_value() == "0"
    assert page.locator("#v-meetings_held").input_value() == ""
    context.close()
