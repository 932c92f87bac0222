"""Import of the organization registry from CSV or XLSX: validate everything, then upsert.

Idempotent: codes identify regions, municipalities and organizations, so a second import
of the same file updates names and changes nothing else. Any bad row stops the import
before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.clock import check_timezone
from portal.extensions import db
from portal.tabular import Row, Table, TableError, require_columns
from tenants.models import Municipality, Organization, OrganizationType, Region, Subordination

COLUMNS = ["region_code", "region", "municipality_code", "municipality", "code", "name",
           "short_name", "type", "subordination"]
TIMEZONE_COLUMN = "region_timezone"  # optional: the region's IANA time zone

_TYPE_NAMES = {
    OrganizationType.SCHOOL: ["school", "общеобразовательная организация", "школа", "оо",
                              "общеобразовательная"],
    OrganizationType.KINDERGARTEN: ["kindergarten", "дошкольная образовательная организация",
                                    "детский сад", "доу", "дошкольная"],
    OrganizationType.COLLEGE: ["college", "профессиональная образовательная организация",
                               "техникум", "колледж", "поо", "спо", "профессиональная"],
    OrganizationType.ADDITIONAL: ["additional", "организация дополнительного образования",
                                  "дополнительное образование", "удо", "до"],
}
TYPE_ALIASES = {alias: kind for kind, aliases in _TYPE_NAMES.items() for alias in aliases}
SUBORDINATION_ALIASES = {
    "municipal": Subordination.MUNICIPAL, "муниципальная": Subordination.MUNICIPAL,
    "муниципальное": Subordination.MUNICIPAL, "муниципальный": Subordination.MUNICIPAL,
    "regional": Subordination.REGIONAL, "региональная": Subordination.REGIONAL,
    "региональное": Subordination.REGIONAL, "региональный": Subordination.REGIONAL,
}


class RegistryImportError(ValueError):
    """The file was rejected; ``problems`` lists each reason, with its line when known."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ParsedRegistry:
    regions: dict[str, str] = field(default_factory=dict)  # code → name
    timezones: dict[str, str] = field(default_factory=dict)  # region code → IANA name
    municipalities: dict[str, tuple[str, str]] = field(default_factory=dict)  # → (name, region)
    organizations: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class ImportSummary:
    regions: int
    municipalities: int
    created: int
    updated: int


def _text(row: Row, column: str) -> str:
    value = row.values.get(column)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel turns codes like 0101 into numbers
    return "" if value is None else str(value).strip()


def parse(table: Table) -> ParsedRegistry:
    """Check every row; raise :class:`RegistryImportError` listing all problems found."""
    try:
        require_columns(table, COLUMNS)
    except TableError as exc:
        raise RegistryImportError([str(exc)]) from exc
    parsed, problems, org_lines = ParsedRegistry(), [], {}
    for row in table.rows:
        problems.extend(_parse_row(row, parsed, org_lines))
    if not parsed.organizations and not problems:
        problems.append(_("The file has no organizations."))
    if problems:
        raise RegistryImportError(problems)
    return parsed


def _parse_row(row: Row, parsed: ParsedRegistry, org_lines: dict[str, int]) -> list[str]:
    values = {column: _text(row, column) for column in COLUMNS}
    where = _("Line %(line)d", line=row.line)
    empty = [column for column in COLUMNS if not values[column]]
    if empty:
        return [f"{where}: " + _("empty columns: %(names)s.", names=", ".join(empty))]
    problems = []
    org_type = TYPE_ALIASES.get(values["type"].lower())
    if org_type is None:
        problems.append(f"{where}: " + _("unknown organization type “%(value)s”.",
                                         value=values["type"]))
    subordination = SUBORDINATION_ALIASES.get(values["subordination"].lower())
    if subordination is None:
        problems.append(f"{where}: " + _("unknown subordination “%(value)s”.",
                                         value=values["subordination"]))
    code = values["code"]
    if code in org_lines:
        problems.append(f"{where}: " + _("the code %(code)s is repeated (first on line %(first)d).",
                                         code=code, first=org_lines[code]))
    org_lines.setdefault(code, row.line)
    known = parsed.municipalities.get(values["municipality_code"])
    if known and known[1] != values["region_code"]:
        problems.append(f"{where}: " + _(
            "the municipality %(code)s is listed earlier in the region %(region)s.",
            code=values["municipality_code"], region=known[1]))
    problems += _parse_timezone(row, values["region_code"], parsed, where)
    if problems:
        return problems
    parsed.regions.setdefault(values["region_code"], values["region"])
    parsed.municipalities.setdefault(values["municipality_code"],
                                     (values["municipality"], values["region_code"]))
    parsed.organizations.append({
        "code": code, "name": values["name"], "short_name": values["short_name"],
        "type": org_type, "subordination": subordination,
        "municipality_code": values["municipality_code"],
    })
    return []


def _parse_timezone(row: Row, region_code: str, parsed: ParsedRegistry, where: str) -> list[str]:
    """The optional time zone of the row's region: known to zoneinfo, the same on every row."""
    name = _text(row, TIMEZONE_COLUMN)
    if not name:
        return []
    try:
        name = check_timezone(name)
    except ValueError:
        return [f"{where}: " + _("unknown time zone “%(name)s” (write an IANA name such as "
                                 "Asia/Vladivostok).", name=name)]
    known = parsed.timezones.setdefault(region_code, name)
    if known != name:
        return [f"{where}: " + _("the region %(code)s has the time zone %(zone)s on an "
                                 "earlier line.", code=region_code, zone=known)]
    return []


def _check_against_database(parsed: ParsedRegistry) -> dict[str, tuple[int, str]]:
    """Municipalities already stored under another region reject the file."""
    rows = db.session.execute(
        sa.select(Municipality.code, Municipality.id, Region.code).join(Region)
        .where(Municipality.code.in_(list(parsed.municipalities)))
    ).all()
    problems = [
        _("The municipality %(code)s belongs to the region %(stored)s, not %(given)s.",
          code=code, stored=region_code, given=parsed.municipalities[code][1])
        for code, _id, region_code in rows if parsed.municipalities[code][1] != region_code
    ]
    if problems:
        raise RegistryImportError(problems)
    return {code: (mid, region_code) for code, mid, region_code in rows}


def store(parsed: ParsedRegistry,
          progress: Callable[[Iterable[dict]], Iterable[dict]] = lambda rows: rows
          ) -> ImportSummary:
    """Upsert regions, municipalities and organizations; flushes, the caller commits."""
    _check_against_database(parsed)
    regions = _upsert_by_code(Region, {
        code: {"name": name, **({"timezone": parsed.timezones[code]}
                                if code in parsed.timezones else {})}
        for code, name in parsed.regions.items()})
    municipalities = _upsert_by_code(Municipality, {
        code: {"name": name, "region_id": regions[region_code].id}
        for code, (name, region_code) in parsed.municipalities.items()
    })
    existing = {o.code: o for o in db.session.scalars(
        sa.select(Organization).where(
            Organization.code.in_([o["code"] for o in parsed.organizations])))}
    created = updated = 0
    for item in progress(parsed.organizations):
        org = existing.get(item["code"])
        if org is None:
            org = Organization(code=item["code"])
            db.session.add(org)
            created += 1
        else:
            updated += 1
        org.name, org.short_name = item["name"], item["short_name"]
        org.type, org.subordination = item["type"], item["subordination"]
        org.municipality_id = municipalities[item["municipality_code"]].id
    db.session.flush()
    return ImportSummary(len(regions), len(municipalities), created, updated)


def _upsert_by_code(model: type, wanted: dict[str, dict]) -> dict:
    found = {obj.code: obj for obj in db.session.scalars(
        sa.select(model).where(model.code.in_(list(wanted))))}
    for code, attrs in wanted.items():
        obj = found.get(code)
        if obj is None:
            obj = found[code] = model(code=code)
            db.session.add(obj)
        for name, value in attrs.items():
            setattr(obj, name, value)
    db.session.flush()
    return found
