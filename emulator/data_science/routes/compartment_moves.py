"""``.../actions/changeCompartment`` of projects, models and model version sets: 200 with no body,
as OCI answers (the moved resource is read back with its GET)."""
from __future__ import annotations

from flask import Response

from emulator.data_science import models, projects, version_sets
from emulator.data_science.compartment_moves import change_compartment, compartment_in_body
from emulator.data_science.errors import model_not_found, project_not_found, version_set_not_found
from emulator.data_science.routes import bp
from emulator.data_science.routes.common import if_match
from emulator.state import current_state
from emulator.wire import empty_response, require_ocid


def _moved(kind: str, ident: str, name: str, missing, what: str) -> Response:
    require_ocid(ident, name)
    change_compartment(current_state().db, kind, ident, compartment_in_body(), if_match(), missing, what)
    return empty_response(200)


@bp.post("/projects/<project_id>/actions/changeCompartment")
def change_project_compartment(project_id: str) -> Response:
    return _moved(projects.KIND, project_id, "projectId", project_not_found, "project")


@bp.post("/models/<model_id>/actions/changeCompartment")
def change_model_compartment(model_id: str) -> Response:
    return _moved(models.KIND, model_id, "modelId", model_not_found, "model")


@bp.post("/modelVersionSets/<set_id>/actions/changeCompartment")
def change_model_version_set_compartment(set_id: str) -> Response:
    return _moved(version_sets.KIND, set_id, "modelVersionSetId", version_set_not_found, "model version set")
