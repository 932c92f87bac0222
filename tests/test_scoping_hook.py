"""The scope hook: a request cannot read tenant rows outside its scope, whatever the query.

A probe replaces the view of ``/organizations/<org_id>`` for one test and reads tenant
tables with plain queries that name no scope at all; what comes back is what the hook let
through. The same probe in a ``system_session`` sees everything, so the data does contain
rows the users must not see.
"""

from __future__ import annotations

import ast
import re
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_login import login_user
from sqlalchemy.orm import DeclarativeBase, Mapped, aliased, joinedload, mapped_column, selectinload

from portal.extensions import db
from portal.reports.models import Indicator, Period, Report, ReportState, ReportValue
from portal.reports.period_operations import open_period
from tenants.models import Municipality, Organization, OrganizationType, Region, Role, Subordination
from tenants.scope_hook import criteria
from tenants.scoping import (
    CORE_MODULES,
    CORE_STATEMENTS,
    Scope,
    ScopingError,
    core_statement,
    current_scope,
    system_session,
    system_task,
    tenant_models,
    unscoped,
)
from tests.scope_spy import scope_spy

ROOT = Path(__file__).resolve().parent.parent
PROBED = "tenants.organization"  # /organizations/<org_id>: the probe replaces its view


@pytest.fixture
def land(factory):
    """Three regions; in each a school, a regional college and a report with a value."""
    indicator = db.session.scalars(sa.select(Indicator).order_by(Indicator.id)).first()
    o: dict = {}
    for key in ("a", "b", "c"):
        region = o[f"region_{key}"] = factory.region(f"HOOK-REGION-{key}")
        municipality = o[f"mun_{key}"] = factory.municipality(region, f"HOOK-MUN-{key}")
        o[f"school_{key}"] = factory.organization(municipality, name=f"HOOK-SCHOOL-{key}")
        o[f"college_{key}"] = factory.organization(
            municipality, name=f"HOOK-COLLEGE-{key}", type=OrganizationType.COLLEGE,
            subordination=Subordination.REGIONAL)
        period = o[f"period_{key}"] = open_period(region, 2026, 2)
        for org in ("school", "college"):
            report = Report(organization=o[f"{org}_{key}"], period=period, explanations={},
                            state=ReportState.SUBMITTED)
            report.values.append(ReportValue(indicator=indicator, raw="7", value=Decimal(7)))
            db.session.add(report)
            o[f"report_{org}_{key}"] = report
    db.session.flush()
    return o


def ids(land, *names) -> list[int]:
    return sorted(land[n].id for n in names)


def _plain_reads(foreign_report_id: int) -> dict:
    """Reads of tenant tables that name no scope: what the hook lets through."""
    s = db.session
    report = aliased(Report)
    return {
        "reports": sorted(r.id for r in s.scalars(sa.select(Report))),
        "report_ids": sorted(s.scalars(sa.select(Report.id))),
        "report_count": s.scalar(sa.select(sa.func.count()).select_from(Report)),
        "aliased": sorted(s.scalars(sa.select(report.id))),
        "values": sorted(s.scalars(sa.select(ReportValue.report_id))),
        "values_joined": sorted(s.scalars(
            sa.select(ReportValue.report_id).join(Report).join(Organization))),
        "in_subquery": sorted(s.scalars(sa.select(Organization.id).where(
            Organization.id.in_(sa.select(Report.organization_id))))),
        "organizations": sorted(s.scalars(sa.select(Organization.id))),
        "municipalities": sorted(s.scalars(sa.select(Municipality.id))),
        "regions": sorted(s.scalars(sa.select(Region.id))),
        "periods": sorted(s.scalars(sa.select(Period.id))),
        "get_foreign": s.get(Report, foreign_report_id) is not None,
        # Relationship loads: lazy, selectin and joined collections of a municipality.
        "lazy": sorted(o.id for m in s.scalars(sa.select(Municipality)) for o in m.organizations),
        "selectin": sorted(o.id for m in s.scalars(
            sa.select(Municipality).options(selectinload(Municipality.organizations)))
            for o in m.organizations),
        "joined": sorted(o.id for m in s.scalars(
            sa.select(Municipality).options(joinedload(Municipality.organizations))).unique()
            for o in m.organizations),
    }


@pytest.fixture
def probe(app, monkeypatch, land):
    """Replace the organization page by the plain reads; return a function to call it."""
    foreign = land["report_school_c"].id

    def view(organization):
        return _plain_reads(foreign)

    monkeypatch.setitem(app.view_functions, PROBED, view)

    def call(client, user, org) -> dict:
        client.login(user)
        with scope_spy() as spy:
            response = client.get(f"/organizations/{org.id}")
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        spy.assert_all_limited()
        return response.get_json()

    return call


def _reads_of(land, regions: str, municipal: bool = False) -> dict:
    """What someone who sees the regions ``regions`` (``municipal``: only the schools of
    their municipality) must get from the plain reads."""
    orgs = [f"{kind}_{r}" for r in regions for kind in ("school",) + (() if municipal else
                                                                      ("college",))]
    reports = ids(land, *[f"report_{o}" for o in orgs])
    return {
        "reports": reports, "report_ids": reports, "report_count": len(reports),
        "aliased": reports, "values": reports, "values_joined": reports,
        "in_subquery": ids(land, *orgs), "organizations": ids(land, *orgs),
        "municipalities": ids(land, *[f"mun_{r}" for r in regions]),
        "regions": ids(land, *[f"region_{r}" for r in regions]),
        "periods": ids(land, *[f"period_{r}" for r in regions]),
        "get_foreign": "c" in regions, "lazy": ids(land, *orgs), "selectin": ids(land, *orgs),
        "joined": ids(land, *orgs),
    }


def _only_ours(found: dict, land) -> dict:
    """The reads, restricted to the rows of this test's land (other tests leave none, but
    the demo loader in the same database might)."""
    ours = {obj.id for obj in land.values()}
    return {key: [i for i in value if i in ours] if isinstance(value, list) else value
            for key, value in found.items()}


def test_plain_reads_in_a_request_see_only_the_curators_organization(client, factory, land,
                                                                     probe):
    curator = factory.user(Role.CURATOR, land["school_a"])
    found = _only_ours(probe(client, curator, land["school_a"]), land)
    # The curator reads the municipality and the region of the school (its card shows
    # them), though neither is a page they may open.
    assert found == _reads_of(land, "a", municipal=True)


def test_plain_reads_of_a_municipal_coordinator_skip_regional_colleges(client, factory, land,
                                                                       probe):
    coordinator = factory.user(Role.MUNICIPAL, land["mun_a"])
    found = _only_ours(probe(client, coordinator, land["school_a"]), land)
    assert found == _reads_of(land, "a", municipal=True)


def test_a_user_with_roles_in_two_regions_reads_both_and_nothing_of_the_third(
        client, factory, land, probe):
    from portal.auth.operations import assign_role

    user = factory.user(Role.REGIONAL, land["region_a"])
    assign_role(user, Role.REGIONAL, land["region_b"].code)
    found = _only_ours(probe(client, user, land["school_b"]), land)
    expected = _reads_of(land, "ab")
    expected["get_foreign"] = False  # the probe's "foreign" report is region c's
    assert found == expected


def test_the_administrator_reads_everything(client, factory, land, probe):
    found = _only_ours(probe(client, factory.user(Role.ADMIN), land["school_c"]), land)
    assert found == _reads_of(land, "abc")


def test_the_same_reads_in_a_system_session_see_everything(app, factory, land):
    """The land does hold rows the users above must not see: without the hook they come."""
    curator = factory.user(Role.CURATOR, land["school_a"])
    with app.test_request_context("/"):
        login_user(curator)
        with system_session("the test reads everything to compare"):
            found = _only_ours(_plain_reads(land["report_school_c"].id), land)
    assert found == _reads_of(land, "abc")


def test_unscoped_statement_reads_everything_and_shows_its_reason(app, factory, land):
    curator = factory.user(Role.CURATOR, land["school_a"])
    with app.test_request_context("/"), scope_spy() as spy:
        login_user(curator)
        limited = set(db.session.scalars(sa.select(Report.id)))
        everything = set(db.session.scalars(unscoped(sa.select(Report.id), "the test's reason")))
    assert limited == {land["report_school_a"].id}
    assert set(ids(land, *[k for k in land if k.startswith("report_")])) <= everything
    assert spy.opted_out.get("the test's reason") == 1


def test_outside_a_request_the_hook_does_nothing(land):
    assert set(ids(land, *[k for k in land if k.startswith("report_")])) <= \
        set(db.session.scalars(sa.select(Report.id)))


def test_the_scope_follows_a_login_inside_the_request(app, factory, land):
    curator = factory.user(Role.CURATOR, land["school_b"])
    with app.test_request_context("/"):
        assert current_scope() == Scope()
        assert not set(db.session.scalars(sa.select(Report.id)))
        login_user(curator)
        assert current_scope().curator_org_ids == {land["school_b"].id}
        assert set(db.session.scalars(sa.select(Report.id))) == {land["report_school_b"].id}


def test_criteria_are_built_once_per_scope(factory, land):
    user = factory.user(Role.MUNICIPAL, land["mun_a"])
    assert criteria(Scope.for_user(user)) is criteria(Scope.for_user(user))
    assert criteria(Scope.system("the test")) == {}  # everything: no criteria at all


# -- the opt-out needs a reason ------------------------------------------------------------

@pytest.mark.parametrize("reason", ["", "   ", None])
def test_every_opt_out_needs_a_reason(reason):
    with pytest.raises(ScopingError):
        unscoped(sa.select(Report), reason)
    with pytest.raises(ScopingError), system_session(reason):
        pass
    with pytest.raises(ScopingError):
        system_task(reason)
    with pytest.raises(ScopingError):
        Scope.system(reason)


def test_an_empty_unscoped_option_set_by_hand_is_refused(app, factory, land):
    curator = factory.user(Role.CURATOR, land["school_a"])
    with app.test_request_context("/"):
        login_user(curator)
        with pytest.raises(ScopingError):
            db.session.scalars(sa.select(Report).execution_options(unscoped="")).all()


OPT_OUTS = {"unscoped": 1, "system_session": 0, "system_task": 0, "system": 0}  # → reason
# Every place that reads tenant data without the scope hook, by file. A new opt-out fails
# this test until it is added here and to the docstring of tenants/scoping.py.
OPT_OUT_FILES = {
    "portal/cli.py": "CLI commands",
    "tenants/cli.py": "CLI commands",
    "portal/demo/__init__.py": "the demo loader",
    "portal/demo/synthetic.py": "the synthetic demo region (flask demo --scale)",
    "portal/auth/sessions.py": "loading the signed-in account",
    "tenants/scoping.py": "loading the signed-in account to compute its scope",
    "tenants/policy.py": "computing the user's own scope",
    "dashboards/institution.py": "reference values (Scope.system, dashboards.aggregate)",
    "dashboards/municipal.py": "the region's reference line (Scope.system)",
}


def _application_files():
    for folder in ("portal", "tenants", "dashboards"):
        yield from sorted((ROOT / folder).rglob("*.py"))


def _opt_outs(tree: ast.AST):
    """(name, reason argument) of every call of an opt-out."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else \
            func.attr if isinstance(func, ast.Attribute) else None
        if name == "system" and not (isinstance(func, ast.Attribute)
                                     and getattr(func.value, "id", None) == "Scope"):
            continue
        if name in OPT_OUTS:
            position = OPT_OUTS[name]
            yield name, node.args[position] if len(node.args) > position else None


def test_opt_outs_are_greppable_carry_a_literal_reason_and_sit_where_listed():
    found: dict[str, list[str]] = {}
    for path in _application_files():
        name = path.relative_to(ROOT).as_posix()
        for call, reason in _opt_outs(ast.parse(path.read_text(encoding="utf-8"))):
            if name == "tenants/opt_out.py" and isinstance(reason, ast.Name):
                continue  # the helpers handing their own ``reason`` on
            assert isinstance(reason, ast.Constant) and str(reason.value).strip(), \
                f"{name}: {call}() without a literal reason"
            found.setdefault(name, []).append(reason.value)
    assert set(found) == set(OPT_OUT_FILES), found


def test_the_docstring_lists_every_opt_out_and_core_statement():
    import tenants.scoping

    missing = [name for name in [*OPT_OUT_FILES, *CORE_STATEMENTS]
               if name not in tenants.scoping.__doc__]
    assert not missing


RAW_SQL = re.compile(r"__table__|\.connection\(|exec_driver_sql|\bsa\.text\(|\bsa\.table\(")


def test_raw_table_statements_appear_only_in_the_listed_core_modules():
    """A statement built on tables escapes the hook: only the modules of CORE_MODULES may."""
    found = {path.relative_to(ROOT).as_posix() for path in _application_files()
             if RAW_SQL.search(path.read_text(encoding="utf-8"))}
    assert found <= set(CORE_MODULES), found - set(CORE_MODULES)


def test_core_statements_must_be_listed(app, factory, land):
    with pytest.raises(ScopingError):
        core_statement(sa.select(Report.id), "not.listed")
    # ...and the spy catches a table-level read in a request that is neither.
    curator = factory.user(Role.CURATOR, land["school_a"])
    with app.test_request_context("/"), scope_spy() as spy:
        login_user(curator)
        db.session.execute(sa.select(Report.__table__.c.id)).all()
    assert len(spy.unlimited) == 1


# -- the tenant-owned models come from the registry ------------------------------------------

def test_tenant_models_are_derived_from_the_registry():
    names = {m.__name__ for m in tenant_models()}
    assert names == {"Region", "Municipality", "Organization", "Period", "Report", "ReportValue",
                     "AuditEntry", "Document", "DocumentVersion", "Roadmap", "RoadmapEvent",
                     "EventExecution", "Participant", "MentoringPair", "PairMember",
                     "PersonalDataAccess", "ConsentFile",
                     "MonitoringRecord", "CriterionValue", "AnswerSet",
                     "Answer", "Form", "FormVersion", "Indicator", "DerivedIndicator",
                     "ValidationRule", "Programme", "ProgrammeExtension", "PlanEvent"}


def test_a_model_neither_owned_nor_shared_is_an_error():
    class Base(DeclarativeBase):
        pass

    class Owned(Base):
        __tablename__ = "owned"
        id: Mapped[int] = mapped_column(primary_key=True)
        organization_id: Mapped[int]

    assert tenant_models(Base.registry) == (Owned,)

    class Orphan(Base):  # owned through a report, but nobody said how
        __tablename__ = "orphan"
        id: Mapped[int] = mapped_column(primary_key=True)
        report_id: Mapped[int]

    with pytest.raises(ScopingError, match="Orphan"):
        tenant_models(Base.registry)
