"""A model by reference deploys from Object Storage: its files stay in a bucket, the catalog holds the
reference (``register_model_artifact_reference``), and the deployment copies the referenced objects
(prefix stripped) and serves them on the process runtime."""
from __future__ import annotations

from pathlib import Path

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


def test_the_toolkits_save_by_reference_keeps_the_files_in_the_bucket_and_deploys_loads_and_downloads(
        emulator, tmp_path):
    """``save(model_by_reference=True, bucket_uri=...)``: the files go to a versioned bucket, the catalog
    holds ADS's description (``modelDescription`` flag); deploy, load and download follow it, even after
    the object is overwritten (the description names the version)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from toolkit import DataScienceModel, SklearnModel
    from toolkit.catalog.errors import CatalogError

    X, Y = np.array([[0.0, 0.0], [1.0, 1.0], [0.1, 0.0], [0.9, 1.0]]), np.array([0, 1, 0, 1])
    objects = object_storage_client()
    namespace = objects.get_namespace().data
    compartment = connect().compartment(None)
    for name, versioning in (("plain-bucket", None), ("versioned-bucket", "Enabled")):
        objects.create_bucket(namespace, oci.object_storage.models.CreateBucketDetails(
            name=name, compartment_id=compartment, versioning=versioning))
    model = SklearnModel(estimator=LogisticRegression().fit(X, Y), artifact_dir=str(tmp_path / "sk"))
    model.prepare(X_sample=X, y_sample=Y, force_overwrite=True)
    expected = model.verify(X[:2])
    try:
        model.save(model_by_reference=True, bucket_uri=f"oci://plain-bucket@{namespace}/iris/")
    except CatalogError as exc:
        assert "not versioned" in str(exc)
    else:
        raise AssertionError("an unversioned bucket was accepted")

    model_id = model.save(model_by_reference=True, bucket_uri=f"oci://versioned-bucket@{namespace}/iris/")
    stored = {o.name for o in objects.list_objects(namespace, "versioned-bucket", prefix="iris/").data.objects}
    assert {"iris/score.py", "iris/runtime.yaml"} <= stored
    record = DataScienceModel.from_id(model_id)
    assert {m["key"]: m["value"] for m in record.custom_metadata_list}["modelDescription"] == "true"
    objects.put_object(namespace, "versioned-bucket", "iris/score.py", b"raise SystemExit('replaced')\n")

    downloaded = record.download_artifact(str(tmp_path / "downloaded"))
    assert (Path(downloaded) / "score.py").read_text() == (tmp_path / "sk" / "score.py").read_text()
    loaded = SklearnModel.from_model_catalog(model_id, artifact_dir=str(tmp_path / "loaded"))
    assert loaded.verify(X[:2]) == expected
    deployment = model.deploy(runtime="process")
    try:
        assert model.predict(X[:2]) == expected
    finally:
        deployment.delete()
