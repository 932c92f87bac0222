"""``flask tenants import``: CSV (UTF-8/Windows-1251, comma/semicolon) and XLSX, all or nothing."""

from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from portal.extensions import db
from tenants.models import Municipality, Organization, OrganizationType, Region, Subordination

HEADER = ["region_code", "region", "municipality_code", "municipality", "code", "name",
          "short_name", "type", "subordination"]
ROWS = [
    ["77", "Тестовый край", "77-01", "Город Тест", "7701001", "МБОУ «СОШ № 1»", "СОШ № 1",
     "school", "municipal"],
    ["77", "Тестовый край", "77-01", "Город Тест", "7701002", "МБДОУ «ДС № 2»", "ДС № 2",
     "детский сад", "муниципальная"],
    ["77", "Тестовый край", "77-02", "Район Тест", "7702001", "КГБПОУ «Техникум»", "Техникум",
     "Профессиональная образовательная организация", "regional"],
    ["77", "Тестовый край", "77-02", "Район Тест", "7702002", "МБУ ДО ЦДТ", "ЦДТ",
     "additional", "municipal"],
]


def _csv(rows, delimiter=",", encoding="utf-8", bom=False) -> bytes:
    text = "\n".join(delimiter.join(f'"{v}"' if delimiter in v else v for v in row)
                     for row in [HEADER, *rows]) + "\n"
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in [HEADER, *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def run_import(app, database, tmp_path):
    runner = app.test_cli_runner()

    def run(data: bytes, name: str = "registry.csv"):
        path = tmp_path / name
        path.write_bytes(data)
        result = runner.invoke(args=["tenants", "import", str(path)])
        db.session.expire_all()
        return result

    return run


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("data,name", [
    (_csv(ROWS), "utf8.csv"),
    (_csv(ROWS, ";", "cp1251"), "excel-ru.csv"),
    (_csv(ROWS, ";", bom=True), "bom.csv"),
    (_xlsx(ROWS), "registry.xlsx"),
])
def test_import_reads_every_format(run_import, data, name):
    result = run_import(data, name)
    assert result.exit_code == 0, result.output
    assert "новых организаций — 4" in result.output
    college = db.session.scalars(sa.select(Organization).filter_by(code="7702001")).one()
    assert college.type is OrganizationType.COLLEGE
    assert college.subordination is Subordination.REGIONAL
    assert college.municipality.region.name == "Тестовый край"
    kindergarten = db.session.scalars(sa.select(Organization).filter_by(code="7701002")).one()
    assert kindergarten.type is OrganizationType.KINDERGARTEN


def test_reimport_updates_and_never_duplicates(run_import):
    assert run_import(_csv(ROWS)).exit_code == 0
    renamed = [row[:] for row in ROWS]
    renamed[0][6] = "СОШ № 1 имени Пушкина"
    result = run_import(_csv(renamed))
    assert result.exit_code == 0, result.output
    assert (_count(Region), _count(Municipality), _count(Organization)) == (1, 2, 4)
    assert db.session.scalars(sa.select(Organization.short_name).filter_by(code="7701001")).one() \
        == "СОШ № 1 имени Пушкина"


@pytest.mark.parametrize("rows,message", [
    ([r[:] for r in ROWS[:1]] + [ROWS[0][:4] + ["7701009", "x", "x", "university", "municipal"]],
     "Строка 3: неизвестный тип организации «university»."),
    ([ROWS[0], ROWS[0]], "Строка 3: код 7701001 повторяется (впервые в строке 2)."),
    ([ROWS[0], ROWS[0][:4] + ["7701010", "x", "x", "school", "federal"]],
     "Строка 3: неизвестное подчинение «federal»."),
    ([ROWS[0], ["78", "Другой край"] + ROWS[0][2:4] + ["7801001", "x", "x", "school", "municipal"]],
     "Строка 3: муниципалитет 77-01 выше в файле указан в регионе 77."),
    ([ROWS[0][:5] + ["", "x", "school", "municipal"]], "Строка 2: пустые столбцы: name."),
])
def test_a_bad_row_stops_the_import_and_nothing_is_written(run_import, rows, message):
    result = run_import(_csv(ROWS[1:] + rows))
    assert result.exit_code != 0
    assert "Ничего не загружено." in result.output
    assert message.replace("Строка 3", f"Строка {len(ROWS[1:]) + 3}").replace(
        "Строка 2", f"Строка {len(ROWS[1:]) + 2}").replace(
        "впервые в строке 2", f"впервые в строке {len(ROWS[1:]) + 2}") in result.output
    assert _count(Organization) == 0 and _count(Region) == 0


def test_missing_column_is_named(run_import):
    data = "\n".join(",".join(row[:-1]) for row in [HEADER, *ROWS]).encode()
    result = run_import(data)
    assert result.exit_code != 0
    assert "Нет обязательных столбцов: subordination." in result.output


def test_municipality_of_another_region_is_refused(run_import, factory):
    factory.municipality(factory.region(code="55"), code="77-01")
    result = run_import(_csv(ROWS))
    assert result.exit_code != 0
    assert "Муниципалитет 77-01 относится к региону 55, а не 77." in result.output
    assert _count(Organization) == 0


@pytest.mark.parametrize("data,name,message", [
    (b"", "empty.csv", "Файл пуст."),
    (b"PK\x03\x04 this is not a zip", "broken.xlsx", "Файл Excel повреждён и не открывается."),
    (b"\x00\x01binary", "bin.xlsx", "Файл не является книгой Excel (.xlsx) или CSV-файлом"),
])
def test_unreadable_files_get_a_clear_message(run_import, data, name, message):
    result = run_import(data, name)
    assert result.exit_code != 0 and message in result.output


def test_messages_in_english_when_the_shell_is_english(run_import, monkeypatch):
    monkeypatch.setenv("PORTAL_LOCALE", "en")
    result = run_import(_csv([ROWS[0][:7] + ["university", "municipal"]]))
    assert "Line 2: unknown organization type “university”." in result.output


def _nothing_written() -> bool:
    return (_count(Region), _count(Municipality), _count(Organization)) == (0, 0, 0)


def _refused(result, message: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Ошибка: Ничего не загружено." in result.output and message in result.output
    assert "Error" not in result.output and "Traceback" not in result.output
    assert _nothing_written()


def _row(**changes) -> list[str]:
    row = dict(zip(HEADER, ROWS[0], strict=True))
    row.update(changes)
    return [row[column] for column in HEADER]


@pytest.mark.parametrize("second, message", [
    (_row(code="7701003", region="Тестовый  край"),
     "Строка 3: регион 77 назван здесь «Тестовый  край», а в строке 2 — «Тестовый край»."),
    (_row(code="7701003", municipality="город Тест"),
     "Строка 3: муниципалитет 77-01 назван здесь «город Тест», а в строке 2 — «Город Тест»."),
])
def test_a_code_spelt_two_ways_stops_the_import(run_import, second, message):
    _refused(run_import(_csv([ROWS[0], second])), message)


def test_the_same_spelling_in_the_database_and_the_file_renames_nothing_else(run_import):
    assert run_import(_csv(ROWS)).exit_code == 0
    renamed = [_row(code=row[4], region="Тестовый край (новое название)") for row in ROWS]
    assert run_import(_csv(renamed)).exit_code == 0
    assert db.session.scalars(sa.select(Region.name)).one() == "Тестовый край (новое название)"


@pytest.mark.parametrize("column, length, limit", [
    ("region_code", 33, 32), ("region", 256, 255), ("municipality_code", 33, 32),
    ("municipality", 256, 255), ("code", 33, 32), ("name", 501, 500), ("short_name", 256, 255),
])
def test_a_value_longer_than_its_column_stops_the_import_before_any_insert(
        run_import, column, length, limit):
    result = run_import(_csv([ROWS[0], _row(**{"code": "7701003", column: "Я" * length})]))
    _refused(result, f"Строка 3: значение в столбце {column} слишком длинное (символов: "
                     f"{length}, а помещается не больше {limit}).")


def test_values_that_just_fit_their_columns_are_stored(run_import):
    row = _row(region_code="7" * 32, region="Р" * 255, municipality_code="8" * 32,
               municipality="М" * 255, code="9" * 32, name="Н" * 500, short_name="К" * 255)
    result = run_import(_csv([row]))
    assert result.exit_code == 0, result.output
    stored = db.session.scalars(sa.select(Organization)).one()
    assert (stored.code, len(stored.name), len(stored.short_name)) == ("9" * 32, 500, 255)


@pytest.mark.parametrize("changes, shown", [
    ({"code": "7701\u200b003"}, "«7701⟨U+200B⟩003» в столбце code содержит невидимый или "
                                "управляющий символ (U+200B ZERO WIDTH SPACE)"),
    ({"municipality_code": "77\u00a001"}, "«77⟨U+00A0⟩01» в столбце municipality_code"),
    ({"name": "МБОУ\ufeff «СОШ № 3»"}, "«МБОУ⟨U+FEFF⟩ «СОШ № 3»» в столбце name"),
    ({"short_name": "СОШ\x07 № 3"}, "«СОШ⟨U+0007⟩ № 3» в столбце short_name"),
    ({"region": "Тестовый\x85край"}, "«Тестовый⟨U+0085⟩край» в столбце region"),
    ({"type": "school\u200e"}, "«school⟨U+200E⟩» в столбце type"),
])
def test_invisible_and_control_characters_stop_the_import_and_are_shown(
        run_import, changes, shown):
    result = run_import(_csv([ROWS[0], _row(**{"code": "7701003", **changes})]))
    _refused(result, "Строка 3: значение " + shown)


def test_a_zero_width_space_in_a_workbook_code_is_caught_too(run_import):
    result = run_import(_xlsx([_row(code="7701\u200b001")]), "registry.xlsx")
    _refused(result, "Строка 2: значение «7701⟨U+200B⟩001» в столбце code")


def test_a_no_break_space_in_a_name_is_an_ordinary_space(run_import):
    result = run_import(_csv([_row(short_name="СОШ\u00a0№\u00a01")]))
    assert result.exit_code == 0, result.output
    assert db.session.scalars(sa.select(Organization.short_name)).one() == "СОШ № 1"


def test_a_formula_cell_stops_the_import(run_import):
    result = run_import(_xlsx([ROWS[0], _row(code="7701003", name='=F2&" (филиал)"')]),
                        "registry.xlsx")
    _refused(result, 'Строка 3: в столбце name формула (=F2&" (филиал)"), а реестр принимает '
                     "только значения.")


def _rewrite(data: bytes, part: str, change) -> bytes:
    """The workbook with one part changed by ``change`` (bytes to bytes)."""
    source, buffer = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            target.writestr(info.filename, change(body) if info.filename == part else body)
    return buffer.getvalue()


def _flip_deflate(data: bytes, part: str) -> bytes:
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(part)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    spoilt = bytearray(data)
    for position in range(start + 5, start + min(info.compress_size, 40)):
        spoilt[position] ^= 0x5A
    return bytes(spoilt)


SHEET = "xl/worksheets/sheet1.xml"
MALFORMED = {
    "xml cut in half": lambda d: _rewrite(d, SHEET, lambda b: b[:len(b) // 2]),
    "shared string out of range": lambda d: _rewrite(d, SHEET, lambda b: b.replace(
        b'<c r="A2" t="inlineStr"><is><t>77</t></is></c>', b'<c r="A2" t="s"><v>999</v></c>')),
    "entity declarations": lambda d: _rewrite(d, SHEET, lambda b: b.replace(
        b"<worksheet", b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><worksheet',
        1)),
    "corrupted deflate stream": lambda d: _flip_deflate(d, SHEET),
    "broken styles": lambda d: _rewrite(d, "xl/styles.xml", lambda b: b"<styleSheet"),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_workbook_stops_the_import_without_a_traceback(run_import, case):
    data = MALFORMED[case](_xlsx(ROWS))
    assert data != _xlsx(ROWS)
    result = run_import(data, "registry.xlsx")
    assert result.exit_code == 1 and "Ошибка: Ничего не загружено.\n" in result.output
    assert "Traceback" not in result.output and "Error" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert _nothing_written()


def test_a_missing_file_is_named_in_the_users_language(app, database):
    result = app.test_cli_runner().invoke(args=["tenants", "import", "/nonexistent/реестр.csv"])
    assert result.exit_code == 1
    assert "Ошибка: Ничего не загружено.\nНет файла /nonexistent/реестр.csv." in result.output
    missing = app.test_cli_runner().invoke(args=["tenants", "import"])
    assert missing.exit_code == 2 and "Error" not in missing.output
    assert "Ошибка: Не указан аргумент FILE.\nСправка: " in missing.output
    assert "tenants import --help" in missing.output


def _with_timezones(zones: list[str]) -> bytes:
    rows = [HEADER + ["region_timezone"]] + [row + [zone] for row, zone in zip(ROWS, zones)]
    return "\n".join(",".join(row) for row in rows).encode()


def test_the_import_sets_the_regions_time_zone_and_a_later_one_keeps_it(run_import):
    result = run_import(_with_timezones(["Asia/Vladivostok", "", "Asia/Vladivostok", ""]))
    assert result.exit_code == 0, result.output
    assert db.session.scalars(sa.select(Region.timezone)).one() == "Asia/Vladivostok"
    assert run_import(_csv(ROWS)).exit_code == 0  # without the column
    assert db.session.scalars(sa.select(Region.timezone)).one() == "Asia/Vladivostok"


@pytest.mark.parametrize("zones, message", [
    (["Mars/Olympus", "", "", ""], "Строка 2: неизвестный часовой пояс «Mars/Olympus»"),
    (["Asia/Vladivostok", "Europe/Moscow", "", ""],
     "Строка 3: у региона 77 выше в файле указан часовой пояс Asia/Vladivostok."),
])
def test_a_bad_time_zone_stops_the_import(run_import, zones, message):
    result = run_import(_with_timezones(zones))
    assert result.exit_code != 0 and message in result.output, result.output
    assert _count(Region) == 0


def test_the_command_line_sets_a_regions_time_zone(app, factory):
    region = factory.region(code="TZ-1", name="Приморский край")
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tenants", "timezone", "TZ-1", "Asia/Vladivostok"])
    assert result.exit_code == 0 and "Asia/Vladivostok" in result.output, result.output
    db.session.expire_all()
    assert db.session.get(Region, region.id).timezone == "Asia/Vladivostok"
    refused = runner.invoke(args=["tenants", "timezone", "TZ-1", "Vladivostok"])
    assert refused.exit_code != 0 and "Неизвестный часовой пояс" in refused.output
    missing = runner.invoke(args=["tenants", "timezone", "NO-SUCH", "Europe/Moscow"])
    assert missing.exit_code != 0 and "NO-SUCH" in missing.output
    db.session.expire_all()
    assert db.session.get(Region, region.id).timezone == "Asia/Vladivostok"
