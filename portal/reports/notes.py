"""The texts people write on a report: the curator's comment, the explanations of warnings,
the reviewer's comment when returning or reopening it.

Each has a length limit, checked by the operations whatever sent the text (the form's
``maxlength`` is only a convenience); the columns are ``TEXT``, so the limits are the
portal's, and they also bound what the audit log copies. An explanation is kept only for a
warning the values actually raise: the form offers a field per warning, and any other key
posted (or an explanation of a warning that the new values no longer raise) is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import lazy_gettext as _l

from portal import textcheck

COMMENT_MAX = 4000  # the curator's comment to the report
EXPLANATION_MAX = 2000  # one explanation of one warning
REVIEW_COMMENT_MAX = 2000  # why a report is returned or reopened (CommentForm's limit too)

_LABELS = {"comment": _l("The comment"), "explanation": _l("The explanation"),
           "review": _l("The comment")}


def too_long(text: str | None, limit: int, what: str) -> str | None:
    """The message (in the user's language) when ``text`` is over ``limit``, else None."""
    return textcheck.too_long(text, limit, str(_LABELS[what]))


def explanations_for(posted: Mapping[str, str], warned: Iterable[str]) -> dict[str, str]:
    """The explanations worth keeping: non-blank, stripped, for the ``warned`` keys only."""
    keys = set(warned)
    return {key: text.strip() for key, text in posted.items()
            if key in keys and text and text.strip()}


def explanation_problem(explanations: Mapping[str, str]) -> str | None:
    """The message for the first explanation over :data:`EXPLANATION_MAX`, if any."""
    for text in explanations.values():
        problem = too_long(text, EXPLANATION_MAX, "explanation")
        if problem:
            return problem
    return None
