"""Model artifacts: the zip (or by-reference JSON) attached once to a model.

Bytes go to the blob store first (streamed, hashed, fsynced, renamed); the artifact record is
written only afterwards, in one transaction that re-checks the model. So a failed or interrupted
upload leaves no record, and a record always points at complete bytes.
"""
from __future__ import annotations

import re
from email.message import Message
from pathlib import PurePosixPath
from typing import IO, Any

from emulator.data_science import models, records
from emulator.data_science.errors import artifact_exists, artifact_not_found
from emulator.errors import invalid, too_large
from emulator.state import EmulatorState
from emulator.store import BlobInfo, Database, IncompleteUpload, UploadTooLarge, kinds
from emulator.wire import new_etag, now

KIND = kinds.MODEL_ARTIFACT


def _upload_error(exc: Exception, limit: int) -> Exception:
    if isinstance(exc, UploadTooLarge):
        return too_large(f"The artifact is larger than the limit of {limit} bytes; upload it to Object Storage "
                         "and use exportModelArtifact instead.")
    return invalid(f"The artifact upload was incomplete ({exc}); nothing was stored.")


def get(db: Database, model_id: str) -> dict[str, Any]:
    """The artifact record (size, digests, file name); 404 when the model has none."""
    return records.load(db, KIND, model_id, artifact_not_found)


def get_readable(db: Database, model_id: str) -> dict[str, Any]:
    """The artifact record for reading its bytes (GET, HEAD, import, deploy): 409 while archived."""
    from emulator.data_science import retention

    retention.check_readable(models.read(db, model_id))
    return get(db, model_id)


def upload(state: EmulatorState, model_id: str, stream: IO[bytes], length: int | None,
           disposition: str | None, if_match: str | None) -> dict[str, Any]:
    """Store the request body as the model's artifact; 409 when it already has one."""
    _check_can_attach(state.db, model_id, if_match)
    return attach(state, model_id, write_blob(state, stream, length), disposition, if_match)


def write_blob(state: EmulatorState, stream: IO[bytes], length: int | None) -> BlobInfo:
    """Stream an uploaded artifact into the blob store within the artifact size limit (400/413 otherwise)."""
    limit = state.config.max_artifact_bytes
    if length is not None and length > limit:
        raise _upload_error(UploadTooLarge(), limit)
    try:
        return state.blobs.write(stream, max_bytes=limit, expected_length=length, prefix="artifact")
    except (UploadTooLarge, IncompleteUpload) as exc:
        raise _upload_error(exc, limit) from None


def attach(state: EmulatorState, model_id: str, blob: BlobInfo, disposition: str | None,
           if_match: str | None = None) -> dict[str, Any]:
    """Record ``blob`` as the model's artifact (dropping the blob if the model changed meanwhile)."""
    try:
        with state.db.transaction():
            _check_can_attach(state.db, model_id, if_match)
            record = {
                "id": model_id,
                "contentDisposition": disposition or f'attachment; filename="{model_id}.zip"',
                "timeCreated": now(),
                "_etag": new_etag(),
                "_blob": blob.to_dict(),
            }
            return state.db.insert(KIND, record)
    except BaseException:
        state.blobs.delete(blob.name)
        raise


def _check_can_attach(db: Database, model_id: str, if_match: str | None) -> None:
    model = models.get(db, model_id)
    records.check_etag(model, if_match)
    if db.get(KIND, model_id) is not None:
        raise artifact_exists(model_id)


_TOKEN = re.compile(r"^[A-Za-z0-9!#$&+.^_`|~-]+$")  # RFC 7230 token characters: no quoting needed


def download_disposition(record: dict[str, Any]) -> str:
    """The ``content-disposition`` an artifact GET/HEAD answers with: ``attachment; filename=NAME``
    with NAME unquoted, as OCI sends it.

    Uploads name the file quoted (ADS and the SDK send ``filename="<ocid>.zip"``), but ADS reads
    the name back by cutting the text ``attachment; filename=`` off the header, so a quoted name
    would end in ``.zip"`` and never be unzipped. The uploaded name is kept when it is a plain
    token; otherwise ``artifact`` with the uploaded extension (``.zip``, or ``.json`` for a model
    by reference), which is what ADS decides on.
    """
    parsed = Message()
    parsed["content-disposition"] = record.get("contentDisposition") or ""
    name = PurePosixPath(parsed.get_filename() or "").name
    if not _TOKEN.match(name):
        name = "artifact" + (PurePosixPath(name).suffix.lower() or ".zip")
    return f"attachment; filename={name}"


def blob_of(record: dict[str, Any]) -> BlobInfo:
    return BlobInfo.from_dict(record["_blob"])


def with_sha256(state: EmulatorState, record: dict[str, Any], kind: str = KIND) -> dict[str, Any]:
    """The artifact record (of a model, or of ``kind``) with its blob's SHA-256, computed the first
    time a reader needs it and kept in the stored record.

    A large upload returns with only MD5 computed (OCI's ``content-md5``): on two cores shared with
    the client, SHA-256 during the upload took the CPU that MD5 needed (docs/benchmarks-serving.md).
    Its readers (the ``opc-content-sha256`` header, the console) come here instead."""
    blob = record["_blob"]
    if blob.get("sha256"):
        return record
    digest = state.blobs.sha256(blob["name"])
    with state.db.transaction():
        stored = state.db.get(kind, record["id"])
        if stored is not None and stored["_blob"]["name"] == blob["name"]:  # not replaced meanwhile
            stored["_blob"]["sha256"] = digest
            state.db.update(kind, record["id"], stored)
    return {**record, "_blob": {**blob, "sha256": digest}}


def forget(db: Database, model_id: str, kind: str = KIND) -> list[str]:
    """Drop the artifact record (of a model, or of the ``kind`` holding another owner's artifacts);
    returns the blob names to delete once the transaction commits."""
    record = db.get(kind, model_id)
    if record is None:
        return []
    db.delete(kind, model_id)
    return [record["_blob"]["name"]]
