"""Issue 10, item 5: authenticated responses are never cached, and what the portal writes to
disk (database, secret key, documents, upload previews) is readable by its owner only."""

from __future__ import annotations

import os
import stat
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import url_for

from portal import create_app
from portal.config import TestConfig
from portal.documents import storage
from portal.extensions import db
from portal.report_files import store as upload_store
from tenants.models import Role
from tests.report_helpers import setup_region

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@contextmanager
def permissive_umask():
    """Umask 0: whatever is private here is so because the portal made it so."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


# -- Cache-Control ----------------------------------------------------------------------

def _argument_free_pages(app) -> list[str]:
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if "GET" in rule.methods and not rule.arguments
                  and not rule.endpoint.endswith("static"))


def _assert_not_cached(response, path):
    directives = {d.strip() for d in response.headers.get("Cache-Control", "").split(",")}
    assert {"no-store", "private"} <= directives, (path, response.headers.get("Cache-Control"))


def test_every_authenticated_response_forbids_caching(app, client, factory):
    region, municipality, school, _college, period = setup_region(factory)
    client.login(factory.user(Role.ADMIN))
    pages = _argument_free_pages(app) + [
        "/", f"/organizations/{school.id}/reports/{period.id}",
        f"/organizations/{school.id}/reports/{period.id}/template",
        f"/regions/{region.id}/periods", f"/municipalities/{municipality.id}",
        f"/dashboards/municipalities/{municipality.id}", "/no-such-page"]
    plotly = url_for_plotly(app)
    assert len(pages) > 8 and plotly in pages
    for path in pages:
        response = client.get(path)
        response.close()
        assert response.status_code < 500, path
        if path != plotly:
            _assert_not_cached(response, path)


def url_for_plotly(app) -> str:
    with app.test_request_context():
        return url_for("dashboards.plotly_js")


def test_assets_and_the_public_plotly_bundle_stay_cacheable(app, client):
    _assert_not_cached(client.get("/login"), "/login")  # anonymous pages are not kept either
    asset = client.get("/static/portal.css")
    asset.close()  # send_file keeps the file open until then
    assert asset.status_code == 200 and "no-store" not in asset.headers.get("Cache-Control", "")
    bundle = client.get(url_for_plotly(app))
    assert bundle.headers["Cache-Control"] == "public, max-age=31536000, immutable"


# -- file modes -------------------------------------------------------------------------

def test_documents_are_private_files_in_private_folders(app, database, tmp_path):
    root = tmp_path / "not-yet" / "documents"
    app.config["DOCUMENTS_PATH"] = str(root)
    try:
        with permissive_umask(), app.test_request_context():
            checked = storage.CheckedFile(PDF, "положение.pdf", storage.PDF)
            name = storage.store(checked, 42)
    finally:
        app.config.pop("DOCUMENTS_PATH")
    assert _mode(root / name) == 0o600
    assert {_mode(p) for p in (root, root / "42", root.parent)} == {0o700}


def test_upload_previews_are_private(app, database, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))
    with permissive_umask(), app.test_request_context():
        token = upload_store.store({"kind": "report"}, 1, "report.xlsx")
    folder = tmp_path / "instance" / "report-uploads"
    assert _mode(folder) == 0o700
    assert _mode(folder / f"{token}.json") == 0o600


def test_database_secret_key_and_instance_folder_are_private(tmp_path, monkeypatch):
    database_file = tmp_path / "data" / "portal.db"
    database_file.parent.mkdir()

    class Config(TestConfig):
        SECRET_KEY = None  # generated into the instance folder
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{database_file}"

    instance = tmp_path / "instance"
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(instance))
    with permissive_umask():
        application = create_app(Config)
        with application.app_context():
            db.session.execute(sa.text("CREATE TABLE t (x INTEGER)"))
            db.session.commit()
            db.engine.dispose()
    assert _mode(instance) == 0o700
    assert _mode(instance / "secret_key") == 0o600
    assert _mode(database_file) == 0o600


@pytest.mark.parametrize("existing_mode", [0o644, 0o666])
def test_an_existing_database_file_is_tightened(tmp_path, monkeypatch, existing_mode):
    database_file = tmp_path / "old.db"
    database_file.touch()
    os.chmod(database_file, existing_mode)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{database_file}"

    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "instance"))
    application = create_app(Config)
    with application.app_context():
        db.session.execute(sa.text("SELECT 1"))
        db.session.rollback()
        db.engine.dispose()
    assert _mode(database_file) == 0o600
