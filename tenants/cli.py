"""``flask tenants ...``: the organization registry from the command line."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from flask_babel import gettext as _

from portal.cli_errors import LocalizedGroup, fail
from portal.extensions import db
from tenants import operations, registry
from tenants.models import Region
from tenants.scoping import system_task


@click.group("tenants", cls=LocalizedGroup)
def tenants_group():
    """Manage regions, municipalities and organizations."""


@tenants_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
@system_task("flask tenants import writes the registry of every region")
def import_command(file: Path):
    """Load the organization registry from CSV or XLSX (idempotent; all or nothing)."""
    try:
        parsed = registry.parse(registry.read(file))
        with click.progressbar(length=len(parsed.organizations),
                               label=_("Importing organizations")) as bar:
            def progress(rows):
                for row in rows:
                    yield row
                    bar.update(1)

            summary = registry.store(parsed, progress)
        db.session.commit()
    except registry.RegistryImportError as problem:
        db.session.rollback()
        fail(_("Nothing was imported.") + "\n" + str(problem))
    click.echo(_("Imported: %(regions)d regions, %(municipalities)d municipalities, "
                 "%(created)d new and %(updated)d updated organizations.",
                 regions=summary.regions, municipalities=summary.municipalities,
                 created=summary.created, updated=summary.updated))


@tenants_group.command("timezone")
@click.argument("region_code")
@click.argument("name")
@with_appcontext
def timezone_command(region_code: str, name: str):
    """Set a region's time zone (an IANA name such as Asia/Vladivostok)."""
    region = db.session.scalar(sa.select(Region).where(Region.code == region_code))
    if region is None:
        raise click.ClickException(_("No region has the code %(code)s.", code=region_code))
    try:
        operations.set_region_timezone(region, name)
    except operations.RegistryError as problem:
        db.session.rollback()
        raise click.ClickException(str(problem)) from problem
    db.session.commit()
    click.echo(_("The region %(name)s counts its days and deadlines in %(zone)s.",
                 name=region.name, zone=region.timezone))
