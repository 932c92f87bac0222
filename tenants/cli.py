"""``flask tenants ...``: the organization registry from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from portal.extensions import db
from portal.tabular import TableError, read_table_file
from tenants import registry
from tenants.scoping import system_task


@click.group("tenants")
def tenants_group():
    """Manage regions, municipalities and organizations."""


@tenants_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
@system_task("flask tenants import writes the registry of every region")
def import_command(file: Path):
    """Load the organization registry from CSV or XLSX (idempotent; all or nothing)."""
    try:
        parsed = registry.parse(read_table_file(file))
        with click.progressbar(length=len(parsed.organizations),
                               label=_("Importing organizations")) as bar:
            def progress(rows):
                for row in rows:
                    yield row
                    bar.update(1)

            summary = registry.store(parsed, progress)
        db.session.commit()
    except (TableError, registry.RegistryImportError) as problem:
        db.session.rollback()
        raise click.ClickException(
            _("Nothing was imported.") + "\n" + str(problem)) from problem
    click.echo(_("Imported: %(regions)d regions, %(municipalities)d municipalities, "
                 "%(created)d new and %(updated)d updated organizations.",
                 regions=summary.regions, municipalities=summary.municipalities,
                 created=summary.created, updated=summary.updated))
