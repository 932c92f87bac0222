"""Import of the organization registry from CSV or XLSX: validate everything, then upsert.

Idempotent: codes identify regions, municipalities and organizations, so a second import
of the same file updates names and changes nothing else. Any bad row stops the import
before anything is written: besides unknown types and repeated codes, a region or
municipality code spelt two ways, a value longer than its database column, an invisible or
control character (shown as ``⟨U+200B⟩``), a formula cell, or a file the reader cannot read.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.clock import check_timezone
from portal.database import Refusal
from portal.extensions import db
from portal.tabular import Formula, Row, Table, TableError, read_table_file, require_columns
from portal.textcheck import describe, hidden_characters, visible
from tenants.models import Municipality, Organization, OrganizationType, Region, Subordination

TIMEZONE_COLUMN = "region_timezone"  # optional: the region's IANA time zone
COLUMNS = ["region_code", "region", "municipality_code", "municipality", "code", "name",
           "short_name", "type", "subordination"]

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


class RegistryImportError(Refusal):
    """The file was rejected; ``problems`` lists each reason, with its line when known."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ParsedRegistry:
    regions: dict[str, str] = field(default_factory=dict)  # code → name
    municipalities: dict[str, tuple[str, str]] = field(default_factory=dict)  # → (name, region)
    organizations: list[dict] = field(default_factory=list)
    timezones: dict[str, str] = field(default_factory=dict)  # region code → IANA name


@dataclass(frozen=True)
class ImportSummary:
    regions: int
    municipalities: int
    created: int
    updated: int


# Where each value is stored: a value longer than its column is refused before any INSERT.
_STORED_IN = {"region_code": Region.code, "region": Region.name,
              "municipality_code": Municipality.code, "municipality": Municipality.name,
              "code": Organization.code, "name": Organization.name,
              "short_name": Organization.short_name}
CODE_COLUMNS = ("region_code", "municipality_code", "code")


def max_length(column: str) -> int | None:
    """How many characters the database column behind a file column holds (None: no limit)."""
    attribute = _STORED_IN.get(column)
    return getattr(attribute.type, "length", None) if attribute is not None else None


def read(path: str | Path) -> Table:
    """Read the registry file; whatever goes wrong becomes a :class:`RegistryImportError`."""
    path = Path(path)
    if not path.is_file():
        raise RegistryImportError([_("There is no file %(path)s.", path=str(path))])
    try:
        return read_table_file(path)
    except TableError as exc:
        raise RegistryImportError([str(exc)]) from exc
    except OSError as exc:
        raise RegistryImportError([_("The file %(path)s cannot be opened.",
                                     path=str(path))]) from exc
    except Exception as exc:  # a reader of untrusted files: any failure is a damaged file
        raise RegistryImportError([_("The file is damaged and cannot be read. Save it again as "
                                     "an Excel workbook (.xlsx) or CSV and import it again.")]
                                  ) from exc


def _cell(row: Row, column: str) -> tuple[str, str | None]:
    """The text of one cell, or a problem: a formula, a hidden character, too long a value."""
    value = row.values.get(column)
    if isinstance(value, Formula):
        return "", _("the column %(column)s holds a formula (%(formula)s), the registry takes "
                     "values only. Replace the formula with its value (Copy, then Paste "
                     "values).", column=column, formula=visible(str(value)))
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel turns codes like 0101 into numbers
    text = "" if value is None else str(value)
    code = column in CODE_COLUMNS
    if not code:  # a no-break space in a name is a space; in a code it makes a look-alike
        text = "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in text)
    text = text.strip(" ")
    hidden = hidden_characters(text, spaces_allowed=not code)
    if hidden:
        return "", _("the value “%(value)s” of the column %(column)s holds an invisible or "
                     "control character (%(characters)s). Type the value again without it.",
                     value=visible(text, spaces_allowed=not code), column=column,
                     characters=", ".join(describe(ch) for ch in hidden))
    limit = max_length(column)
    if limit is not None and len(text) > limit:
        return "", _("the value of the column %(column)s is too long (%(length)d characters, "
                     "at most %(limit)d fit).", column=column, length=len(text), limit=limit)
    return text, None


@dataclass
class _FirstSeen:
    """Where each code appeared first in the file, and under which name."""

    organizations: dict[str, int] = field(default_factory=dict)
    regions: dict[str, tuple[str, int]] = field(default_factory=dict)
    municipalities: dict[str, tuple[str, int]] = field(default_factory=dict)
    municipality_regions: dict[str, str] = field(default_factory=dict)


def parse(table: Table) -> ParsedRegistry:
    """Check every row; raise :class:`RegistryImportError` listing all problems found."""
    try:
        require_columns(table, COLUMNS)
    except TableError as exc:
        raise RegistryImportError([str(exc)]) from exc
    parsed, problems, seen = ParsedRegistry(), [], _FirstSeen()
    for row in table.rows:
        problems.extend(_parse_row(row, parsed, seen))
    if not parsed.organizations and not problems:
        problems.append(_("The file has no organizations."))
    if problems:
        raise RegistryImportError(problems)
    return parsed


def _parse_row(row: Row, parsed: ParsedRegistry, seen: _FirstSeen) -> list[str]:
    values, problems = {}, []
    for column in COLUMNS:
        values[column], problem = _cell(row, column)
        problems += [problem] if problem else []
    empty = [column for column in COLUMNS if not values[column]]
    if empty and not problems:
        problems.append(_("empty columns: %(names)s.", names=", ".join(empty)))
    if not problems:
        org_type, subordination, problems = _kinds(values)
        problems += _repeats(values, row.line, seen)
        problems += _parse_timezone(row, values["region_code"], parsed)
    if problems:
        where = _("Line %(line)d", line=row.line)
        return [f"{where}: {problem}" for problem in problems]
    parsed.regions.setdefault(values["region_code"], values["region"])
    parsed.municipalities.setdefault(values["municipality_code"],
                                     (values["municipality"], values["region_code"]))
    parsed.organizations.append({
        "code": values["code"], "name": values["name"], "short_name": values["short_name"],
        "type": org_type, "subordination": subordination,
        "municipality_code": values["municipality_code"],
    })
    return []


def _parse_timezone(row: Row, region_code: str, parsed: ParsedRegistry) -> list[str]:
    """The optional time zone of the row's region: known to zoneinfo, the same on every row."""
    name, problem = _cell(row, TIMEZONE_COLUMN)
    if problem or not name:
        return [problem] if problem else []
    try:
        name = check_timezone(name)
    except ValueError:
        return [_("unknown time zone “%(name)s” (write an IANA name such as "
                  "Asia/Vladivostok).", name=name)]
    known = parsed.timezones.setdefault(region_code, name)
    if known != name:
        return [_("the region %(code)s has the time zone %(zone)s on an earlier line.",
                  code=region_code, zone=known)]
    return []


def _kinds(values: dict[str, str]) -> tuple[OrganizationType | None, Subordination | None,
                                            list[str]]:
    """The organization type and subordination a row names, or why they are not known."""
    problems = []
    org_type = TYPE_ALIASES.get(values["type"].lower())
    if org_type is None:
        problems.append(_("unknown organization type “%(value)s”.", value=values["type"]))
    subordination = SUBORDINATION_ALIASES.get(values["subordination"].lower())
    if subordination is None:
        problems.append(_("unknown subordination “%(value)s”.", value=values["subordination"]))
    return org_type, subordination, problems


def _repeats(values: dict[str, str], line: int, seen: _FirstSeen) -> list[str]:
    """A code met before must mean the same thing: one organization, one name, one region."""
    problems, code = [], values["code"]
    if code in seen.organizations:
        problems.append(_("the code %(code)s is repeated (first on line %(first)d).",
                          code=code, first=seen.organizations[code]))
    seen.organizations.setdefault(code, line)
    region, municipality = values["region_code"], values["municipality_code"]
    first_name, first_line = seen.regions.setdefault(region, (values["region"], line))
    if first_name != values["region"]:
        problems.append(_("the region %(code)s is named “%(name)s” here but “%(first)s” on line "
                          "%(line)d. Write its name the same way in every line.", code=region,
                          name=values["region"], first=first_name, line=first_line))
    first_name, first_line = seen.municipalities.setdefault(
        municipality, (values["municipality"], line))
    if first_name != values["municipality"]:
        problems.append(_("the municipality %(code)s is named “%(name)s” here but “%(first)s” "
                          "on line %(line)d. Write its name the same way in every line.",
                          code=municipality, name=values["municipality"], first=first_name,
                          line=first_line))
    first_region = seen.municipality_regions.setdefault(municipality, region)
    if first_region != region:
        problems.append(_("the municipality %(code)s is listed earlier in the region "
                          "%(region)s.", code=municipality, region=first_region))
    return problems


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
