"""The OCI Data Science service (model catalog part): projects, models, artifacts, provenance,
metadata artifacts, model version sets and work requests, at ``/20190101``."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the toolkit imports artifact_tests from here and must not load Flask for it
    from flask import Flask


def init_app(app: Flask) -> None:
    from emulator.data_science.routes import bp

    app.register_blueprint(bp)
