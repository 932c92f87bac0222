"""The portal application: ``create_app`` builds it from a configuration class."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from portal import blas  # noqa: F401  (before anything imports numpy)
from portal.config import Config
from portal.database import (
    configure_postgresql,
    configure_sqlite,
    forbid_queries,
    init_request_transactions,
)
from portal.extensions import babel, bootstrap, csrf, db, login_manager, migrate
from portal.files import private_folder, write_private

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config: type[Config] = Config) -> Flask:
    """Build the application; nothing here may touch the database."""
    app = Flask(__name__, instance_path=os.environ.get("PORTAL_INSTANCE_PATH") or None,
                instance_relative_config=True)
    app.config.from_object(config)
    private_folder(Path(app.instance_path))
    _fill_defaults(app)

    with forbid_queries("the database was queried while the application was being built"):
        _init_extensions(app)
        _register_blueprints(app)
        _register_cli(app)
        from portal import errors, security, templating

        errors.init_app(app)
        security.init_app(app)
        templating.init_app(app)
    return app


def _fill_defaults(app: Flask) -> None:
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(
            Path(app.instance_path) / "portal.db"
        )
    if not app.config.get("SECRET_KEY"):
        # A development key kept in the instance folder, so sessions survive restarts.
        key_file = Path(app.instance_path) / "secret_key"
        if not key_file.exists():
            write_private(key_file, secrets.token_hex(32).encode())
        app.config["SECRET_KEY"] = key_file.read_text().strip()


def _init_extensions(app: Flask) -> None:
    # Import every model so that Alembic and the mapper registry see the whole schema.
    import portal.models  # noqa: F401
    from portal.auth import gate
    from portal.i18n import select_locale
    from tenants import scoping

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            configure_sqlite(engine)
            configure_postgresql(engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True,
                     compare_type=True)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    csrf.init_app(app)
    bootstrap.init_app(app)
    init_request_transactions(app)
    gate.init_app(app)  # before scoping: anonymous users are sent to log in, not given a 404
    scoping.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from dashboards.blueprint import bp as dashboards_bp
    from portal.admin.blueprint import bp as admin_bp
    from portal.auth.blueprint import bp as auth_bp
    from portal.catalogue.blueprint import bp as catalogue_bp
    from portal.documents.blueprint import bp as documents_bp
    from portal.home.blueprint import bp as home_bp
    from portal.mentoring.blueprint import bp as mentoring_bp
    from portal.monitoring.blueprint import bp as monitoring_bp
    from portal.programmes.blueprint import bp as programmes_bp
    from portal.report_files.blueprint import bp as report_files_bp
    from portal.reports.blueprint import bp as reports_bp
    from portal.roadmaps.blueprint import bp as roadmaps_bp
    from portal.status.blueprint import bp as status_bp
    from tenants.blueprint import bp as tenants_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(tenants_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(reports_bp)
    app.register_blueprint(report_files_bp)
    app.register_blueprint(status_bp)
    app.register_blueprint(catalogue_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(roadmaps_bp)
    app.register_blueprint(mentoring_bp)
    app.register_blueprint(monitoring_bp)
    app.register_blueprint(programmes_bp)
    app.register_blueprint(dashboards_bp)


def _register_cli(app: Flask) -> None:
    from portal.backup import backup_command, restore_command
    from portal.cli import (
        demo_command,
        forms_group,
        periods_group,
        translate_group,
        users_group,
    )
    from tenants.cli import tenants_group

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(users_group)
    app.cli.add_command(tenants_group)
    app.cli.add_command(demo_command)
    app.cli.add_command(translate_group)
    app.cli.add_command(periods_group)
    app.cli.add_command(forms_group)
