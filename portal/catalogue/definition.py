"""A region's form as plain data: what a definition file holds and the database stores.

The definition file (:mod:`portal.catalogue.definition_file`), the form editor and the
``flask forms`` commands all speak in these classes, so a form read from a file, edited in
the portal or exported back is one and the same value. Nothing here touches the database.

``row`` on each part is the line of the definition file it came from (0 when it did not
come from a file), so every refusal names the line to fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

ORGANIZATION_TYPES = ("school", "kindergarten", "college", "additional")


class ItemKind(StrEnum):
    """What an item of a form asks for (issue 11 §2)."""

    COUNT = "count"  # a whole number of people, pairs, meetings, events…
    PERCENT = "percent"  # 0–100
    SCORE = "score"  # 1..scale (a satisfaction score, say)
    NUMBER = "number"  # any decimal within the item's bounds
    YES_NO = "yes_no"  # да / нет
    EVIDENCE = "evidence"  # present / absent, with a link and/or a file in the documents store
    TEXT = "text"  # bounded free text
    DATE = "date"  # a calendar day

    @property
    def is_numeric(self) -> bool:
        """Whether a value of this kind is a number that sums and averages mean something for."""
        return self in NUMERIC_KINDS


NUMERIC_KINDS = frozenset({ItemKind.COUNT, ItemKind.PERCENT, ItemKind.SCORE, ItemKind.NUMBER})
PRESENCE_KINDS = frozenset({ItemKind.YES_NO, ItemKind.EVIDENCE})  # may be on the checklist


class Periodicity(StrEnum):
    """How often a form is collected (issue 11 §4)."""

    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    SCHOOL_YEAR = "school_year"
    CALENDAR_YEAR = "calendar_year"
    ONE_OFF = "one_off"  # a collection «на дату» with its own opening date and deadline


class Severity(StrEnum):
    ERROR = "error"  # blocks saving as valid and submitting
    WARNING = "warning"  # must be explained before submitting


@dataclass(frozen=True)
class ItemDefinition:
    """One item (indicator) of a form; ``code`` is stable across the form's versions."""

    code: str
    section: str  # the section's name in Russian; sections are ordered by first appearance
    label_ru: str
    label_en: str
    kind: ItemKind
    unit_ru: str = ""  # «человек», «пар», «мероприятий»…; empty for yes_no/evidence/text/date
    unit_en: str = ""
    applies_to: frozenset[str] = frozenset(ORGANIZATION_TYPES)
    required: bool = True
    min_value: Decimal | None = None
    max_value: Decimal | None = None  # for text: the maximum length in characters
    scale: int | None = None  # score only: values 1..scale
    presence: bool = False  # yes_no/evidence only: part of the region's presence checklist
    # evidence only: the document kind of the register (portal.documents) it stands for; the
    # curator may choose the organization's current document of that kind instead of a file
    document_kind: str | None = None
    help_ru: str = ""
    help_en: str = ""
    row: int = 0


@dataclass(frozen=True)
class RuleDefinition:
    """A validation rule: an expression of :mod:`portal.catalogue.expressions` that must hold."""

    code: str
    severity: Severity
    expression: str
    message_ru: str
    message_en: str = ""
    row: int = 0


@dataclass(frozen=True)
class DerivedDefinition:
    """A derived indicator: the sum of the ``numerator`` items over the sum of the
    ``denominator`` items, times ``scale`` (100: a percent, 1: a ratio such as mentor load)."""

    code: str
    label_ru: str
    label_en: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    scale: int = 100
    row: int = 0

    @property
    def unit(self) -> str:
        return "ratio" if self.scale == 1 else "percent"


@dataclass(frozen=True)
class FormDefinition:
    """A whole form: its identity, periodicity, items in order and rules."""

    code: str
    name_ru: str
    name_en: str
    periodicity: Periodicity
    applies_to: frozenset[str] = frozenset(ORGANIZATION_TYPES)
    items: tuple[ItemDefinition, ...] = field(default_factory=tuple)
    rules: tuple[RuleDefinition, ...] = field(default_factory=tuple)
    # The jump warning for every count item: raised when a value changes against the
    # previous period by more than ``jump_relative`` (0.5 = 50 %) AND by at least
    # ``jump_absolute``. None = no such check for this form.
    jump_relative: Decimal | None = None
    jump_absolute: Decimal | None = None
    # None: the definition says nothing of them (a file without the sheet «Производные»):
    # the form keeps the standard ones whose parts are among its items.
    derived: tuple[DerivedDefinition, ...] | None = None
    row: int = 0

    def sections(self) -> list[str]:
        """The section names in the order they first appear."""
        return list(dict.fromkeys(item.section for item in self.items))
