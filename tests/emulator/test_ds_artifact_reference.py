"""Models by reference through the real SDK: ``register_model_artifact_reference`` keeps the artifact in
Object Storage, marks the model ``isModelByReference`` and answers its artifact as ADS's description
of the referenced objects (names, versions, sizes); a reference to nothing fails the work request."""
from __future__ import annotations

import json

import oci

M = oci.data_science.models
FILES = {"models/m1/score.py": b"def load_model():\n    return 1\n", "models/m1/runtime.yaml": b"MODEL_ARTIFACT_VERSION: '3.0'\n"}


def _put(clients, bucket: str) -> str:
    namespace = clients.objects.get_namespace().data
    clients.objects.create_bucket(namespace, oci.object_storage.models.CreateBucketDetails(
        name=bucket, compartment_id="ocid1.compartment.oc1..aaaarefs"))
    for name, body in FILES.items():
        clients.objects.put_object(namespace, bucket, name, body)
    return namespace


def _register(ds, model_id: str, namespace: str, bucket: str, prefix: str):
    reference = M.OSSModelArtifactReferenceDetails(namespace=namespace, bucket_name=bucket, prefix=prefix)
    response = ds.register_model_artifact_reference(
        M.RegisterModelArtifactReferenceDetails(model_artifact_references=[reference]), model_id)
    assert response.status == 202
    return ds.get_work_request(response.headers["opc-work-request-id"]).data


def test_a_registered_reference_describes_the_objects(clients, make_model):
    namespace = _put(clients, "refs-described")
    model = make_model()
    request = _register(clients.ds, model.id, namespace, "refs-described", "models/m1/")
    assert (request.operation_type, request.status) == ("REGISTER_MODEL_ARTIFACT", "SUCCEEDED")
    assert clients.ds.get_model(model.id).data.is_model_by_reference
    content = clients.ds.get_model_artifact_content(model.id)
    assert content.headers["content-disposition"] == "attachment; filename=model_description.json"
    description = json.loads(content.data.content)
    assert description["type"] == "modelOSSReferenceDescription"
    [entry] = description["models"]
    assert (entry["namespace"], entry["bucketName"], entry["prefix"]) == (namespace, "refs-described", "models/m1/")
    assert {o["name"]: o["sizeInBytes"] for o in entry["objects"]} == {k: len(v) for k, v in FILES.items()}
    head = clients.objects.head_object(namespace, "refs-described", "models/m1/score.py")
    assert {o["name"]: o["version"] for o in entry["objects"]}["models/m1/score.py"] == head.headers["version-id"]


def test_a_reference_to_no_object_fails_the_work_request(clients, make_model):
    namespace = _put(clients, "refs-empty")
    model = make_model()
    request = _register(clients.ds, model.id, namespace, "refs-empty", "nothing/here/")
    assert request.status == "FAILED"
    assert not clients.ds.get_model(model.id).data.is_model_by_reference


def test_a_reference_without_a_bucket_is_refused(ds, make_model, service_error):
    model = make_model()
    body = {"modelArtifactReferences": [{"modelArtifactReferenceType": "OSS", "namespace": "n"}]}
    error = service_error(lambda: ds.register_model_artifact_reference(body, model.id))
    assert (error.status, error.code) == (400, "InvalidParameter") and "bucketName" in error.message
