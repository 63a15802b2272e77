"""Artifacts between Object Storage and the catalog, as work requests (what ADS does for artifacts
over 2 GB): ``exportArtifact`` takes an object into a model, ``importArtifact`` puts a model's
artifact into a bucket. Bytes are shared by hard link, so even huge artifacts move instantly."""
from __future__ import annotations

from typing import Any

from emulator.data_science import artifacts, models, records, work_requests
from emulator.errors import OCIError, invalid
from emulator.object_storage import objects
from emulator.state import EmulatorState
from emulator.wire import caller

SOURCE_TYPE = "ORACLE_OBJECT_STORAGE"


def details(body: dict[str, Any], field: str, bucket_field: str, object_field: str) -> dict[str, Any]:
    """The Object Storage location in ``body[field]``; 400 when incomplete."""
    spec = body.get(field)
    if not isinstance(spec, dict):
        raise invalid(f"{field} is required.")
    if spec.get("artifactSourceType") != SOURCE_TYPE:
        raise invalid(f"{field}.artifactSourceType must be {SOURCE_TYPE}.")
    for name in ("namespace", bucket_field, object_field):
        if not isinstance(spec.get(name), str) or not spec[name]:
            raise invalid(f"{field}.{name} is required.")
    return {"namespace": spec["namespace"], "bucket": spec[bucket_field], "object": spec[object_field]}


def _run(state: EmulatorState, model_id: str, operation: str, action, message: str) -> dict[str, Any]:
    model = models.get(state.db, model_id)
    request = work_requests.create(state.db, operation, model["compartmentId"],
                                   [work_requests.resource("model", model_id, "UPDATED", f"/models/{model_id}")],
                                   state.config.region)
    work_requests.start(state.db, request["id"], f"{operation} started for model {model_id}")
    try:
        action()
    except OCIError as exc:
        return work_requests.fail(state.db, request["id"], exc.code, exc.message)
    return work_requests.succeed(state.db, request["id"], message)


def object_to_model(state: EmulatorState, model_id: str, where: dict[str, Any], if_match: str | None) -> dict[str, Any]:
    """EXPORT_MODEL_ARTIFACT: the object becomes the model's artifact (the work request fails, not
    the call, when the object is missing, as in OCI)."""
    model = models.get(state.db, model_id)
    records.check_etag(model, if_match)

    def action() -> None:
        source = objects.get(state.db, where["namespace"], where["bucket"], where["object"])
        blob = state.blobs.clone(artifacts.blob_of(source), prefix="artifact")
        filename = where["object"].rsplit("/", 1)[-1]
        artifacts.attach(state, model_id, blob, f'attachment; filename="{filename}"')

    return _run(state, model_id, "EXPORT_MODEL_ARTIFACT", action,
                f"Artifact of model {model_id} taken from oci://{where['bucket']}@{where['namespace']}/{where['object']}")


def model_to_object(state: EmulatorState, model_id: str, where: dict[str, Any], if_match: str | None) -> dict[str, Any]:
    """IMPORT_MODEL_ARTIFACT: the model's artifact is written to the object."""
    model = models.get(state.db, model_id)
    records.check_etag(model, if_match)
    record = artifacts.get_readable(state.db, model_id)
    user = caller()

    def action() -> None:
        blob = state.blobs.clone(artifacts.blob_of(record), prefix="object")
        objects.put(state, where["namespace"], where["bucket"], where["object"], blob,
                    content_type="application/zip", metadata={}, created_by=user)

    return _run(state, model_id, "IMPORT_MODEL_ARTIFACT", action,
                f"Artifact of model {model_id} written to oci://{where['bucket']}@{where['namespace']}/{where['object']}")
