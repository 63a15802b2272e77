"""A model by reference deploys from Object Storage: its files stay in a bucket, the catalog holds the
reference (``register_model_artifact_reference``), and the deployment copies the referenced objects
(prefix stripped) and serves them on the process runtime."""
from __future__ import annotations

import oci

from tests.deployment import helpers
from toolkit.catalog.session import connect
from toolkit.deployment import deploy_model
from toolkit.profiles import object_storage_client

M = oci.data_science.models


def test_a_model_by_reference_deploys_and_predicts(emulator, tmp_path):
    from tests.deployment.conftest import pointing_at

    artifact = helpers.pickle_artifact(tmp_path / "artifact")
    with pointing_at(emulator):
        objects = object_storage_client()
        namespace = objects.get_namespace().data
        session = connect()
        compartment = session.compartment(None)
        objects.create_bucket(namespace, oci.object_storage.models.CreateBucketDetails(
            name="by-reference", compartment_id=compartment))
        for path in artifact.rglob("*"):
            objects.put_object(namespace, "by-reference", f"team/pickle/{path.relative_to(artifact)}", path.read_bytes())
        model = session.ds.create_model(M.CreateModelDetails(
            compartment_id=compartment, project_id=session.project(None, compartment), display_name="by-ref")).data
        reference = M.OSSModelArtifactReferenceDetails(namespace=namespace, bucket_name="by-reference",
                                                       prefix="team/pickle/")
        session.ds.register_model_artifact_reference(
            M.RegisterModelArtifactReferenceDetails(model_artifact_references=[reference]), model.id)
        deployment = deploy_model(model.id, runtime="process")
        try:
            assert deployment.predict(json_input={"data": [[1, 2]]}) == {"prediction": [103]}
        finally:
            deployment.delete()
