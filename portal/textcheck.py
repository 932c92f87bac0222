"""Characters nobody can see: found in what users type or upload, and shown so they can be found.

A code with a zero-width space looks exactly like the code without it, so it would make a
look-alike record; a control character in a file name can hide its real ending. Messages show
such characters as ``⟨U+200B⟩`` instead of printing them.

Texts are also checked for length here (:func:`too_long`, :func:`too_long_for_columns`): the
operations refuse, with a message in the user's language, what would not fit its column,
whatever form, file or command sent it (PostgreSQL would otherwise fail the request).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from flask_babel import gettext as _

# Control, format (zero-width space, BOM, direction marks), separators, private and unassigned.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def is_hidden(ch: str, *, spaces_allowed: bool = False) -> bool:
    """Whether ``ch`` is invisible or a control; any space but U+0020 counts unless allowed."""
    category = unicodedata.category(ch)
    if category in _HIDDEN_CATEGORIES:
        return True
    return category == "Zs" and ch != " " and not spaces_allowed


def hidden_characters(text: str, *, spaces_allowed: bool = False) -> list[str]:
    """The distinct hidden characters of ``text``, in order of appearance."""
    found: list[str] = []
    for ch in text:
        if is_hidden(ch, spaces_allowed=spaces_allowed) and ch not in found:
            found.append(ch)
    return found


def describe(ch: str) -> str:
    """``U+200B ZERO WIDTH SPACE``: the code point and, where Unicode has one, its name."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X} {name}" if name else f"U+{ord(ch):04X}"


def visible(text: str, *, spaces_allowed: bool = True) -> str:
    """``text`` with each hidden character written as ``⟨U+XXXX⟩``."""
    return "".join(f"⟨U+{ord(ch):04X}⟩" if is_hidden(ch, spaces_allowed=spaces_allowed) else ch
                   for ch in text)


def too_long(text: str | None, limit: int | None, what: str) -> str | None:
    """The message (in the user's language) when ``text`` has more than ``limit`` characters;
    None when it fits. ``what`` names the field, as a sentence starts: «Комментарий»."""
    if text is None or limit is None or len(text) <= limit:
        return None
    return _("%(what)s is longer than %(n)d characters (%(length)d); shorten it.",
             what=what, n=limit, length=len(text))


def too_long_for_columns(fields: dict[str, tuple[Any, str | None]]) -> str | None:
    """The first :func:`too_long` message for texts given as ``label: (column, text)``, each
    limited by the size of its ``String`` column (a model attribute such as ``User.login``):
    what an operation checks whatever form, file or command sent the text."""
    for label, (column, text) in fields.items():
        problem = too_long(text, getattr(column.type, "length", None), label)
        if problem:
            return problem
    return None

