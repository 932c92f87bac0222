"""Gunicorn entry point: ``gunicorn wsgi:app``; also ``flask --app wsgi ...`` for the CLI."""

from portal import create_app

app = create_app()
