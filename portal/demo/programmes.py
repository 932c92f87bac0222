"""A personalised programme for every demo pair or group, in seed 004's structure.

Consistent with the register (portal/demo/mentoring.py) and the stored reports: every demo
pair is active and the reports count as many programmes in progress as pairs, so each pair
gets one running programme over its term; the plan events whose month has passed are done,
with a link to the organization's «Наставничество» page as evidence.
"""

from __future__ import annotations

import calendar
import random
from datetime import date

import sqlalchemy as sa

from portal.extensions import db
from portal.mentoring.models import MenteeCategory, MentoringPair, PairStatus, Side
from portal.programmes import operations
from portal.programmes.models import Direction
from tenants.models import Municipality, Organization, Region

MONTHS = ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
          "октябрь", "ноябрь", "декабрь"]
PROBLEMS = {
    MenteeCategory.YOUNG: "Недостаточный опыт планирования урока и отбора содержания; затруднения в организации дисциплины и в работе с документацией.",
    MenteeCategory.NEW_IN_TEAM: "Незнание локальных актов и традиций коллектива; затруднения во взаимодействии с родителями обучающихся.",
    MenteeCategory.NEW_TECHNOLOGY: "Недостаточное владение цифровыми образовательными ресурсами и новыми технологиями обучения.",
    MenteeCategory.NON_PEDAGOGICAL: "Дефицит психолого-педагогических и методических знаний при хорошем владении предметом.",
}
GOAL = "Развитие профессиональных компетенций наставляемого, его успешная адаптация в образовательной организации."
TASKS = "1. Выявить профессиональные затруднения и определить пути их преодоления.\n2. Оказать методическую помощь в планировании и проведении уроков.\n3. Включить наставляемого в методическую и конкурсную деятельность."
# Seed 004's appendix: «Содержание деятельности» and «Планируемые результаты».
CONTENT = "1. Диагностика затруднений и выбор форм оказания помощи на основе анализа его потребностей.\n2. Посещение уроков и взаимопосещение.\n3. Планирование и анализ деятельности.\n4. Помощь в повышении эффективности организации учебно-воспитательной работы.\n5. Создание условий для совершенствования педагогического мастерства.\n6. Демонстрация опыта успешной педагогической деятельности.\n7. Организация мониторинга эффективности деятельности."
RESULTS = "1. Успешная адаптация начинающего педагога в учреждении.\n2. Активизация практических, индивидуальных, самостоятельных навыков преподавания.\n3. Повышение профессиональной компетентности педагога в вопросах педагогики и психологии.\n4. Использование в работе инновационных педагогических технологий.\n5. Участие в конкурсах, НПК, открытые уроки."
# (direction, event, forms and methods, expected result), one a month from the start.
EVENTS = [
    (Direction.SUBJECT, "Диагностика профессиональных затруднений, выбор форм помощи", "анкетирование, собеседование", "карта профессиональных дефицитов"),
    (Direction.METHODICAL, "Посещение уроков наставника и взаимопосещение уроков", "наблюдение, анализ урока", "анализ посещённых уроков"),
    (Direction.DOCUMENTATION, "Работа с рабочей программой и электронным журналом", "консультация, практикум", "оформленная рабочая программа"),
    (Direction.ICT, "Применение цифровых образовательных ресурсов на уроке", "мастер-класс, совместная разработка", "разработка урока с ЦОР"),
    (Direction.UPBRINGING, "Организация классного часа и работы с родителями", "совместное планирование, консультация", "сценарий классного часа"),
    (Direction.EXTRACURRICULAR, "Подготовка и проведение предметной недели", "совместное планирование", "план и отчёт о предметной неделе"),
    (Direction.CONTESTS, "Участие в муниципальном конкурсе молодых педагогов", "консультирование, репетиция", "участие в конкурсе"),
    (Direction.TRAINING, "Курсы повышения квалификации", "дистанционное обучение", "удостоверение о повышении квалификации"),
]


def _month(start: date, offset: int) -> tuple[str, date]:
    """The plan's «Сроки» of the month ``offset`` after the start, and that month's last day."""
    year, month = start.year + (start.month - 1 + offset) // 12, (start.month - 1 + offset) % 12 + 1
    return f"{MONTHS[month - 1]} {year}", date(year, month, calendar.monthrange(year, month)[1])


def _programme(pair: MentoringPair, today: date) -> None:
    rng = random.Random(f"programme-{pair.id}")
    mentee = pair.side(Side.MENTEE)[0]
    programme = operations.create_programme(pair, operations.ProgrammeData(
        starts_on=pair.starts_on, ends_on=pair.planned_end_on,
        problem=PROBLEMS.get(mentee.mentee_category, PROBLEMS[MenteeCategory.YOUNG]),
        goal=GOAL, tasks=TASKS, content=CONTENT, planned_results=RESULTS))
    months = max(1, (pair.planned_end_on.year - pair.starts_on.year) * 12
                 + pair.planned_end_on.month - pair.starts_on.month)
    chosen = [EVENTS[0], *rng.sample(EVENTS[1:], k=min(len(EVENTS) - 1, months - 1))]
    for offset, (direction, title, methods, result) in enumerate(chosen):
        dates, last_day = _month(pair.starts_on, offset)
        event = operations.add_event(programme, operations.PlanEventData(
            direction=direction, title=title, dates=dates, methods=methods,
            expected_result=result))
        if last_day < today:
            operations.mark_done(event, last_day, f"https://{pair.organization.code}.edu.example"
                                 f"/nastavnichestvo/ppn-{programme.id}-{event.number}")


def load_programmes(region: Region, today: date) -> None:
    """A programme for every active demo pair or group of the region (flushes only)."""
    pairs = db.session.scalars(
        sa.select(MentoringPair).join(Organization).join(Municipality)
        .where(Municipality.region_id == region.id, MentoringPair.status == PairStatus.ACTIVE,
               MentoringPair.planned_end_on.is_not(None))
        .order_by(MentoringPair.id))
    for pair in pairs:
        _programme(pair, today)
    db.session.flush()
