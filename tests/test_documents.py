"""The documents register: uploads checked by content, versions kept, files served by scope."""

from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa

from portal.documents import storage
from portal.documents.models import Document, DocumentVersion
from portal.extensions import db
from tenants.models import Role

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})


@pytest.fixture(autouse=True)
def documents_folder(app, tmp_path):
    """A fresh folder per test: rolled-back ids are reused, files on disk would not be."""
    app.config["DOCUMENTS_PATH"] = str(tmp_path / "documents")
    yield tmp_path / "documents"
    app.config.pop("DOCUMENTS_PATH")


def _download(client, version_id: int):
    """GET a stored file and close the response (send_file keeps the file open until then)."""
    response = client.get(f"/document-versions/{version_id}/file")
    response.get_data()  # buffered, so it stays readable after the close
    response.close()
    return response


@pytest.fixture
def school(factory):
    municipality = factory.municipality()
    return factory.organization(municipality, name="Школа-DOCS")


def _upload(client, org, data: bytes | None, filename: str = "положение.pdf", **fields):
    page = f"/organizations/{org.id}/documents/upload"
    payload = {"kind": fields.pop("kind", "regulation"), **fields}
    if data is not None:
        payload["file"] = (io.BytesIO(data), filename)
    return client.post_form(page, payload, token_from=page)


def _stored_files(org) -> list:
    folder = storage.documents_folder() / str(org.id)
    return sorted(folder.iterdir()) if folder.exists() else []


def test_curator_uploads_a_pdf_that_is_served_only_through_the_scope(client, factory, school):
    client.login(factory.user(Role.CURATOR, school))
    response = _upload(client, school, PDF, order_number="62-од", order_date="2025-09-23")
    assert response.status_code == 302
    version = db.session.scalars(sa.select(DocumentVersion)).one()
    assert version.order_number == "62-од" and version.filename == "положение.pdf"
    assert version.content_type == "application/pdf" and version.size == len(PDF)
    # Stored under a generated name inside the organization's folder, never the user's name.
    assert version.storage_name.startswith(f"{school.id}/")
    assert "положение" not in version.storage_name
    register = client.get(f"/organizations/{school.id}/documents").get_data(as_text=True)
    assert "Положение о системе наставничества" in register and "62-од" in register
    download = _download(client, version.id)
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("data, extension, mimetype", [
    (DOCX, "docx", "wordprocessingml"), (XLSX, "xlsx", "spreadsheetml"),
    (ODT, "odt", "opendocument.text"), (PNG, "png", "image/png"), (JPEG, "jpg", "image/jpeg"),
])
def test_every_accepted_type_is_recognised_by_content(data, extension, mimetype):
    detected = storage.detect_type(data)
    assert detected.extension == extension and mimetype in detected.mimetype


def test_replacing_keeps_the_history(client, factory, school):
    client.login(factory.user(Role.CURATOR, school))
    _upload(client, school, PDF, order_number="1")
    _upload(client, school, DOCX, filename="Положение (новая редакция).docx", order_number="2")
    document = db.session.scalars(sa.select(Document)).one()
    assert document.current_number == 2 and [v.number for v in document.versions] == [2, 1]
    assert document.current.order_number == "2"
    history = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "Положение (новая редакция).docx" in history and "положение.pdf" in history
    old = document.versions[1]
    assert _download(client, old.id).data == PDF
    assert len(_stored_files(school)) == 2


def test_a_link_alone_is_enough_for_the_website_section(client, factory, school):
    client.login(factory.user(Role.CURATOR, school))
    response = _upload(client, school, None, kind="website",
                       url="https://school23.example/педагогам/наставничество/")
    assert response.status_code == 302
    version = db.session.scalars(sa.select(DocumentVersion)).one()
    assert version.url.startswith("https://") and version.storage_name is None
    assert _download(client, version.id).status_code == 404


BAD_UPLOADS = [
    ("executable renamed", dict(data=b"MZ\x90\x00" + b"\x00" * 100, filename="приказ.pdf"),
     "не является PDF"),
    ("empty", dict(data=b""), "Файл пуст"),
    ("path parts", dict(data=PDF, filename="../../etc/passwd.pdf"), "не должно содержать папок"),
    ("windows path", dict(data=PDF, filename="C:\\Users\\x\\order.pdf"),
     "не должно содержать папок"),
    ("odd characters", dict(data=PDF, filename="order<script>.pdf"), "недопустимые символы"),
    ("zip without word parts", dict(data=_zip({"a.txt": b"x"}), filename="x.docx"),
     "не является PDF"),
    ("javascript link", dict(data=None, url="javascript:alert(1)"), "http:// или https://"),
    ("data link", dict(data=None, url="data:text/html,<b>x</b>"), "http:// или https://"),
    ("nothing at all", dict(data=None), "Приложите файл или укажите ссылку"),
]


@pytest.mark.parametrize("case, kwargs, message", BAD_UPLOADS, ids=[c[0] for c in BAD_UPLOADS])
def test_bad_uploads_are_refused_with_a_clear_message_and_nothing_stored(
        client, factory, school, case, kwargs, message):
    client.login(factory.user(Role.CURATOR, school))
    kwargs = dict(kwargs)
    response = _upload(client, school, kwargs.pop("data"), **kwargs)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DocumentVersion)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0
    assert _stored_files(school) == []


def test_a_file_over_10_mb_is_refused(client, factory, school):
    from werkzeug.test import EnvironBuilder

    client.login(factory.user(Role.CURATOR, school))
    page = f"/organizations/{school.id}/documents/upload"
    builder = EnvironBuilder(path=page, method="POST", data={
        "csrf_token": client.csrf_token(page), "kind": "regulation",
        "file": (io.BytesIO(b"%PDF-" + b"0" * storage.MAX_FILE_BYTES), "большой.pdf")})
    environ = builder.get_environ()
    try:
        response = client.open(environ)
    finally:
        environ["wsgi.input"].close()  # the test builder spools big bodies to a temp file
        builder.close()
    assert response.status_code == 422 and "Файл больше 10 МБ" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DocumentVersion)) == 0
    assert _stored_files(school) == []


def test_a_curator_cannot_read_or_replace_another_organizations_files(client, factory, school):
    other = factory.organization(school.municipality, name="Чужая школа")
    client.login(factory.user(Role.CURATOR, other))
    _upload(client, other, PDF)
    theirs = db.session.scalars(sa.select(DocumentVersion)).one()
    client.post_form("/logout")
    client.login(factory.user(Role.CURATOR, school))
    assert _download(client, theirs.id).status_code == 404
    assert client.get(f"/documents/{theirs.document_id}").status_code == 404
    assert client.get(f"/organizations/{other.id}/documents").status_code == 404
    page = f"/organizations/{school.id}/documents/upload"
    token = client.csrf_token(page)
    foreign = client.post(f"/organizations/{other.id}/documents/upload", data={
        "csrf_token": token, "kind": "regulation", "file": (io.BytesIO(PDF), "x.pdf")})
    assert foreign.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DocumentVersion)) == 1


def test_path_guessing_never_leaves_the_documents_folder(app, database):
    assert storage.path_of("../secret_key") is None
    assert storage.path_of("/etc/passwd") is None
    assert storage.path_of("1/../../secret_key") is None


def test_coordinators_download_but_do_not_upload(client, factory, school):
    client.login(factory.user(Role.CURATOR, school))
    _upload(client, school, PDF)
    version = db.session.scalars(sa.select(DocumentVersion)).one()
    client.post_form("/logout")
    client.login(factory.user(Role.MUNICIPAL, school.municipality))
    assert _download(client, version.id).data == PDF
    assert client.get(f"/organizations/{school.id}/documents/upload").status_code == 403
    client.post_form("/logout")
    client.login(factory.user(Role.HEAD, school))
    assert client.get(f"/organizations/{school.id}/documents").status_code == 200
    assert client.get(f"/organizations/{school.id}/documents/upload").status_code == 403
