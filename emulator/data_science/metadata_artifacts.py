"""Artifacts attached to one custom or defined metadatum of a model (a README, a chart...).

Uploading sets the metadatum's ``hasArtifact``; deleting clears it. The metadatum key must exist
in the model's ``customMetadataList``/``definedMetadataList``.
"""
from __future__ import annotations

from typing import IO, Any

from emulator.contracts.limits import METADATUM_ARTIFACT_BYTES
from emulator.data_science import models, records
from emulator.errors import conflict, invalid, not_found, too_large
from emulator.state import EmulatorState
from emulator.store import BlobInfo, Database, IncompleteUpload, UploadTooLarge, kinds
from emulator.wire import new_etag, now

KIND = kinds.METADATUM_ARTIFACT
SCOPES = {"customMetadata": "customMetadataList", "definedMetadata": "definedMetadataList"}


def _key(model_id: str, scope: str, key: str) -> str:
    return f"{model_id}/{scope}/{key}"


def _metadatum(model: dict[str, Any], scope: str, key: str) -> dict[str, Any]:
    for item in model[SCOPES[scope]]:
        if item["key"] == key:
            return item
    raise not_found(f"metadatum {key} in {SCOPES[scope]} of model", model["id"])


def get(db: Database, model_id: str, scope: str, key: str) -> dict[str, Any]:
    """A read: of a deleted model too, whose metadatum artifacts went with it (404)."""
    _metadatum(models.read(db, model_id), scope, key)
    record = db.get(KIND, _key(model_id, scope, key))
    if record is None:
        raise not_found(f"artifact of metadatum {key} of model", model_id)
    return record


def upload(state: EmulatorState, model_id: str, scope: str, key: str, stream: IO[bytes], length: int | None,
           disposition: str | None, if_match: str | None, replace: bool) -> dict[str, Any]:
    """Create (``replace=False``, 409 if present) or replace the artifact of one metadatum."""
    limit = min(METADATUM_ARTIFACT_BYTES, state.config.max_artifact_bytes)
    _metadatum(models.get(state.db, model_id), scope, key)
    if length is not None and length > limit:
        raise too_large(f"A metadatum artifact may be at most {limit} bytes.")
    try:
        blob = state.blobs.write(stream, max_bytes=limit, expected_length=length, prefix="metadatum")
    except UploadTooLarge:
        raise too_large(f"A metadatum artifact may be at most {limit} bytes.") from None
    except IncompleteUpload as exc:
        raise invalid(f"The upload was incomplete ({exc}); nothing was stored.") from None
    try:
        record, old = _attach(state.db, model_id, scope, key, blob, disposition, if_match, replace)
    except BaseException:
        state.blobs.delete(blob.name)
        raise
    state.blobs.delete(old)
    return record


def _attach(db: Database, model_id: str, scope: str, key: str, blob: BlobInfo, disposition: str | None,
            if_match: str | None, replace: bool) -> tuple[dict[str, Any], str | None]:
    with db.transaction():
        model = models.get(db, model_id)
        existing = db.get(KIND, _key(model_id, scope, key))
        if existing is not None and not replace:
            raise conflict(f"Metadatum {key} of model {model_id} already has an artifact; use update.")
        records.check_etag(existing or model, if_match)
        record = {"id": _key(model_id, scope, key), "modelId": model_id, "timeCreated": now(),
                  "contentDisposition": disposition or f'form-data; name="file"; filename="{key}"',
                  "_etag": new_etag(), "_blob": blob.to_dict()}
        if existing is None:
            db.insert(KIND, record)
        else:
            db.update(KIND, record["id"], record)
        _set_flag(db, model, scope, key, True)
        return record, (existing or {}).get("_blob", {}).get("name")


def delete(state: EmulatorState, model_id: str, scope: str, key: str, if_match: str | None) -> None:
    with state.db.transaction():
        record = get(state.db, model_id, scope, key)
        records.check_etag(record, if_match)
        state.db.delete(KIND, record["id"])
        _set_flag(state.db, models.get(state.db, model_id), scope, key, False)
    state.blobs.delete(record["_blob"]["name"])


def _set_flag(db: Database, model: dict[str, Any], scope: str, key: str, value: bool) -> None:
    _metadatum(model, scope, key)["hasArtifact"] = value
    records.save(db, models.KIND, model)


def forget_all(db: Database, model: dict[str, Any]) -> list[str]:
    """Drop every metadatum artifact record of ``model``; returns their blob names."""
    names = []
    for scope, field in SCOPES.items():
        for item in model.get(field, []):
            record = db.get(KIND, _key(model["id"], scope, item["key"]))
            if record is not None:
                db.delete(KIND, record["id"])
                names.append(record["_blob"]["name"])
    return names
