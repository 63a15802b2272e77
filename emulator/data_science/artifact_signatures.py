"""Model artifact signatures: a model's artifact digest signed with a Vault (KMS) key, kept as a
resource of its own (own OCID and compartment) under the model, and verified on demand.

``digest`` is the base64 hash of the artifact bytes with the signing algorithm's hash; ``signature``
is the emulated key's RSA-PSS signature of it (:mod:`emulator.data_science.emulated_kms`). Create
and verify each leave a finished work request (CREATE_MODEL_ARTIFACT_SIGNATURE,
VERIFY_MODEL_ARTIFACT_SIGNATURE), as OCI runs them asynchronously. A verification that fails (the
artifact's bytes no longer match) fails its work request and leaves the signature FAILED.
"""
from __future__ import annotations

import base64
from typing import Any

from oci.data_science.models import ModelArtifactSignature as _Signature

from emulator.data_science import artifacts, emulated_kms, models, records, work_requests
from emulator.errors import OCIError, invalid, not_found
from emulator.ocid import new_ocid
from emulator.state import EmulatorState
from emulator.store import Database, kinds
from emulator.wire import new_etag, now

KIND = kinds.MODEL_ARTIFACT_SIGNATURE
ACTIVE = _Signature.LIFECYCLE_STATE_ACTIVE
FAILED = _Signature.LIFECYCLE_STATE_FAILED
STATES = (_Signature.LIFECYCLE_STATE_ACTIVE, _Signature.LIFECYCLE_STATE_CREATING,
          _Signature.LIFECYCLE_STATE_DELETED, _Signature.LIFECYCLE_STATE_FAILED)
UPDATABLE = ("displayName", "freeformTags", "definedTags")
SUMMARY = ("id", "displayName", "compartmentId", "modelId", "digest", "lifecycleState", "timeCreated", "createdBy",
           "timeUpdated", "freeformTags", "definedTags", "systemTags")
_CHUNK = 1024 * 1024


def not_found_error(ident: str) -> OCIError:
    return not_found("model artifact signature", ident)


def read(db: Database, model_id: str, signature_id: str) -> dict[str, Any]:
    """The signature as GET answers it (a deleted one included); 404 when it is not this model's."""
    record = records.load(db, KIND, signature_id, not_found_error)
    if record["modelId"] != model_id:
        raise not_found_error(signature_id)
    return record


def _live(db: Database, model_id: str, signature_id: str) -> dict[str, Any]:
    read(db, model_id, signature_id)
    return records.load_live(db, KIND, signature_id, not_found_error, "model artifact signature")


def artifact_digest(state: EmulatorState, model_id: str, signing_algorithm: str) -> bytes:
    """The hash of the model's artifact bytes with the algorithm's hash (404 when it has no artifact)."""
    blob = artifacts.blob_of(artifacts.get(state.db, model_id))
    hasher = emulated_kms.hashes.Hash(emulated_kms.HASHES[signing_algorithm]())
    with state.blobs.open(blob.name) as stream:
        while chunk := stream.read(_CHUNK):
            hasher.update(chunk)
    return hasher.finalize()


def create(state: EmulatorState, model_id: str, body: dict[str, Any], created_by: str) -> tuple[dict[str, Any], str]:
    """Sign the model's artifact; returns (the signature, its finished work request's id)."""
    if body.get("signingAlgorithm") not in emulated_kms.HASHES:
        raise invalid(f"signingAlgorithm must be one of {list(emulated_kms.HASHES)}.")
    db = state.db
    models.get(db, model_id)  # 404 unknown, 409 deleted
    digest = artifact_digest(state, model_id, body["signingAlgorithm"])
    time = now()
    record = {
        "id": new_ocid("datasciencemodelartifactsignature", state.config.region),
        "displayName": body.get("displayName") or f"signature{time[:19].replace(':', '')}",
        "compartmentId": body["compartmentId"],
        "kmsKeyId": body["kmsKeyId"],
        "kmsKeyVersionId": body["kmsKeyVersionId"],
        "modelId": model_id,
        "lifecycleState": ACTIVE,
        "digest": base64.b64encode(digest).decode(),
        "signature": emulated_kms.sign(db, body["kmsKeyId"], body["kmsKeyVersionId"], body["signingAlgorithm"], digest),
        "signingAlgorithm": body["signingAlgorithm"],
        "timeCreated": time,
        "timeUpdated": time,
        "createdBy": created_by,
        "freeformTags": body.get("freeformTags") or {},
        "definedTags": body.get("definedTags") or {},
        "systemTags": {},
    }
    records.insert(db, KIND, record)
    done = work_requests.completed(db, "CREATE_MODEL_ARTIFACT_SIGNATURE", record["compartmentId"],
                                   [_resource(record, "CREATED")], f"Signed the artifact of model {model_id}",
                                   state.config.region)
    return record, done["id"]


def update(db: Database, model_id: str, signature_id: str, body: dict[str, Any], if_match: str | None) -> dict[str, Any]:
    with db.transaction():
        record = _live(db, model_id, signature_id)
        records.check_etag(record, if_match)
        records.apply(record, body, UPDATABLE)
        record["timeUpdated"] = now()
        return records.save(db, KIND, record)


def delete(state: EmulatorState, model_id: str, signature_id: str, if_match: str | None) -> dict[str, Any]:
    """The signature becomes a tombstone (state DELETED), readable until the retention purges it."""
    with state.db.transaction():
        record = _live(state.db, model_id, signature_id)
        records.check_etag(record, if_match)
        return state.tombstones.bury(KIND, record, new_etag())


def verify(state: EmulatorState, model_id: str, signature_id: str, if_match: str | None) -> tuple[dict[str, Any], str]:
    """Check the signature against the artifact's bytes now; (the signature, the work request's id)."""
    db = state.db
    record = _live(db, model_id, signature_id)
    records.check_etag(record, if_match)
    work = work_requests.create(db, "VERIFY_MODEL_ARTIFACT_SIGNATURE", record["compartmentId"],
                                [_resource(record, "UPDATED")], state.config.region)
    work_requests.start(db, work["id"], f"Verifying signature {signature_id} of model {model_id}")
    digest = artifact_digest(state, model_id, record["signingAlgorithm"])
    valid = (base64.b64encode(digest).decode() == record["digest"]
             and emulated_kms.verify(db, record, digest))
    with db.transaction():
        record = _live(db, model_id, signature_id)
        record["lifecycleState"] = ACTIVE if valid else FAILED
        record["timeUpdated"] = now()
        record = records.save(db, KIND, record)
    if valid:
        work_requests.succeed(db, work["id"], "The signature matches the model artifact")
    else:
        work_requests.fail(db, work["id"], "SignatureVerificationFailed",
                           f"The artifact of model {model_id} no longer matches signature {signature_id}.")
    return record, work["id"]


def _resource(record: dict[str, Any], action: str) -> dict[str, Any]:
    return work_requests.resource("modelArtifactSignature", record["id"], action,
                                  f"/models/{record['modelId']}/artifactSignatures/{record['id']}")


def summary(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record.get(k) for k in SUMMARY}
