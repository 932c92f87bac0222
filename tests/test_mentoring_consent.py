"""The signed consent as a file of the documents store: upload with the store's checks,
replace, download by the curator and head only (recorded), removal at withdrawal, and
never a name in what the external contour is shown of documents."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.documents.models import Document, DocumentVersion
from portal.extensions import db
from portal.mentoring import operations
from portal.mentoring.models import (
    AccessKind,
    ConsentFile,
    MenteeCategory,
    Participant,
    ParticipantRole,
    PersonalDataAccess,
)
from tenants.models import Role
from tests import document_files
from tests.privacy_helpers import crawl

NAME = "Согласова Ирина Павловна"


@pytest.fixture(autouse=True)
def documents_folder(app, tmp_path):
    folder = tmp_path / "documents"
    app.config["DOCUMENTS_PATH"] = str(folder)
    yield folder
    app.config.pop("DOCUMENTS_PATH")


@pytest.fixture
def school(factory):
    municipality = factory.municipality(factory.region("REG-CONS"), "MUN-CONS")
    return factory.organization(municipality, name="SCHOOL-CONS")


@pytest.fixture
def person(school) -> Participant:
    return operations.create_participant(school, operations.ParticipantData(
        full_name=NAME, role=ParticipantRole.MENTEE, mentee_category=MenteeCategory.YOUNG,
        position="учитель", consent_on=date(2025, 9, 1)))


def _upload(client, person, data: bytes, filename: str = f"Согласие {NAME}.pdf"):
    page = f"/mentoring/participants/{person.id}"
    return client.post(f"{page}/consent", data={
        "file": (io.BytesIO(data), filename), "csrf_token": client.csrf_token(page)},
        content_type="multipart/form-data")


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _record() -> ConsentFile | None:
    db.session.expire_all()
    return db.session.scalars(sa.select(ConsentFile)).first()


def _accesses(kind: AccessKind) -> list[PersonalDataAccess]:
    return list(db.session.scalars(sa.select(PersonalDataAccess).filter_by(kind=kind)))


def test_the_curator_uploads_the_head_downloads_and_the_download_is_recorded(
        client, factory, school, person, documents_folder):
    client.login(factory.user(Role.CURATOR, school))
    first = document_files.pdf("consent")
    assert _upload(client, person, first).status_code == 302
    record = _record()
    assert (record.participant_id, record.content_type, record.size) == (
        person.id, "application/pdf", len(first))
    assert _files(documents_folder) == [documents_folder / record.storage_name]
    assert NAME in client.get(f"/mentoring/participants/{person.id}").get_data(as_text=True)
    client.post_form("/logout")
    head = factory.user(Role.HEAD, school)
    client.login(head)
    response = client.get(f"/mentoring/participants/{person.id}/consent/file")
    assert response.status_code == 200 and response.data == first
    assert response.headers["Cache-Control"] == "private, no-store"
    response.close()
    (entry,) = _accesses(AccessKind.CONSENT_FILE)
    assert (entry.user_id, entry.subject_id, entry.organization_id) == (
        head.id, person.id, school.id)
    assert _upload(client, person, first).status_code == 403  # the head does not upload
    log = client.get(f"/organizations/{school.id}/mentoring/access-log").get_data(as_text=True)
    assert f"подписанное согласие (файл) № {person.id}" in log


def test_a_new_file_replaces_the_old_one_in_the_store(client, factory, school, person,
                                                      documents_folder):
    client.login(factory.user(Role.CURATOR, school))
    _upload(client, person, document_files.pdf("first"))
    old = _record().storage_name
    assert _upload(client, person, document_files.png(), "скан.png").status_code == 302
    record = _record()
    assert record.content_type == "image/png" and record.storage_name != old
    assert _files(documents_folder) == [documents_folder / record.storage_name]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ConsentFile)) == 1
    response = client.get(f"/mentoring/participants/{person.id}/consent/file")
    assert response.data == document_files.png()
    response.close()


@pytest.mark.parametrize("data,filename,message", [
    (document_files.pdf(extra=b"<html><body><script>alert(1)</script></body></html>\n"),
     "a.pdf", "(HTML)"),
    (b"%PDF-1.4\n1 0 obj\n", "обрезан.pdf", "повреждён"),
    (b"<html>not a pdf</html>", "согласие.pdf", "не является PDF"),
    (document_files.xlsx(), "согласие.xlsx", "документ или скан"),
    (b"", "пусто.pdf", "пуст"),
    (document_files.pdf(), "../../etc/passwd.pdf", "папок"),
])
def test_a_refused_file_stores_nothing(client, factory, school, person, documents_folder,
                                       data, filename, message):
    client.login(factory.user(Role.CURATOR, school))
    response = _upload(client, person, data, filename)
    assert response.status_code == 302
    page = client.get(f"/mentoring/participants/{person.id}").get_data(as_text=True)
    assert message in page, re.findall(r"alert-danger[^>]*>(.*?)<", page, re.S)
    assert _record() is None and _files(documents_folder) == []


def test_withdrawing_consent_removes_the_file_and_its_row(client, factory, school, person,
                                                         documents_folder):
    client.login(factory.user(Role.CURATOR, school))
    _upload(client, person, document_files.pdf("consent"))
    assert len(_files(documents_folder)) == 1
    page = f"/mentoring/participants/{person.id}"
    response = client.post_form(f"{page}/withdraw", {"withdrawn_on": "2025-10-01"},
                                token_from=page)
    assert response.status_code == 302
    assert _record() is None and _files(documents_folder) == []
    assert client.get(f"{page}/consent/file").status_code == 404
    assert _upload(client, person, document_files.pdf()).status_code == 302
    assert _record() is None and _files(documents_folder) == []  # no file for the anonymized


def test_a_failed_withdrawal_keeps_the_file(client, factory, school, person, documents_folder):
    """The file goes only with the committed withdrawal: a refused one leaves it reachable."""
    client.login(factory.user(Role.CURATOR, school))
    _upload(client, person, document_files.pdf("consent"))
    page = f"/mentoring/participants/{person.id}"
    client.post_form(f"{page}/withdraw", {"withdrawn_on": "2025-08-01"}, token_from=page)
    assert _record() is not None and len(_files(documents_folder)) == 1
    response = client.get(f"{page}/consent/file")
    assert response.status_code == 200
    response.close()


def test_a_rolled_back_upload_leaves_no_file(app, database, school, person, documents_folder):
    from portal.mentoring import consent

    checked = consent.check(io.BytesIO(document_files.pdf()), "согласие.pdf")
    consent.attach(person, checked, None)
    assert len(_files(documents_folder)) == 1
    db.session.rollback()
    assert _files(documents_folder) == []


@pytest.mark.parametrize("role", ["municipal", "regional"])
def test_the_external_contour_never_sees_the_consent_or_its_name(
        client, factory, school, person, role):
    curator = factory.user(Role.CURATOR, school)
    client.login(curator)
    _upload(client, person, document_files.pdf("consent"))
    client.post_form("/logout")
    scope = school.municipality if role == "municipal" else school.municipality.region
    client.login(factory.user(Role(role), scope))
    for url in (f"/mentoring/participants/{person.id}/consent/file",
                f"/organizations/{school.id}/documents"):
        response = client.get(url)
        assert NAME not in response.get_data(as_text=True)
    assert client.get(f"/mentoring/participants/{person.id}/consent/file").status_code == 404
    pages = crawl(client)
    assert f"/organizations/{school.id}/documents" in pages
    assert [url for url, body in pages.items() if NAME in body] == []
    # The documents register has no row of the consent: it is not one of its documents.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DocumentVersion)) == 0


def test_the_file_goes_only_when_the_withdrawal_is_committed(app, database, school, person,
                                                             documents_folder):
    from portal.mentoring import consent

    consent.attach(person, consent.check(io.BytesIO(document_files.pdf()), "с.pdf"), None)
    db.session.commit()
    operations.withdraw_consent(person, date(2025, 10, 1))
    assert len(_files(documents_folder)) == 1  # not before the commit
    db.session.rollback()  # the request failed: the consent and its file stay
    assert _record() is not None and len(_files(documents_folder)) == 1
    operations.withdraw_consent(db.session.get(Participant, person.id), date(2025, 10, 1))
    db.session.commit()
    assert _record() is None and _files(documents_folder) == []


def test_the_demo_register_has_signed_consents_on_file(app, database, school, documents_folder):
    from portal.demo.mentoring import _register

    _register(school, {"mentors": 2, "mentees": 2, "pairs_groups": 2}, date(2025, 9, 15))
    records = list(db.session.scalars(sa.select(ConsentFile)))
    roles = {db.session.get(Participant, r.participant_id).role for r in records}
    assert roles == {ParticipantRole.MENTOR, ParticipantRole.MENTEE} and len(records) == 2
    assert sorted(_files(documents_folder)) == sorted(
        documents_folder / r.storage_name for r in records)
