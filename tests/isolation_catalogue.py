"""Region forms for the isolation walk (tests/test_isolation.py): each organization's region
gets a form of its own, with an item, a rule and a derived indicator, so a form, an item, a
rule or a derived indicator id of another region is walked like any tenant object (the form
editor, issue 11 §1)."""

from __future__ import annotations

from portal.catalogue import derived_operations, editor, operations, queries, rule_operations
from portal.catalogue.definition import ItemKind, Severity
from portal.catalogue.models import DerivedIndicator, Form, Indicator, ValidationRule


def _form(factory, org):
    region = org.municipality.region
    code = f"walk_{org.id}"
    form = operations.find_form(region, code)
    if form is None:
        form = operations.create_form(region, code=code, name_ru=f"FORM-OF-{org.name}",
                                      name_en=f"FORM-OF-{org.name}", periodicity="one_off",
                                      applies_to=["school", "college"])
        editor.add_item(form, "walk_pairs", {
            "section": "Пары", "label_ru": f"ITEM-OF-{org.name}", "label_en": "Pairs",
            "kind": ItemKind.COUNT, "applies_to": ["school", "college"]})
        rule_operations.add_rule(operations.editable_version(form), code="walk_rule",
                                 severity=Severity.ERROR, expression="walk_pairs >= 0",
                                 message_ru=f"RULE-OF-{org.name}", message_en="Rule")
        derived_operations.add_derived(form, code="walk_share", label_ru=f"DERIVED-OF-{org.name}",
                                       label_en="Share", numerator=("walk_pairs",),
                                       denominator=("walk_pairs",), scale=100)
    return form


def _item(factory, org):
    return queries.all_indicators(operations.latest_version(_form(factory, org)))[0]


def _rule(factory, org):
    return queries.all_rules(operations.latest_version(_form(factory, org)))[0]


def _derived(factory, org):
    return queries.derived_rows(operations.latest_version(_form(factory, org)))[0]


BUILDERS = {"form_id": _form, "indicator_id": _item, "rule_id": _rule, "derived_id": _derived}
MARKERS = {Form: lambda f: f.name_ru, Indicator: lambda i: i.label_ru,
           ValidationRule: lambda r: r.message_ru, DerivedIndicator: lambda d: d.label_ru}
