"""``flask tenants import``: CSV (UTF-8/Windows-1251, comma/semicolon) and XLSX, all or nothing."""

from __future__ import annotations

import io

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
