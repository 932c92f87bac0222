"""The form editor (issue 11 §1): a region's forms, a form's items, its definition file.

The region's coordinators (and the administrator) reach these pages; a form of another
region is not found (the form's scope rule, tenants.scoping), one of their own region that
they may only read answers 403. Changes go to the form's editable version; GET requests
never make one.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from portal.admin.forms import ActionForm
from portal.catalogue import editor, operations, queries
from portal.catalogue.definition import Periodicity
from portal.catalogue.definition_file import (
    DefinitionFileError,
    read_definition,
    write_definition,
)
from portal.catalogue.editor_forms import (
    PERIODICITY_LABELS,
    DefinitionUploadForm,
    ItemForm,
    NewFormForm,
)
from portal.catalogue.models import KIND_LABELS, Form, Indicator, section_label
from portal.catalogue.operations import CatalogueError
from portal.documents.storage import UploadError, read_limited
from portal.downloads import xlsx_response
from tenants.models import Region
from tenants.scoping import Action, require

MAX_DEFINITION_BYTES = 2 * 1024 * 1024


def region_forms(region: Region):
    """The region's forms; a new one copied from a national template or empty."""
    require(Action.MANAGE, region)
    templates = queries.forms_of(None)
    form = NewFormForm()
    form.source.choices = [SelectChoice("", _("An empty form"))] + [
        SelectChoice(str(t.id), _("A copy of «%(name)s»", name=t.name)) for t in templates]
    if form.validate_on_submit():
        try:
            created = _create(region, form, {str(t.id): t for t in templates})
        except CatalogueError as problem:
            form.code.errors.append(str(problem))
        else:
            flash(_("The form «%(name)s» has been created.", name=created.name), "success")
            return redirect(url_for("catalogue.form", form_id=created.id))
    return render_template("catalogue/region_forms.html", region=region, form=form,
                           forms=queries.forms_of(region.id),
                           periodicity_labels=PERIODICITY_LABELS)


def _create(region: Region, form: NewFormForm, templates: dict[str, Form]) -> Form:
    """The region's new form: a copy of the chosen template under the given code and names."""
    names = {"name_ru": form.name_ru.data.strip(),
             "name_en": (form.name_en.data or form.name_ru.data).strip()}
    if form.source.data:
        source = templates.get(form.source.data)
        if source is None:
            raise CatalogueError(_("Choose a template from the list."))
        if operations.find_form(region, form.code.data) is not None:
            raise CatalogueError(_("The region already has a form with this code."))
        created = operations.copy_template(region, source)
        created.code = form.code.data
        created.name_ru, created.name_en = names["name_ru"], names["name_en"]
        return created
    return operations.create_form(region, code=form.code.data,
                                  periodicity=Periodicity(form.periodicity.data),
                                  applies_to=list(form.applies_to.data), **names)


def show(form: Form):
    """A form's items in order, with the editor for its coordinators."""
    require(Action.MANAGE, form)
    item_form = ItemForm()
    if item_form.validate_on_submit():
        try:
            editor.add_item(form, item_form.code.data, item_form.fields_data())
        except CatalogueError as problem:
            item_form.code.errors.append(str(problem))
        else:
            flash(_("The item has been added."), "success")
            return redirect(url_for("catalogue.form", form_id=form.id))
    elif request.method == "GET":
        item_form.applies_to.data = list(form.applies_to)
    return _form_page(form, item_form, DefinitionUploadForm())


def _form_page(form: Form, item_form: ItemForm, upload: DefinitionUploadForm):
    version = operations.latest_version(form)
    items = queries.all_indicators(version) if version else []
    sections = sorted({i.section for i in items})
    status = 200 if not (item_form.errors or upload.errors) else 422
    return render_template("catalogue/form.html", owner=form, version=version, items=items,
                           item_form=item_form, upload=upload, action_form=ActionForm(),
                           kind_labels=KIND_LABELS, sections=sections, readonly_code=False,
                           section_label=section_label,
                           periodicity_labels=PERIODICITY_LABELS), status


def edit_item(indicator: Indicator):
    """Every field of an item but its code (which names it across versions and in rules)."""
    require(Action.MANAGE, indicator)
    owner = indicator.form_version.form
    item_form = ItemForm(obj=indicator)
    item_form.code.data = indicator.code  # shown, never changed
    if item_form.validate_on_submit():
        try:
            editor.update_item(indicator, item_form.fields_data())
        except CatalogueError as problem:
            item_form.kind.errors = [*item_form.kind.errors, str(problem)]
        else:
            flash(_("The item has been saved."), "success")
            return redirect(url_for("catalogue.form", form_id=owner.id))
    sections = sorted({i.section for i in queries.all_indicators(indicator.form_version_id)})
    return render_template("catalogue/item_edit.html", owner=owner, item=indicator,
                           item_form=item_form, readonly_code=True,
                           sections=sections), 422 if item_form.errors else 200


def move_item(indicator: Indicator):
    """Move an item one place up or down."""
    require(Action.MANAGE, indicator)
    if ActionForm().validate_on_submit():
        try:
            editor.move_item(indicator, -1 if request.form.get("direction") == "up" else 1)
        except CatalogueError as problem:
            flash(str(problem), "danger")
    return redirect(url_for("catalogue.form", form_id=indicator.form_version.form_id))


def restore_item(indicator: Indicator):
    """Bring a retired item back into the form."""
    require(Action.MANAGE, indicator)
    if ActionForm().validate_on_submit():
        try:
            editor.restore_item(indicator)
        except CatalogueError as problem:
            flash(str(problem), "danger")
        else:
            flash(_("The item is in use again."), "success")
    return redirect(url_for("catalogue.form", form_id=indicator.form_version.form_id))


def download(form: Form):
    """The form's latest version as a definition XLSX (the format of the upload)."""
    require(Action.MANAGE, form)
    version = operations.latest_version(form)
    if version is None:
        abort(404)
    data = write_definition(operations.definition_of(version))
    return xlsx_response(data, f"{form.code}-v{version.number}.xlsx")


def upload(form: Form):
    """Replace the form's editable version by a definition file: all or nothing."""
    require(Action.MANAGE, form)
    sent_form = DefinitionUploadForm()
    if sent_form.validate_on_submit():
        sent = sent_form.file.data
        try:
            if form.is_template:  # a region's file makes a region's form (flask forms import)
                raise CatalogueError(_("A template is not loaded from a file here."))
            if not sent or not sent.filename:
                raise CatalogueError(_("Choose a file."))
            definition = read_definition(read_limited(sent.stream, MAX_DEFINITION_BYTES))
            if definition.code != form.code:
                raise CatalogueError(_("The file defines the form %(code)s, not this one.",
                                       code=definition.code))
            version = operations.import_definition(form.region, definition)
        except DefinitionFileError as problems:
            sent_form.file.errors.extend(str(p) for p in problems.problems)
        except (CatalogueError, UploadError) as problem:
            sent_form.file.errors.append(str(problem))
        else:
            flash(_("The definition has been loaded as version %(n)d.", n=version.number),
                  "success")
            return redirect(url_for("catalogue.form", form_id=form.id))
    item_form = ItemForm(formdata=None)
    item_form.applies_to.data = list(form.applies_to)
    return _form_page(form, item_form, sent_form)
