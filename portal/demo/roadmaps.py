"""Demo documents and roadmaps: full, partial and missing document sets, roadmaps in various
states of execution (the execution notes of the diligent organizations are seed 001's)."""

from __future__ import annotations

import random
import struct
import zlib
from datetime import date, datetime, time

import sqlalchemy as sa

from portal.auth.models import User
from portal.demo.reports import responsible_by_org
from portal.documents import storage
from portal.documents.models import Document, DocumentKind, DocumentVersion
from portal.extensions import db
from portal.reports.models import Period, Report
from portal.reports.operations import ensure_report
from portal.roadmaps import operations, schoolyear
from portal.roadmaps.models import EventExecution, ExecutionStatus, Roadmap
from tenants.models import Municipality, Organization, Region

# Organizations whose set of documents is complete and whose roadmap is executed on time;
# the others get a profile from their code.
EXEMPLARY = {"9901001", "9901021", "9901011", "9901031"}
PROFILES = ("full", "partial", "partial", "behind", "missing", "stale")
SITE = "https://{code}.edu.example/наставничество/"
# What was done, in the words of seed 001 (by event number of the standard roadmap).
NOTES = {
    1: "Издан приказ от {d1} № 62-од «Об организации наставничества», ответственным за "
       "реализацию целевой модели наставничества назначен методист.",
    2: "Педагогическим коллективом изучены нормативно-правовые документы федерального, "
       "регионального и муниципального уровней, в том числе распоряжение Минпросвещения России "
       "от 25.12.2019 № Р-145.",
    3: "Утверждены Положение «О наставничестве», «Дорожная карта» внедрения системы "
       "наставничества, сформированы реестры наставников и наставляемых (приказ № 62-од).",
    4: "План методической работы разработан и утверждён в составе программы внедрения целевой "
       "модели наставничества (приказ № 62-од).",
    5: "Программа внедрения целевой модели наставничества разработана и утверждена приказом "
       "№ 62-од «Об организации наставничества».",
    6: "Информирование проходило через раздел «Наставничество» на сайте и родительские "
       "собрания.",
    7: "Количество потенциальных наставляемых обучающихся, прошедших анкетирование, — 52 / 10 % "
       "от общего количества; педагогов — 5 / 11 %.",
    8: "Направления: интеллектуальное, профориентационное, творческое, методическое. Согласия "
       "на обработку персональных данных собраны.",
    9: "Сформирована база наставляемых из числа обучающихся и педагогов, собраны согласия "
       "родителей (законных представителей).",
    10: "Выбраны формы: «обучающийся – обучающийся», «педагог – обучающийся», "
        "«педагог – педагог».",
    11: "Проведена оценка участников-наставляемых по заданным параметрам (анкетирование).",
    12: "Разработаны критерии отбора, проведён отбор наставников, собраны согласия на обработку "
        "персональных данных.",
    13: "Формирование базы наставников проведено исходя из анализа анкет.",
    14: "Проведена оценка участников-наставников по заданным параметрам.",
    15: "Проведены собеседования с отобранными наставниками. Сформирован совет наставников.",
    16: "Проведён анализ потребности в обучении, подготовлены методические материалы, "
        "организовано обучение наставников.",
    17: "Групповые встречи проходили по выбранным моделям наставничества.",
    18: "Проведено анкетирование потенциальных наставников и наставляемых для определения пар.",
    19: "В ходе собеседования наставники и наставляемые окончательно соединены в пары (группы).",
    20: "Наставнические пары (группы) закреплены и утверждены приказом директора.",
    21: "Проведены организационные встречи по направлениям: повышение мотивации — 14, "
        "выбор образовательной траектории — 9, адаптация педагога — 2.",
    22: "Проведены пробные рабочие встречи по направлениям: повышение мотивации — 14, "
        "развитие гибких навыков — 3, адаптация педагога — 2.",
    23: "Проведены встречи-планирования по направлениям: повышение мотивации — 14, "
        "преодоление подросткового кризиса — 2, вход молодого педагога в профессию — 1.",
    24: "Встречи проходят регулярно, по рабочему графику каждой наставнической пары (группы).",
    25: "Удовлетворённость участников изучается систематически: устные собеседования и "
        "анкетирование.",
}
IN_PROGRESS_NOTE = "Работа ведётся по плану."
NOT_DONE_REASON = "Перенесено в связи с длительным отсутствием ответственного (больничный лист)."


def load_documents_and_roadmaps(region: Region, today: date) -> None:
    """Documents, roadmaps and their execution for the demo region (flushes only)."""
    orgs = list(db.session.scalars(
        sa.select(Organization).join(Municipality)
        .where(Municipality.region_id == region.id, Organization.is_active)
        .order_by(Organization.code)))
    current = schoolyear.school_year_of(today)
    people = responsible_by_org()
    profiles: dict[int, str] = {}
    roadmaps: dict[tuple[int, int], Roadmap] = {}
    for index, org in enumerate(orgs):
        profile = profiles[org.id] = ("exemplary" if org.code in EXEMPLARY
                                      else PROFILES[index % len(PROFILES)])
        _documents(org, profile, current, random.Random(f"documents-{org.code}"),
                   people.get(org.id))
        years = {"missing": [], "stale": [current - 1]}.get(profile, [current - 1, current])
        for year in years:
            roadmaps[org.id, year] = operations.create_roadmap(org, year, None,
                                                               from_template=True)
    _current_reports(region, [o for o in orgs if profiles[o.id] == "exemplary"])
    for report in db.session.scalars(sa.select(Report).join(Period)
                                      .where(Period.region_id == region.id)):
        roadmap = roadmaps.get((report.organization_id, report.period.school_year))
        if roadmap is not None and report.organization_id in profiles:
            _execution(report, roadmap, profiles[report.organization_id], today)
    db.session.flush()


def _current_reports(region: Region, orgs: list[Organization]) -> None:
    """The exemplary organizations have started the report of the current quarter."""
    period = db.session.scalars(sa.select(Period).where(Period.region_id == region.id)
                                .order_by(Period.starts_on.desc())).first()
    if period is not None and period.is_open:
        for org in orgs:
            ensure_report(org, period)


def _documents(org: Organization, profile: str, current: int, rng: random.Random,
               uploader: User | None) -> None:
    kinds = list(DocumentKind)
    if profile == "missing":
        kinds = []
    elif profile in ("partial", "behind"):
        kinds = kinds[:3] + [DocumentKind.WEBSITE] + rng.sample(kinds[3:6], 1)
    elif profile == "exemplary" and org.code == "9901001":
        kinds = kinds[:-1]  # the annual report is written at the end of the school year
    for number, kind in enumerate(kinds, start=1):
        approved = date(current if profile != "stale" else current - 1, 9, 1 + number)
        _document(org, kind, approved, number, rng, uploader)


def _document(org: Organization, kind: DocumentKind, approved: date, number: int,
              rng: random.Random, uploader: User | None) -> None:
    document = Document(organization_id=org.id, kind=kind, current_number=1)
    version = DocumentVersion(document=document, organization_id=org.id, number=1,
                              uploaded_at=datetime.combine(approved, time(9, 15)),
                              uploaded_by_id=getattr(uploader, "id", None))
    if kind is DocumentKind.WEBSITE:
        version.url = SITE.format(code=org.code)
    else:
        version.order_number, version.order_date = f"{60 + number}-од", approved
        data = demo_pdf(f"{org.code}: {kind.value}, order {60 + number} of {approved:%d.%m.%Y}") \
            if rng.random() < 0.8 else _png(rng)
        checked = storage.CheckedFile(data, f"{kind.short_label}.{storage.detect_type(data).extension}",
                                      storage.detect_type(data))
        version.storage_name = storage.store(checked, org.id)
        version.filename, version.content_type = checked.filename, checked.type.mimetype
        version.size, version.sha256 = len(data), checked.sha256
    db.session.add_all([document, version])


def _execution(report: Report, roadmap: Roadmap, profile: str, today: date) -> None:
    """Record the execution of every event begun or due by the end of the report's quarter."""
    end = min(report.period.ends_on, today)
    for number, event in enumerate(sorted(roadmap.events, key=lambda e: (e.stage, e.position)),
                                   start=1):
        due = event.due_on <= end
        if not due and not (event.starts_on and event.starts_on <= end):
            continue
        status, note, reason = _status(profile, number, due, event.due_on.year)
        db.session.add(EventExecution(
            organization_id=report.organization_id, report_id=report.id, event_id=event.id,
            status=status, note=note, reason=reason))


def _status(profile: str, number: int, due: bool, year: int):
    if not due:
        return ExecutionStatus.IN_PROGRESS, IN_PROGRESS_NOTE, None
    if profile == "behind" and number % 3 == 0:
        return ExecutionStatus.PLANNED, "", None  # overdue: the deadline passed
    if profile in ("behind", "partial") and number % 7 == 0:
        return ExecutionStatus.NOT_DONE, "", NOT_DONE_REASON
    note = NOTES.get(number, "Выполнено.").format(d1=f"23.09.{year}")
    return ExecutionStatus.DONE, note, None


def demo_pdf(text: str) -> bytes:
    """A small, valid one-page PDF showing ``text`` (ASCII)."""
    text = text.encode("ascii", "replace").decode().replace("(", "[").replace(")", "]")
    stream = f"BT /F1 14 Tf 56 780 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def _png(rng: random.Random, size: int = 32) -> bytes:
    """A small valid PNG of one random colour, standing in for a scanned page."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    colour = bytes(rng.randrange(150, 256) for _ in range(3))
    rows = b"".join(b"\x00" + colour * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))
