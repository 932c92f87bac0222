"""The password policy (OWASP ASVS 2.1): length, not the login, not a common password.

No composition rules (ASVS 2.1.9): a long phrase is better than ``P@ssw0rd``. The list of
common passwords is zxcvbn's (the 30,000 most frequent of a public breach corpus) with the
project's own Russian additions in ``common_passwords.txt``.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

_OWN_LIST = Path(__file__).with_name("common_passwords.txt")
# What people put around a common word to pass a length rule: digits and punctuation.
_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_MIN_NAME_PART = 3  # a login or mail name this short says nothing about a password


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list, lower-cased (loaded once)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    own = (line.strip() for line in _OWN_LIST.read_text(encoding="utf-8").splitlines())
    words = [*FREQUENCY_LISTS["passwords"], *(w for w in own if w and not w.startswith("#"))]
    return frozenset(w.lower() for w in words)


def is_common(password: str) -> bool:
    """True for a listed password, also with digits or punctuation added before or after
    (``qwertyuiop2026``, ``!!sunshine!!``)."""
    lowered = password.lower()
    core = _DECORATION.sub("", lowered)
    return lowered in common_passwords() or (bool(core) and core in common_passwords())


def problem(password: str, login: str | None, email: str | None = None) -> str | None:
    """What is wrong with ``password`` for the account ``login`` (translated), or None."""
    config = current_app.config
    if len(password) < config["PASSWORD_MIN_LENGTH"]:
        return _("The password must be at least %(n)d characters long.",
                 n=config["PASSWORD_MIN_LENGTH"])
    if len(password) > config["PASSWORD_MAX_LENGTH"]:
        return _("The password must be at most %(n)d characters long.",
                 n=config["PASSWORD_MAX_LENGTH"])
    lowered = password.lower()
    names = [(login or "").strip().lower(), (email or "").strip().lower().partition("@")[0]]
    if any(name == lowered or (len(name) >= _MIN_NAME_PART and name in lowered)
           for name in names if name):
        return _("The password must not contain the login or the e-mail name.")
    if is_common(password):
        return _("This password is too common and easy to guess. Choose another one, for "
                 "example a few unrelated words.")
    return None
