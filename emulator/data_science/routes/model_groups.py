"""``/modelGroups`` and ``/modelGroupVersionHistory``: model groups (create/clone, get, list, update,
delete, activate, deactivate, change compartment, members, artifact) and their version histories."""
from __future__ import annotations

from flask import Response, request

from emulator.data_science import artifacts, idempotency, model_group_artifacts, model_groups
from emulator.data_science.compartment_moves import change_compartment, compartment_in_body
from emulator.data_science import model_group_version_histories as histories
from emulator.data_science.routes import bp
from emulator.data_science.routes.artifacts import artifact_headers
from emulator.contracts.states import MODEL_STATES
from emulator.data_science.routes.common import list_filters, if_match, require_fields, retry_token
from emulator.data_science.validation import check_description, check_display_name, check_tags
from emulator.errors import invalid
from emulator.state import current_state
from emulator.wire import (blob_response, caller, content_length, empty_response, json_body, list_records,
                           list_response, page_of, page_params, record_response, require_ocid)

_SORT = ("timeCreated", "displayName", "lifecycleState")


def _check(body: dict) -> None:
    check_display_name(body)
    check_description(body)
    check_tags(body)
    if body.get("versionLabel") is not None and (not isinstance(body["versionLabel"], str)
                                                 or not 1 <= len(body["versionLabel"]) <= 255):
        raise invalid("versionLabel must be 1 to 255 characters.")
    for field in ("modelGroupVersionHistoryId", "latestModelGroupId"):
        if body.get(field) is not None:
            require_ocid(body[field], field)


def _group_id(group_id: str) -> str:
    return require_ocid(group_id, "modelGroupId")


def _history_id(history_id: str) -> str:
    return require_ocid(history_id, "modelGroupVersionHistoryId")


@bp.post("/modelGroups")
def create_model_group() -> Response:
    body = json_body()
    require_fields(body, "compartmentId", "projectId")
    if body.get("createType") not in ("CREATE", "CLONE"):
        raise invalid("createType must be CREATE or CLONE.")
    _check(body)
    state = current_state()
    created: dict = {}

    def create() -> dict:
        record, done = model_groups.create(state, body, caller())
        created["wr"] = done["id"]
        return record

    record = idempotency.once(state.db, retry_token(), "createModelGroup", body, create,
                              lambda i: state.db.get(model_groups.KIND, i))
    headers = {"opc-work-request-id": created["wr"]} if "wr" in created else None
    return record_response(record, headers=headers)


@bp.get("/modelGroups/<group_id>")
def get_model_group(group_id: str) -> Response:
    return record_response(model_groups.read(current_state().db, _group_id(group_id)))


@bp.get("/modelGroups")
def list_model_groups() -> Response:
    filters = list_filters(model_groups.STATES, "projectId", "displayName", "modelGroupVersionHistoryId")
    return list_response(list_records(model_groups.KIND, filters, page_params(_SORT)), model_groups.summary)


@bp.put("/modelGroups/<group_id>")
def update_model_group(group_id: str) -> Response:
    body = json_body()
    _check(body)
    return record_response(model_groups.update(current_state().db, _group_id(group_id), body, if_match()))


@bp.delete("/modelGroups/<group_id>")
def delete_model_group(group_id: str) -> Response:
    done = model_groups.delete(current_state(), _group_id(group_id), if_match())
    return empty_response(202, {"opc-work-request-id": done["id"]})


@bp.post("/modelGroups/<group_id>/actions/activate")
def activate_model_group(group_id: str) -> Response:
    return _switch(group_id, model_groups.ACTIVE)


@bp.post("/modelGroups/<group_id>/actions/deactivate")
def deactivate_model_group(group_id: str) -> Response:
    return _switch(group_id, model_groups.INACTIVE)


def _switch(group_id: str, target: str) -> Response:
    record, done = model_groups.set_state(current_state(), _group_id(group_id), target, if_match())
    return record_response(record, headers={"opc-work-request-id": done["id"]})


@bp.post("/modelGroups/<group_id>/actions/changeCompartment")
def change_model_group_compartment(group_id: str) -> Response:
    change_compartment(current_state().db, model_groups.KIND, _group_id(group_id), compartment_in_body(),
                       if_match(), model_groups.group_not_found, "model group")
    return empty_response(200)


@bp.get("/modelGroups/<group_id>/models")
def list_model_group_models(group_id: str) -> Response:
    # The members answer whatever compartment they are in: the compartment is required, not a filter here.
    wanted = {k: v for k, v in list_filters(MODEL_STATES, "displayName").items() if k != "compartmentId"}
    params = page_params(_SORT)
    members = model_groups.member_models(current_state().db, model_groups.read(current_state().db,
                                                                               _group_id(group_id)))
    members = [m for m in members if all(v is None or m.get(k) == v for k, v in wanted.items())]
    members.sort(key=lambda m: str(m.get(params["sort_by"]) or ""), reverse=params["sort_order"] == "DESC")
    return list_response(page_of(members, params["limit"]))


@bp.post("/modelGroups/<group_id>/artifact")
def create_model_group_artifact(group_id: str) -> Response:
    record = model_group_artifacts.upload(current_state(), _group_id(group_id), request.stream, content_length(),
                                          request.headers.get("content-disposition"), if_match())
    return empty_response(200, {"etag": record["_etag"]})


@bp.route("/modelGroups/<group_id>/artifact/content", methods=["GET", "HEAD"])
def get_model_group_artifact_content(group_id: str) -> Response:
    state = current_state()
    record = artifacts.with_sha256(state, model_group_artifacts.get(state.db, _group_id(group_id)),
                                   model_group_artifacts.KIND)
    blob = record["_blob"]
    return blob_response(state.blobs.path(blob["name"]), blob["size"], artifact_headers(record))


@bp.post("/modelGroupVersionHistory")
def create_model_group_version_history() -> Response:
    body = json_body()
    require_fields(body, "compartmentId", "projectId")
    _check(body)
    state = current_state()
    record = idempotency.once(state.db, retry_token(), "createModelGroupVersionHistory", body,
                              lambda: histories.create(state, body, caller()),
                              lambda i: state.db.get(histories.KIND, i))
    return record_response(record)


@bp.get("/modelGroupVersionHistory/<history_id>")
def get_model_group_version_history(history_id: str) -> Response:
    return record_response(histories.read(current_state().db, _history_id(history_id)))


@bp.get("/modelGroupVersionHistory")
def list_model_group_version_histories() -> Response:
    filters = list_filters(histories.STATES, "projectId", "displayName")
    return list_response(list_records(histories.KIND, filters, page_params(_SORT)), histories.summary)


@bp.put("/modelGroupVersionHistory/<history_id>")
def update_model_group_version_history(history_id: str) -> Response:
    body = json_body()
    _check(body)
    return record_response(histories.update(current_state().db, _history_id(history_id), body, if_match()))


@bp.delete("/modelGroupVersionHistory/<history_id>")
def delete_model_group_version_history(history_id: str) -> Response:
    done = histories.delete(current_state(), _history_id(history_id), if_match())
    return empty_response(202, {"opc-work-request-id": done["id"]})


@bp.post("/modelGroupVersionHistory/<history_id>/actions/changeCompartment")
def change_model_group_version_history_compartment(history_id: str) -> Response:
    change_compartment(current_state().db, histories.KIND, _history_id(history_id), compartment_in_body(),
                       if_match(), histories.history_not_found, "model group version history")
    return empty_response(200)
