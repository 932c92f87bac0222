"""Backup and restore, one command each: ``flask --app wsgi backup FILE`` / ``restore FILE``.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot
while the portal keeps serving (readers and writers go on in WAL mode); a restore copies the
file back the same way, page by page under the write lock, so the workers see either the old
or the restored database, never a mixture. PostgreSQL: ``pg_dump -Fc`` and ``pg_restore
--clean --if-exists --single-transaction`` from the PATH or the newest
``/usr/lib/postgresql/*/bin``. Backups hold password hashes: they are written 0600
(:mod:`portal.files`). Messages are in the user's language (:mod:`portal.cli_errors`).
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from portal.cli_errors import LocalizedCommand, fail
from portal.files import FILE_MODE
from portal.refusals import Refusal

PORTAL_TABLE = "alembic_version"  # a backup without it is not a backup of the portal


class BackupError(Refusal):
    """A backup or restore that could not be done; the message says why."""


def _told(work, file: Path, done: str) -> None:
    """Run ``work(file)``; say ``done`` or, in the user's language, why not."""
    try:
        work(file)
    except BackupError as problem:
        fail(str(problem))
    click.echo(done)


def _url():
    from portal.extensions import db

    return db.engine.url  # relative SQLite paths resolved as the portal resolves them


def _sqlite_path(url) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError(_("An in-memory database cannot be backed up."))
    return Path(url.database)


def _private(path: Path) -> None:
    """Create ``path`` empty and readable by the owner only (before anything is written)."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))


def _sqlite_copy(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(source, timeout=30)) as src, \
            closing(sqlite3.connect(target, timeout=30)) as dst:
        src.backup(dst)  # in one step: a consistent snapshot of the source


def _is_portal_sqlite(path: Path) -> bool:
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
            return con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                               (PORTAL_TABLE,)).fetchone() is not None
    except sqlite3.DatabaseError:
        return False


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parent.parent.name))
    if not candidates:
        raise BackupError(_("%(tool)s was not found: install the PostgreSQL client tools.",
                            tool=name))
    return candidates[-1]


def _pg_run(tool: str, url, *arguments: str) -> None:
    """Run a PostgreSQL tool on the portal's database (the password through the environment)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    target = url.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False)
    done = subprocess.run([_pg_tool(tool), "--dbname", target, *arguments], env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(_("%(tool)s failed: %(error)s", tool=tool,
                            error=done.stderr.strip()[-2000:]))


def backup(target: Path) -> None:
    """Write a backup of the portal's database to ``target``."""
    url = _url()
    if not target.parent.is_dir():
        raise BackupError(_("The folder %(folder)s does not exist.", folder=target.parent))
    temporary = target.with_name(f".{target.name}.partial")
    _private(temporary)
    try:
        if url.get_backend_name() == "sqlite":
            _sqlite_copy(_sqlite_path(url), temporary)
        else:
            _pg_run("pg_dump", url, "--format=custom", "--file", str(temporary))
        temporary.replace(target)  # a backup file is complete or absent
    finally:
        temporary.unlink(missing_ok=True)


def restore(source: Path) -> None:
    """Replace the portal's database with the backup in ``source``."""
    if not source.is_file():
        raise BackupError(_("%(file)s does not exist.", file=source))
    url = _url()
    from portal.extensions import db

    db.engine.dispose()  # no connection of this process keeps the old database open
    if url.get_backend_name() == "sqlite":
        if not _is_portal_sqlite(source):
            raise BackupError(_("%(file)s is not a backup of the portal.", file=source))
        _sqlite_copy(source, _sqlite_path(url))
    else:
        _pg_run("pg_restore", url, "--clean", "--if-exists", "--single-transaction",
                "--no-owner", "--exit-on-error", str(source))


@click.command("backup", cls=LocalizedCommand)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path):
    """Back up the database into FILE (while the portal keeps running)."""
    _told(backup, file, _("Backup written to %(file)s.", file=file))


@click.command("restore", cls=LocalizedCommand)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file: Path):
    """Replace the database with the backup in FILE."""
    _told(restore, file, _("The database has been restored from %(file)s.", file=file))
