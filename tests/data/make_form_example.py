"""Write docs/forms/example-form.xlsx: the Krasnoyarsk monitoring list of issue 11 as a form.

Run from the repository root: ``.venv/bin/python tests/data/make_form_example.py``. The file
is committed (the README points to it); tests/test_definition_file.py checks that it reads
back as :func:`example_form`.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from portal.catalogue.definition import (
    FormDefinition,
    ItemDefinition,
    ItemKind,
    Periodicity,
    RuleDefinition,
    Severity,
)
from portal.catalogue.definition_file import write_definition

OUT = ROOT / "docs" / "forms" / "example-form.xlsx"
DOCUMENTS = "Документы ОО"
EVIDENCE = [  # code, label, the document kind of the register it stands for
    ("order_model", "Наличие Приказа о внедрении целевой модели наставничества в ОО",
     "implementation_order"),
    ("regulation", "Наличие Положения о системе наставничества в ОО", "regulation"),
    ("roadmap", "Наличие Плана мероприятий (дорожная карта) по реализации Положения",
     "roadmap"),
    ("programme", "Наличие Программы наставничества ОО", "programmes"),
    ("participants_base", "Наличие базы наставников и наставляемых (ссылка на документ)",
     None),
    ("incentives", "Наличие нормативного документа о материальном поощрении наставников в ОО",
     None),
    ("pairs_order", "Приказ (ы) о закреплении наставнических пар/групп (ссылка)",
     "pairs_order"),
]


def example_form() -> FormDefinition:
    """The list of «Мониторинг реализации региональной целевой модели наставничества»."""
    items = [ItemDefinition(
        "site_url", "Сайт ОО", "Наличие Раздела Наставничество на сайте ОО (ссылка)",
        "Mentoring section on the organization's website (link)", ItemKind.EVIDENCE,
        presence=True, document_kind="website",
        help_ru="Адрес страницы раздела, например https://…")]
    items += [ItemDefinition(code, DOCUMENTS, label, "", ItemKind.EVIDENCE, presence=True,
                             document_kind=kind,
                             help_ru="Ссылка на документ на сайте ОО и/или файл документа")
              for code, label, kind in EVIDENCE]
    items += [
        ItemDefinition("pairs_count", "Наставнические пары и группы",
                       "Количество наставнических пар/групп в соответствии с приказом",
                       "Mentoring pairs/groups under the order", ItemKind.COUNT,
                       unit_ru="пар/групп", min_value=Decimal(0)),
        ItemDefinition("filled_on", "Наставнические пары и группы",
                       "Дата, на которую заполнен мониторинг", "Date of the data",
                       ItemKind.DATE, required=False),
    ]
    rules = (
        RuleDefinition("pairs_need_order", Severity.ERROR,
                       "if pairs_count > 0 then present(pairs_order)",
                       "Есть наставнические пары/группы: приложите приказ об их закреплении."),
        RuleDefinition("pairs_need_programme", Severity.WARNING,
                       "если pairs_count > 0 то present(programme) и present(regulation)",
                       "Есть наставнические пары/группы, но нет программы наставничества или "
                       "положения о системе наставничества."),
    )
    return FormDefinition("krasnoyarsk_mentoring",
                          "Мониторинг реализации региональной целевой модели наставничества",
                          "Monitoring of the regional target model of mentoring",
                          Periodicity.SCHOOL_YEAR, items=tuple(items), rules=rules)


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(write_definition(example_form()))
    print(OUT)
