"""``flask backup FILE`` / ``flask restore FILE``: what was backed up comes back, every row.

The commands run as ``flask --app wsgi`` runs them (the application's CLI, through Click's
runner: no interpreter to start each time), on a database of their own with the demo loaded,
on the suite's backend (SQLite file or throwaway PostgreSQL).
"""

from __future__ import annotations

import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from portal.backup import _pg_tool
from tests.conftest import BACKEND, migrated_app


def _flask(app, *args: str) -> SimpleNamespace:
    result = app.test_cli_runner().invoke(args=list(args))
    return SimpleNamespace(returncode=result.exit_code, stdout=result.stdout,
                           stderr=result.stderr + "".join(map(repr, [result.exception]))
                           if result.exception and result.exit_code else result.stderr)


def _rows(engine) -> dict[str, list[tuple]]:
    """Every row of every table (Alembic's too), in a stable order."""
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {name: sorted(map(tuple, connection.execute(sa.select(table))), key=repr)
                for name, table in metadata.tables.items()}


@pytest.fixture(scope="module")
def demo_database(databases, tmp_path_factory):
    """A migrated database with the demo region, the application to run flask on it."""
    url = databases.new_database("portal_backup")
    instance = tmp_path_factory.mktemp("backup-instance")
    app = migrated_app(url)
    done = _flask(app, "demo")
    assert done.returncode == 0, done.stderr[-2000:]
    engine = sa.create_engine(url)
    yield app, engine, instance
    engine.dispose()


def _change_everything(engine) -> None:
    with engine.begin() as connection:
        connection.execute(sa.text(
            "UPDATE report_values SET raw = '999' WHERE id = (SELECT min(id) FROM report_values)"))
        connection.execute(sa.text("DELETE FROM audit_entries"))
        connection.execute(sa.text("UPDATE users SET full_name = 'changed'"))
        connection.execute(sa.text(
            "INSERT INTO regions (code, name, requires_head_confirmation) "
            "VALUES ('AFTER', 'После резервной копии', false)"))


def test_restore_brings_back_every_row_of_every_table(demo_database):
    app, engine, instance = demo_database
    backup = instance / "portal.backup"
    before = _rows(engine)
    done = _flask(app, "backup", str(backup))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Резервная копия записана" in done.stdout
    assert backup.stat().st_mode & 0o777 == 0o600  # it holds password hashes

    _change_everything(engine)
    changed = _rows(engine)
    assert {name for name in before if before[name] != changed[name]} == {
        "report_values", "audit_entries", "users", "regions"}

    engine.dispose()  # the portal's own connections stay open in production; ours need not
    done = _flask(app, "restore", str(backup))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "восстановлена" in done.stdout
    after = _rows(engine)
    for name in before:
        assert after[name] == before[name], name
    with engine.begin() as connection:  # the id sequences came back too
        connection.execute(sa.text("INSERT INTO regions (code, name, requires_head_confirmation)"
                                   " VALUES ('NEXT', 'Следующий', false)"))


def test_restore_refuses_a_file_that_is_not_a_backup(demo_database):
    app, engine, instance = demo_database
    stray = instance / "stray.backup"
    stray.write_bytes(b"not a database at all")
    before = _rows(engine)
    done = _flask(app, "restore", str(stray))
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and "Error:" not in done.stderr
    assert _rows(engine) == before


def _backed_up_names(backup: Path) -> str:
    """The users' names as the backup file holds them (SQLite: a database; PostgreSQL: the
    data section of the dump, as pg_restore prints it)."""
    if BACKEND == "sqlite":
        with closing(sqlite3.connect(backup)) as copy:
            return " ".join(name for (name,) in copy.execute("SELECT full_name FROM users"))
    script = subprocess.run([_pg_tool("pg_restore"), "--data-only", "--table=users", "-f", "-",
                             str(backup)], capture_output=True, text=True, check=True)
    return script.stdout


def test_a_backup_is_taken_while_a_writer_is_busy_and_holds_only_what_is_committed(
        demo_database):
    app, engine, instance = demo_database
    backup = instance / "online.backup"
    with engine.connect() as writer:  # the portal at work: a write not committed yet
        writer.execute(sa.text("UPDATE users SET full_name = 'uncommitted'"))
        done = _flask(app, "backup", str(backup))
        writer.rollback()
    assert done.returncode == 0, done.stderr[-2000:]
    names = _backed_up_names(backup)
    assert "uncommitted" not in names and "Администратор" in names
