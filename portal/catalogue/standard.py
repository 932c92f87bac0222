"""The starting indicator catalogue and validation rules (DOMAIN.md §5, §7).

This is the source from which the catalogue migration was generated; the migration keeps
its own frozen copy, so editing this file changes nothing in an existing database (the
regional coordinator edits the catalogue through the portal). The rules are written as the
expressions that the rules-as-expressions migration turned the first rows into
(tests/test_validation_expressions.py checks that both agree).
"""

from __future__ import annotations

ALL = ["school", "kindergarten", "college", "additional"]

SECTIONS = {
    "staff": ("Кадровый состав", "Staff"),
    "participants": ("Участники наставничества", "Mentoring participants"),
    "pairs": ("Наставнические пары и группы", "Mentoring pairs and groups"),
    "programmes": ("Персонализированные программы наставничества", "Personalised mentoring programmes"),
    "activity": ("Работа пар и поддержка наставников", "Work of pairs and support of mentors"),
    "results": ("Результаты (мониторинг, этапы 1 и 2)", "Results (monitoring, stages 1 and 2)"),
    "satisfaction": ("Удовлетворённость участников", "Satisfaction of participants"),
}

FORMS = [
    ("teacher_teacher", "«педагог – педагог»", "teacher – teacher"),
    ("head_teacher", "«руководитель образовательной организации – педагог»", "head of organization – teacher"),
    ("employer_student", "«работодатель – студент педагогического вуза/колледжа»", "employer – student of a pedagogical university/college"),
    ("lecturer_young", "«педагог вуза/колледжа – молодой педагог»", "university/college lecturer – young teacher"),
    ("partner_teacher", "«социальный партнёр – педагог»", "social partner – teacher"),
    ("student_student", "«обучающийся – обучающийся»", "student – student"),
    ("teacher_student", "«педагог – обучающийся»", "teacher – student"),
]
TYPES = [
    ("virtual", "виртуальное (дистанционное)", "virtual (remote)"),
    ("group", "наставничество в группе", "group"),
    ("short_term", "краткосрочное или целеполагающее", "short-term or goal-setting"),
    ("reverse", "реверсивное", "reverse"),
    ("situational", "ситуационное", "situational"),
    ("speed", "скоростное", "speed"),
    ("traditional", "традиционное («один на один»)", "traditional (one to one)"),
]

PASSED_LABELS = {
    "school": {"ru": "Доля обучающихся наставляемых педагогов, успешно прошедших ВПР/ОГЭ/ЕГЭ",
               "en": "Share of the mentees' students who passed ВПР/ОГЭ/ЕГЭ"},
    "college": {"ru": "Доля обучающихся наставляемых педагогов, успешно прошедших независимую оценку качества образования",
                "en": "Share of the mentees' students who passed the independent assessment of education quality"},
    "additional": {"ru": "Доля обучающихся наставляемых педагогов, успешно прошедших промежуточную аттестацию по программе",
                   "en": "Share of the mentees' students who passed intermediate attestation on the programme"},
    "kindergarten": {"ru": "Доля воспитанников наставляемых педагогов, освоивших образовательную программу",
                     "en": "Share of the mentees' pupils who mastered the educational programme"},
}

# code, ru, en, unit, section, applies_to, min, max
BASE = [
    ("staff_total", "Педагогических работников всего", "Pedagogical workers, total", "count", "staff"),
    ("young_specialists", "Молодые специалисты (стаж до 3 лет)", "Young specialists (up to 3 years of experience)", "count", "staff"),
    ("mentors", "Наставники", "Mentors", "count", "participants"),
    ("mentees", "Наставляемые", "Mentees", "count", "participants"),
    ("mentees_young", "из них молодые специалисты", "of them young specialists", "count", "participants"),
    ("mentees_new_in_team", "из них педагоги, новые в коллективе", "of them new to the team", "count", "participants"),
    ("mentees_new_technology", "из них опытные педагоги, осваивающие новую технологию", "of them experienced teachers mastering a new technology", "count", "participants"),
    ("mentees_non_pedagogical", "из них педагоги с непедагогическим образованием", "of them with non-pedagogical education", "count", "participants"),
    ("pairs_groups", "Наставнические пары и группы", "Mentoring pairs and groups", "count", "pairs"),
    ("programmes_active", "Персонализированные программы в работе", "Personalised programmes in progress", "count", "programmes"),
    ("programmes_completed", "Программы, завершённые в полном объёме за период", "Programmes completed in full this period", "count", "programmes"),
    ("programmes_ended_early", "Программы, завершённые досрочно", "Programmes ended early", "count", "programmes"),
    ("meetings_held", "Проведено встреч наставников и наставляемых", "Mentor–mentee meetings held", "count", "activity"),
    ("mentors_trained", "Наставники, прошедшие обучение за период", "Mentors trained in mentoring this period", "count", "activity"),
    ("mentors_paid", "Наставники, получающие доплату за наставничество", "Mentors receiving a mentoring allowance", "count", "activity"),
    ("mentors_awarded", "Наставники, отмеченные наградами и нематериальными поощрениями", "Mentors given awards or non-material incentives", "count", "activity"),
    ("students_passed_pct", "Доля обучающихся наставляемых, успешно прошедших оценочные процедуры", "Share of the mentees' students who passed assessment", "percent", "results"),
    ("students_contest_participants", "Обучающиеся наставляемых — участники олимпиад и конкурсов", "Mentees' students in olympiads and contests", "count", "results"),
    ("joint_projects", "Образовательные и культурные проекты, выполненные с наставляемыми", "Educational and cultural projects done with mentees", "count", "results"),
    ("mentees_in_contests", "Наставляемые — участники профессиональных конкурсов", "Mentees in professional contests", "count", "results"),
    ("mentees_attested", "Наставляемые, аттестованные на квалификационную категорию", "Mentees attested for a qualification category", "count", "results"),
    ("young_retained", "Молодые специалисты, оставшиеся в профессии", "Young specialists who stayed in the profession", "count", "results"),
    ("planning_mentors", "Педагоги, планирующие стать наставниками", "Teachers planning to become mentors", "count", "results"),
    ("planning_mentees", "Педагоги, планирующие стать наставляемыми", "Teachers planning to become mentees", "count", "results"),
    ("satisfaction_mentees", "Удовлетворённость наставляемых (средний балл 1–10)", "Mentees' satisfaction (mean score 1–10)", "score", "satisfaction"),
    ("satisfaction_mentors", "Удовлетворённость наставников (средний балл 1–10)", "Mentors' satisfaction (mean score 1–10)", "score", "satisfaction"),
]
NOT_KINDERGARTEN = ["school", "college", "additional"]
RANGES = {"percent": (0, 100), "score": (1, 10), "count": (0, None)}


def indicator_rows() -> list[dict]:
    """Every catalogue row, in form order, ready to insert."""
    rows = []
    for code, ru, en, unit, section in BASE:
        rows.append(_row(code, ru, en, unit, section,
                         NOT_KINDERGARTEN if code == "students_contest_participants" else ALL,
                         PASSED_LABELS if code == "students_passed_pct" else {}))
        if code == "pairs_groups":
            rows += [_row(f"pairs_by_form.{key}", f"по форме {ru_label}", f"by form: {en_label}",
                          "count", "pairs", ALL, {}, breakdown="pairs_by_form")
                     for key, ru_label, en_label in FORMS]
            rows += [_row(f"pairs_by_type.{key}", f"по виду: {ru_label}", f"by type: {en_label}",
                          "count", "pairs", ALL, {}, breakdown="pairs_by_type")
                     for key, ru_label, en_label in TYPES]
    for position, row in enumerate(rows, start=1):
        row["position"] = position * 10
    return rows


def _row(code, ru, en, unit, section, applies_to, type_labels, breakdown=None) -> dict:
    low, high = RANGES[unit]
    return {"code": code, "label_ru": ru, "label_en": en, "unit": unit, "section": section,
            "applies_to": applies_to, "type_labels": type_labels, "breakdown": breakdown,
            "min_value": low, "max_value": high}


def _rule(code, expression, severity, ru, en):
    return {"code": code, "kind": "expression", "severity": severity, "expression": expression,
            "threshold": None, "threshold_absolute": None, "message_ru": ru, "message_en": en}


def rule_rows() -> list[dict]:
    """The validation rules of DOMAIN.md §7 as expressions (unit ranges live on the indicators)."""
    return [*_total_rules(), *_part_rules(), *_presence_rules()]


def _total_rules() -> list[dict]:
    """Totals that bound one another, and the breakdowns that add up to a total."""
    return [
        _rule("young_mentees_within_young", "mentees_young <= young_specialists", "error",
              "Наставляемых молодых специалистов не может быть больше, чем молодых специалистов.",
              "Young-specialist mentees cannot exceed young specialists."),
        _rule("mentors_within_staff", "mentors <= staff_total", "error",
              "Наставников не может быть больше, чем педагогических работников.",
              "Mentors cannot exceed the pedagogical staff."),
        _rule("pairs_within_mentees", "pairs_groups <= mentees", "error",
              "Пар и групп не может быть больше, чем наставляемых.",
              "Pairs and groups cannot exceed mentees."),
        _rule("pairs_by_form_sum", "sum(pairs_by_form.*) = pairs_groups", "error",
              "Сумма пар и групп по формам наставничества должна равняться числу пар и групп.",
              "Pairs by form must add up to the number of pairs and groups."),
        _rule("pairs_by_type_sum", "sum(pairs_by_type.*) = pairs_groups", "error",
              "Сумма пар и групп по видам наставничества должна равняться числу пар и групп.",
              "Pairs by type must add up to the number of pairs and groups."),
        _rule("mentees_within_staff", "mentees <= staff_total", "warning",
              "Наставляемых больше, чем педагогических работников (допустимо, если наставляемые — студенты педагогических колледжей).",
              "More mentees than pedagogical staff (possible when mentees are students of pedagogical colleges)."),
    ]


def _part_rules() -> list[dict]:
    """A part of the mentees or of the mentors bounded by all of them; the mentor load."""
    rules = []
    for sub, ru in [("mentees_young", "молодых специалистов"), ("mentees_new_in_team", "новых в коллективе"),
                    ("mentees_new_technology", "осваивающих новую технологию"),
                    ("mentees_non_pedagogical", "с непедагогическим образованием")]:
        rules.append(_rule(f"{sub}_within_mentees", f"{sub} <= mentees", "error",
                           f"Наставляемых {ru} не может быть больше, чем всех наставляемых.",
                           f"“{sub}” cannot exceed the number of mentees."))
    for sub, ru in [("mentors_trained", "обученных"), ("mentors_paid", "получающих доплату"),
                    ("mentors_awarded", "награждённых")]:
        rules.append(_rule(f"{sub}_within_mentors", f"{sub} <= mentors", "error",
                           f"Наставников, {ru}, не может быть больше, чем всех наставников.",
                           f"“{sub}” cannot exceed the number of mentors."))
    rules.append(_rule("retained_within_young", "young_retained <= young_specialists", "error",
                       "Оставшихся в профессии молодых специалистов не может быть больше, чем молодых специалистов.",
                       "Retained young specialists cannot exceed young specialists."))
    rules.append(_rule("mentor_load", "mentees <= 5 * mentors", "warning",
                       "На одного наставника приходится больше 5 наставляемых: риск перегрузки наставников.",
                       "More than 5 mentees per mentor: a risk of mentor overload."))
    return rules


def _presence_rules() -> list[dict]:
    """Mentees need mentors and pairs; the jump from the previous quarter."""
    rules = []
    for code, right in [("mentees_need_mentors", "mentors"), ("mentees_need_pairs", "pairs_groups")]:
        rules.append(_rule(code, f"if mentees > 0 then present({right})", "error",
                           "Если есть наставляемые, должны быть указаны наставники и пары/группы.",
                           "When there are mentees, mentors and pairs/groups must be given."))
    rules.append({"code": "jump_from_previous", "kind": "jump", "severity": "warning",
                  "expression": None, "threshold": 0.5, "threshold_absolute": 5,
                  "message_ru": "Значение сильно отличается от прошлого квартала (больше чем на 50 %).",
                  "message_en": "The value differs from the previous quarter by more than 50%."})
    return rules
