"""Artifact signatures through the real SDK: a signature of the artifact as it was verifies while the
bytes are unchanged, and fails (signature FAILED, its VERIFY_MODEL_ARTIFACT_SIGNATURE work request
FAILED with an error) once the stored artifact no longer matches what was signed."""
from __future__ import annotations

import io
import os
import zipfile

import oci

from emulator.data_science import artifacts

M = oci.data_science.models
KEY, KEY_VERSION = "ocid1.key.oc1.iad.aaaaaaaasignatures", "ocid1.keyversion.oc1.iad.aaaaaaaasignatures"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("score.py", "def load_model():\n    return None\n")
    return buffer.getvalue()


def _signed_model(ds, compartment: str) -> tuple[M.Model, M.ModelArtifactSignature]:
    project = ds.create_project(M.CreateProjectDetails(compartment_id=compartment)).data
    model = ds.create_model(M.CreateModelDetails(compartment_id=compartment, project_id=project.id)).data
    ds.create_model_artifact(model.id, _zip())
    signature = ds.create_model_artifact_signature(M.CreateModelArtifactSignatureDetails(
        compartment_id=compartment, kms_key_id=KEY, kms_key_version_id=KEY_VERSION,
        signing_algorithm="SHA_256_RSA_PKCS_PSS"), model.id).data
    return model, signature


def _verify(ds, model_id: str, signature_id: str) -> tuple[M.ModelArtifactSignature, M.WorkRequest]:
    response = ds.verify_model_artifact_signature(model_id, signature_id)
    return response.data, ds.get_work_request(response.headers["opc-work-request-id"]).data


def _corrupt_stored_artifact(running, model_id: str) -> None:
    """What a verify exists to catch: the artifact's bytes changed after they were signed."""
    blob = artifacts.blob_of(artifacts.get(running.state.db, model_id))
    path = running.state.blobs.path(blob.name)
    os.chmod(path, 0o600)
    path.write_bytes(_zip() + b"tampered")


def test_a_verify_of_the_unchanged_artifact_succeeds(ds, compartment):
    model, signature = _signed_model(ds, compartment)
    verified, work = _verify(ds, model.id, signature.id)
    assert verified.lifecycle_state == "ACTIVE"
    assert (work.operation_type, work.status) == ("VERIFY_MODEL_ARTIFACT_SIGNATURE", "SUCCEEDED")


def test_a_verify_of_a_changed_artifact_fails_the_signature_and_its_work_request(start_emulator, clients_for,
                                                                                 compartment):
    running = start_emulator()
    ds = clients_for(running).ds
    model, signature = _signed_model(ds, compartment)
    _corrupt_stored_artifact(running, model.id)

    failed, work = _verify(ds, model.id, signature.id)
    assert failed.lifecycle_state == "FAILED"
    assert ds.get_model_artifact_signature(model.id, signature.id).data.lifecycle_state == "FAILED"
    assert (work.operation_type, work.status) == ("VERIFY_MODEL_ARTIFACT_SIGNATURE", "FAILED")
    errors = ds.list_work_request_errors(work.id).data
    assert [e.code for e in errors] == ["SignatureVerificationFailed"]
    assert signature.id in errors[0].message
