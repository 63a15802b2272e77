"""``/modelVersionSets``: create, get, list (by name), update, delete (work request)."""
from __future__ import annotations

from flask import Response, request

from emulator.contracts.states import VERSION_SET_STATES
from emulator.data_science import cascade, idempotency, version_sets
from emulator.data_science.routes import bp
from emulator.data_science.routes.common import enum_arg, list_filters, if_match, require_fields, retry_token
from emulator.data_science.validation import check_description, check_tags
from emulator.errors import invalid
from emulator.state import current_state
from emulator.wire import (caller, empty_response, json_body, list_records, list_response, page_params,
                           record_response, require_ocid)


def _check(body: dict, creating: bool) -> None:
    check_description(body)
    check_tags(body)
    if creating:
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 255:
            raise invalid("name is required: a string of 1 to 255 characters.")


@bp.post("/modelVersionSets")
def create_model_version_set() -> Response:
    body = json_body()
    require_fields(body, "compartmentId", "projectId")
    _check(body, creating=True)
    state = current_state()
    record = idempotency.once(state.db, retry_token(), "createModelVersionSet", body,
                              lambda: version_sets.create(state, body, caller()),
                              lambda i: state.db.get(version_sets.KIND, i))
    return record_response(record)


@bp.get("/modelVersionSets/<set_id>")
def get_model_version_set(set_id: str) -> Response:
    require_ocid(set_id, "modelVersionSetId")
    return record_response(version_sets.read(current_state().db, set_id))


@bp.get("/modelVersionSets")
def list_model_version_sets() -> Response:
    filters = list_filters(VERSION_SET_STATES, "projectId", "name", category=enum_arg("category", ("USER", "SERVICE")))
    params = page_params(("timeCreated", "name", "lifecycleState"))
    return list_response(list_records(version_sets.KIND, filters, params), version_sets.summary)


@bp.put("/modelVersionSets/<set_id>")
def update_model_version_set(set_id: str) -> Response:
    require_ocid(set_id, "modelVersionSetId")
    body = json_body()
    _check(body, creating=False)
    return record_response(version_sets.update(current_state().db, set_id, body, if_match()))


@bp.delete("/modelVersionSets/<set_id>")
def delete_model_version_set(set_id: str) -> Response:
    require_ocid(set_id, "modelVersionSetId")
    flag = request.args.get("isDeleteRelatedModels", "false").lower()
    if flag not in ("true", "false"):
        raise invalid("isDeleteRelatedModels must be true or false.")
    done = cascade.delete_version_set(current_state(), set_id, if_match(), flag == "true")
    return empty_response(202, {"opc-work-request-id": done["id"]})
