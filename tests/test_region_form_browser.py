"""Issue 11's «Done when» in a real browser against gunicorn with the demo region.

The regional coordinator defines a form with one item of every kind, two rules and a
one-off collection, and puts its evidence items on the presence checklist; the kindergarten
curator answers it with a link and a file as evidence; the municipal coordinator finds it on
the status page and in the presence matrix and accepts it; the regional dashboard shows its
yes/no and count items. The definition downloaded from the editor loads back unchanged.

The walk runs on a server of its own: the one-off collection becomes the region's newest
period, which the other browser tests' «Кто отчитался» links and due lists would find first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest

from portal.catalogue.definition_file import read_definition
from portal.clock import utcnow
from tests.document_files import pdf
from tests.live import LiveServer, browser_log_in

pytestmark = [pytest.mark.live, pytest.mark.browser]

FORM_CODE, FORM_NAME = "ds_monitoring", "Мониторинг наставничества в детских садах"
SECTION = "Наставничество в ДОО"
# (code, kind, name, extra fields of the editor) — one item of every kind, two evidence items;
# not «mentors»/«mentees», which any form's report takes from the register (portal.reports.prefill)
ITEMS = [
    ("educators", "count", "Педагоги-наставники", {"unit_ru": "человек"}),
    ("mentored", "count", "Наставляемые педагоги", {"unit_ru": "человек"}),
    ("covered", "percent", "Доля охваченных педагогов", {}),
    ("satisfaction", "score", "Удовлетворённость наставляемых", {"scale": "5"}),
    ("hours", "number", "Часы методической работы", {"unit_ru": "часов"}),
    ("has_plan", "yes_no", "Есть план наставничества на год", {"presence": True}),
    ("order_doc", "evidence", "Наличие приказа о наставничестве", {"presence": True}),
    ("regulation_doc", "evidence", "Наличие положения о наставничестве", {"presence": True}),
    ("notes", "text", "Комментарий", {"required": False}),
    ("plan_date", "date", "Дата утверждения плана", {}),
]
RULES = [
    ("mentees_per_mentor", "mentored <= 3 * educators",
     "Наставляемых больше, чем втрое наставников"),
    ("order_needed", "if educators > 0 then present(order_doc)",
     "Есть наставники — нужен приказ о наставничестве"),
]
ORG = "9901011"  # МБДОУ «ДС № 3 «Солнышко», whose curator is curator.ds3
ORDER_URL = "https://ds3.example.ru/nastavnichestvo/prikaz-62.pdf"


@dataclass
class Walk:
    """What the steps of the walk pass on to the later ones."""

    base: str
    region_id: str = ""
    period_id: str = ""
    title: str = ""


@pytest.fixture(scope="module")
def own_server(databases, tmp_path_factory):
    """A gunicorn with the demo region for this module alone (see the module docstring)."""
    server = LiveServer(databases.new_database("portal_region_form"),
                        tmp_path_factory.mktemp("region-form-instance")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def walk(own_server):
    return Walk(own_server.url)


def _page(browser, walk: Walk, login: str):
    context = browser.new_context(locale="ru-RU", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    browser_log_in(page, walk.base, login)
    return context, page


def _create_form(page, walk: Walk) -> None:
    page.get_by_test_id("region-forms-link").click()
    walk.region_id = re.search(r"/regions/(\d+)/forms", page.url).group(1)
    new = page.get_by_test_id("new-form")
    new.locator("#code").fill(FORM_CODE)
    new.locator("#name_ru").fill(FORM_NAME)
    new.locator("#periodicity").select_option("one_off")
    new.locator("#applies_to").select_option(["kindergarten"])
    new.get_by_role("button", name="Создать форму").click()
    page.wait_for_url(re.compile(r".*/forms/\d+$"))
    assert page.get_by_test_id("form-name").inner_text() == FORM_NAME


def _add_items(page) -> None:
    for code, kind, name, extra in ITEMS:
        new = page.get_by_test_id("new-item")
        new.locator("#code").fill(code)
        new.locator("#section").fill(SECTION)
        new.locator("#label_ru").fill(name)
        new.locator("#kind").select_option(kind)
        if "unit_ru" in extra:
            new.locator("#unit_ru").fill(extra["unit_ru"])
        if "scale" in extra:
            new.locator("#scale").fill(extra["scale"])
        new.locator("#required").set_checked(extra.get("required", True))
        new.locator("#presence").set_checked(extra.get("presence", False))
        new.get_by_role("button", name="Сохранить показатель").click()
        page.wait_for_load_state()
        assert page.get_by_test_id(f"item-{code}").is_visible(), page.locator(
            ".invalid-feedback").all_inner_texts()
    items = page.get_by_test_id("form-items")
    assert items.locator("tbody tr").count() == len(ITEMS)
    assert "проверка наличия" in items.get_by_test_id("item-order_doc").inner_text()


def _add_rules(page) -> None:
    page.get_by_test_id("form-rules-link").click()
    for code, expression, message in RULES:
        page.locator("#code").fill(code)
        page.locator("#expression").fill(expression)
        page.locator("#severity").select_option("error")
        page.locator("#message_ru").fill(message)
        page.locator("#message_en").fill(message)
        page.get_by_role("button", name="Сохранить правило").click()
        page.wait_for_load_state()
        assert expression in page.get_by_test_id(f"rule-{code}").inner_text(), \
            page.locator(".invalid-feedback").all_inner_texts()
    page.get_by_role("link", name="Показатели формы").click()


def _round_trip(page, tmp_path) -> None:
    """The definition downloaded from the editor loads back and downloads the same."""
    def download(name: str):
        with page.expect_download() as info:
            page.get_by_test_id("download-definition").click()
        path = tmp_path / name
        info.value.save_as(path)
        return read_definition(path.read_bytes())

    first = download("first.xlsx")
    assert [i.code for i in first.items] == [code for code, *_ in ITEMS]
    assert [r.code for r in first.rules] == [code for code, *_ in RULES]
    upload = page.get_by_test_id("upload-definition")
    upload.locator("#file").set_input_files(str(tmp_path / "first.xlsx"))
    upload.get_by_role("button", name="Загрузить описание").click()
    page.wait_for_load_state()
    assert "загружено" in page.locator(".alert-success").inner_text()
    assert download("second.xlsx") == first
    assert page.get_by_test_id("form-items").locator("tbody tr").count() == len(ITEMS)


def _open_collection(page, walk: Walk) -> None:
    today = utcnow().date()
    walk.title = f"на {today:%d.%m.%Y}"
    page.goto(f"{walk.base}/regions/{walk.region_id}/periods")
    page.locator("#form_id").select_option(label=FORM_NAME)
    page.locator("#title").fill(walk.title)
    page.locator("#year").fill(str(today.year))
    page.locator("#opens_on").fill((today - timedelta(days=1)).isoformat())
    page.locator("#deadline").fill((today + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Открыть период").click()
    page.wait_for_load_state()
    assert walk.title in page.locator(".alert-success").inner_text()
    table = page.get_by_test_id(f"periods-form-{FORM_CODE}").locator(
        "xpath=following-sibling::div[1]")
    link = table.get_by_role("link", name=walk.title)
    walk.period_id = re.search(r"/periods/(\d+)/status", link.get_attribute("href")).group(1)


def _checklist(page, walk: Walk) -> None:
    page.goto(f"{walk.base}/regions/{walk.region_id}/presence/checklist")
    listed = page.get_by_test_id("checklist-items").inner_text()
    for code in ("has_plan", "order_doc", "regulation_doc"):
        name = next(n for c, _k, n, _e in ITEMS if c == code)
        assert name in listed
    assert walk.title in listed
    page.get_by_test_id("checklist-form").get_by_role(
        "button", name="Сохранить перечень").click()
    page.wait_for_load_state()
    assert "сохранён" in page.locator(".alert-success").inner_text()


def test_the_regional_coordinator_defines_and_opens_the_form(browser, walk, tmp_path):
    context, page = _page(browser, walk, "region")
    _create_form(page, walk)
    _add_items(page)
    _add_rules(page)
    _round_trip(page, tmp_path)
    _open_collection(page, walk)
    _checklist(page, walk)
    context.close()


def _answer(page) -> None:
    values = {"educators": "2", "mentored": "9", "covered": "40", "satisfaction": "4",
              "hours": "12,5", "plan_date": "2026-09-01"}
    for code, value in values.items():
        page.locator(f"#v-{code}").fill(value)
    page.locator("#v-notes").fill("Наставничество ведут два старших воспитателя.")
    page.locator("#v-has_plan").select_option("нет")
    page.locator("#v-order_doc").select_option("")
    page.locator("#v-regulation_doc").select_option("да")


def _submit(page) -> None:
    page.get_by_role("button", name="Отправить отчёт").click()
    page.wait_for_load_state()


def test_the_kindergarten_curator_answers_with_a_link_and_a_file(browser, walk, tmp_path):
    assert walk.period_id, "the coordinator's step did not open the collection"
    context, page = _page(browser, walk, "curator.ds3")
    page.get_by_test_id("due-list").get_by_role("link", name=re.compile(walk.title)).click()
    page.wait_for_url(re.compile(rf".*/organizations/\d+/reports/{walk.period_id}$"))
    _answer(page)
    regulation = tmp_path / "polozhenie.pdf"
    regulation.write_bytes(pdf("Положение о наставничестве"))
    page.locator("#f-regulation_doc").set_input_files(str(regulation))
    _submit(page)  # both rules are broken: too many mentees, no order for the mentors
    summary = page.get_by_test_id("error-summary")
    assert summary.count() == 1, page.locator("main").inner_text()[:3000]
    errors = summary.inner_text()
    for _code, _expression, message in RULES:
        assert message in errors
    assert page.get_by_test_id("evidence-regulation_doc").get_by_role(
        "link", name="polozhenie.pdf").is_visible()  # the refused submission kept the file
    page.locator("#v-mentored").fill("5")
    page.locator("#v-order_doc").select_option("да")
    page.locator("#u-order_doc").fill(ORDER_URL)
    _submit(page)
    assert "Отчёт отправлен." in page.content(), page.locator(".alert").all_inner_texts()
    assert page.get_by_test_id("evidence-order_doc").get_by_role(
        "link", name=ORDER_URL).is_visible()
    file_link = page.get_by_test_id("evidence-regulation_doc").get_by_role(
        "link", name="polozhenie.pdf")
    response = page.request.get(walk.base + file_link.get_attribute("href"))
    assert response.ok and response.body().startswith(b"%PDF-")
    context.close()


def test_the_municipal_coordinator_sees_and_accepts_the_report(browser, walk):
    assert walk.period_id, "the coordinator's step did not open the collection"
    context, page = _page(browser, walk, "ozersk")
    page.get_by_role("link", name=re.compile("Кто отчитался")).first.click()
    page.get_by_role("link", name=walk.title).first.click()  # the status page's periods
    page.wait_for_url(re.compile(rf".*/periods/{walk.period_id}/status.*"))
    row = page.locator(f'tr[data-org="{ORG}"]')
    assert row.locator("[data-status]").get_attribute("data-status") == "submitted"
    assert page.locator('tr[data-org="9901001"]').count() == 0  # a school: not asked
    row.get_by_role("button", name="Принять", exact=True).click()
    row.get_by_role("button", name="Да, принять").click()
    page.wait_for_load_state()
    assert page.locator(f'tr[data-org="{ORG}"] [data-status]').get_attribute(
        "data-status") == "accepted"

    page.get_by_role("link", name="Документы и дорожные карты").first.click()
    matrix = page.get_by_test_id("presence-matrix")
    headers = matrix.locator("thead th")
    keys = [headers.nth(i).get_attribute("data-column") for i in range(headers.count())]

    def cells(org: str) -> dict[str, str]:
        """The row's cell of each item column (the row's first cell is a header)."""
        texts = matrix.locator(f'tr[data-org="{org}"] td').all_inner_texts()
        return {code: texts[keys.index(f"item:{ids[code]}") - 1] for code in ids}

    ids = {}
    for code in ("has_plan", "order_doc", "regulation_doc"):
        name = next(n for c, _k, n, _e in ITEMS if c == code)
        key = matrix.locator("thead th", has_text=name).get_attribute("data-column")
        ids[code] = key.removeprefix("item:")
    assert cells(ORG) == {"has_plan": "нет", "order_doc": "есть", "regulation_doc": "есть"}
    assert set(cells("9901001").values()) == {"—"}  # a school: not asked
    context.close()


def test_the_regional_dashboard_shows_the_yes_no_and_count_items(browser, walk):
    assert walk.period_id, "the coordinator's step did not open the collection"
    context, page = _page(browser, walk, "region")
    page.goto(f"{walk.base}/dashboards/regions/{walk.region_id}")
    offered = page.locator("#filter-period option").all_inner_texts()
    assert walk.title in offered, f"the dashboard offers no one-off collection: {offered}"
    page.locator("#filter-period").select_option(label=walk.title)
    page.wait_for_url(re.compile(rf".*period={walk.period_id}.*"))
    answers = page.get_by_test_id("yes-no-items")
    assert "Есть план наставничества на год" in answers.inner_text()
    assert "Наличие приказа о наставничестве" in answers.inner_text()
    # One kindergarten answered: the share is withheld (fewer than three), who said no is named.
    assert page.get_by_test_id("answers-has_plan").locator("td").nth(2).inner_text() == "1"
    assert "ДС № 3" in page.get_by_test_id("said-no-has_plan").inner_text()
    count = page.locator("#filter-indicator option", has_text="Педагоги-наставники")
    value = count.get_attribute("value")
    page.locator("#filter-indicator").select_option(value)
    page.wait_for_url(re.compile(rf".*indicator={re.escape(value)}.*"))
    assert "Педагоги-наставники" in page.locator("main").inner_text()
    context.close()
