"""``/models/{modelId}/artifactSignatures``: create (opc-retry-token), get, list, update, delete,
verify, change compartment."""
from __future__ import annotations

from flask import Response, request

from emulator.data_science import artifact_signatures as signatures
from emulator.data_science import idempotency
from emulator.data_science.compartment_moves import change_compartment, compartment_in_body
from emulator.data_science.routes import bp
from emulator.data_science.routes.common import enum_arg, if_match, require_fields, retry_token
from emulator.data_science.validation import check_display_name, check_tags
from emulator.state import current_state
from emulator.wire import (caller, empty_response, json_body, list_records, list_response, page_params,
                           record_response, require_ocid)

_PATH = "/models/<model_id>/artifactSignatures"


def _ids(model_id: str, signature_id: str | None = None) -> None:
    require_ocid(model_id, "modelId")
    if signature_id is not None:
        require_ocid(signature_id, "artifactSignatureId")


@bp.post(_PATH)
def create_model_artifact_signature(model_id: str) -> Response:
    _ids(model_id)
    body = json_body()
    require_fields(body, "compartmentId", "kmsKeyId", "kmsKeyVersionId")
    check_display_name(body)
    check_tags(body)
    state = current_state()
    created: dict[str, str] = {}

    def create() -> dict:
        record, created["workRequest"] = signatures.create(state, model_id, body, caller())
        return record

    record = idempotency.once(state.db, retry_token(), f"createModelArtifactSignature:{model_id}", body, create,
                              lambda i: state.db.get(signatures.KIND, i))
    headers = {"opc-work-request-id": created["workRequest"]} if created else None
    return record_response(record, headers=headers)


@bp.get(f"{_PATH}/<signature_id>")
def get_model_artifact_signature(model_id: str, signature_id: str) -> Response:
    _ids(model_id, signature_id)
    return record_response(signatures.read(current_state().db, model_id, signature_id))


@bp.get(_PATH)
def list_model_artifact_signatures(model_id: str) -> Response:
    _ids(model_id)
    args = request.args
    filters = {
        "modelId": model_id,
        "compartmentId": require_ocid(args.get("compartmentId"), "compartmentId"),
        "displayName": args.get("displayName"),
        "digest": args.get("digest"),
        "lifecycleState": enum_arg("lifecycleState", signatures.STATES),
    }
    params = page_params(("timeCreated", "displayName", "lifecycleState"))
    return list_response(list_records(signatures.KIND, filters, params), signatures.summary)


@bp.put(f"{_PATH}/<signature_id>")
def update_model_artifact_signature(model_id: str, signature_id: str) -> Response:
    _ids(model_id, signature_id)
    body = json_body()
    check_display_name(body)
    check_tags(body)
    return record_response(signatures.update(current_state().db, model_id, signature_id, body, if_match()))


@bp.delete(f"{_PATH}/<signature_id>")
def delete_model_artifact_signature(model_id: str, signature_id: str) -> Response:
    _ids(model_id, signature_id)
    signatures.delete(current_state(), model_id, signature_id, if_match())
    return empty_response(204)


@bp.post(f"{_PATH}/<signature_id>/actions/verify")
def verify_model_artifact_signature(model_id: str, signature_id: str) -> Response:
    _ids(model_id, signature_id)
    record, work_request = signatures.verify(current_state(), model_id, signature_id, if_match())
    return record_response(record, headers={"opc-work-request-id": work_request})


@bp.post(f"{_PATH}/<signature_id>/actions/changeCompartment")
def change_model_artifact_signature_compartment(model_id: str, signature_id: str) -> Response:
    _ids(model_id, signature_id)
    db = current_state().db
    signatures.read(db, model_id, signature_id)  # 404 when the signature is not this model's
    change_compartment(db, signatures.KIND, signature_id, compartment_in_body(), if_match(),
                       signatures.not_found_error, "model artifact signature")
    return empty_response(200)
