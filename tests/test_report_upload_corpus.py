"""The bad-input corpus (tests/data/uploads, made by tests/data/make_uploads.py).

Each file is uploaded as a curator (or, for municipal files, a municipal coordinator) and
must be rejected outright, previewed with its problems but not savable, or accepted and
saved, with exactly the right message; after every refusal the tables an upload may write
are byte-for-byte what they were.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from portal import tabular
from portal.catalogue import queries as catalogue_queries
from portal.reports import operations, period_operations, queries
from portal.reports.models import Period
from tenants.models import OrganizationType, Role, Subordination
from tests.upload_helpers import snapshot

CORPUS = Path(__file__).parent / "data" / "uploads"
REJECTED, BLOCKED, ACCEPTED = "rejected", "blocked", "accepted"
SCHOOL, KINDERGARTEN, BULK = "school", "kindergarten", "bulk"
DTD = ("В файле есть объявление типа документа XML (DTD), которого Excel никогда не "
       "записывает; из соображений безопасности файл отклонён.")

# file, where it is uploaded, outcome, the messages (or the stored values when accepted)
CASES = [
    ("not_excel_renamed.xlsx", SCHOOL, REJECTED,
     ["Файл не является книгой Excel (.xlsx) или CSV-файлом, хотя так назван."]),
    ("encrypted.xlsx", SCHOOL, REJECTED,
     ["Файл защищён паролем. Снимите пароль в Excel («Файл» → «Сведения» → «Защитить книгу») "
      "и загрузите файл ещё раз."]),
    ("corrupt.xlsx", SCHOOL, REJECTED,
     ["Файл Excel повреждён и не открывается. Сохраните его в Excel заново в формате .xlsx и "
      "загрузите ещё раз."]),
    ("zip_not_workbook.xlsx", SCHOOL, REJECTED,
     ["Файл — ZIP-архив, а не книга Excel (.xlsx)."]),
    ("old_format.xls", SCHOOL, REJECTED,
     ["Это файл старого формата Excel 97–2003 (.xls). Сохраните его как книгу Excel (.xlsx) и "
      "загрузите ещё раз."]),
    ("empty_sheet.xlsx", SCHOOL, REJECTED, ["Лист «Sheet» пуст."]),
    ("empty.csv", SCHOOL, REJECTED, ["Файл пуст."]),
    ("image_named.csv", SCHOOL, REJECTED,
     ["Файл не является книгой Excel (.xlsx) или CSV-файлом, хотя так назван."]),
    ("missing_value_column.xlsx", SCHOOL, REJECTED,
     ["В таблице нет столбца «Значение» (value) (найдены: «Код показателя», «Раздел», "
      "«Показатель», «Единица», «Значение за прошлый квартал»). Не переименовывайте и не "
      "удаляйте столбцы шаблона."]),
    ("renamed_code_column.xlsx", SCHOOL, REJECTED,
     ["В таблице нет столбца «Код показателя» (code). Не переименовывайте и не удаляйте "
      "столбцы шаблона."]),
    ("renamed_value_column.xlsx", SCHOOL, REJECTED,
     ["В таблице нет столбца «Значение» (value) (найдены: «Код показателя», «Раздел», "
      "«Показатель», «Единица», «Значение (шт.)», «Значение за прошлый квартал»)."]),
    ("header_only.csv", SCHOOL, REJECTED, ["В файле нет значений показателей."]),
    ("foreign_organization.xlsx", SCHOOL, REJECTED,
     ["Этот файл — шаблон другой организации (код 7701002), а не 7701001. Скачайте шаблон "
      "своей организации."]),
    ("wrong_period.xlsx", SCHOOL, REJECTED,
     ["Этот файл — шаблон за период «II квартал 2026 г.», а вы загружаете отчёт за период "
      "«III квартал 2026 г.». Скачайте шаблон за этот период."]),
    ("municipal_file_on_report_page.xlsx", SCHOOL, REJECTED,
     ["Это сводный файл муниципалитета с отчётами многих организаций; загружайте его на "
      "странице муниципалитета."]),
    ("merged_cells.xlsx", SCHOOL, BLOCKED,
     ["Строка 7, столбец C «Показатель»: ячейки C7:D7 объединены; отмените объединение"]),
    ("formula.xlsx", SCHOOL, BLOCKED,
     ["Строка {mentors}, столбец E «Значение»: в ячейке формула (=E6/8); введите само число"]),
    ("text_in_number.xlsx", SCHOOL, BLOCKED,
     ["Строка {staff_total}, столбец E «Значение»: «сорок» не является числом"]),
    ("date_in_number.xlsx", SCHOOL, BLOCKED,
     ["Строка {staff_total}, столбец E «Значение»: дата не является числом"]),
    ("negative_count.xlsx", SCHOOL, BLOCKED,
     ["Строка {staff_total}, столбец E «Значение»: количество не может быть отрицательным"]),
    ("percent_over_100.xlsx", SCHOOL, BLOCKED,
     ["Строка {students_passed_pct}, столбец E «Значение»: процент должен быть от 0 до 100"]),
    ("count_with_fraction.csv", SCHOOL, BLOCKED,
     ["Строка 2, столбец «value»: количество должно быть целым числом"]),
    ("duplicate_codes.csv", SCHOOL, BLOCKED,
     ["Строка 4, столбец «code»: показатель «staff_total» указан дважды (ещё в строке 2)"]),
    ("unknown_code.csv", SCHOOL, BLOCKED,
     ["Строка 2, столбец «code»: показателя с кодом «staff» нет"]),
    ("not_for_kindergartens.csv", KINDERGARTEN, BLOCKED,
     ["Строка 2, столбец «code»: показатель «students_contest_participants» не заполняется для "
      "организаций этого типа (Дошкольная образовательная организация)"]),
    ("decimal_comma_point_and_spaces.xlsx", SCHOOL, ACCEPTED,
     {"students_passed_pct": "12,5", "satisfaction_mentees": "8.5", "meetings_held": "1 200",
      "staff_total": "1200"}),
    ("blank_rows.xlsx", SCHOOL, ACCEPTED, {"staff_total": "40", "mentors": "5",
                                           "meetings_held": "12"}),
    ("cp1251_semicolon.csv", SCHOOL, ACCEPTED,
     {"staff_total": "40", "students_passed_pct": "87,5", "satisfaction_mentors": "9"}),
    ("utf8_bom.csv", SCHOOL, ACCEPTED, {"staff_total": "40", "meetings_held": "1 200"}),
    ("comma_csv_unquoted_decimal.csv", SCHOOL, ACCEPTED,
     {"staff_total": "40", "students_passed_pct": "12,5"}),
    ("municipal_foreign_organization.csv", BULK, REJECTED,
     ["Строка 3: организация с кодом «7702001» не относится к организациям вашей зоны "
      "ответственности. Файл отклонён целиком, ничего не сохранено."]),
    ("municipal_regional_college.csv", BULK, REJECTED,
     ["Строка 3: организация с кодом «7701031» не относится к организациям вашей зоны "
      "ответственности."]),
    ("municipal_wrong_period.xlsx", BULK, REJECTED,
     ["Этот файл — шаблон за период «IV квартал 2025 г.», а вы загружаете отчёт за период "
      "«III квартал 2026 г.»."]),
    ("report_file_on_municipal_page.xlsx", BULK, REJECTED,
     ["Это файл отчёта одной организации; загружайте его на странице этого отчёта."]),
    ("municipal_ok.xlsx", BULK, ACCEPTED,
     {"7701001": {"staff_total": "40", "mentors": "5"}, "7701011": {"staff_total": "22"}}),
    # damaged and hostile files (tests/data/hostile_uploads.py): refused, never a 500
    ("damaged_xml.xlsx", SCHOOL, REJECTED,
     ["Файл Excel повреждён: лист «Отчёт» не читается начиная со строки 7. Сохраните его в "
      "Excel заново в формате .xlsx и загрузите ещё раз."]),
    ("billion_laughs.xlsx", SCHOOL, REJECTED, [DTD]),
    ("external_entity.xlsx", SCHOOL, REJECTED, [DTD]),
    ("shared_string_out_of_range.xlsx", SCHOOL, REJECTED,
     ["Строка 3, столбец A: ячейка ссылается на текст, которого нет в файле; файл повреждён."]),
    ("corrupt_deflate.xlsx", SCHOOL, REJECTED,
     ["Файл Excel повреждён и не открывается. Сохраните его в Excel заново в формате .xlsx и "
      "загрузите ещё раз."]),
    ("bomb_cells.xlsx", SCHOOL, REJECTED,
     ["На листе больше 100000 заполненных ячеек; это точно нужный файл?"]),
    ("bomb_shared_strings.xlsx", SCHOOL, REJECTED,
     ["В книге больше 60000 различных текстов; это точно нужный файл?"]),
    ("bomb_styles.xlsx", SCHOOL, REJECTED,
     ["В книге больше 65000 форматов ячеек или чисел; это точно нужный файл?"]),
    ("bomb_elements.xlsx", SCHOOL, REJECTED,
     ["Книга слишком сложна для чтения (больше 500000 элементов XML)"]),
    ("bomb_packed.xlsx", SCHOOL, REJECTED,
     ["Книга сжата подозрительно сильно (часть xl/worksheets/sheet1.xml); это не обычный "
      "файл Excel."]),
    ("huge_part.xlsx", SCHOOL, REJECTED,
     ["Книга слишком велика в распакованном виде; загрузите только лист с отчётом."]),
    ("macros.xlsm", SCHOOL, REJECTED,
     ["В книге есть макросы (файл .xlsm). Файлы с макросами не принимаются: сохраните файл "
      "как книгу Excel (.xlsx) и загрузите ещё раз."]),
    ("binary_workbook.xlsb", SCHOOL, REJECTED,
     ["Это двоичная книга Excel (.xlsb). Сохраните её как книгу Excel (.xlsx)"]),
    ("spreadsheet.ods", SCHOOL, REJECTED,
     ["Это таблица OpenDocument (.ods). Сохраните её как книгу Excel: в LibreOffice Calc "
      "выберите «Файл» → «Сохранить как» → «Excel 2007-365 (.xlsx)» и загрузите файл .xlsx."]),
    ("only_hidden_sheets.xlsx", SCHOOL, REJECTED,
     ["В книге нет видимого листа с данными; скрытые листы не читаются («Отчёт»). Покажите "
      "лист с отчётом и загрузите файл ещё раз."]),
    # what a number cell means: its format, its notation, its unit's maximum
    ("percent_format_on_count.xlsx", SCHOOL, BLOCKED,
     ["Строка {staff_total}, столбец E «Значение»: «40%» — процент, а этот показатель "
      "измеряется не в процентах; введите само число, без процентного формата"]),
    ("thousands_separators.xlsx", SCHOOL, BLOCKED,
     [f"Строка {{{code}}}, столбец E «Значение»: «{raw}» читается неоднозначно: точка или "
      "запятая может отделять и тысячи, и дробную часть. Пишите тысячи без них — 1000 или "
      "1 000, а дробную часть через запятую — 12,5"
      for code, raw in [("staff_total", "1,000"), ("mentors", "2.000"),
                        ("meetings_held", "1.234.567")]]),
    ("huge_counts.xlsx", SCHOOL, BLOCKED,
     [f"Строка {{{code}}}, столбец E «Значение»: количество не может быть больше "
      "1\u00a0000\u00a0000" for code in ("staff_total", "mentors")]),
    ("zero_width_code.csv", SCHOOL, BLOCKED,
     ["Строка 2, столбец «code»: показателя с кодом «staff_total[U+200B]» нет"]),
    # accepted: read the way the user sees them
    ("excel_shared_strings.xlsx", SCHOOL, ACCEPTED,
     {"staff_total": "40", "mentors": "5", "meetings_held": "12"}),
    ("percent_format.xlsx", SCHOOL, ACCEPTED, {"students_passed_pct": "37.5%",
                                               "staff_total": "40"}),
    ("hidden_first_sheet.xlsx", SCHOOL, ACCEPTED, {"staff_total": "40", "mentors": "5"}),
    ("very_hidden_sheet.xlsx", SCHOOL, ACCEPTED, {"staff_total": "40", "mentors": "5"}),
    ("utf16_tabs.csv", SCHOOL, ACCEPTED, {"staff_total": "40", "students_passed_pct": "87,5"}),
    ("utf16_no_bom.csv", SCHOOL, ACCEPTED, {"staff_total": "40"}),
    ("number_cells.xlsx", SCHOOL, ACCEPTED,  # number cells in the notation of the user
     {"students_passed_pct": "81,5", "satisfaction_mentees": "8,5", "staff_total": "40"}),
    ("municipal_hidden_sheet.xlsx", BULK, ACCEPTED,
     {"7701001": {"staff_total": "40", "mentors": "5"}, "7701011": {"staff_total": "22"}}),
    # messages that name the real problem
    ("utf16_damaged.csv", SCHOOL, REJECTED,
     ["Файл в кодировке UTF-16, но повреждён. Сохраните его заново как «CSV UTF-8»"]),
    ("ods_named_xlsx.xlsx", SCHOOL, REJECTED,
     ["Это таблица OpenDocument (.ods). Сохраните её как книгу Excel"]),
    ("municipal_zero_width_column.csv", BULK, BLOCKED,
     ["Строка 1, столбец «staff_total[U+200B]»: «staff_total[U+200B]» — не код показателя"]),
    # templates saved as CSV by Excel or LibreOffice (tests/data/saved_as_csv.py): checked by
    # the organization (municipality) and period rows at their top, like the XLSX template
    ("template_as_csv_excel.csv", SCHOOL, ACCEPTED,
     {"staff_total": "40", "students_passed_pct": "81,5"}),
    ("template_as_csv_excel_utf8.csv", SCHOOL, ACCEPTED,
     {"staff_total": "40", "students_passed_pct": "81,5"}),
    ("template_as_csv_libreoffice.csv", SCHOOL, ACCEPTED,  # text of a CSV: kept as written
     {"staff_total": "40", "students_passed_pct": "81.5"}),
    ("foreign_organization_as_csv.csv", SCHOOL, REJECTED,
     ["Этот файл — шаблон другой организации (код 7701002), а не 7701001."]),
    ("wrong_period_as_csv.csv", SCHOOL, REJECTED,
     ["Этот файл — шаблон за период «II квартал 2026 г.», а вы загружаете отчёт за период "
      "«III квартал 2026 г.»."]),
    ("municipal_as_csv.csv", BULK, ACCEPTED,
     {"7701001": {"staff_total": "40", "mentors": "5"}, "7701011": {"staff_total": "22"}}),
    ("municipal_wrong_period_as_csv.csv", BULK, REJECTED,
     ["Этот файл — шаблон за период «IV квартал 2025 г.», а вы загружаете отчёт за период "
      "«III квартал 2026 г.»."]),
    ("municipal_other_municipality_as_csv.csv", BULK, REJECTED,
     ["Этот файл — шаблон другого муниципалитета (код 77-02), а не 77-01."]),
]
ENGLISH = [
    ("negative_count.xlsx", SCHOOL, BLOCKED,
     ["Row {staff_total}, column E «Значение»: a count cannot be negative"]),
    ("wrong_period.xlsx", SCHOOL, REJECTED,
     ["This file is the template for II quarter 2026, but you are uploading the report for "
      "III quarter 2026."]),
    ("municipal_foreign_organization.csv", BULK, REJECTED,
     ["Row 3: the organization with the code “7702001” is not among the organizations you are "
      "responsible for. The whole file was rejected; nothing was saved."]),
    ("percent_format_on_count.xlsx", SCHOOL, BLOCKED,
     ["Row {staff_total}, column E «Значение»: “40%” is a percentage, but this indicator is "
      "not measured in percent"]),
    ("macros.xlsm", SCHOOL, REJECTED, ["The workbook contains macros (an .xlsm file)."]),
    ("number_cells.xlsx", SCHOOL, ACCEPTED,
     {"students_passed_pct": "81.5", "satisfaction_mentees": "8.5", "staff_total": "40"}),
]


class Corpus:
    """The fixed world the corpus files were made for (see tests/data/make_uploads.py)."""

    def __init__(self, factory):
        region = factory.region(code="77")
        municipality = factory.municipality(region, code="77-01")
        self.school = factory.organization(municipality, code="7701001")
        factory.organization(municipality, code="7701002")
        self.kindergarten = factory.organization(municipality, code="7701011",
                                                 type=OrganizationType.KINDERGARTEN)
        factory.organization(municipality, code="7701031", type=OrganizationType.COLLEGE,
                             subordination=Subordination.REGIONAL)
        factory.organization(factory.municipality(region, code="77-02"), code="7702001")
        self.municipality = municipality
        self.period: Period = period_operations.open_period(region, 2026, 3)
        self.users = {SCHOOL: factory.user(Role.CURATOR, self.school),
                      KINDERGARTEN: factory.user(Role.CURATOR, self.kindergarten),
                      BULK: factory.user(Role.MUNICIPAL, municipality)}

    def url(self, target: str) -> str:
        if target == BULK:
            return f"/municipalities/{self.municipality.id}/periods/{self.period.id}/upload"
        org = self.school if target == SCHOOL else self.kindergarten
        return f"/organizations/{org.id}/reports/{self.period.id}/upload"

    def rows(self) -> dict[str, int]:
        """The template row of each indicator of the school."""
        return {i.code: 6 + n for n, i in enumerate(catalogue_queries.indicators_for(self.period, self.school.type))}


@pytest.fixture
def corpus(factory):
    return Corpus(factory)


def test_the_corpus_is_complete():
    files = {p.name for p in CORPUS.iterdir() if p.suffix != ".py"}
    assert files == {name for name, *_ in CASES}
    assert len(CASES) + 1 >= 25  # + the 20 MB file made at test time


def _check(client, corpus, name, target, outcome, expected, headers=None):
    headers = headers or {}
    client.login(corpus.users[target])
    url = corpus.url(target)
    before = snapshot()
    data = (CORPUS / name).read_bytes()
    response = client.post(url, data={"file": (io.BytesIO(data), name),
                                      "csrf_token": client.csrf_token(url)},
                           content_type="multipart/form-data", headers=headers)
    if outcome == REJECTED:
        assert response.status_code == 422, response.status_code
        page = response.get_data(as_text=True)
        for message in expected:
            assert message.format(**corpus.rows()) in page, page[page.find("alert"):][:600]
        assert snapshot() == before
        return
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    preview_url = response.headers["Location"]
    page = client.get(preview_url, headers=headers).get_data(as_text=True)
    save_url = preview_url + "/save"
    token = client.csrf_token(preview_url)
    if outcome == BLOCKED:
        for message in expected:
            assert message.format(**corpus.rows()) in page, page[page.find("problems"):][:1500]
        assert 'data-testid="confirm-upload"' not in page
        saved = client.post(save_url, data={"csrf_token": token}, headers=headers)
        assert saved.status_code == 422
        assert snapshot() == before
        return
    assert 'data-testid="upload-problems"' not in page, page[page.find("problems"):][:1500]
    saved = client.post(save_url, data={"csrf_token": token}, headers=headers)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    if target == BULK:
        for org in (corpus.school, corpus.kindergarten):
            report = queries.report_for(org, corpus.period)
            assert {c: v.raw for c, v in queries.values_of(report).items()} == expected[org.code]
    else:
        org = corpus.school if target == SCHOOL else corpus.kindergarten
        report = queries.report_for(org, corpus.period)
        assert {c: v.raw for c, v in queries.values_of(report).items()} == expected


@pytest.mark.parametrize("name,target,outcome,expected", CASES, ids=[c[0] for c in CASES])
def test_corpus_file(client, corpus, name, target, outcome, expected):
    _check(client, corpus, name, target, outcome, expected)


@pytest.mark.parametrize("name,target,outcome,expected", ENGLISH, ids=[c[0] for c in ENGLISH])
def test_corpus_messages_in_english(client, corpus, name, target, outcome, expected):
    _check(client, corpus, name, target, outcome, expected, {"Accept-Language": "en"})


def test_twenty_megabytes_are_refused_quickly_and_unread(client, corpus, monkeypatch):
    def unread(*_args, **_kwargs):
        raise AssertionError("a file over the limit was parsed")

    monkeypatch.setattr(tabular, "read_grid", unread)
    client.login(corpus.users[SCHOOL])
    url = corpus.url(SCHOOL)
    data = b"PK\x03\x04" + bytes(20 * 1024 * 1024 - 4)  # exactly 20 MB
    # The body is built here: the test client would spool it to a temporary file it never closes.
    boundary = "corpus-boundary-20mb"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{client.csrf_token(url)}\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f"name=\"file\"; filename=\"big.xlsx\"\r\nContent-Type: application/octet-stream"
            f"\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    before = snapshot()
    started = time.perf_counter()
    response = client.post(url, data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    elapsed = time.perf_counter() - started
    assert response.status_code == 422
    assert "Размер файла — 20,0 МБ; файл должен быть меньше 20 МБ." in response.get_data(
        as_text=True)
    assert elapsed < 3, elapsed
    assert snapshot() == before


def test_existing_report_is_unchanged_after_a_rejected_file(client, corpus):
    """The same guarantee with data in the tables: a refusal leaves every row as it was."""
    report = operations.ensure_report(corpus.school, corpus.period)
    operations.save_values(report, {"staff_total": "33", "mentors": "3"},
                           user=corpus.users[SCHOOL], source="form")
    _check(client, corpus, "negative_count.xlsx", SCHOOL, BLOCKED,
           ["Строка {staff_total}, столбец E «Значение»: количество не может быть "
            "отрицательным"])
    client.post_form("/logout")
    _check(client, corpus, "wrong_period.xlsx", SCHOOL, REJECTED,
           ["Этот файл — шаблон за период «II квартал 2026 г.»"])
