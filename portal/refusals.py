"""Refusals: the user-facing "no" of the domain, and whether this request met one.

Kept apart from :mod:`portal.database` (which re-exports both names) so that pure code such as
the report-file reader can raise refusals without importing the database layer. The commit
decision that uses them is described in :mod:`portal.database`.
"""

from __future__ import annotations

from flask import g, has_request_context


class Refusal(ValueError):
    """A user-facing refusal: the message (already translated) says why; nothing is changed.

    Creating one during a request marks the request as refused, so the request commits
    nothing whatever the view answers. Create refusals only to raise them.
    """

    def __init__(self, *args) -> None:
        super().__init__(*args)
        if has_request_context():
            g.setdefault("portal_refusal", self)


def request_refused() -> Refusal | None:
    """The first refusal raised while the current request was handled, if any."""
    return g.get("portal_refusal") if has_request_context() else None
