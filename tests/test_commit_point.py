"""One commit decision: a request commits only when it succeeded and nothing was refused.

The database is compared table by table before and after each request, so a test fails
whatever a refused request left behind, wherever it wrote it.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g

import dashboards
import portal
import tenants
from portal.database import Refusal, StartupQueryError, request_refused
from portal.extensions import db
from portal.reports import operations, period_operations, workflow
from portal.reports.models import Period, Report, ReportState
from portal.roadmaps import operations as roadmap_operations
from portal.roadmaps.models import Roadmap
from tenants.models import Role
from tests.report_helpers import GOOD_VALUES, form_data, setup_region

ROOT = Path(__file__).resolve().parent.parent


def _snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    return {table.name: sorted((tuple(row) for row in db.session.execute(sa.select(table))),
                               key=repr)
            for table in db.metadata.sorted_tables}


def _changed(before: dict, after: dict) -> set[str]:
    return {name for name in before if before[name] != after[name]}


def _form_url(org, period) -> str:
    return f"/organizations/{org.id}/reports/{period.id}"


def _accept(client, report, school, period):
    return client.post_form(f"/reports/{report.id}/accept", token_from=_form_url(school, period))


def _draft(factory, client):
    """A region whose school has a saved draft; the municipal coordinator is logged in."""
    region, municipality, school, _college, period = setup_region(factory)
    report = Report(organization=school, period=period, state=ReportState.DRAFT,
                    explanations={})
    db.session.add(report)
    db.session.flush()
    client.login(factory.user(Role.MUNICIPAL, municipality))
    return region, school, period, report


# -- refusals answered without an error status ------------------------------------------------

def test_a_refused_workflow_step_answered_with_a_redirect_changes_nothing(client, factory):
    _region, school, period, report = _draft(factory, client)
    before = _snapshot()
    response = _accept(client, report, school, period)
    assert response.status_code == 302
    assert _changed(before, _snapshot()) == set()
    page = client.get(_form_url(school, period)).get_data(as_text=True)
    assert "Принять можно только отправленный отчёт." in page  # the refusal was shown


def test_a_refusal_after_a_flush_is_rolled_back_although_the_view_redirects(
        client, factory, monkeypatch):
    """The guarantee does not rest on the order inside operations: here one writes first."""
    _region, school, period, report = _draft(factory, client)

    def accept_after_writing(report, user):
        report.review_comment = "written before the refusal"
        report.state = ReportState.ACCEPTED
        db.session.flush()
        raise operations.ReportError("refused after a flush")

    monkeypatch.setattr(workflow, "accept", accept_after_writing)
    before = _snapshot()
    response = _accept(client, report, school, period)
    assert response.status_code == 302
    assert _changed(before, _snapshot()) == set()
    assert db.session.get(Report, report.id).state is ReportState.DRAFT


def test_reopening_a_period_with_a_bad_deadline_changes_nothing(client, factory):
    region, *_rest, period = setup_region(factory)
    period_operations.close_period(period)
    client.login(factory.user(Role.REGIONAL, region))
    page = f"/regions/{region.id}/periods"
    before = _snapshot()
    response = client.post_form(page, {"year": period.year, "quarter": period.quarter,
                                       "opens_on": "2026-10-20", "deadline": "2026-10-01"},
                                token_from=page)
    assert response.status_code == 200  # the page is shown again with the message
    assert "Срок сдачи не может быть раньше даты открытия." in response.get_data(as_text=True)
    assert _changed(before, _snapshot()) == set()
    assert db.session.get(Period, period.id).is_open is False


def test_open_period_validates_before_it_changes_the_period(database, factory):
    region, *_rest, period = setup_region(factory)
    period_operations.close_period(period)
    dates = (period.opens_on, period.deadline)
    with pytest.raises(operations.ReportError):
        period_operations.open_period(region, period.year, period.quarter, date(2026, 10, 20),
                               date(2026, 10, 1))
    assert not db.session.dirty and not db.session.new
    assert (period.opens_on, period.deadline, period.is_open) == (*dates, False)


def test_a_duplicate_indicator_is_refused_on_a_re_rendered_form(client, factory):
    setup_region(factory)
    client.login(factory.user(Role.ADMIN))  # only the administrator changes the catalogue
    before = _snapshot()
    response = client.post_form("/catalogue", {
        "code": "staff_total", "label_ru": "Дубль", "label_en": "Duplicate", "unit": "count",
        "section": "staff", "applies_to": ["school"]}, token_from="/catalogue")
    assert response.status_code == 200
    assert "Показатель с таким кодом уже есть." in response.get_data(as_text=True)
    assert _changed(before, _snapshot()) == set()


def test_a_blocked_submission_keeps_the_draft_but_submits_nothing(client, factory):
    _region, _m, school, _c, period = setup_region(factory)
    client.login(factory.user(Role.CURATOR, school))
    url = _form_url(school, period)
    response = client.post_form(url, form_data({**GOOD_VALUES, "mentors": "61"},
                                               action="submit", version=""), token_from=url)
    assert response.status_code == 200
    report = db.session.scalars(sa.select(Report).filter_by(organization_id=school.id)).one()
    assert report.state is ReportState.DRAFT and report.submitted_at is None
    assert {v.indicator.code: v.raw for v in report.values}["mentors"] == "61"


# -- error statuses and successes --------------------------------------------------------------

def test_a_refused_save_that_had_started_a_report_answers_409_and_leaves_nothing(client, factory):
    _region, _m, school, _c, period = setup_region(factory)
    client.login(factory.user(Role.CURATOR, school))
    url = _form_url(school, period)
    before = _snapshot()  # no report yet: the save creates one, then finds the version stale
    response = client.post_form(url, form_data(GOOD_VALUES, action="save", version=7),
                                token_from=url)
    assert response.status_code == 409
    assert _changed(before, _snapshot()) == set()


def test_an_error_status_commits_nothing_even_without_a_refusal(client, factory, monkeypatch):
    school = factory.organization(factory.municipality())
    roadmap_id = roadmap_operations.create_roadmap(school, 2025, None).id
    client.login(factory.user(Role.CURATOR, school))

    def check_after_writing(school_year, **fields):  # in the request's own session
        db.session.get(Roadmap, roadmap_id).updated_at = datetime(2000, 1, 1)
        db.session.flush()
        return None, {"title": "problem reported as a field error, not as a refusal"}

    monkeypatch.setattr(roadmap_operations, "check_event", check_after_writing)
    page = f"/roadmaps/{roadmap_id}/events/new"
    before = _snapshot()
    response = client.post_form(page, {"stage": "1", "title": "x", "deadline": "10.2025"},
                                token_from=page)
    assert response.status_code == 422
    assert _changed(before, _snapshot()) == set()


def test_a_successful_request_commits(client, factory):
    _region, school, period, report = _draft(factory, client)
    report.state = ReportState.SUBMITTED
    before = _snapshot()
    response = _accept(client, report, school, period)
    assert response.status_code == 302
    assert _changed(before, _snapshot()) == {"reports", "audit_entries"}
    assert db.session.get(Report, report.id).state is ReportState.ACCEPTED


def test_creating_a_refusal_marks_only_its_own_request(app):
    with app.test_request_context():
        assert request_refused() is None
        refusal = operations.ReportError("no")
        assert request_refused() is refusal
    with app.test_request_context():
        assert request_refused() is None
    with app.app_context():  # CLI commands decide their commit themselves
        operations.ReportError("no")
        assert request_refused() is None
        g.portal_refusal = operations.ReportError("left over")  # even a stray mark: no request
        assert request_refused() is None


# -- every refusal is a Refusal; views do not write ----------------------------------------------

def _application_modules():
    for package in (portal, tenants, dashboards):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            yield importlib.import_module(info.name)


def test_every_domain_error_is_a_refusal():
    """A new error class that does not derive from Refusal would commit on a redirect."""
    errors = {obj for module in _application_modules() for obj in vars(module).values()
              if inspect.isclass(obj) and issubclass(obj, Exception)
              and obj.__module__ == module.__name__}
    assert len(errors) > 10
    assert {e.__qualname__ for e in errors if not issubclass(e, Refusal)} == {
        StartupQueryError.__qualname__,  # a programming error, not an answer to a user
        "ScopingError",  # tenants.opt_out: an opt-out without a reason, a programming error
        # Control flow inside the file reader, caught there and never seen by a view:
        "Enough",  # portal.tabular_sheet: stop reading a sheet once its data is read
        "_Forbidden",  # portal.ooxml: a DTD/entity, turned into FileRejected by the reader
        "Rejected",  # the pure report-file parser: upload.py turns it into FileRejected
        # The pure rule-expression parser: the rule editor turns it into CatalogueError, the
        # definition file into DefinitionFileError; the validation engine raises it for a
        # rule naming an item an organization does not report, which must not refuse a save.
        "ExpressionError",
        "_Bad",  # portal.catalogue.definition_file: a cell, turned into DefinitionFileError
    }


SESSION_WRITES = {"add", "add_all", "delete", "merge", "flush", "commit", "rollback", "begin",
                  "begin_nested", "bulk_save_objects", "bulk_insert_mappings",
                  "bulk_update_mappings"}
LOADERS = ("queries.", "db.session.", "db.get_or_404", "get_or_404", "scoped_select")


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    return ""


def _root(node: ast.AST) -> str:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


def _bound(target: ast.AST) -> list[ast.Name]:
    """The names an assignment target binds (``a`` and ``b`` in ``a, b = ...``, not ``x.y``)."""
    if isinstance(target, ast.Name):
        return [target]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _bound(element)]
    return []


def _model_names(function: ast.AST, models: set[str]) -> set[str]:
    """Names in a function that hold models: annotated parameters and loaded objects."""
    names = {"current_user"}
    for arg in function.args.args + function.args.kwonlyargs:
        if arg.annotation and {n.id for n in ast.walk(arg.annotation)
                               if isinstance(n, ast.Name)} & models:
            names.add(arg.arg)
    for node in ast.walk(function):
        value, targets = None, []
        if isinstance(node, ast.Assign):
            value, targets = node.value, node.targets
        elif isinstance(node, (ast.For, ast.comprehension)):
            value, targets = node.iter, [node.target]
        if value is not None and any(_dotted(call).startswith(LOADERS) for call in ast.walk(value)
                                     if isinstance(call, ast.Call)):
            names |= {n.id for t in targets for n in _bound(t)}
    return names


def view_writes(source: str, models: set[str]) -> list[str]:
    """Writes a view module makes itself: session writes and assignments to models."""
    problems = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        holders = _model_names(function, models)
        for node in ast.walk(function):
            if isinstance(node, ast.Call):
                name = _dotted(node.func)
                if name.startswith("db.session.") and name.split(".")[-1] in SESSION_WRITES \
                        or name.endswith(".populate_obj") \
                        or name == "setattr" and node.args and _root(node.args[0]) in holders:
                    problems.append(f"{function.name}:{node.lineno} {name}()")
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
            for target in targets:
                for part in ast.walk(target):
                    if isinstance(part, ast.Attribute) and _root(part) in holders:
                        problems.append(f"{function.name}:{node.lineno} {_dotted(part)} =")
    return problems


def _view_modules() -> list[Path]:
    return sorted(p for folder in ("portal", "tenants", "dashboards")
                  for p in (ROOT / folder).rglob("*.py")
                  if p.name == "views.py" or p.name.endswith("_views.py"))


def _model_classes() -> set[str]:
    return {mapper.class_.__name__ for mapper in db.Model.registry.mappers}


def test_the_view_check_finds_direct_writes():
    source = '''
def toggle(region: Region):
    region.requires_head_confirmation = not region.requires_head_confirmation
    db.session.flush()

def language(locale):
    current_user.locale = locale

def rename(org_id):
    for report in queries.reports_of(org_id):
        report.comment += "!"
    form.populate_obj(report)
'''
    assert len(view_writes(source, {"Region"})) == 5


def test_views_never_write_themselves():
    modules = _view_modules()
    assert len(modules) >= 10
    models = _model_classes()
    problems = {str(p.relative_to(ROOT)): view_writes(p.read_text(), models) for p in modules}
    assert {name: found for name, found in problems.items() if found} == {}

