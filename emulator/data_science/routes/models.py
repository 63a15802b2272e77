"""``/models``: create (idempotent with opc-retry-token), get, list, update, delete, activate, deactivate,
and restore of an archived artifact."""
from __future__ import annotations

from flask import Response, request

from emulator.contracts.states import MODEL_STATES
from emulator.data_science import cascade, idempotency, models
from emulator.data_science.routes import bp
from emulator.data_science import retention
from emulator.data_science.routes.common import enum_arg, list_filters, if_match, require_fields, retry_token
from emulator.data_science.validation import check_description, check_display_name, check_tags
from emulator.errors import invalid
from emulator.state import current_state
from emulator.wire import (caller, check_types, empty_response, json_body, list_records, list_response,
                           page_params, record_response, require_ocid)

_TYPES = {"customMetadataList": list, "definedMetadataList": list, "inputSchema": str, "outputSchema": str,
          "versionLabel": str, "retentionSetting": dict, "backupSetting": dict}


def _check(body: dict) -> None:
    check_display_name(body)
    check_description(body)
    check_tags(body)
    check_types(body, _TYPES)
    if body.get("modelVersionSetId") is not None:
        require_ocid(body["modelVersionSetId"], "modelVersionSetId")
    if body.get("versionLabel") is not None and not 1 <= len(body["versionLabel"]) <= 255:
        raise invalid("versionLabel must be 1 to 255 characters.")
    retention.check_setting(body.get("retentionSetting"))


@bp.post("/models")
def create_model() -> Response:
    body = json_body()
    require_fields(body, "compartmentId", "projectId")
    _check(body)
    state = current_state()
    record = idempotency.once(state.db, retry_token(), "createModel", body,
                              lambda: models.create(state, body, caller()), lambda i: state.db.get(models.KIND, i))
    retention.clock().note(record)
    return record_response(record)


@bp.get("/models/<model_id>")
def get_model(model_id: str) -> Response:
    require_ocid(model_id, "modelId")
    return record_response(models.read(current_state().db, model_id))


@bp.get("/models")
def list_models() -> Response:
    filters = list_filters(MODEL_STATES, "projectId", "displayName", "modelVersionSetName", "versionLabel",
                           category=enum_arg("category", ("USER", "SERVICE")))
    params = page_params(("timeCreated", "displayName", "lifecycleState"))
    return list_response(list_records(models.KIND, filters, params), models.summary)


@bp.put("/models/<model_id>")
def update_model(model_id: str) -> Response:
    require_ocid(model_id, "modelId")
    body = json_body()
    _check(body)
    state = current_state()
    record = models.update(state.db, model_id, body, if_match(), state.config.retention_time_scale)
    retention.clock().note(record)
    return record_response(record)


@bp.delete("/models/<model_id>")
def delete_model(model_id: str) -> Response:
    require_ocid(model_id, "modelId")
    cascade.delete_model(current_state(), model_id, if_match())
    return empty_response(204)


@bp.post("/models/<model_id>/actions/activate")
def activate_model(model_id: str) -> Response:
    require_ocid(model_id, "modelId")
    return record_response(models.set_state(current_state().db, model_id, "ACTIVE", if_match()))


@bp.post("/models/<model_id>/actions/deactivate")
def deactivate_model(model_id: str) -> Response:
    require_ocid(model_id, "modelId")
    return record_response(models.set_state(current_state().db, model_id, "INACTIVE", if_match()))


@bp.post("/models/<model_id>/actions/restore")
def restore_archived_model_artifact(model_id: str) -> Response:
    """RESTORE_ARCHIVED_MODEL: the archived artifact is readable again for ``restoreModelForHoursSpecified``
    hours (202 with the work request, as ADS's ``restore_model`` reads it)."""
    require_ocid(model_id, "modelId")
    hours = request.args.get("restoreModelForHoursSpecified")
    if hours is not None and (not hours.isdigit() or int(hours) < 1):
        raise invalid("restoreModelForHoursSpecified must be a positive integer number of hours.")
    done, record = retention.restore_artifact(current_state(), model_id, int(hours) if hours else None, if_match())
    retention.clock().note(record)
    return empty_response(202, {"opc-work-request-id": done["id"]})
