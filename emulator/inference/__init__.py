"""The Dockyard inference server: runs an artifact's ``score.py`` behind ``POST /predict`` and ``GET /health``.

This package is self-contained on purpose: it is copied as-is into deployment images, where only
flask, gunicorn and the artifact's own requirements are installed. Import nothing from the rest of
Dockyard here, and use relative imports only.
"""
