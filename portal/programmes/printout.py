"""The programme as DOCX (python-docx) in the layout of seed 004's appendix.

The cover with the organization's name and the title, «Общие сведения» as a table with a
column per participant, «Пояснительная записка» as a two-column table, and the plan table
«Мероприятия…» with its six columns.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from portal.programmes import layout
from portal.programmes.models import Programme

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _heading(document, text: str, size: int = 14) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(str(text))
    run.bold, run.font.size = True, Pt(size)


def _table(document, header: list[str], rows: list[tuple[str, ...]]):
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(str(text)).bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text or ""
    return table


def _cover(document, programme: Programme) -> None:
    _heading(document, programme.organization.name.upper(), size=12)
    document.add_paragraph()
    _heading(document, layout.TITLE, size=16)
    for label, value in layout.cover(programme):
        document.add_paragraph(f"{label}: {value}")


def _general(document, programme: Programme) -> None:
    _heading(document, layout.GENERAL_HEADING)
    columns = layout.general_columns(programme.pair)
    rows = [(str(label), *(c.values[index] for c in columns))
            for index, label in enumerate(layout.GENERAL_ROWS)]
    _table(document, [str(layout.DATA_COLUMN), *(c.heading for c in columns)], rows)


def _note(document, programme: Programme) -> None:
    _heading(document, layout.NOTE_HEADING)
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, text in layout.note(programme):
        cells = table.add_row().cells
        cells[0].paragraphs[0].add_run(label).bold = True
        cells[1].text = text or ""


def _plan(document, programme: Programme) -> None:
    section = document.add_section()
    section.orientation = WD_ORIENT.LANDSCAPE  # six columns need the width
    section.page_width, section.page_height = section.page_height, section.page_width
    _heading(document, layout.PLAN_HEADING)
    _table(document, [str(c) for c in layout.PLAN_COLUMNS], layout.plan_rows(programme))


def programme_docx(programme: Programme) -> bytes:
    """The printable programme as DOCX bytes."""
    document = Document()
    for section in document.sections:
        section.left_margin = section.right_margin = Cm(2)
    _cover(document, programme)
    _general(document, programme)
    _note(document, programme)
    _plan(document, programme)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def filename(programme: Programme) -> str:
    """The download's name: the programme's number, no person's name (the name of a file
    travels further than its content)."""
    return f"programme-{programme.id}.docx"
