"""Issue 11 §2: evidence items answered with a link, a file or a document of the register."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.catalogue import operations, rule_operations
from portal.catalogue.definition import ItemKind, Periodicity, Severity
from portal.catalogue.models import Indicator
from portal.documents import operations as documents
from portal.documents import storage
from portal.documents.models import DocumentKind
from portal.extensions import db
from portal.reports import period_operations
from portal.reports.models import Report, ReportValue
from portal.reports.values import parse_value
from tenants.models import Role
from tests import document_files as files
from tests.report_helpers import setup_region

PDF = files.pdf()


@pytest.fixture(autouse=True)
def documents_folder(app, tmp_path):
    app.config["DOCUMENTS_PATH"] = str(tmp_path / "documents")
    yield tmp_path / "documents"
    app.config.pop("DOCUMENTS_PATH")


@pytest.fixture
def world(factory):
    """A school answering a one-off form: an evidence item pointing at the regulation of the
    register, a count, and the rule «if pairs > 0 then present(order)»."""
    region, municipality, school, _college, _period = setup_region(factory)
    form = operations.create_form(region, code="evidence", name_ru="Наличие",
                                  name_en="Presence", periodicity=Periodicity.ONE_OFF,
                                  applies_to=["school"])
    operations.add_indicator(form, code="order", label_ru="Наличие Положения о наставничестве",
                             label_en="Regulation", kind=ItemKind.EVIDENCE, section="Документы",
                             applies_to=["school"], presence=True,
                             document_kind=DocumentKind.REGULATION.value)
    operations.add_indicator(form, code="pairs", label_ru="Пары", label_en="Pairs",
                             kind=ItemKind.COUNT, section="Пары", applies_to=["school"])
    rule_operations.add_rule(operations.editable_version(form), code="pairs_order",
                             severity=Severity.ERROR,
                             expression="if pairs > 0 then present(order)",
                             message_ru="Есть пары: приложите положение.",
                             message_en="Pairs: attach the regulation.")
    period = period_operations.open_collection(form, (date(2026, 10, 1), date(2026, 10, 1)))
    return municipality, school, period


def _page(school, period) -> str:
    return f"/organizations/{school.id}/reports/{period.id}"


def _post(client, school, period, **fields):
    page = _page(school, period)
    return client.post_form(page, {"v:pairs": "3", "action": "save", **fields}, token_from=page,
                            content_type="multipart/form-data")


def _value(school, period) -> ReportValue | None:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(ReportValue).join(Report).join(Indicator)
        .where(Report.organization_id == school.id, Report.period_id == period.id,
               Indicator.code == "order"))


def _get(client, url: str):
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def _switch(client, user) -> None:
    client.post_form("/logout")
    client.login(user)


def test_a_link_is_stored_shown_and_satisfies_present(client, factory, world):
    _m, school, period = world
    client.login(factory.user(Role.CURATOR, school))
    html = client.get(_page(school, period)).get_data(as_text=True)
    assert 'name="u:order"' in html and 'type="file"' in html and 'name="f:order"' in html
    assert 'enctype="multipart/form-data"' in html
    _post(client, school, period, **{"v:order": "да", "u:order": "https://school.ru/polozhenie"})
    value = _value(school, period)
    assert (value.raw, value.value, value.storage_name) == (
        "https://school.ru/polozhenie", Decimal(1), None)
    html = client.get(_page(school, period)).get_data(as_text=True)
    assert 'href="https://school.ru/polozhenie"' in html
    assert "Есть пары: приложите положение." not in html


def test_a_file_goes_to_the_documents_store_and_is_served_within_scope(client, factory, world):
    municipality, school, period = world
    client.login(factory.user(Role.CURATOR, school))
    _post(client, school, period, **{"v:order": "да",
                                     "f:order": (io.BytesIO(PDF), "положение.pdf")})
    value = _value(school, period)
    assert (value.raw, value.value, value.filename) == ("да", Decimal(1), "положение.pdf")
    assert value.content_type == "application/pdf" and value.size == len(PDF)
    assert storage.path_of(value.storage_name).read_bytes() == PDF
    url = f"/report-values/{value.id}/evidence"
    assert url in client.get(_page(school, period)).get_data(as_text=True)
    response = _get(client, url)
    assert response.data == PDF
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"].startswith("attachment")
    _switch(client, factory.user(Role.MUNICIPAL, municipality))  # the external contour
    assert _get(client, url).status_code == 200
    other = factory.organization(municipality, name="Другая школа")
    _switch(client, factory.user(Role.CURATOR, other))
    assert _get(client, url).status_code == 404
    _switch(client, factory.user(Role.MUNICIPAL, factory.municipality()))
    assert _get(client, url).status_code == 404


def test_a_document_of_the_register_may_stand_for_the_file(client, factory, world):
    _m, school, period = world
    version = documents.add_version(school, documents.Upload(
        DocumentKind.REGULATION, order_number="62-од", order_date=date(2025, 9, 1),
        stream=io.BytesIO(PDF), filename="положение.pdf"), None)
    client.login(factory.user(Role.CURATOR, school))
    html = client.get(_page(school, period)).get_data(as_text=True)
    assert f'<option value="{version.id}"' in html and "62-од" in html
    _post(client, school, period, **{"v:order": "да", "d:order": str(version.id)})
    value = _value(school, period)
    assert (value.raw, value.value, value.document_version_id) == ("да", Decimal(1), version.id)
    response = _get(client, f"/report-values/{value.id}/evidence")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/document-versions/{version.id}/file")


def test_another_organizations_document_cannot_be_chosen(client, factory, world):
    municipality, school, period = world
    other = factory.organization(municipality, name="Чужая школа")
    foreign = documents.add_version(other, documents.Upload(
        DocumentKind.REGULATION, url="https://other.ru/doc"), None)
    client.login(factory.user(Role.CURATOR, school))
    response = _post(client, school, period, **{"v:order": "да", "d:order": str(foreign.id)})
    assert response.status_code == 400
    assert "выберите действующий документ" in response.get_data(as_text=True)
    assert _value(school, period) is None


def test_an_invalid_link_is_refused_with_a_message(client, factory, world):
    _m, school, period = world
    client.login(factory.user(Role.CURATOR, school))
    _post(client, school, period, **{"v:order": "да", "u:order": "javascript:alert(1)"})
    value = _value(school, period)
    assert value.value is None  # the draft keeps what was typed, as an error
    html = client.get(_page(school, period)).get_data(as_text=True)
    assert "Принимаются только ссылки, начинающиеся с http:// или https://" in html
    assert 'href="javascript:' not in html


def test_a_file_refused_by_the_content_checks_saves_nothing(client, factory, world,
                                                            documents_folder):
    _m, school, period = world
    client.login(factory.user(Role.CURATOR, school))
    fake = b"%PDF-1.4\n<html><script>alert(1)</script></html>"
    response = _post(client, school, period, **{"v:order": "да",
                                                "f:order": (io.BytesIO(fake), "приказ.pdf")})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Наличие Положения о наставничестве" in html and "PDF" in html
    assert _value(school, period) is None
    assert not documents_folder.exists() or not any(documents_folder.rglob("*.pdf"))


def test_present_without_link_or_file_is_not_present(client, factory, world):
    _m, school, period = world
    client.login(factory.user(Role.CURATOR, school))
    _post(client, school, period, **{"v:order": "да"})
    assert _value(school, period).value is None
    html = client.get(_page(school, period)).get_data(as_text=True)
    assert "айте ссылку (http" in html
    assert "Есть пары: приложите положение." in html  # present(order) is false
    _post(client, school, period, **{"v:order": "нет"})
    assert _value(school, period).value == 0
    html = client.get(_page(school, period)).get_data(as_text=True)
    assert "Есть пары: приложите положение." in html and "айте ссылку (http" not in html
    _post(client, school, period, **{"v:order": "да",
                                     "f:order": (io.BytesIO(PDF), "положение.pdf")})
    html = client.get(_page(school, period)).get_data(as_text=True)
    assert "Есть пары: приложите положение." not in html  # a file alone is present


def test_absent_drops_the_file(client, factory, world):
    _m, school, period = world
    client.login(factory.user(Role.CURATOR, school))
    _post(client, school, period, **{"v:order": "да",
                                     "f:order": (io.BytesIO(PDF), "положение.pdf")})
    stored = _value(school, period).storage_name
    _post(client, school, period, **{"v:order": "нет"})
    value = _value(school, period)
    assert (value.raw, value.storage_name, value.value) == ("нет", None, Decimal(0))
    assert storage.path_of(stored) is None  # removed once the change was committed


def test_a_workbook_cell_takes_a_link_but_no_file(app):
    item = Indicator(code="x", label_ru="x", label_en="x", kind=ItemKind.EVIDENCE, section="s",
                     applies_to=["school"])
    with app.test_request_context("/"):
        assert parse_value(item, "https://school.ru/a").value == 1
        assert parse_value(item, "нет").value == 0
        assert parse_value(item, "да").error  # a file cannot come in a workbook
        assert parse_value(item, "да", has_file=True).value == 1
        assert parse_value(item, "ftp://school.ru/a").error
        assert parse_value(item, "https://" + "a" * 2000).error
