"""``/models/{id}/{customMetadata|definedMetadata}/{key}/artifact``: create, update, head/get content, delete."""
from __future__ import annotations

from flask import Response, request

from emulator.data_science import metadata_artifacts
from emulator.data_science.routes import bp
from emulator.data_science.routes.common import if_match
from emulator.state import current_state
from emulator.wire import blob_response, content_length, empty_response, http_date, require_ocid

_PATH = "/models/<model_id>/<any(customMetadata, definedMetadata):scope>/<key>/artifact"


def _upload(model_id: str, scope: str, key: str, replace: bool) -> Response:
    require_ocid(model_id, "modelId")
    record = metadata_artifacts.upload(current_state(), model_id, scope, key, request.stream, content_length(),
                                       request.headers.get("content-disposition"), if_match(), replace)
    return empty_response(204, {"etag": record["_etag"]})


@bp.post(_PATH)
def create_metadatum_artifact(model_id: str, scope: str, key: str) -> Response:
    return _upload(model_id, scope, key, replace=False)


@bp.put(_PATH)
def update_metadatum_artifact(model_id: str, scope: str, key: str) -> Response:
    return _upload(model_id, scope, key, replace=True)


@bp.delete(_PATH)
def delete_metadatum_artifact(model_id: str, scope: str, key: str) -> Response:
    require_ocid(model_id, "modelId")
    metadata_artifacts.delete(current_state(), model_id, scope, key, if_match())
    return empty_response(204)


@bp.route(_PATH + "/content", methods=["GET", "HEAD"])
def get_metadatum_artifact_content(model_id: str, scope: str, key: str) -> Response:
    require_ocid(model_id, "modelId")
    state = current_state()
    record = metadata_artifacts.get(state.db, model_id, scope, key)
    blob = record["_blob"]
    headers = {"etag": record["_etag"], "content-md5": blob["md5"], "last-modified": http_date(record["timeCreated"]),
               "content-disposition": record["contentDisposition"]}
    return blob_response(state.blobs.path(blob["name"]), blob["size"], headers)
