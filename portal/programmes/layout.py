"""The layout of seed 004's appendix, shared by the programme page, the print page and DOCX.

The cover (mentor, mentee, form, term), «Общие сведения» (a column per participant, read
from the register), «Пояснительная записка» and the plan table «Мероприятия…». Labels are
Babel strings whose Russian text is the seed's wording.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import format_date, ngettext
from flask_babel import lazy_gettext as _l

from portal.mentoring.models import MentoringPair, Participant, Side
from portal.programmes.models import Programme

TITLE = _l("PERSONALISED MENTORING PROGRAMME")
GENERAL_HEADING = _l("General data")
NOTE_HEADING = _l("Explanatory note")
PLAN_HEADING = _l("Events of planning, organization and content of the individual work "
                  "with the mentee")
DATA_COLUMN = _l("Particulars")  # «Сведения»
PLAN_COLUMNS = (_l("No."), _l("Direction of mentoring"), _l("Name of the event"), _l("Dates"),
                _l("Forms and methods of the mentor's work"), _l("Expected result"))
NOTE_ROWS = (("problem", _l("Problem (professional deficits)")), ("goal", _l("Goal of the work:")),
             ("tasks", _l("Tasks:")), ("content", _l("Content of the activity:")),
             ("planned_results", _l("Planned results:")))
GENERAL_ROWS = (_l("Surname, first name, patronymic"), _l("Education"),
                _l("Pedagogical experience"), _l("Position"), _l("Qualification category"))


@dataclass(frozen=True)
class Column:
    """One participant's column of «Общие сведения»."""

    heading: str
    values: tuple[str, ...]


def _values(person: Participant) -> tuple[str, ...]:
    years = person.experience_years
    experience = "" if years is None else ngettext("%(num)d year", "%(num)d years", years)
    return (person.display_name, person.education, experience, person.position,
            person.qualification.label if person.qualification else "")


def general_columns(pair: MentoringPair) -> list[Column]:
    """The mentees' columns, then the mentors' (the seed's order), from the register."""
    return [Column(str(heading), _values(person))
            for side, heading in ((Side.MENTEE, _l("mentee")), (Side.MENTOR, _l("mentor")))
            for person in pair.side(side)]


def names(programme: Programme, side: Side) -> str:
    """The names of one side, for the cover."""
    return ", ".join(p.display_name for p in programme.pair.side(side))


def term(programme: Programme) -> str:
    """«Срок реализации»: the dates of the programme, with the current end."""
    return f"{format_date(programme.starts_on, 'long')} – {format_date(programme.ends_on, 'long')}"


def cover(programme: Programme) -> list[tuple[str, str]]:
    """The lines under the title: mentor, mentee, form of mentoring, term."""
    return [(str(_l("Mentor")), names(programme, Side.MENTOR)),
            (str(_l("Mentee")), names(programme, Side.MENTEE)),
            (str(_l("Form of mentoring")), programme.pair.form.label),
            (str(_l("Term of implementation")), term(programme))]


def note(programme: Programme) -> list[tuple[str, str]]:
    """The rows of the explanatory note: label, text."""
    return [(str(label), getattr(programme, key)) for key, label in NOTE_ROWS]


def plan_rows(programme: Programme) -> list[tuple[str, ...]]:
    """The plan table's rows in its columns' order."""
    return [(str(e.number), e.direction.label, e.title, e.dates, e.methods, e.expected_result)
            for e in programme.events]
