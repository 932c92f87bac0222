"""The application factory, security headers, error pages and local assets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.config import TestConfig
from portal.database import StartupQueryError, forbid_queries
from portal.extensions import db
from tenants.models import Role

ROOT = Path(__file__).resolve().parent.parent


def test_create_app_does_not_touch_the_database(tmp_path, monkeypatch):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'never-created.db'}"

    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "instance"))
    create_app(Config)
    assert not (tmp_path / "never-created.db").exists()


def test_the_startup_guard_fails_loudly(app):
    with app.app_context(), forbid_queries("no queries now"), pytest.raises(StartupQueryError):
        db.session.execute(sa.text("SELECT 1"))
    with app.app_context():
        db.session.rollback()
        db.session.remove()


def test_security_headers_forbid_foreign_hosts(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_load_assets_only_from_the_portal(client, factory):
    client.login(factory.user(Role.ADMIN))
    html = client.get("/").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/") or a.startswith("#") for a in assets), assets
    for asset in [a for a in assets if a.endswith((".css", ".js"))]:
        with client.get(asset) as response:
            assert response.status_code == 200, asset


def test_no_template_references_an_external_host():
    offenders = [str(p) for p in ROOT.glob("**/templates/**/*.html")
                 if ".venv" not in p.parts and re.search(r'(src|href)="https?://',
                                                         p.read_text(encoding="utf-8"))]
    assert not offenders


def test_unknown_page_answers_404_in_russian(client, factory):
    client.login(factory.user(Role.ADMIN))
    response = client.get("/organizations/999999")
    assert response.status_code == 404
    assert "вне вашей зоны ответственности" in response.get_data(as_text=True)


def test_non_admin_gets_403_on_administration(client, factory):
    client.login(factory.user(Role.CURATOR, factory.organization()))
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "У вас нет прав" in response.get_data(as_text=True)
