"""``/models/{id}/artifact``: upload (streamed), HEAD and GET of the content (with Range), and
the Object Storage transfers ``exportArtifact`` (bucket -> model) and ``importArtifact`` (model -> bucket)."""
from __future__ import annotations

from flask import Response, request

from emulator.data_science import artifact_reference, artifacts, transfer
from emulator.data_science.routes import bp
from emulator.data_science.routes.common import if_match
from emulator.state import current_state
from emulator.wire import blob_response, content_length, empty_response, http_date, json_body, require_ocid


@bp.post("/models/<model_id>/artifact")
def create_model_artifact(model_id: str) -> Response:
    require_ocid(model_id, "modelId")
    record = artifacts.upload(current_state(), model_id, request.stream, content_length(),
                              request.headers.get("content-disposition"), if_match())
    return empty_response(204, {"etag": record["_etag"]})


def artifact_headers(record: dict) -> dict[str, str]:
    blob = record["_blob"]
    return {"etag": record["_etag"], "content-md5": blob["md5"], "last-modified": http_date(record["timeCreated"]),
            "content-disposition": artifacts.download_disposition(record), "opc-content-sha256": blob["sha256"]}


@bp.route("/models/<model_id>/artifact/content", methods=["GET", "HEAD"])
def get_model_artifact_content(model_id: str) -> Response:
    require_ocid(model_id, "modelId")
    state = current_state()
    record = artifacts.with_sha256(state, artifacts.get_readable(state.db, model_id))
    blob = artifacts.blob_of(record)
    return blob_response(state.blobs.path(blob.name), blob.size, artifact_headers(record))


@bp.post("/models/<model_id>/actions/exportArtifact")
def export_model_artifact(model_id: str) -> Response:
    require_ocid(model_id, "modelId")
    details = transfer.details(json_body(), "artifactExportDetails", "sourceBucket", "sourceObjectName")
    done = transfer.object_to_model(current_state(), model_id, details, if_match())
    return empty_response(202, {"opc-work-request-id": done["id"]})


@bp.post("/models/<model_id>/actions/importArtifact")
def import_model_artifact(model_id: str) -> Response:
    require_ocid(model_id, "modelId")
    details = transfer.details(json_body(), "artifactImportDetails", "destinationBucket", "destinationObjectName")
    done = transfer.model_to_object(current_state(), model_id, details, if_match())
    return empty_response(202, {"opc-work-request-id": done["id"]})


@bp.post("/models/<model_id>/actions/registerArtifactReference")
def register_model_artifact_reference(model_id: str) -> Response:
    """REGISTER_MODEL_ARTIFACT: the model's artifact stays in Object Storage (a model by reference)."""
    require_ocid(model_id, "modelId")
    references = artifact_reference.check_references(json_body())
    done = artifact_reference.register(current_state(), model_id, references, if_match())
    return empty_response(202, {"opc-work-request-id": done["id"]})
