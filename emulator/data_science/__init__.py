"""The OCI Data Science service (model catalog part): projects, models, artifacts, provenance,
metadata artifacts, model version sets and work requests, at ``/20190101``."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from emulator.data_science.routes import bp

    app.register_blueprint(bp)
