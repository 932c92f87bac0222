"""Issue 12's walk in a real browser against gunicorn with the demo region: the curator
imports a register from the downloaded template, forms a pair with its order, writes and
prints its programme, records stage 1 and stage 2 before and after, and finds the quarterly
report prefilled from the register."""

from __future__ import annotations

import re

import pytest
from docx import Document
from openpyxl import load_workbook

from portal.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.live, pytest.mark.browser]

MENTOR, MENTEE = "Белозёрова-Браузерная Лидия Марковна", "Гончаренко-Браузерный Тимур Ильич"


def _log_in(page, base: str, login: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Логин или электронная почта").fill(login)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(base + "/")


def _report_counts(page, url: str) -> dict[str, str]:
    page.goto(url)
    return {code: page.locator(f"#v-{code}").input_value()
            for code in ("mentors", "mentees", "pairs_groups", "mentees_young",
                         "programmes_active")}


def _import_register(page, base: str, org_id: str, tmp_path) -> None:
    page.goto(f"{base}/organizations/{org_id}/mentoring/participants/import")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Шаблон XLSX").click()
    template = tmp_path / "register-template.xlsx"
    download_info.value.save_as(template)
    workbook = load_workbook(template)
    sheet = workbook.worksheets[0]
    sheet.append([MENTOR, "учитель математики", "высшее педагогическое", 21, "highest",
                  "mentor", None, "01.10.2026"])
    sheet.append([MENTEE, "учитель физики", "высшее педагогическое", 1, "none", "mentee",
                  "young", "01.10.2026"])
    filled = tmp_path / "register.xlsx"
    workbook.save(filled)
    page.locator("#file").set_input_files(str(filled))
    page.locator("#submit").click()
    page.wait_for_url(f"{base}/organizations/{org_id}/mentoring/participants")
    listed = page.get_by_test_id("participants").inner_text()
    assert MENTOR in listed and MENTEE in listed


def _form_pair(page, base: str, org_id: str) -> str:
    page.goto(f"{base}/organizations/{org_id}/mentoring/pairs/new")
    page.locator("#mentors").select_option(label=MENTOR)
    page.locator("#mentees").select_option(label=MENTEE)
    page.locator("#form").select_option(value="teacher_teacher")
    page.locator("#type").select_option(value="traditional")
    page.locator("#starts_on").fill("2026-10-01")
    page.locator("#planned_end_on").fill("2027-05-31")
    page.locator("#order_number").fill("177-од")
    page.locator("#order_date").fill("2026-09-30")
    page.locator("#submit").click()
    page.wait_for_url(f"{base}/organizations/{org_id}/mentoring/pairs")
    row = page.get_by_test_id("pairs").locator("tr", has_text=MENTOR)
    assert "177-од" in row.inner_text()
    href = row.get_by_role("link").first.get_attribute("href")
    return re.search(r"/mentoring/pairs/(\d+)", href).group(1)


def _write_programme(page, base: str, pair_id: str, tmp_path) -> None:
    page.goto(f"{base}/mentoring/pairs/{pair_id}/programme")
    page.locator("#starts_on").fill("2026-10-01")
    page.locator("#ends_on").fill("2027-05-31")
    page.locator("#problem").fill("Затруднения в планировании урока физики")
    page.locator("#goal").fill("Успешная адаптация молодого учителя физики")
    page.locator("#tasks").fill("Освоить технологию проектирования урока")
    page.locator("#submit").click()
    page.wait_for_url(re.compile(r".*/mentoring/programmes/\d+$"))
    programme_url = page.url
    page.get_by_role("link", name="Добавить мероприятие в план").click()
    page.locator("#direction").select_option(index=1)
    page.locator("#title").fill("Взаимопосещение уроков физики")
    page.locator("#dates").fill("октябрь 2026")
    page.locator("#methods").fill("наблюдение, анализ урока")
    page.locator("#expected_result").fill("анализ посещённых уроков")
    page.locator("#submit").click()
    page.wait_for_url(programme_url)
    assert "Взаимопосещение уроков физики" in page.content()

    page.goto(programme_url + "/print")
    printed = page.locator("body").inner_text()
    assert MENTEE in printed and MENTOR in printed and "Взаимопосещение уроков физики" in printed
    page.goto(programme_url)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Скачать DOCX").click()
    saved = tmp_path / "programme.docx"
    download_info.value.save_as(saved)
    document = Document(str(saved))
    text = "\n".join([p.text for p in document.paragraphs] + [
        cell.text for table in document.tables for row in table.rows for cell in row.cells])
    assert MENTEE in text and "Взаимопосещение уроков физики" in text


def _answer(page, link, day: str) -> None:
    link.click()
    form = page.locator("form", has=page.locator("#answered_on"))
    form.locator("#answered_on").fill(day)
    for select in form.locator("select").all():
        select.select_option(index=select.locator("option").count() - 1)
    form.locator("#submit").click()
    page.wait_for_url(re.compile(r".*/mentoring/pairs/\d+/monitoring$"))


def _monitor(page, base: str, pair_id: str) -> None:
    pair_url = f"{base}/mentoring/pairs/{pair_id}/monitoring"
    page.goto(pair_url + "/periods/new")
    page.locator("#quarter").select_option(value="2026-4")
    page.locator("#results_risks_text").fill("План выполняется; риск — нагрузка наставляемого")
    page.locator("#joint_projects_number").fill("1")
    page.locator("#submit").click()
    page.wait_for_url(pair_url)
    assert "План выполняется" in page.get_by_test_id("stage1").inner_text()
    for stage, day in (("before", "2026-10-05"), ("after", "2026-11-30")):
        for member in range(2):
            row = page.get_by_test_id("questionnaires").locator("tbody tr").nth(member)
            _answer(page, row.locator(f'a[href$="/{stage}"]'), day)
    answered = page.get_by_test_id("questionnaires").inner_text()
    assert answered.count("заполнена") == 4, answered
    assert page.get_by_test_id("pair-changes").count() == 1


def test_the_curator_keeps_the_register_and_the_report_is_prefilled(live_server, browser,
                                                                    tmp_path):
    context = browser.new_context(locale="ru-RU", accept_downloads=True)
    page = context.new_page()
    base = live_server.url
    _log_in(page, base, "curator")  # МБОУ «СШ № 23», a draft in the open quarter
    page.get_by_test_id("due-list").get_by_role("link").first.click()
    page.wait_for_url(re.compile(r".*/organizations/\d+/reports/\d+$"))
    report_url = page.url
    org_id = re.search(r"/organizations/(\d+)/", report_url).group(1)
    before = _report_counts(page, report_url)

    _import_register(page, base, org_id, tmp_path)
    pair_id = _form_pair(page, base, org_id)
    _write_programme(page, base, pair_id, tmp_path)
    _monitor(page, base, pair_id)

    after = _report_counts(page, report_url)
    expected = {code: int(before[code] or 0) + 1 for code in after}
    expected["mentors"] = int(before["mentors"] or 0) + 1
    assert {code: int(value) for code, value in after.items()} == expected
    for code, value in after.items():  # every one marked «из реестра» with the same count
        mark = page.locator(f'[data-register-mark="{code}"]').inner_text()
        assert "из реестра" in mark and mark.endswith(value)
    page.get_by_role("button", name="Сохранить черновик").click()
    page.wait_for_url(report_url)
    assert "Черновик сохранён" in page.content(), page.locator(".alert").all_inner_texts()
    context.close()
