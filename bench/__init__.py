"""Benchmarks printed by ``make bench`` as ``name: value unit (target …)`` lines."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_on_databases(run: Callable[[str, str], Iterable[str]], name: str,
                     postgres: bool) -> int:
    """Print ``run(url, label)``'s lines on an SQLite file, then on a throwaway PostgreSQL.

    The instance folder is a temporary one, so nothing touches the developer's database.
    """
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as folder:
        os.environ["PORTAL_INSTANCE_PATH"] = folder
        for line in run(f"sqlite:///{folder}/bench.db", "sqlite"):
            print(line, flush=True)
        if postgres:
            from tests.pgcluster import ThrowawayPostgres

            server = ThrowawayPostgres().start()
            try:
                for line in run(server.create_database(f"bench_{name}"), "postgres"):
                    print(line, flush=True)
            finally:
                server.stop()
    return 0


def refresh_statistics(engine) -> None:
    """Planner statistics and PostgreSQL's visibility map (index-only scans) for freshly
    loaded data, as autovacuum keeps them in production; SQLite's equivalent is ANALYZE."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE" if connection.dialect.name ==
                                   "postgresql" else "ANALYZE")


def migrated_app(database_url: str):
    """The portal on the given database (test configuration, no CSRF), migrated to the
    newest schema."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.config import TestConfig

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        WTF_CSRF_ENABLED = False

    app = create_app(Config)
    with app.app_context():
        upgrade()
    return app
