"""A minimal OCI Resource Search (``POST /20180409/resources``) over the emulator's own records,
enough for ADS's "is this model still deployed?" check before deleting a model."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from emulator.resource_search.routes import bp

    app.register_blueprint(bp)
