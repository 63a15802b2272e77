"""``/20190101/modelDeployments``: the OCI model deployment API (wire shapes of the oci SDK models)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from oci.data_science.models import InstancePoolInfrastructureConfigurationDetails as _InstancePool

from emulator.contracts.deployment_shapes import SHAPE_NAMES, is_accepted
from emulator.contracts.deployments import DEFAULT_BANDWIDTH_MBPS, DEFAULT_INSTANCE_COUNT
from emulator.contracts.states import ACTIVE
from emulator.data_science import model_groups, models
from emulator.data_science.errors import not_active
from emulator.errors import invalid
from emulator.model_deployment import autoscaling, configuration
from emulator.model_deployment.service import KIND, DeploymentService, current_service
from emulator.state import current_state
from emulator.wire import (caller, check_etag, check_types, empty_response, json_body, list_records, list_response,
                           page_params, public, record_response, require_ocid)

bp = Blueprint("model_deployment", __name__, url_prefix="/20190101")

DEPLOYMENT_TYPES = (configuration.SINGLE_MODEL, configuration.MODEL_GROUP)
INSTANCE_POOL = _InstancePool().infrastructure_type
ENVIRONMENT_TYPES = ("DEFAULT", "OCIR_CONTAINER")
_SORT = ("timeCreated", "displayName")


def service() -> DeploymentService:
    return current_service()


def render(record: dict[str, Any], summary: bool = False) -> dict[str, Any]:
    """The wire form; ``modelDeploymentUrl`` follows the emulator's current address (ports change on restart)."""
    body = public(record)
    body["modelDeploymentUrl"] = service().deployment_url(request.host_url, record["id"])
    if summary:
        body.pop("lifecycleDetails", None)
    return body


@bp.post("/modelDeployments")
def create_model_deployment() -> Response:
    body = json_body()
    require_ocid(body.get("compartmentId"), "compartmentId")
    require_ocid(body.get("projectId"), "projectId")
    check_types(body, {"displayName": str, "description": str, "freeformTags": dict, "definedTags": dict,
                       "categoryLogDetails": dict})
    body["modelDeploymentConfigurationDetails"] = _configuration(body.get("modelDeploymentConfigurationDetails"))
    record, wr_id = service().create(body, caller())
    response = record_response(record, headers={"opc-work-request-id": wr_id})
    response.set_data(_json(render(record)))
    return response


@bp.get("/modelDeployments/<deployment_id>")
def get_model_deployment(deployment_id: str) -> Response:
    record = service().get(_id(deployment_id))
    response = record_response(record)
    response.set_data(_json(render(record)))
    return response


@bp.get("/modelDeployments")
def list_model_deployments() -> Response:
    args = request.args
    compartment = require_ocid(args.get("compartmentId"), "compartmentId")
    params = page_params(_SORT)
    filters = {"compartmentId": compartment, "id": args.get("id"), "projectId": args.get("projectId"),
               "displayName": args.get("displayName"), "lifecycleState": args.get("lifecycleState"),
               "createdBy": args.get("createdBy")}
    return list_response(list_records(KIND, filters, params), lambda r: render(r, summary=True))


@bp.put("/modelDeployments/<deployment_id>")
def update_model_deployment(deployment_id: str) -> Response:
    record = service().get(_id(deployment_id))
    check_etag(record, request.headers.get("if-match"))
    body = json_body()
    check_types(body, {"displayName": str, "description": str, "freeformTags": dict, "definedTags": dict,
                       "categoryLogDetails": dict, "modelDeploymentConfigurationDetails": dict})
    changes = body.get("modelDeploymentConfigurationDetails") or {}
    kind = configuration.details(record).get("deploymentType")
    if changes.get("deploymentType", kind) != kind:
        raise invalid(f"deploymentType cannot change: this deployment is {kind}, the update names "
                      f"{changes['deploymentType']}; create a new deployment of that type.")
    for part in (configuration.MODEL_PART, configuration.INFRASTRUCTURE_PART):
        if isinstance(changes.get(part), dict) and isinstance(changes[part].get("instanceConfiguration"), dict):
            _check_shape(changes[part]["instanceConfiguration"])
    wr_id = service().update(deployment_id, body)
    return empty_response(202, {"opc-work-request-id": wr_id})


@bp.post("/modelDeployments/<deployment_id>/actions/activate")
def activate_model_deployment(deployment_id: str) -> Response:
    check_etag(service().get(_id(deployment_id)), request.headers.get("if-match"))
    return empty_response(202, {"opc-work-request-id": service().activate(deployment_id)})


@bp.post("/modelDeployments/<deployment_id>/actions/deactivate")
def deactivate_model_deployment(deployment_id: str) -> Response:
    check_etag(service().get(_id(deployment_id)), request.headers.get("if-match"))
    return empty_response(202, {"opc-work-request-id": service().deactivate(deployment_id)})


@bp.delete("/modelDeployments/<deployment_id>")
def delete_model_deployment(deployment_id: str) -> Response:
    check_etag(service().get(_id(deployment_id)), request.headers.get("if-match"))
    return empty_response(202, {"opc-work-request-id": service().delete(deployment_id)})


def _id(deployment_id: str) -> str:
    """A malformed OCID is 400 InvalidParameter, as for every other resource; an unknown one 404."""
    return require_ocid(deployment_id, "modelDeploymentId")


def _configuration(config: Any) -> dict[str, Any]:
    """Validate ``modelDeploymentConfigurationDetails`` and fill OCI's defaults (bandwidth, fixed scaling)."""
    if not isinstance(config, dict):
        raise invalid("modelDeploymentConfigurationDetails must be an object.")
    kind = config.get("deploymentType")
    if kind not in DEPLOYMENT_TYPES:
        raise invalid(f"deploymentType {kind!r} is not supported here; use one of {list(DEPLOYMENT_TYPES)}.")
    infrastructure, where = _model_group(config) if kind == configuration.MODEL_GROUP else _single_model(config)
    instance = infrastructure.get("instanceConfiguration")
    if not isinstance(instance, dict) or not isinstance(instance.get("instanceShapeName"), str):
        raise invalid(f"{where}.instanceConfiguration.instanceShapeName is required.")
    _check_shape(instance)
    infrastructure.setdefault("bandwidthMbps", DEFAULT_BANDWIDTH_MBPS)
    scaling = infrastructure.get("scalingPolicy") or {"policyType": "FIXED_SIZE",
                                                      "instanceCount": DEFAULT_INSTANCE_COUNT}
    infrastructure["scalingPolicy"] = autoscaling.validate(scaling)
    env = config.get("environmentConfigurationDetails") or {"environmentConfigurationType": "DEFAULT"}
    if env.get("environmentConfigurationType") not in ENVIRONMENT_TYPES:
        raise invalid(f"environmentConfigurationType must be one of {list(ENVIRONMENT_TYPES)}.")
    if env["environmentConfigurationType"] == "OCIR_CONTAINER" and not isinstance(env.get("image"), str):
        raise invalid("environmentConfigurationDetails.image is required for OCIR_CONTAINER.")
    if env.get("environmentVariables") is not None and not isinstance(env["environmentVariables"], dict):
        raise invalid("environmentConfigurationDetails.environmentVariables must be an object.")
    config["environmentConfigurationDetails"] = env
    return config


def _single_model(config: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """SINGLE_MODEL: the model (404 unknown, 409 deleted) and its infrastructure, both in one part."""
    model = config.get(configuration.MODEL_PART)
    if not isinstance(model, dict):
        raise invalid("modelConfigurationDetails must be an object.")
    model_id = require_ocid(model.get("modelId"), "modelConfigurationDetails.modelId")
    models.get(current_state().db, model_id)
    return model, configuration.MODEL_PART


def _model_group(config: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """MODEL_GROUP: an ACTIVE model group (404 unknown, 409 deleted or inactive) and the infrastructure
    in ``infrastructureConfigurationDetails``. The model part ADS also sends (its modelId removed) is
    not the SDK's group shape and is dropped."""
    group = config.get(configuration.GROUP_PART)
    if not isinstance(group, dict):
        raise invalid("modelGroupConfigurationDetails must be an object.")
    group_id = require_ocid(group.get("modelGroupId"), "modelGroupConfigurationDetails.modelGroupId")
    record = model_groups.get(current_state().db, group_id)
    if record["lifecycleState"] != ACTIVE:
        raise not_active("model group", group_id, record["lifecycleState"])
    config.pop(configuration.MODEL_PART, None)
    infrastructure = config.get(configuration.INFRASTRUCTURE_PART)
    if not isinstance(infrastructure, dict):
        raise invalid("infrastructureConfigurationDetails must be an object.")
    kind = infrastructure.setdefault("infrastructureType", INSTANCE_POOL)
    if kind != INSTANCE_POOL:
        raise invalid(f"infrastructureConfigurationDetails.infrastructureType must be {INSTANCE_POOL}.")
    return infrastructure, configuration.INFRASTRUCTURE_PART


def _check_shape(instance: dict[str, Any]) -> None:
    """400 for a shape this emulator does not offer (the list ``GET /modelDeploymentShapes`` answers)."""
    name = instance.get("instanceShapeName")
    if name is not None and not is_accepted(name):
        raise invalid(f"instanceShapeName {name!r} is not a model deployment shape; use one of {list(SHAPE_NAMES)} "
                      "(GET /modelDeploymentShapes lists them).")


def _json(body: Any) -> str:
    import json

    return json.dumps(body)
