"""Issue 11 §9, the form quicker than Excel: groups that must add up read from the rules, the
error summary with a link to each field, «в разделе нет данных — везде 0» only when asked,
and the jump warning quiet for small absolute changes."""

from __future__ import annotations

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest

from portal.catalogue import queries as catalogue_queries
from portal.catalogue.models import RuleKind, Severity, Unit
from portal.reports import queries
from portal.reports.sum_groups import sum_groups
from portal.reports.validation import check
from tenants.models import OrganizationType, Role
from tests.report_helpers import GOOD_VALUES, form_data, setup_region


def _rule(expression, code="r", kind=RuleKind.EXPRESSION, **fields):
    return SimpleNamespace(code=code, expression=expression, kind=kind, active=True,
                           severity=fields.pop("severity", Severity.ERROR),
                           message=lambda: "сообщение", **fields)


def _items(catalogue_version=None):
    return catalogue_queries.indicators_for(
        catalogue_version or catalogue_queries.template_version_id(), OrganizationType.SCHOOL)


def test_the_standard_form_has_two_groups_over_pairs(app, database):
    with app.test_request_context("/"):
        items = _items()
        groups = sum_groups(items, catalogue_queries.active_rules(
            catalogue_queries.template_version_id()))
    by_rule = {g.rule: g for g in groups}
    assert set(by_rule) == {"pairs_by_form_sum", "pairs_by_type_sum"}
    form_group = by_rule["pairs_by_form_sum"]
    assert form_group.total == "pairs_groups" and form_group.parts == ()
    assert set(form_group.open_parts) == {i.code for i in items
                                          if i.code.startswith("pairs_by_form.")}


@pytest.mark.parametrize("expression,expected", [
    ("sum(mentors, mentees) = staff_total", ("staff_total", ("mentors", "mentees"))),
    ("staff_total = sum(mentors, mentees)", ("staff_total", ("mentors", "mentees"))),
    ("sum(mentors,mentees)=staff_total", ("staff_total", ("mentors", "mentees"))),
])
def test_a_sum_rule_is_a_group_whichever_side_the_total_is(app, database, expression,
                                                           expected):
    with app.test_request_context("/"):
        [group] = sum_groups(_items(), [_rule(expression)])
    assert (group.total, group.parts, group.open_parts) == (*expected, ())


@pytest.mark.parametrize("expression", [
    "sum(mentors, mentees) <= staff_total", "sum(mentors) * 2 = staff_total",
    "mentors + mentees = staff_total", "sum(mentors, 2 * mentees) = staff_total",
    "sum(mentors) = sum(mentees)", "mentors <= staff_total", "sum(nope, mentors) = staff_total",
    "if mentees > 0 then sum(mentors) = staff_total",
])
def test_anything_else_is_no_group(app, database, expression):
    with app.test_request_context("/"):
        assert sum_groups(_items(), [_rule(expression)]) == []


def _page(client, school, period):
    return client.get(f"/organizations/{school.id}/reports/{period.id}").get_data(as_text=True)


def _curator(client, factory):
    _region, _m, school, _c, period = setup_region(factory)
    client.login(factory.user(Role.CURATOR, school))
    return school, period, f"/organizations/{school.id}/reports/{period.id}"


def test_the_running_sum_is_shown_next_to_its_total(client, factory):
    school, period, url = _curator(client, factory)
    values = {**GOOD_VALUES, "pairs_by_form.teacher_teacher": "5"}  # 5 + 2 ≠ 8
    client.post_form(url, form_data(values, action="save"), token_from=url)
    html = _page(client, school, period)
    by_form = re.search(r'data-sum-group="pairs_by_form_sum">(.*?data-sum-mismatch[^>]*>)',
                        html, re.S)[1]
    by_type = re.search(r'data-sum-group="pairs_by_type_sum">(.*?data-sum-mismatch[^>]*>)',
                        html, re.S)[1]
    assert "<output data-sum-value>7</output>" in by_form
    assert by_form.endswith("data-sum-mismatch>")  # shown: 7 ≠ 8
    assert "<output data-sum-value>8</output>" in by_type
    assert by_type.endswith("data-sum-mismatch hidden>")
    assert '"rule": "pairs_by_form_sum"' in html and '"total": "pairs_groups"' in html


def test_a_draft_with_errors_opens_at_its_summary_linking_each_field(client, factory):
    school, period, url = _curator(client, factory)
    response = client.post_form(url, form_data({**GOOD_VALUES, "staff_total": "сорок",
                                                "mentors_trained": "70",
                                                "pairs_by_form.teacher_teacher": "5"},
                                               action="save"), token_from=url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("#error-summary")
    html = _page(client, school, period)
    summary = re.search(r'<div [^>]*id="error-summary".*?</div>', html, re.S)[0]
    assert 'tabindex="-1"' in summary and "data-focus" not in summary  # a GET: not moved
    assert re.search(r'<a href="#v-staff_total"[^>]*>Педагогических работников всего: '
                     r'«сорок» не является числом</a>', summary)
    assert 'href="#v-mentors_trained"' in summary
    # A group that does not add up is corrected at its total, not at its first part.
    assert re.search(r'<a href="#v-pairs_groups"[^>]*>Наставнические пары и группы: Сумма пар '
                     r'и групп по формам', summary)
    assert 'id="v-staff_total"' in html and 'id="v-mentors_trained"' in html


def test_a_refused_submission_links_the_unexplained_warning(client, factory):
    school, period, url = _curator(client, factory)
    values = {**GOOD_VALUES, "mentees": "40", "pairs_groups": "8"}  # 40 > 5 × 7: a warning
    response = client.post_form(url, form_data(values, action="submit"), token_from=url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    summary = re.search(r'<div [^>]*id="error-summary".*?</div>', html, re.S)[0]
    assert 'data-focus="1"' in summary and "autofocus" in summary
    assert 'href="#x-mentor_load"' in summary and 'id="x-mentor_load"' in html


def _stored(school, period):
    return {code: v.raw for code, v in
            queries.values_of(queries.report_for(school, period)).items()}


def test_blanks_stay_blank_when_saved(client, factory):
    school, period, url = _curator(client, factory)
    client.post_form(url, form_data({"staff_total": "12", "mentors": "", "mentees": " "},
                                    action="save"), token_from=url)
    assert _stored(school, period) == {"staff_total": "12"}


def test_zero_everywhere_fills_only_the_blanks_of_its_section(client, factory):
    school, period, url = _curator(client, factory)
    html = _page(client, school, period)
    assert 'name="action" value="zero:participants"' in html
    assert 'value="zero:satisfaction"' not in html  # scores of 1–10: 0 is no answer
    response = client.post_form(url, form_data({"staff_total": "12", "mentors": "3",
                                                "mentees": ""}, action="zero:participants"),
                                token_from=url)
    assert response.status_code == 302
    stored = _stored(school, period)
    participants = {i.code for i in _items(period) if i.section == "participants"}
    assert stored == {"staff_total": "12", "mentors": "3",
                      **{code: "0" for code in participants - {"mentors"}}}
    assert "заполнены нулями" in _page(client, school, period)


def test_an_unknown_section_fills_nothing(client, factory):
    school, period, url = _curator(client, factory)
    client.post_form(url, form_data({"staff_total": "12"}, action="zero:nope"), token_from=url)
    assert _stored(school, period) == {"staff_total": "12"}


def _jump(before, after, absolute=None):
    item = SimpleNamespace(code="meetings", unit=Unit.COUNT)
    rule = _rule(None, code="jump", kind=RuleKind.JUMP, severity=Severity.WARNING,
                 threshold=Decimal("0.5"), threshold_absolute=absolute)
    with_value = {"meetings": SimpleNamespace(value=Decimal(after), error=None, blank=False)}
    outcome = check([item], with_value, [rule], {"meetings": Decimal(before)})
    return [p.key for p in outcome.warnings]


@pytest.mark.parametrize("before,after,absolute,warned", [
    (4, 8, None, False), (4, 9, None, True), (9, 4, None, True), (8, 4, None, False),
    (4, 6, Decimal(3), False), (4, 7, Decimal(3), True),
    (40, 44, Decimal(0), False),  # 10 %: below the relative threshold
    (2, 4, Decimal(0), True),  # an explicit 0 lets every relative jump through
])
def test_the_jump_warning_is_quiet_below_the_absolute_threshold(app, before, after, absolute,
                                                                warned):
    with app.test_request_context("/"):
        assert bool(_jump(before, after, absolute)) is warned


def test_a_definition_without_an_absolute_threshold_keeps_the_standard_one(app, factory):
    from dataclasses import replace

    from portal.catalogue import operations
    from portal.reports.validation import JUMP_MIN_ABSOLUTE
    from tests.test_form_definitions import KRASNOYARSK

    version = operations.import_definition(factory.region(),
                                           replace(KRASNOYARSK, jump_absolute=None))
    [jump] = [r for r in catalogue_queries.active_rules(version) if r.kind is RuleKind.JUMP]
    assert jump.threshold_absolute is None  # not 0: 1 → 3 stays quiet
    with app.test_request_context("/"):
        assert _jump(4, 3 + JUMP_MIN_ABSOLUTE, jump.threshold_absolute) == []
        assert _jump(4, 4 + JUMP_MIN_ABSOLUTE, jump.threshold_absolute) == ["jump:meetings"]
    assert operations.definition_of(version).jump_absolute is None
