"""WSGI entry point for gunicorn: ``gunicorn -c <pkg>/gunicorn_conf.py <pkg>.wsgi:app``.

Imported once in gunicorn's master before it forks the workers (``preload_app``), so the model is
loaded once and every worker starts with it (see ``server.create_app``).
"""
from .server import create_app

app = create_app(before_fork=True)
