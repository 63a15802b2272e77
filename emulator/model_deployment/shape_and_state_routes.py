"""The model deployment API's other operations: the shapes a deployment may use, the states of the
models a deployment serves, and moving a deployment to another compartment."""
from __future__ import annotations

from typing import Any

from flask import Response, request

from emulator.contracts.deployment_shapes import SHAPES
from emulator.contracts.states import BUSY_DEPLOYMENT_STATES
from emulator.data_science.compartment_moves import change_compartment, compartment_in_body
from emulator.errors import incorrect_state, not_found
from emulator.model_deployment import model_states
from emulator.model_deployment.api import bp, service
from emulator.model_deployment.service import KIND
from emulator.state import current_state
from emulator.wire import empty_response, limit_arg, list_response, page_of, require_ocid


@bp.get("/modelDeploymentShapes")
def list_model_deployment_shapes() -> Response:
    require_ocid(request.args.get("compartmentId"), "compartmentId")
    return list_response(page_of(list(SHAPES), limit_arg()), dict)


@bp.get("/modelDeployments/<deployment_id>/models/modelState")
def list_model_deployment_model_states(deployment_id: str) -> Response:
    require_ocid(deployment_id, "modelDeploymentId")
    compartment = require_ocid(request.args.get("compartmentId"), "compartmentId")
    deployment = service().get(deployment_id)
    items = []
    if deployment["compartmentId"] == compartment:
        filters = {name: request.args.get(name) for name in model_states.FILTERS}
        items = model_states.summaries(current_state().db, deployment, filters)
    if request.args.get("sortOrder", "ASC").upper() == "DESC":
        items.reverse()
    return list_response(page_of(items, limit_arg()), dict)


def _refuse_while_busy(record: dict[str, Any]) -> None:
    if record["lifecycleState"] in BUSY_DEPLOYMENT_STATES:
        raise incorrect_state(f"model deployment {record['id']} is {record['lifecycleState']}; "
                              "move it when the operation has finished.")


@bp.post("/modelDeployments/<deployment_id>/actions/changeCompartment")
def change_model_deployment_compartment(deployment_id: str) -> Response:
    require_ocid(deployment_id, "modelDeploymentId")
    target = compartment_in_body()
    record = change_compartment(current_state().db, KIND, deployment_id, target, request.headers.get("if-match"),
                                lambda ident: not_found("model deployment", ident), "model deployment",
                                _refuse_while_busy)
    service().router.move(deployment_id, record["compartmentId"])  # predict's access check reads the table
    return empty_response(200)
