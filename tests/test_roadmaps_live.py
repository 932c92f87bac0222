"""Chromium against the real gunicorn: the presence matrix and a document upload."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.demo import DEMO_PASSWORD
from portal.demo.roadmaps import demo_pdf

pytestmark = [pytest.mark.live, pytest.mark.browser]


def _log_in(page, url: str, login: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Логин или электронная почта").fill(login)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(url + "/")


def _log_out(page) -> None:
    page.wait_for_load_state("load")  # the dropdown needs Bootstrap's script, loaded last
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Выйти").click()
    page.wait_for_url("**/login")


def test_presence_matrix_and_document_upload_in_a_browser(live_server, browser, tmp_path):
    context = browser.new_context(locale="ru-RU", accept_downloads=True)
    page = context.new_page()

    _log_in(page, live_server.url, "ozersk")
    page.get_by_role("link", name="Документы и дорожные карты").click()
    page.wait_for_url("**/presence")
    matrix = page.get_by_test_id("presence-matrix")
    text = matrix.inner_text()
    assert "МБОУ «СШ № 23»" in text and "МБДОУ «ДС № 3 «Солнышко»" in text
    assert "Озёрский политехнический техникум" not in text  # regional subordination
    assert "нет" in text and "не обновлена" in text  # missing and outdated documents
    assert "просроченные мероприятия" in page.get_by_test_id("behind-schedule").inner_text()
    page.get_by_label("Тип").select_option("kindergarten")
    page.get_by_role("button", name="Показать").click()
    page.wait_for_url("**/presence?type=kindergarten")
    assert "МБОУ «СШ № 23»" not in page.get_by_test_id("presence-matrix").inner_text()
    page.get_by_role("link", name="МБДОУ «ДС № 3 «Солнышко»").click()
    page.wait_for_url("**/documents")
    assert page.get_by_role("heading", level=1).inner_text() == "Документы по наставничеству"
    _log_out(page)

    _log_in(page, live_server.url, "curator")
    page.get_by_role("link", name="Документы и дорожные карты").click()
    page.wait_for_url("**/documents")
    report_row = page.locator("tr[data-kind='annual_report']")
    assert "нет" in report_row.inner_text()
    report_row.get_by_role("link", name="Загрузить").click()
    page.wait_for_url("**/documents/upload?kind=annual_report")
    upload = tmp_path / "Аналитический отчёт 2025-2026.pdf"
    upload.write_bytes(demo_pdf("Annual analytical report 2025/2026"))
    page.get_by_label("Номер утверждающего приказа").fill("91-од")
    page.get_by_label("Дата приказа").fill("2026-06-30")
    page.get_by_label("Файл").set_input_files(str(upload))
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_url("**/documents")
    assert "Документ сохранён." in page.content()
    report_row = page.locator("tr[data-kind='annual_report']")
    assert "есть" in report_row.inner_text() and "91-од" in report_row.inner_text()
    with page.expect_download() as download:
        report_row.get_by_test_id("document-file").click()
    assert download.value.suggested_filename == "Аналитический отчёт 2025-2026.pdf"
    assert Path(download.value.path()).read_bytes() == upload.read_bytes()
    context.close()
