"""HTTP side of the Data Science service (base path ``/20190101``): parse the wire request, call
the logic modules, render the wire response. One module per resource family."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("data_science", __name__, url_prefix="/20190101")

# Importing the modules attaches their routes to ``bp``.
from emulator.data_science.routes import (  # noqa: E402,F401
    artifact_signatures,
    artifacts,
    compartment_moves,
    metadata_artifacts,
    model_groups,
    models,
    notebook_sessions,
    projects,
    provenance,
    version_sets,
    work_requests,
)
