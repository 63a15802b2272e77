"""Models by reference: the artifact stays in Object Storage and the catalog holds a description of it.

Two clients make one. ADS's ``create(model_by_reference=True)`` uploads a JSON description
(``model_description.json``: ``{"version": "1.0", "type": "modelOSSReferenceDescription", "models":
[{"namespace", "bucketName", "prefix", "objects": [{"name", "version", "sizeInBytes"}]}]}``) as the
artifact and marks the model with the custom metadata ``modelDescription`` = ``true``; the service's
``registerArtifactReference`` (REGISTER_MODEL_ARTIFACT) takes ``OSS`` references (namespace, bucket,
prefix) and sets ``isModelByReference``. Here registering writes the same description as the
model's artifact, so downloads answer one format and a deployment follows either the same way:
:func:`materialize` copies the described objects (prefix stripped, so ``score.py`` sits at the top)
out of the emulator's Object Storage.
"""
from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

from emulator.contracts import model_description
from emulator.data_science import artifacts, models, records, work_requests
from emulator.errors import OCIError, invalid
from emulator.object_storage import objects, versions
from emulator.state import EmulatorState

REFERENCE_TYPE = "OSS"


def check_references(body: dict[str, Any]) -> list[dict[str, str]]:
    """The request's ``modelArtifactReferences``; 400 unless each is a complete OSS reference."""
    references = body.get("modelArtifactReferences")
    if not isinstance(references, list) or not references:
        raise invalid("modelArtifactReferences must list at least one reference.")
    for index, item in enumerate(references):
        if not isinstance(item, dict) or item.get("modelArtifactReferenceType") != REFERENCE_TYPE:
            raise invalid(f"modelArtifactReferences[{index}].modelArtifactReferenceType must be {REFERENCE_TYPE}.")
        for name in ("namespace", "bucketName"):
            if not isinstance(item.get(name), str) or not item[name]:
                raise invalid(f"modelArtifactReferences[{index}].{name} is required.")
        if item.get("prefix") is not None and not isinstance(item["prefix"], str):
            raise invalid(f"modelArtifactReferences[{index}].prefix must be a string.")
    return references


def register(state: EmulatorState, model_id: str, references: list[dict[str, str]],
             if_match: str | None) -> dict[str, Any]:
    """REGISTER_MODEL_ARTIFACT: describe the referenced objects as the model's artifact and mark it by
    reference; the work request fails (not the call) when a prefix holds no object, as an export does."""
    model = models.get(state.db, model_id)
    records.check_etag(model, if_match)
    request = work_requests.create(state.db, "REGISTER_MODEL_ARTIFACT", model["compartmentId"],
                                   [work_requests.resource("model", model_id, "UPDATED", f"/models/{model_id}")],
                                   state.config.region)
    work_requests.start(state.db, request["id"], f"Registering the artifact reference of model {model_id}")
    try:
        text = json.dumps(describe(state, references), indent=2).encode()
        blob = state.blobs.write(io.BytesIO(text), max_bytes=len(text), expected_length=len(text), prefix="artifact")
        artifacts.attach(state, model_id, blob, model_description.CONTENT_DISPOSITION)
        with state.db.transaction():
            record = models.get(state.db, model_id)
            record["isModelByReference"] = True
            records.save(state.db, models.KIND, record)
    except OCIError as exc:
        return work_requests.fail(state.db, request["id"], exc.code, exc.message)
    return work_requests.succeed(state.db, request["id"], f"Model {model_id} refers to its artifact in Object Storage")


def describe(state: EmulatorState, references: list[dict[str, str]]) -> dict[str, Any]:
    """ADS's description of the objects under each reference, with their current versions."""
    described = []
    for ref in references:
        prefix = ref.get("prefix") or ""
        names = [o["name"] for o in objects.list_objects(state.db, ref["namespace"], ref["bucketName"], prefix,
                                                          limit=10_000)["objects"]]
        listed = [objects.get(state.db, ref["namespace"], ref["bucketName"], name) for name in names]
        if not listed:
            raise OCIError(404, "NotAuthorizedOrNotFound",
                           f"No object under oci://{ref['bucketName']}@{ref['namespace']}/{prefix}.")
        described.append({"namespace": ref["namespace"], "bucketName": ref["bucketName"], "prefix": prefix,
                          "objects": [{"name": o["name"], "version": o["versionId"], "sizeInBytes": o["size"]}
                                      for o in listed]})
    return model_description.document(described)


def _described_version(state: EmulatorState, namespace: str, bucket: str,
                       item: dict[str, Any]) -> dict[str, Any] | None:
    """The object version the description names (its current one when it names none), or None."""
    try:
        if item.get("version"):
            return versions.find(state.db, namespace, bucket, item["name"], item["version"])
        return objects.get(state.db, namespace, bucket, item["name"])
    except OCIError:
        return None


def materialize(state: EmulatorState, description: dict[str, Any], target: Path) -> None:
    """Copy every described object version into ``target`` (path relative to its prefix), as OCI reads
    the versions a description names; 400 when one is no longer held (deleted, or replaced in a bucket
    that does not keep versions)."""
    for model in description.get("models") or []:
        for item in model.get("objects") or []:
            record = _described_version(state, model["namespace"], model["bucketName"], item)
            if record is None:
                raise invalid(f"the model's artifact refers to oci://{model['bucketName']}@{model['namespace']}/"
                              f"{item['name']} version {item.get('version')}, which Object Storage no longer holds.")
            destination = (target / model_description.relative_name(item["name"], model.get("prefix"))).resolve()
            if not destination.is_relative_to(target.resolve()):
                raise invalid(f"the referenced object name {item['name']!r} leaves the artifact folder.")
            destination.parent.mkdir(parents=True, exist_ok=True)
            with state.blobs.open(artifacts.blob_of(record).name) as source, open(destination, "wb") as out:
                shutil.copyfileobj(source, out)
