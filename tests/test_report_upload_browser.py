"""The report upload in a real browser against gunicorn with the demo region."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from portal.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.live, pytest.mark.browser]


def _log_in(page, base: str, login: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Логин или электронная почта").fill(login)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(base + "/")


def test_curator_downloads_the_template_uploads_it_previews_and_saves(live_server, browser,
                                                                       tmp_path):
    context = browser.new_context(locale="ru-RU", accept_downloads=True)
    page = context.new_page()
    _log_in(page, live_server.url, "curator")  # МБОУ «СШ № 23», a draft in the open quarter
    page.get_by_test_id("due-list").get_by_role("link").first.click()
    page.wait_for_url(re.compile(r".*/organizations/\d+/reports/\d+$"))
    form_url = page.url
    page.goto(form_url + "/upload")
    assert "Загрузка отчёта из файла" in page.content()

    with page.expect_download() as download_info:
        page.get_by_test_id("download-template").click()
    template = tmp_path / "template.xlsx"
    download_info.value.save_as(template)
    workbook = load_workbook(template)
    sheet = workbook["Отчёт"]
    filled = {"satisfaction_mentees": "8,5", "satisfaction_mentors": 9, "planning_mentors": 2}
    for row in sheet.iter_rows(min_row=6):
        if row[0].value in filled:
            row[4].value = filled[row[0].value]
    filled_path = tmp_path / "report.xlsx"
    workbook.save(filled_path)
    workbook.close()

    page.locator("#file").set_input_files(str(filled_path))
    page.get_by_test_id("upload-submit").click()
    page.wait_for_url(re.compile(r".*/upload/[A-Za-z0-9_-]{32}$"))
    assert "Проверьте файл перед сохранением" in page.content()
    values = page.get_by_test_id("upload-values")
    row = values.locator('tr[data-code="satisfaction_mentees"]')
    assert "8,5" in row.inner_text()
    assert row.locator("[data-change]").get_attribute("data-change") in ("new", "changed")
    assert page.get_by_test_id("upload-problems").count() == 0

    page.get_by_test_id("confirm-upload").click()
    page.wait_for_url(form_url)
    assert "Файл сохранён" in page.content(), page.locator(".alert").all_inner_texts()
    assert page.locator("#v-satisfaction_mentees").input_value() == "8,5"
    assert page.locator("#v-planning_mentors").input_value() == "2"
    context.close()
