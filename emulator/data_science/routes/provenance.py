"""``/models/{id}/provenance``: create, get, update."""
from __future__ import annotations

from flask import Response

from emulator.data_science import provenance
from emulator.data_science.routes import bp
from emulator.data_science.routes.common import if_match
from emulator.state import current_state
from emulator.wire import json_body, require_ocid


def _respond(record: dict) -> Response:
    from flask import jsonify

    response = jsonify(provenance.public(record))
    response.headers["etag"] = record["_etag"]
    return response


@bp.post("/models/<model_id>/provenance")
def create_model_provenance(model_id: str) -> Response:
    require_ocid(model_id, "modelId")
    return _respond(provenance.create(current_state().db, model_id, json_body()))


@bp.get("/models/<model_id>/provenance")
def get_model_provenance(model_id: str) -> Response:
    require_ocid(model_id, "modelId")
    return _respond(provenance.get(current_state().db, model_id))


@bp.put("/models/<model_id>/provenance")
def update_model_provenance(model_id: str) -> Response:
    require_ocid(model_id, "modelId")
    return _respond(provenance.update(current_state().db, model_id, json_body(), if_match()))
