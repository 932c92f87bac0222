"""A spy on the database: every SELECT of a tenant table during a request must be limited
by the scope hook, opted out with a reason, or a listed Core statement; and the hook must
have limited every tenant-owned model the statement reads (its choice of criteria is
checked against the statement compiled without them).

Used by tests/test_scoping_hook.py and the isolation walk (tests/test_isolation.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import has_request_context

from portal.extensions import db
from tenants.scope_hook import MODELS_OPTION, SCOPED_OPTION
from tenants.scoping import CORE_OPTION, CORE_STATEMENTS, UNSCOPED_OPTION, tenant_models


def _tenant_table_pattern() -> re.Pattern:
    names = "|".join(sorted(re.escape(m.__table__.name) for m in tenant_models()))
    return re.compile(rf'\b(?:FROM|JOIN)\s+"?({names})"?(?![\w"])', re.IGNORECASE)


class ScopeSpy:
    """Collects the SELECTs of tenant tables run in a request, by how they were limited."""

    def __init__(self) -> None:
        self.pattern = _tenant_table_pattern()
        self.scoped = 0
        self.opted_out: dict[str, int] = {}
        self.core: dict[str, int] = {}
        self.unlimited: list[str] = []
        self.missed: list[str] = []
        self.model_of = {m.__table__.name: m.__name__ for m in tenant_models()}

    def __call__(self, _conn, _cursor, statement, _parameters, context, _many):
        if not has_request_context() or not re.match(r"\s*(SELECT|WITH)\b", statement, re.I):
            return
        if not self.pattern.search(statement):
            return
        options = context.execution_options if context is not None else {}
        if options.get(SCOPED_OPTION):
            self.scoped += 1
        elif options.get(UNSCOPED_OPTION):
            reason = options[UNSCOPED_OPTION]
            self.opted_out[reason] = self.opted_out.get(reason, 0) + 1
        elif options.get(CORE_OPTION) in CORE_STATEMENTS:
            self.core[options[CORE_OPTION]] = self.core.get(options[CORE_OPTION], 0) + 1
        else:
            self.unlimited.append(" ".join(statement.split())[:600])

    def check_models(self, state) -> None:
        """``do_orm_execute`` after the hook: it limited each tenant model the SQL names."""
        # The hook's updates are in the local options (the others are the statement's).
        limited = state.local_execution_options.get(MODELS_OPTION)
        if limited is None:
            return
        plain = state.statement._generate()
        plain._with_options = tuple(o for o in plain._with_options
                                    if not getattr(o, "_is_criteria_option", False))
        sql = str(plain.compile(dialect=state.session.get_bind().dialect))
        named = {self.model_of[t.lower()] for t in self.pattern.findall(sql)}
        if not named <= set(limited):
            self.missed.append(f"{sorted(named - set(limited))} in {' '.join(sql.split())[:400]}")

    def assert_all_limited(self) -> None:
        assert not self.unlimited, (
            "SELECTs of tenant tables in a request without the scope, an opt-out or a "
            "CORE_STATEMENTS tag:\n" + "\n".join(self.unlimited))
        assert not self.missed, "the hook left tenant models unlimited:\n" + "\n".join(
            self.missed)


@contextmanager
def scope_spy() -> Iterator[ScopeSpy]:
    """Spy on the test's database connection (the ``database`` fixture) inside the block."""
    spy = ScopeSpy()
    target = db.engines[None]
    sa.event.listen(target, "before_cursor_execute", spy)
    sa.event.listen(db.session, "do_orm_execute", spy.check_models)  # after the hook
    try:
        yield spy
    finally:
        sa.event.remove(target, "before_cursor_execute", spy)
        sa.event.remove(db.session, "do_orm_execute", spy.check_models)
