"""WSGI entry point for gunicorn: ``gunicorn -c <pkg>/gunicorn_conf.py <pkg>.wsgi:app``.

Imported in each worker after the fork (no preload), so each worker loads the model once.
"""
from .server import create_app

app = create_app()
