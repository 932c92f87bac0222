"""Everything that runs outside the scope hook: explicit opt-outs, each with a reason, and
the registry of Core statements, each with the reason it is safe.

The mechanism and the places that opt out are described in the docstring of
:mod:`tenants.scoping`, which re-exports everything here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

M = TypeVar("M")

UNSCOPED_OPTION = "unscoped"  # execution option: the reason a statement runs without the hook


class ScopingError(RuntimeError):
    """Misuse of the scoping mechanism: an opt-out without a reason, an unclassified model."""


CORE_OPTION = "scoping_core"  # execution option: the CORE_STATEMENTS entry a statement is

# Statements the hook cannot limit, with the reason each is safe (each also in the docstring
# of tenants.scoping).
CORE_STATEMENTS: dict[str, str] = {
    "dashboards.aggregate": (
        "dashboards/queries.py _frame: the GROUP BY statements of the dashboards run on the "
        "connection (plain tuples, no ORM rows, so no session hook). Every one is built on "
        "organization_filter(), i.e. Scope.organizations(VIEW) of the caller's scope; the "
        "reference values (institution and municipal views) pass Scope.system(reason) and "
        "come back as sums only, without names, small groups hidden."),
    "mentoring.counts": (
        "portal/mentoring/counts.py _grouped: GROUP BY counts of the register of one "
        "organization the request loaded through the scope (VIEW); (key, count) tuples only, "
        "no column of a person, for the external contour that reads no personal-data row; "
        "portal/programmes/counts.py programme_counts: the same for programmes by status."),
    "monitoring.counts": (
        "portal/monitoring/counts.py _run: AVG and COUNT of the monitoring answers and records "
        "of one organization the request loaded through the scope (VIEW); aggregates with "
        "their numbers of respondents only, no column of a person, for the report prefill."),
}
# Modules that may build statements on tables or run them on the connection: their
# SELECTs are the CORE_STATEMENTS above; the rest are writes of rows the request already
# loaded through the scope, or the CLI.
CORE_MODULES: dict[str, str] = {
    "tenants/policy.py": "the scope's own subqueries (table-based so the hook never recurses)",
    "dashboards/queries.py": "dashboards.aggregate (above); one outer join per indicator on "
                             "a table alias of report_values, joined to already limited reports",
    "portal/reports/operations.py": "the batched writes of save_values_many (INSERT/UPDATE), and "
                                    "the stored values of reports the caller already holds",
    "portal/demo/synthetic.py": "the synthetic demo region (CLI, system_task)",
    "portal/reports/models.py": "the ReportValue rule's own subquery on reports",
    "portal/catalogue/models.py": "the form rules' own subqueries on forms and their versions",
    "portal/database.py": "SQLite's BEGIN (no table at all)",
    "portal/mentoring/counts.py": "mentoring.counts (above)",
    "portal/monitoring/counts.py": "monitoring.counts (above)",
    "portal/programmes/counts.py": "mentoring.counts (above): programmes by status",
    "portal/transactions.py": "SQLite's COMMIT and BEGIN IMMEDIATE taking the write lock late "
                              "(no table at all)",
}


_SYSTEM_REASON: ContextVar[str | None] = ContextVar("portal_unscoped_reason", default=None)


def checked_reason(reason: Any) -> str:
    """``reason`` if it is a non-empty string; raises :class:`ScopingError` otherwise."""
    if not isinstance(reason, str) or not reason.strip():
        raise ScopingError("opting out of the scope needs a reason (a non-empty string)")
    return reason


def unscoped(stmt: M, reason: str) -> M:
    """``stmt`` marked to run without the scope hook, for ``reason`` (mandatory)."""
    return stmt.execution_options(**{UNSCOPED_OPTION: checked_reason(reason)})


@contextmanager
def system_session(reason: str) -> Iterator[None]:
    """Run every statement inside the block without the scope hook, lazy loads included."""
    token = _SYSTEM_REASON.set(checked_reason(reason))
    try:
        yield
    finally:
        _SYSTEM_REASON.reset(token)


def system_task(reason: str) -> Callable:
    """Decorator: the whole function runs in :func:`system_session` (CLI, demo loader)."""
    checked_reason(reason)

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def run(*args, **kwargs):
            with system_session(reason):
                return func(*args, **kwargs)

        return run

    return decorate


def system_reason() -> str | None:
    """The reason of the enclosing :func:`system_session`, if any."""
    return _SYSTEM_REASON.get()


def core_statement(stmt: M, name: str) -> M:
    """Tag ``stmt`` as the :data:`CORE_STATEMENTS` entry ``name`` (which must exist)."""
    if name not in CORE_STATEMENTS:
        raise ScopingError(f"{name!r} is not listed in tenants.scoping.CORE_STATEMENTS")
    return stmt.execution_options(**{CORE_OPTION: name})
