"""Command-line interface: ``flask --app wsgi users|demo|translate ...``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from flask_babel import gettext as _

from portal import demo
from portal.auth import operations as accounts
from portal.auth.queries import find_by_login_or_email
from portal.auth.tokens import set_password_url
from portal.cli_errors import LocalizedCommand, LocalizedGroup, fail
from portal.extensions import db
from tenants.models import Role
from tenants.scoping import system_task

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "portal" / "translations"
POT_FILE = ROOT / "messages.pot"


@click.group("users", cls=LocalizedGroup)
def users_group():
    """Manage user accounts."""


@users_group.command("create")
@click.option("--login", required=True, help="Login name.")
@click.option("--role", "role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--scope", "scope_code", default=None,
              help="Code of the region, municipality or organization (not for admin).")
@click.option("--name", "full_name", default="", help="Full name.")
@click.option("--email", default=None, help="E-mail address.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
@system_task("flask users create: the administrator at the command line")
def create_user_command(login, role, scope_code, full_name, email, password_stdin):
    """Create an account (or add a role to an existing one) and print a set-password link."""
    role = Role(role)
    if role is not Role.ADMIN and not scope_code:
        fail(_("--scope is required for the role %(role)s.", role=role.value), code=2)
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    user = find_by_login_or_email(login)
    try:
        if user is None:
            user = accounts.create_user(login, full_name, email)
        accounts.assign_role(user, role, scope_code)
        if password is not None:
            accounts.set_password(user, password)  # the password policy may refuse it
    except accounts.AccountError as problem:
        db.session.rollback()
        fail(str(problem))
    except LookupError:
        db.session.rollback()
        fail(_("No tenant has the code %(code)s.", code=scope_code))
    db.session.commit()
    click.echo(_("Account %(login)s: role %(role)s.", login=user.login, role=role.value))
    if password is None:
        with _request_context():
            link = set_password_url(user)
        db.session.commit()  # the link voids older ones: that is a write
        click.echo(_("One-time link to set the password: %(link)s", link=link))


def _request_context():
    from flask import current_app

    # POST: it writes (the link voids older ones), so it begins as a writer (portal.transactions).
    return current_app.test_request_context(base_url=current_app.config["PORTAL_BASE_URL"],
                                            method="POST")


@click.command("demo", cls=LocalizedCommand)
@click.option("--if-empty", is_flag=True, help="Do nothing (successfully) if data exists.")
@click.option("--scale", type=click.IntRange(min=1), default=None, metavar="N",
              help="Add a synthetic region of N organizations instead (N/33 municipalities, "
                   "12 quarters; for benchmarks).")
@with_appcontext
@system_task("flask demo loads the demo data of every tenant")
def demo_command(if_empty: bool, scale: int | None):
    """Load the demo region into an empty database (or, with --scale, a synthetic region)."""
    if scale:
        from portal.demo.synthetic import SCALE_LOGINS, load_scaled

        try:
            info = load_scaled(scale, password=demo.DEMO_PASSWORD)
        except ValueError as problem:
            db.session.rollback()
            fail(str(problem))
        db.session.commit()
        click.echo(_("Synthetic region %(code)s: %(m)d municipalities, %(o)d organizations, "
                     "%(v)d values. Accounts %(logins)s, password %(pw)s.", code=info.code,
                     m=info.municipalities, o=info.organizations, v=info.values,
                     logins=", ".join(SCALE_LOGINS), pw=demo.DEMO_PASSWORD))
        return
    if not demo.database_is_empty():
        if if_empty:
            click.echo(_("The database already has data; the demo region was not loaded."))
            return
        fail(_("The database is not empty; the demo loads only into an empty database."))
    demo.load_demo()
    db.session.commit()
    click.echo(_("The demo region has been loaded. Password of every demo account: %(pw)s",
                 pw=demo.DEMO_PASSWORD))


@click.group("translate", cls=LocalizedGroup)
def translate_group():
    """Maintain the translations (wraps pybabel)."""


def _pybabel(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], cwd=ROOT)
    if done.returncode != 0:
        fail(_("pybabel %(step)s failed (exit code %(code)d).", step=args[0],
               code=done.returncode))


@translate_group.command("update")
@with_appcontext
def translate_update():
    """Extract messages and merge them into every catalogue."""
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "--no-location",
             "--sort-output", "-o", str(POT_FILE), "portal", "tenants", "dashboards")
    _pybabel("update", "-i", str(POT_FILE), "-d", str(TRANSLATIONS), "--no-fuzzy-matching",
             "--ignore-obsolete", "-w", "100")
    POT_FILE.unlink()
    _fill_source_catalogue(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po")
    click.echo(_("Now translate the empty entries of the ru catalogue, then: flask translate "
                 "compile"))


def _fill_source_catalogue(path: Path) -> None:
    """Messages are written in English, so the en catalogue is the identity translation."""
    from babel.messages.pofile import read_po, write_po

    with path.open("rb") as handle:
        catalogue = read_po(handle)
    for message in catalogue:
        if message.id and not message.string:
            message.string = message.id
    with path.open("wb") as handle:
        write_po(handle, catalogue, width=100, sort_output=True)


@translate_group.command("compile")
@with_appcontext
def translate_compile():
    """Compile the catalogues into .mo files."""
    _pybabel("compile", "-d", str(TRANSLATIONS))


@click.group("periods", cls=LocalizedGroup)
def periods_group():
    """Open collections of a region's forms."""


@periods_group.command("open")
@click.option("--region", "region_code", required=True, help="Code of the region.")
@click.option("--form", "form_code", required=True, help="Code of the region's form.")
@click.option("--opens", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Opening date, YYYY-MM-DD (one-off: also the date it is «на»).")
@click.option("--deadline", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Deadline, YYYY-MM-DD.")
@click.option("--title", default=None, help="Title of a one-off collection.")
@click.option("--year", type=int, default=None,
              help="The year (a school year: the year it starts in); default: from --opens.")
@click.option("--number", type=int, default=None,
              help="The quarter (1-4) or half-year (1-2); default: from --opens.")
@with_appcontext
@system_task("flask periods open: the region's IT staff at the command line")
def open_period_command(region_code, form_code, opens, deadline, title, year, number):
    """Open a collection of a form, as the periods page does."""
    from portal.catalogue import operations as forms
    from portal.reports import period_operations
    from portal.reports.operations import ReportError
    from tenants.models import Region

    region = db.session.scalar(sa.select(Region).filter_by(code=region_code))
    form = forms.find_form(region, form_code) if region is not None else None
    if form is None:
        fail(_("The region %(region)s has no form %(form)s.", region=region_code,
               form=form_code))
    opens_on, deadline_on = (opens.date() if opens else None), (deadline.date() if deadline
                                                               else None)
    try:
        period = period_operations.open_form_period(form, opens_on, deadline_on, title=title,
                                                    year=year, number=number)
    except (ReportError, ValueError) as problem:
        db.session.rollback()
        fail(str(problem))
    db.session.commit()
    click.echo(_("Opened: %(form)s, %(period)s (from %(opens)s, deadline %(deadline)s).",
                 form=form.name, period=period.label, opens=period.opens_on.isoformat(),
                 deadline=period.deadline.isoformat()))


@click.group("forms", cls=LocalizedGroup)
def forms_group():
    """Import and export a region's forms as definition files."""


def _region_or_fail(code: str):
    from tenants.models import Region

    region = db.session.scalar(sa.select(Region).filter_by(code=code))
    if region is None:
        fail(_("No tenant has the code %(code)s.", code=code))
    return region


@forms_group.command("import")
@click.option("--region", "region_code", required=True, help="Code of the region.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
@system_task("flask forms import: the region's IT staff at the command line")
def import_form_command(region_code, path):
    """Read a definition file (XLSX) and store it as the region's form (all or nothing)."""
    from portal.catalogue import operations as forms
    from portal.catalogue.definition_file import DefinitionFileError, read_definition

    region = _region_or_fail(region_code)
    try:
        version = forms.import_definition(region, read_definition(path.read_bytes()))
    except (forms.CatalogueError, DefinitionFileError) as problem:
        db.session.rollback()
        fail(str(problem))
    db.session.commit()
    click.echo(_("Form %(code)s: version %(number)d.", code=version.form.code,
                 number=version.number))


@forms_group.command("export")
@click.option("--region", "region_code", required=True, help="Code of the region.")
@click.option("--form", "form_code", required=True, help="Code of the region's form.")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
@system_task("flask forms export: the region's IT staff at the command line")
def export_form_command(region_code, form_code, path):
    """Write the latest version of a region's form to a definition file (XLSX)."""
    from portal.catalogue import operations as forms
    from portal.catalogue.definition_file import write_definition

    form = forms.find_form(_region_or_fail(region_code), form_code)
    if form is None:
        fail(_("The region %(region)s has no form %(form)s.", region=region_code,
               form=form_code))
    path.write_bytes(write_definition(forms.definition_of(forms.latest_version(form))))
    click.echo(_("Form %(code)s written to %(path)s.", code=form.code, path=str(path)))
