"""Evidence items of a report (issue 11 §2): present or absent, with a link and/or a file.

The link is the value's raw text; «да» is the answer present with a file only. A file goes
through every check of the documents store (:func:`portal.documents.storage.check_upload`)
and lives in its folder under a generated name, referenced by the report value; instead of
uploading, the curator may choose the organization's current document of the kind the item
points at (``Indicator.document_kind``). Files are served only by
:func:`portal.reports.views.evidence_file`, to whoever may see the report.

A file on disk is not part of the transaction: a file stored by a request that rolls back
is deleted at the rollback, a replaced one only once the replacement is committed (as the
consent files: :func:`portal.documents.storage.discard_on_commit` and ``discard_on_rollback``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.catalogue.definition import ItemKind
from portal.catalogue.models import Indicator
from portal.clock import utcnow
from portal.documents import storage
from portal.documents.models import Document, DocumentVersion
from portal.extensions import db
from portal.reports.models import Report, ReportValue
from portal.reports.operations import ReportError, audit
from portal.reports.values import YES, Parsed, parse_value
from tenants.models import Organization

LINK_PREFIX, FILE_PREFIX, DOCUMENT_PREFIX = "u:", "f:", "d:"


@dataclass(frozen=True)
class Posted:
    """What the form sent for one evidence item, the file already checked."""

    code: str
    answer: str  # да, нет or "" (the select)
    url: str
    file: storage.CheckedFile | None = None
    document_version_id: int | None = None

    @property
    def absent(self) -> bool:
        return self.answer == "нет"

    def cell(self) -> str:
        """The raw text the write path stores: нет, the link, да, or blank."""
        if self.absent:
            return "нет"
        if self.url:
            return self.url
        present = self.answer == "да" or self.file or self.document_version_id
        return "да" if present else ""


def current_document(organization: Organization, indicator: Indicator) -> DocumentVersion | None:
    """The organization's current document of the kind the item points at, if any."""
    if not indicator.document_kind:
        return None
    return db.session.scalar(
        sa.select(DocumentVersion).join(Document, Document.id == DocumentVersion.document_id)
        .where(Document.organization_id == organization.id,
               Document.kind == indicator.document_kind,
               DocumentVersion.number == Document.current_number))


def read_posted(organization: Organization, indicators: list[Indicator],
                form: Mapping[str, str], files: Mapping[str, Any]) -> dict[str, Posted]:
    """The evidence items' parts of a posted form, files read and checked in full.

    Raises :class:`ReportError` naming the item when a file is refused or the chosen
    document is not the organization's current one of the item's kind.
    """
    posted = {}
    for indicator in (i for i in indicators if i.kind is ItemKind.EVIDENCE):
        code = indicator.code
        if f"v:{code}" not in form:
            continue
        sent = files.get(FILE_PREFIX + code)
        checked = None
        if sent is not None and (sent.filename or "").strip():
            try:
                checked = storage.check_upload(sent.stream, sent.filename)
            except storage.UploadError as problem:
                raise _refusal(indicator, organization, str(problem)) from None
        posted[code] = Posted(code, (form.get(f"v:{code}") or "").strip(),
                              (form.get(LINK_PREFIX + code) or "").strip(), checked,
                              _chosen(organization, indicator, form.get(DOCUMENT_PREFIX + code),
                                      checked))
    return posted


def _chosen(organization: Organization, indicator: Indicator, choice: str | None,
            checked: storage.CheckedFile | None) -> int | None:
    if not (choice or "").strip():
        return None
    current = current_document(organization, indicator)
    if current is None or choice != str(current.id):
        raise _refusal(indicator, organization,
                       _("choose the current document of the organization's register."))
    if checked is not None:
        raise _refusal(indicator, organization,
                       _("attach a file or choose a document of the register, not both."))
    return current.id


def _refusal(indicator: Indicator, organization: Organization, problem: str) -> ReportError:
    return ReportError(_("%(item)s: %(problem)s", item=indicator.label(organization.type),
                         problem=problem))


def parsed_cells(posted: Mapping[str, Posted], indicators: list[Indicator],
                 report: Report | None) -> dict[str, Parsed]:
    """The posted evidence as parsed cells, knowing which stored values keep their file."""
    by_code = {i.code: i for i in indicators}
    stored = _stored(report)
    cells = {}
    for code, item in posted.items():
        value = stored.get(by_code[code].id)
        keeps = value is not None and value.has_file and not item.absent
        has_file = bool(item.file or item.document_version_id or keeps)
        cells[code] = parse_value(by_code[code], item.cell(), has_file=has_file)
    return cells


def _stored(report: Report | None) -> dict[int, ReportValue]:
    return {v.indicator_id: v for v in report.values} if report is not None else {}


def apply(report: Report, posted: Mapping[str, Posted], indicators: list[Indicator],
          user: Any) -> None:
    """Attach, replace or drop the files of the posted evidence items (after the values
    are saved: a value row exists for every answered item); flushes."""
    by_code = {i.code: i for i in indicators}
    stored = _stored(report)
    changed = False
    for code, item in posted.items():
        value = stored.get(by_code[code].id)
        if value is None:
            continue
        before = describe(value)
        _attach(value, item, report.organization_id)
        after = describe(value)
        number = parse_value(by_code[code], value.raw, has_file=value.has_file).value
        if number != value.value:
            value.value = number
        if before != after:
            audit(report.organization_id, report, user, "form", "value", code, before, after)
            changed = True
    if changed:  # the report's version moves with its files, as with its values
        report.updated_at, report.updated_by_id = utcnow(), getattr(user, "id", None)
    db.session.flush()


def _attach(value: ReportValue, item: Posted, organization_id: int) -> None:
    if item.absent or not value.raw:
        _drop_file(value)
        value.document_version_id = None
    elif item.file is not None:
        _drop_file(value)
        value.document_version_id = None
        name = storage.store(item.file, organization_id)
        storage.discard_on_rollback(name)
        value.storage_name, value.filename = name, item.file.filename
        value.content_type, value.size = item.file.type.mimetype, len(item.file.data)
        value.sha256 = item.file.sha256
    elif item.document_version_id is not None:
        _drop_file(value)
        value.document_version_id = item.document_version_id


def _drop_file(value: ReportValue) -> None:
    storage.discard_on_commit(value.storage_name)
    value.storage_name = value.filename = value.content_type = value.sha256 = None
    value.size = None


def describe(value: ReportValue | None) -> str | None:
    """The file of an evidence value in words (the audit log), or None."""
    if value is None:
        return None
    if value.storage_name:
        return _("file: %(name)s", name=value.filename)
    if value.document_version_id:
        return _("document of the register no. %(id)d", id=value.document_version_id)
    return None


@dataclass(frozen=True)
class Shown:
    """An evidence item as the form shows it."""

    answer: str  # да, нет or ""
    url: str
    value: ReportValue | None
    choice: DocumentVersion | None  # the register's current document of the item's kind


def shown(organization: Organization, indicators: list[Indicator], report: Report | None,
          form: Mapping[str, str] | None) -> dict[str, Shown]:
    """What the form shows for each evidence item: the stored answer, or the posted one."""
    stored = _stored(report)
    found = {}
    for indicator in (i for i in indicators if i.kind is ItemKind.EVIDENCE):
        value = stored.get(indicator.id)
        raw = value.raw if value is not None else ""
        answer = "нет" if raw == "нет" else ("да" if raw else "")
        url = raw if raw not in ("да", "нет") else ""
        if form is not None and f"v:{indicator.code}" in form:
            answer = form.get(f"v:{indicator.code}", "")
            url = form.get(LINK_PREFIX + indicator.code, "")
        found[indicator.code] = Shown(answer if answer.lower() not in YES else "да", url,
                                      value, current_document(organization, indicator))
    return found
