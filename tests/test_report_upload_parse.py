"""The report-file parser is pure; report files and the form share one write path."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.catalogue import queries as catalogue_queries
from portal.extensions import db
from portal.report_files import parse as upload_parse
from portal.reports import operations, queries
from portal.reports.models import AuditEntry, ReportState
from portal.reports.values import parse_value
from tests.upload_helpers import (
    fill_bulk,
    fill_workbook,
    get_bytes,
    make_world,
    post_file,
    snapshot,
)

ROOT = Path(__file__).resolve().parent.parent

# Imports the parser in a fresh interpreter without running ``portal/__init__.py`` (which
# builds the application and its database extension), parses bytes, and lists what the
# database layer would have loaded.
PURE_RUN = r"""
import json, sys, types
root = sys.argv[1]
for name in ("portal", "portal.report_files"):
    package = types.ModuleType(name)
    package.__path__ = [root + "/" + name.replace(".", "/")]
    sys.modules[name] = package
from portal.report_files import parse as p

catalogue = [p.IndicatorSpec("staff_total", frozenset({"school"})),
             p.IndicatorSpec("mentors", frozenset({"school"}), retired=True),
             p.IndicatorSpec("students_passed_pct", frozenset({"kindergarten"}))]
school = p.OrganizationSpec(7, "9901001", "school")
quarter = p.Quarter(2026, 3)
text = "code;value\nstaff_total;48\nmentors;3\nstudents_passed_pct;1\nnope;1\n"
result = p.parse_report_file(text.encode(), "r.csv", school, quarter, catalogue)
bulk = p.parse_bulk_file(b"org_code;staff_total\n9901001;12\n", "m.csv", "99-01", quarter,
                         catalogue, {"9901001": school})
try:
    p.parse_bulk_file(b"org_code;staff_total\n9901002;1\n", "m.csv", "99-01", quarter,
                      catalogue, {"9901001": school})
except p.Rejected as rejected:
    refused = [rejected.key, rejected.params]
layer = ("sqlalchemy", "flask_sqlalchemy", "flask_migrate", "psycopg")
loaded = sorted(m for m in sys.modules if m.split(".")[0] in layer
                or m in ("portal.extensions", "portal.database")
                or m.endswith((".models", ".queries", ".operations")))
print(json.dumps({"report": result, "bulk": bulk, "refused": refused, "loaded": loaded}))
"""


def test_the_parser_reads_bytes_without_the_database_layer():
    done = subprocess.run([sys.executable, "-c", PURE_RUN, str(ROOT)], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["loaded"] == []
    entry = out["report"]["entries"][0]
    assert entry["org"] == 7 and [(c["c"], c["r"], c["l"]) for c in entry["cells"]] == [
        ("staff_total", "48", 2)]
    assert [(p["l"], p["p"]) for p in out["report"]["problems"]] == [
        (3, "retired"), (4, "not_applicable"), (5, "unknown_code")]
    assert out["bulk"]["entries"] == [{"org": 7, "line": 2, "cells": [
        {"c": "staff_total", "r": "12", "l": 2, "k": "«staff_total»", "t": ""}]}]
    assert out["refused"] == ["not_responsible", {"row": 2, "code": "9901002"}]


def test_the_parser_module_imports_neither_flask_nor_the_database():
    tree = ast.parse(Path(upload_parse.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for a in node.names}
    assert imported <= {"__future__", "re", "dataclasses", "typing", "collections.abc",
                        "portal.report_files",
                        "portal.tabular"}, imported
    assert [a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            and node.module == "portal.report_files" for a in node.names] == ["file_format"]


# -- one write path -------------------------------------------------------------------------

def _written(org, period):
    """What the saves left: values, audit rows (without who and from where), version."""
    report = queries.report_for(org, period)
    values = {code: (v.raw, v.value) for code, v in queries.values_of(report).items()}
    audits = sorted(((e.action, e.field, e.old, e.new, e.note) for e in db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.report_id == report.id))), key=repr)
    return values, audits, report.version, report.state


def _confirm(client, url: str, data: bytes, name: str) -> None:
    response = post_file(client, url, data, name)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    preview = response.headers["Location"]
    saved = client.post(preview + "/save", data={"csrf_token": client.csrf_token(preview)})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]


@pytest.mark.parametrize("existing", [True, False], ids=["stored-report", "new-report"])
def test_a_report_file_and_a_municipal_file_write_the_same(client, factory, existing):
    world = make_world(factory)
    twin = factory.organization(world.municipality, name="Школа-близнец",
                                code=f"T-{world.region.code}")
    if existing:
        for org in (world.school, twin):
            operations.save_values(operations.ensure_report(org, world.period),
                                   {"staff_total": "40", "mentors": "4", "mentees": "9"},
                                   user=world.curator, source="form")
    changes = {"staff_total": 60, "mentors": None, "mentees": 9, "young_specialists": 8,
               "students_passed_pct": "91,5"}
    base = f"/organizations/{world.school.id}/reports/{world.period.id}"
    client.login(world.curator)
    _confirm(client, f"{base}/upload", fill_workbook(get_bytes(client, f"{base}/template.xlsx"),
                                                     changes), "report.xlsx")
    client.post_form("/logout")
    client.login(world.coordinator)
    base = f"/municipalities/{world.municipality.id}/periods/{world.period.id}"
    _confirm(client, f"{base}/upload", fill_bulk(get_bytes(client, f"{base}/template.xlsx"),
                                                 {twin.code: changes}), "municipality.xlsx")

    single, bulk = _written(world.school, world.period), _written(twin, world.period)
    assert single == bulk
    values, audits, version, _state = single
    assert values["staff_total"][0] == "60" and values["students_passed_pct"][0] == "91,5"
    assert "mentors" not in values or values["mentors"] == ("", None)
    assert version == (3 if existing else 2)  # created (1), each save + 1
    assert ("value", "staff_total", "40" if existing else None, "60", "") in audits
    sources = {org.id: set(db.session.scalars(sa.select(AuditEntry.source).where(
        AuditEntry.organization_id == org.id))) for org in (world.school, twin)}
    assert sources[world.school.id] - {"form"} == {"upload"}
    assert sources[twin.id] - {"form"} == {"bulk_upload"}


def _parsed(indicators, cells):
    by_code = {i.code: i for i in indicators}
    return {code: parse_value(by_code[code], raw) for code, raw in cells.items()}


def test_a_batch_is_checked_whole_before_anything_is_written(factory):
    world = make_world(factory)
    reports = operations.ensure_reports([world.school, world.kindergarten], world.period)
    indicators = catalogue_queries.all_indicators(world.period)
    updates = [operations.ValuesUpdate(report, _parsed(indicators, {"staff_total": "30"}))
               for report in reports.values()]
    stale = updates[:1] + [operations.ValuesUpdate(updates[1].report, updates[1].values,
                                                   expected_version=99)]
    before = snapshot()
    with pytest.raises(operations.ConflictError):
        operations.save_values_many(stale, indicators, user=world.curator, source="form")
    assert snapshot() == before
    reports[world.kindergarten.id].state = ReportState.SUBMITTED
    db.session.flush()
    before = snapshot()
    with pytest.raises(operations.ReportError, match="cannot be changed|нельзя"):
        operations.save_values_many(updates, indicators, user=world.curator, source="form")
    assert snapshot() == before


def test_a_batch_takes_as_many_statements_for_30_reports_as_for_3(factory, count_queries):
    world = make_world(factory)
    indicators = catalogue_queries.all_indicators(world.period)

    def save(orgs, cells: dict[str, str]) -> int:
        with count_queries() as seen:
            reports = operations.ensure_reports(orgs, world.period)
            operations.save_values_many(
                [operations.ValuesUpdate(r, _parsed(indicators, cells)) for r in reports.values()],
                indicators, user=world.coordinator, source="bulk_upload")
        return len(seen)

    few = [factory.organization(world.municipality) for _ in range(3)]
    many = [factory.organization(world.municipality) for _ in range(30)]
    created = {"staff_total": "40", "mentors": "4"}
    changed = {"staff_total": "41", "mentors": "", "mentees": "5"}  # update, clear, insert
    counts = [save(few, created), save(many, created), save(few, changed), save(many, changed)]
    assert counts[0] == counts[1] and counts[2] == counts[3] and max(counts) <= 10, counts
    report = queries.report_for(many[-1], world.period)
    assert {c: v.raw for c, v in queries.values_of(report).items()} == {
        "staff_total": "41", "mentors": "", "mentees": "5"}
    assert report.version == 3
