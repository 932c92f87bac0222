"""Command-line errors in the user's language.

Click prints its errors itself, in English (``Error: …``, ``Usage: …``, ``Missing option``).
Commands of the portal are built with :class:`LocalizedCommand` and :class:`LocalizedGroup`
instead, which catch those errors, print them translated to standard error and exit with the
same code; :func:`fail` is how a command stops with a message of its own.
"""

from __future__ import annotations

from contextlib import nullcontext

import click
from flask import has_app_context
from flask.cli import ScriptInfo
from flask_babel import gettext as _


def fail(message: str, code: int = 1) -> None:
    """Print ``message`` as an error of the running command and stop it with ``code``."""
    click.echo(_("Error: %(message)s", message=message), err=True)
    raise click.exceptions.Exit(code)


def _app_context(ctx: click.Context | None):
    """Translations need the application; parsing errors come before it is pushed."""
    if has_app_context():
        return nullcontext()
    info = ctx.find_object(ScriptInfo) if ctx is not None else None
    try:
        return info.load_app().app_context() if info is not None else nullcontext()
    except Exception:  # no application to load: English is what is left
        return nullcontext()


def _parameter_name(param: click.Parameter | None) -> str:
    if param is None:
        return "?"
    if isinstance(param, click.Option):
        return "/".join(param.opts)
    return param.human_readable_name


def usage_message(problem: click.UsageError) -> str:
    """What went wrong on the command line, in the user's language."""
    if isinstance(problem, click.MissingParameter):
        name = _parameter_name(problem.param)
        if problem.param is not None and problem.param.param_type_name == "argument":
            return _("The argument %(name)s is missing.", name=name)
        return _("The option %(name)s is required.", name=name)
    if isinstance(problem, click.NoSuchOption):
        return _("There is no option %(name)s.", name=problem.option_name)
    if isinstance(problem, click.BadParameter):
        name = _parameter_name(problem.param)
        choices = getattr(getattr(problem.param, "type", None), "choices", None)
        if choices:
            return _("The value of %(name)s must be one of: %(choices)s.", name=name,
                     choices=", ".join(str(choice) for choice in choices))
        return _("The value of %(name)s is not valid.", name=name)
    if isinstance(problem, click.exceptions.NoSuchCommand):
        return _("There is no command %(name)s.", name=problem.command_name)
    return _("The command line is not valid (an unknown, missing or extra argument).")


def _show(problem: click.ClickException) -> None:
    ctx = getattr(problem, "ctx", None) or click.get_current_context(silent=True)
    with _app_context(ctx):
        if isinstance(problem, click.UsageError):
            click.echo(_("Error: %(message)s", message=usage_message(problem)), err=True)
            if problem.ctx is not None:
                click.echo(_("Help: %(command)s --help", command=problem.ctx.command_path),
                           err=True)
        else:
            click.echo(_("Error: %(message)s", message=problem.format_message()), err=True)


def _localized(call):
    """Run ``call``; a Click error is printed translated and becomes an exit with its code."""
    try:
        return call()
    except click.exceptions.NoArgsIsHelpError:
        raise  # shows the help text, which is no error
    except click.ClickException as problem:
        _show(problem)
        raise click.exceptions.Exit(problem.exit_code) from problem
    except click.Abort as problem:
        with _app_context(click.get_current_context(silent=True)):
            click.echo(_("Interrupted; nothing more was done."), err=True)
        raise click.exceptions.Exit(1) from problem


class LocalizedCommand(click.Command):
    """A command whose parsing and running errors are printed in the user's language."""

    def make_context(self, info_name, args, parent=None, **extra):
        return _localized(lambda: super(LocalizedCommand, self).make_context(
            info_name, args, parent=parent, **extra))

    def invoke(self, ctx):
        return _localized(lambda: super(LocalizedCommand, self).invoke(ctx))


class LocalizedGroup(click.Group):
    """A group of :class:`LocalizedCommand` (its own errors are translated too)."""

    command_class = LocalizedCommand
    group_class = type  # subgroups are localized groups as well

    def make_context(self, info_name, args, parent=None, **extra):
        return _localized(lambda: super(LocalizedGroup, self).make_context(
            info_name, args, parent=parent, **extra))

    def invoke(self, ctx):
        return _localized(lambda: super(LocalizedGroup, self).invoke(ctx))
