"""Production entry point: ``gunicorn wsgi:app``."""

from prescribe import create_app

app = create_app()
