"""What an uploaded report file does, as shown before confirming: one :class:`Change` per
value against the stored one, an :class:`OrgPreview` per report, the :class:`Preview` of the
file (worked out by :func:`portal.report_files.upload.evaluate`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from portal.report_files.messages import RowProblem
from portal.reports.models import Period, Report
from portal.reports.validation import Problem
from tenants.models import Organization

CHANGE_LABELS = {"new": _l("new"), "changed": _l("changed"), "cleared": _l("cleared"),
                 "same": _l("unchanged"), "error": _l("error")}


@dataclass
class Change:
    """One value of the file against the stored one."""

    code: str
    label: str
    line: int
    column: str
    old: str
    new: str
    status: str  # new, changed, cleared, same, error
    error: str | None = None
    value: Decimal | None = None

    @property
    def raw(self) -> str:
        """The text written on confirmation: with ``value``, what the write path reads
        (the change itself is written, no copy: a municipal file has ~12,000 of them)."""
        return self.new

    @property
    def writes(self) -> bool:
        return self.status in ("new", "changed", "cleared")


@dataclass
class OrgPreview:
    """What the file does to one organization's report."""

    organization: Organization
    line: int | None
    report: Report | None
    changes: list[Change]
    rule_problems: list[Problem]
    labels: dict[str, str]
    version: int | None = None  # of the report the file was compared with on upload
    stale: bool = False
    refused: str | None = None  # why this report cannot be changed at all

    @property
    def writes(self) -> list[Change]:
        return [c for c in self.changes if c.writes]

    @property
    def state(self) -> str:
        return self.report.state.value if self.report else "not_started"

    def names(self, problem: Problem) -> str:
        """The indicators a rule problem is about, by their labels."""
        return "; ".join(self.labels[c] for c in dict.fromkeys(problem.codes) if c in self.labels)


@dataclass
class Preview:
    kind: str
    filename: str
    period: Period
    organizations: list[OrgPreview]
    problems: list[RowProblem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # block the whole file, no row
    warnings: list[str] = field(default_factory=list)  # say what was not read; block nothing

    @property
    def stale(self) -> bool:
        return any(o.stale for o in self.organizations)

    @property
    def change_count(self) -> int:
        return sum(len(o.writes) for o in self.organizations)

    @property
    def blocked(self) -> bool:
        """Errors block saving (warnings of the validation rules do not)."""
        return bool(self.problems or self.notices or self.stale)

    @property
    def can_save(self) -> bool:
        return not self.blocked and self.change_count > 0
