"""Every download goes through ``portal.downloads``: attachment, file name, no caching."""

from __future__ import annotations

import io
import re
from datetime import date
from urllib.parse import unquote

import pytest
from openpyxl import Workbook, load_workbook

from portal import downloads
from portal.demo.roadmaps import demo_pdf
from portal.documents import operations as documents
from portal.documents.models import DocumentKind
from portal.extensions import db
from portal.mentoring import consent
from portal.mentoring import operations as mentoring
from portal.mentoring.models import ParticipantRole
from portal.reports import operations
from portal.reports.models import ReportState
from portal.roadmaps import operations as roadmaps
from tenants.models import Role
from tests.report_helpers import GOOD_VALUES, setup_region

# Endpoints that answer with a file: by name, or by a rule ending in a file extension.
DOWNLOAD_NAME = re.compile(r"export|template|xlsx|csv|download")


def test_ascii_names_are_sent_as_they_are():
    assert downloads.content_disposition("report_9901001_2026-Q3.xlsx") == \
        'attachment; filename="report_9901001_2026-Q3.xlsx"'


def test_cyrillic_names_follow_rfc_6266_with_a_transliterated_fallback():
    header = downloads.content_disposition("Аналитический отчёт 2025-2026.pdf")
    fallback, encoded = re.fullmatch(
        r"attachment; filename=\"([^\"]+)\"; filename\*=UTF-8''(\S+)", header).groups()
    assert fallback == "Analiticheskiy otchet 2025-2026.pdf"
    assert unquote(encoded) == "Аналитический отчёт 2025-2026.pdf"
    assert header.isascii()


def test_quotes_and_line_breaks_cannot_break_out_of_the_header():
    header = downloads.content_disposition('a"b\r\nSet-Cookie: x=1\\..pdf')
    assert "\r" not in header and "\n" not in header
    fallback = re.search(r'filename="([^"]*)"', header).group(1)
    assert '"' not in fallback and "\\" not in fallback


def test_csv_has_one_charset_a_bom_and_no_caching(app):
    with app.test_request_context():
        response = downloads.csv_response([["Организация", "Охват, %"], ["Школа № 1", "12,5"]],
                                          "охват.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.get_data() == "\ufeffОрганизация;Охват, %\r\nШкола № 1;12,5\r\n" \
        .encode("utf-8")
    assert "filename*=UTF-8''%D0%BE%D1%85%D0%B2%D0%B0%D1%82.csv" in \
        response.headers["Content-Disposition"]


def test_xlsx_from_a_workbook_or_its_bytes(app):
    workbook = Workbook()
    workbook.active["A1"] = "код"
    with app.test_request_context():
        response = downloads.xlsx_response(workbook, "book.xlsx")
    assert response.headers["Content-Type"] == downloads.XLSX_MIMETYPE
    assert response.headers["Cache-Control"] == "private, no-store"
    assert load_workbook(io.BytesIO(response.get_data())).active["A1"].value == "код"


@pytest.fixture
def land(factory):
    """A region with one organization that has a report, a roadmap and a stored document."""
    region, municipality, school, _college, period = setup_region(factory)
    report = operations.ensure_report(school, period)
    operations.save_values(report, GOOD_VALUES, user=None, source="form")
    report.state = ReportState.ACCEPTED
    roadmap = roadmaps.create_roadmap(school, 2025, None, from_template=True)
    version = documents.add_version(school, documents.Upload(
        DocumentKind.REGULATION, order_number="1-од", order_date=date(2025, 9, 1),
        stream=io.BytesIO(demo_pdf("order")), filename="Приказ о наставничестве.pdf"), None)
    person = mentoring.create_participant(school, mentoring.ParticipantData(
        full_name="Загрузова Анна", role=ParticipantRole.MENTEE))
    consent.attach(person, consent.check(io.BytesIO(demo_pdf("consent")), "согласие.pdf"), None)
    db.session.flush()
    ids = {"region_id": region.id, "municipality_id": municipality.id, "org_id": school.id,
           "period_id": period.id, "roadmap_id": roadmap.id, "version_id": version.id,
           "participant_id": person.id, "form_id": period.form_id}
    users = {"municipal": factory.user(Role.MUNICIPAL, municipality),
             "regional": factory.user(Role.REGIONAL, region),
             "curator": factory.user(Role.CURATOR, school)}
    return ids, users


# Who downloads and which query string each endpoint needs; a new download route must be
# added here (the walk below fails on an endpoint it does not know).
QUERIES = {
    "dashboards.regional_export": ("regional", "chart=municipalities&format={fmt}"),
    "dashboards.municipal_export": ("municipal", "chart=organizations&format={fmt}"),
    "dashboards.institution_export": ("municipal", "chart=trend&format={fmt}"),
    # The register's files are the internal contour's: its curator downloads them.
    "mentoring.consent_download": ("curator", ""),
    "mentoring.register_export": ("curator", ""),
    "mentoring.register_template": ("curator", ""),
    "catalogue.download": ("regional", ""),  # the form's definition: its region edits it
}


def _download_endpoints(app) -> list:
    return sorted((rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.endpoint.endswith("static")
                   and (DOWNLOAD_NAME.search(rule.endpoint)
                        or re.search(r"\.(xlsx|csv|pdf)$", rule.rule))),
                  key=lambda rule: rule.endpoint)


def test_every_download_route_answers_an_attachment_that_no_cache_keeps(app, client, land):
    ids, users = land
    rules = _download_endpoints(app)
    assert len(rules) >= 10, [r.endpoint for r in rules]
    checked = []
    for rule in rules:
        who, query = QUERIES.get(rule.endpoint, ("municipal", ""))
        path = rule.rule
        for argument in rule.arguments:
            assert argument in ids, f"{rule.endpoint}: add an id for <{argument}> to the test"
            path = re.sub(rf"<(int:)?{argument}>", str(ids[argument]), path)
        client.login(users[who])
        for fmt in ("csv", "xlsx") if "{fmt}" in query else (None,):
            url = f"{path}?{query.format(fmt=fmt, **ids)}&period={ids['period_id']}" \
                if query else path
            with client.get(url) as response:
                assert response.status_code == 200, (rule.endpoint, url, response.status_code)
                headers = response.headers
            assert headers["Content-Disposition"].startswith("attachment"), url
            assert headers["Cache-Control"] == "private, no-store", url
            assert "charset=utf-8; charset" not in headers["Content-Type"], url
            checked.append((rule.endpoint, fmt))
        client.post_form("/logout")
    assert ("documents.download", None) in checked
    assert ("dashboards.regional_export", "csv") in checked
