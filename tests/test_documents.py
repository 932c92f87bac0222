"""The documents register: uploads checked by content, versions kept, files served by scope."""

from __future__ import annotations

import io
import random

import pytest
import sqlalchemy as sa

from portal.documents import archives, storage
from portal.documents.models import Document, DocumentVersion
from portal.extensions import db
from tenants.models import Role
from tests import document_files as files
from tests.upload_helpers import post_large

PDF = files.pdf()
PNG = files.png()
JPEG = files.jpeg()
DOCX = files.docx()
XLSX = files.xlsx()
ODT = files.odt()


def _zip(parts: dict[str, bytes]) -> bytes:
    return files.zip_parts(parts)


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


def _assert_nothing_stored(folder) -> None:
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DocumentVersion)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0
    assert not folder.exists() or [p for p in folder.rglob("*") if p.is_file()] == []


PDF_WITH_HTML = files.pdf(extra=b"<html><body><script>alert(1)</script></body></html>\n")
DOCX_DUPLICATE = files.rename_raw(files.docx({"word/documenX.xml": b"<x/>"}),
                                  "word/documenX.xml", b"word/document.xml")
DOCX_NUL = files.rename_raw(files.docx({"word/media/aX.png": PNG}), "word/media/aX.png",
                            b"word/media/a\0.png")
PPTX = files.docx(main_type="application/vnd.openxmlformats-officedocument.presentationml."
                            "presentation.main+xml")
HOSTILE_UPLOADS = [
    ("html behind %PDF-", b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>\n",
     "pdf", "Файл PDF повреждён или неполон"),
    ("html inside a well-formed pdf", PDF_WITH_HTML, "pdf", "содержит веб-страницу (HTML)"),
    ("pdf cut before %%EOF", PDF[:-6], "pdf", "Файл PDF повреждён или неполон"),
    ("pdf without cross-reference", PDF[:PDF.index(b"xref")] + b"startxref\n9\n%%EOF\n", "pdf",
     "Файл PDF повреждён или неполон"),
    ("docm renamed docx", files.docm_named_docx(), "docx", "Документ содержит макросы"),
    ("macro-enabled main part alone", files.docx(main_type=files.DOCM_MAIN), "docx",
     "Документ содержит макросы"),
    ("vba project in a docx", files.docx({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}), "docx",
     "Документ содержит макросы"),
    ("activex in a docx", files.docx({"word/activeX/activeX1.bin": b"x"}), "docx",
     "Документ содержит макросы"),
    ("basic macros in an odt", files.odt({"Basic/Standard/Module1.xml": b"<x/>"}), "odt",
     "Документ содержит макросы"),
    ("setup.exe and ../../evil.bat", files.docx({"setup.exe": b"MZ", "../../evil.bat": b"@"}),
     "docx", "В архиве есть файл с небезопасным именем: ../../evil.bat."),
    ("setup.exe next to the parts", files.docx({"setup.exe": b"MZ\x90\x00"}), "docx",
     "В архиве есть файл, которого не бывает в документе DOCX: setup.exe."),
    ("script inside word/", files.docx({"word/media/run.vbs": b"x"}), "docx",
     "не бывает в документе DOCX: word/media/run.vbs."),
    ("program inside an odt", files.odt({"Pictures/setup.exe": b"MZ"}), "odt",
     "не бывает в документе ODT: Pictures/setup.exe."),
    ("absolute name", files.docx({"/etc/cron.d/x": b"x"}), "docx",
     "небезопасным именем: /etc/cron.d/x."),
    ("backslashes", files.docx({"word\\..\\..\\evil.bat": b"x"}), "docx",
     "небезопасным именем: word\\..\\..\\evil.bat."),
    ("drive letter", files.docx({"C:/Windows/evil.dll": b"x"}), "docx",
     "небезопасным именем: C:/Windows/evil.dll."),
    ("nul in a name", DOCX_NUL, "docx", "небезопасным именем: word/media/a⟨U+0000⟩.png."),
    ("one part twice", DOCX_DUPLICATE, "docx", "дважды встречается файл word/document.xml"),
    ("one part twice, other case", files.docx({"WORD/Document.xml": b"<x/>"}), "docx",
     "дважды встречается файл WORD/Document.xml"),
    ("zip bomb", files.docx({"word/media/filler.xml": b"\0" * 30_000_000}), "docx",
     "отклонён как возможная «zip-бомба»"),
    ("spreadsheet as odt", files.odt(mimetype=files.ODS_TYPE), "odt",
     "не текстовый документ (.odt)"),
    ("presentation as docx", PPTX, "docx", "не документ DOCX или XLSX"),
    ("docx without its relationships",
     files.zip_parts({k: v for k, v in files.docx_parts().items() if k != "_rels/.rels"}),
     "docx", "повреждённый ZIP-архив"),
    ("truncated docx", DOCX[:len(DOCX) // 2], "docx", "повреждённый ZIP-архив"),
    ("png with a broken header", files.png(break_ihdr=True), "png", "Изображение PNG повреждено"),
    ("jpeg without its end", files.jpeg(truncated=True), "jpg", "Изображение JPEG повреждено"),
]


@pytest.mark.parametrize("case, data, extension, message", HOSTILE_UPLOADS,
                         ids=[c[0] for c in HOSTILE_UPLOADS])
def test_files_whose_structure_is_wrong_are_refused_and_nothing_is_stored(
        client, factory, school, documents_folder, case, data, extension, message):
    client.login(factory.user(Role.CURATOR, school))
    response = _upload(client, school, data, filename=f"Положение.{extension}")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    _assert_nothing_stored(documents_folder)
    assert storage.detect_type(data) is None


def test_an_archive_over_the_unpacked_limit_is_refused(client, factory, school, documents_folder,
                                                       monkeypatch):
    monkeypatch.setattr(archives, "MAX_UNPACKED_BYTES", 64 * 1024)
    client.login(factory.user(Role.CURATOR, school))
    noise = random.Random(9).randbytes(4096)  # incompressible: the ratio alone would pass
    data = files.docx({f"word/media/image{n}.png": noise for n in range(40)})
    response = _upload(client, school, data, filename="Положение.docx")
    assert response.status_code == 422 and "zip-бомба" in response.get_data(as_text=True)
    _assert_nothing_stored(documents_folder)


VALID_UPLOADS = [
    ("pdf", PDF, "pdf"), ("pdf with a cross-reference stream", files.pdf(xref_stream=True), "pdf"),
    ("pdf with an html attachment",
     files.pdf(extra=b"6 0 obj\n<< /Type /EmbeddedFile /Length 13 >>\nstream\n<html></html>"
                     b"\nendstream\nendobj\n"), "pdf"),
    ("docx", DOCX, "docx"), ("xlsx", XLSX, "xlsx"), ("odt", ODT, "odt"), ("png", PNG, "png"),
    ("jpeg", JPEG, "jpg"),
]


@pytest.mark.parametrize("case, data, extension", VALID_UPLOADS, ids=[c[0] for c in VALID_UPLOADS])
def test_well_formed_files_of_every_type_are_stored(client, factory, school, case, data,
                                                    extension):
    client.login(factory.user(Role.CURATOR, school))
    response = _upload(client, school, data, filename=f"Положение.{extension}")
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    version = db.session.scalars(sa.select(DocumentVersion)).one()
    assert version.storage_name.endswith(f".{extension}")
    assert _download(client, version.id).data == data


def test_a_file_over_10_mb_is_refused(client, factory, school):
    client.login(factory.user(Role.CURATOR, school))
    page = f"/organizations/{school.id}/documents/upload"
    response = post_large(client, page, {
        "kind": "regulation",
        "file": (io.BytesIO(b"%PDF-" + b"0" * storage.MAX_FILE_BYTES), "большой.pdf")})
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
