"""Shared set-up of the report-file tests: a tenant world, filled workbooks, DB snapshots."""

from __future__ import annotations

import io
from dataclasses import dataclass

import sqlalchemy as sa
from openpyxl import load_workbook

from portal.extensions import db
from portal.reports.models import AuditEntry, Period, Report, ReportValue
from tenants.models import Municipality, Organization, OrganizationType, Role

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class World:
    region: object
    municipality: Municipality
    school: Organization
    kindergarten: Organization
    college: Organization
    foreign: Organization  # another municipality of the same region
    period: Period
    curator: object
    coordinator: object
    regional: object


def make_world(factory, year: int = 2026, quarter: int = 3) -> World:
    from portal.reports.period_operations import open_period
    from tenants.models import Subordination

    region = factory.region()
    municipality = factory.municipality(region, code=f"MUN-{region.code}")
    school = factory.organization(municipality, name="Школа-FILES", code=f"S-{region.code}")
    kindergarten = factory.organization(municipality, name="Детсад-FILES",
                                        type=OrganizationType.KINDERGARTEN,
                                        code=f"K-{region.code}")
    college = factory.organization(municipality, name="Техникум-FILES",
                                   type=OrganizationType.COLLEGE,
                                   subordination=Subordination.REGIONAL, code=f"C-{region.code}")
    other = factory.municipality(region)
    foreign = factory.organization(other, name="Чужая-школа", code=f"F-{region.code}")
    period = open_period(region, year, quarter)
    return World(region, municipality, school, kindergarten, college, foreign, period,
                 curator=factory.user(Role.CURATOR, school),
                 coordinator=factory.user(Role.MUNICIPAL, municipality),
                 regional=factory.user(Role.REGIONAL, region))


def fill_workbook(data: bytes, values: dict[str, object], sheet: str = "Отчёт") -> bytes:
    """Put values into the «Значение» column of a report template, by indicator code."""
    workbook = load_workbook(io.BytesIO(data))
    ws = workbook[sheet]
    found = set()
    for row in ws.iter_rows(min_row=6):
        code = row[0].value
        if code in values:
            row[4].value = values[code]
            found.add(code)
    assert found == set(values), set(values) - found
    out = io.BytesIO()
    workbook.save(out)
    workbook.close()
    return out.getvalue()


def fill_bulk(data: bytes, rows: dict[str, dict[str, object]]) -> bytes:
    """Put values into a municipal template: organization code → indicator code → value."""
    workbook = load_workbook(io.BytesIO(data))
    ws = workbook["Отчёты"]
    header = [c.value for c in ws[5]]
    for row in ws.iter_rows(min_row=6):
        code = row[0].value
        for indicator, value in rows.get(code, {}).items():
            row[header.index(indicator)].value = value
    out = io.BytesIO()
    workbook.save(out)
    workbook.close()
    return out.getvalue()


def snapshot() -> list:
    """Every column of every row of the tables an upload may write."""
    rows = []
    for model in (Report, ReportValue, AuditEntry):
        rows += [(model.__tablename__, *r) for r in
                 db.session.execute(sa.select(model.__table__)).all()]
    return sorted(rows, key=repr)


def post_file(client, url: str, data: bytes, name: str):
    return client.post(url, data={"file": (io.BytesIO(data), name),
                                  "csrf_token": client.csrf_token(url)},
                       content_type="multipart/form-data")


def post_large(client, page: str, data: dict):
    """POST a large multipart body (a file over a size limit) to ``page``, with its CSRF
    token; the test builder spools such bodies to a temporary file, closed here."""
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(path=page, method="POST",
                             data={"csrf_token": client.csrf_token(page), **data})
    environ = builder.get_environ()
    try:
        return client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()


def get_bytes(client, url: str) -> bytes:
    with client.get(url) as response:
        assert response.status_code == 200, response.status_code
        return response.get_data()
