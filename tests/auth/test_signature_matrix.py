"""The signature matrix: every route of the emulator (read from its url_map, so a new route cannot
escape) x every way around ``--auth enforce`` a hostile caller tries.

Two users of one tenancy, A and B, each limited to a compartment of their own, sign with the stock
``oci.signer.Signer``; the hostile cases are hand-modified copies of its headers:

| case | what is sent | expected |
| --- | --- | --- |
| unsigned | no Authorization | 401 |
| wrong key | an unregistered key; A's keyId signed with another private key | 401 |
| tampered | body (POST/PUT) or query (GET/DELETE) changed after signing | 401 |
| stale date | signed an hour ago; and that replayed with a fresh, unsigned x-date | 401 |
| replay | A's valid headers sent with another method, or to another path | 401 |
| content type | a JSON body signed as text/plain, naming B's compartment | 404 (and 415 for A's own) |
| other compartment | A names B's resources (path, query, body, bucket, log query) or refers to them from A's; also signed by the resource principal of A's notebook session | 404 / B filtered out |
| read-only key | A's own requests signed by a key of every compartment registered read-only | 404 for every write, reads pass |

And the control: A's own correctly signed request passes the check on every route.

Two cases do not apply to every route (``NOT_APPLICABLE``): those skip, with the reason, and are the
only skips ``DOCKYARD_NO_SKIPS=1`` admits (tests/skip_policy.py). The hostile cases share one emulator
and change nothing; the tests that change things (the control, the reset) and the check that the
hostile cases changed nothing of B's each start an emulator of their own, so any order of the tests,
or any one alone, proves the same.
"""
from __future__ import annotations

import contextlib
import email.utils
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any, Callable, Iterator

import oci
import pytest
import requests

from emulator.auth import add_key
from emulator.auth.access import READ_ACTIONS
from emulator.contracts import conda_packs
from emulator.config import EmulatorConfig
from emulator.server import start_in_background
from tests.emulator_routes import Route, emulator_routes
from toolkit.testing.credentials import ApiKey, fake_ocid, make_api_key

NAMESPACE = "dockyard"
OPEN = {"dockyard_health",  # liveness probes: answered unsigned, reveal nothing
        "object_storage.get_object_with_par"}  # a pre-authenticated request: the path is the authorization
UNSCOPED = {"object_storage.get_namespace",  # name no compartment: every user gets the same answer
            "object_storage.get_namespace_metadata"}
# act on every compartment (the reset, the snapshots of the whole state): a key limited to some is refused (404)
ADMIN_ONLY = {"dockyard_reset", "dockyard_snapshots.save_snapshot", "dockyard_snapshots.list_snapshots",
              "dockyard_snapshots.download_snapshot", "dockyard_snapshots.delete_snapshot",
              "dockyard_snapshots.restore_snapshot"}
# case -> (its test, the reason it skips a route it does not apply to)
NOT_APPLICABLE = {
    "content type": ("test_json_signed_as_another_content_type_does_not_get_past_the_access_check",
                     "an upload or a predict payload takes any content type; a search names no compartment; "
                     "a route for keys of every compartment refuses a limited key first"),
    "reference": ("test_reference_to_another_compartment_from_ones_own_is_not_found", "the body refers to nothing"),
}


ROUTES = emulator_routes()
SIGNED = [r for r in ROUTES if r.endpoint not in OPEN]


# ------------------------------------------------------------------------------------------------
# Two users, their resources, and what each route looks like for them
# ------------------------------------------------------------------------------------------------

@dataclass
class Tenant:
    name: str
    key: ApiKey
    compartment: str
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def bucket(self) -> str:
        return f"matrix-{self.name}"


@dataclass
class Call:
    """One concrete request: path variables, query, body (dict = JSON, bytes = an upload)."""

    values: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    body: dict | bytes | None = None

    @property
    def is_json(self) -> bool:
        return isinstance(self.body, dict)


def _deployment_body(owner: Tenant, ref: Tenant) -> dict:
    return {"compartmentId": owner.compartment, "projectId": ref.ids["project"], "displayName": "matrix",
            "modelDeploymentConfigurationDetails": {
                "deploymentType": "SINGLE_MODEL",
                "modelConfigurationDetails": {"modelId": ref.ids["model"],
                                              "instanceConfiguration": {"instanceShapeName": "VM.Standard.E4.Flex"}}}}


def _transfer(field_name: str, bucket_field: str, object_field: str, ref: Tenant, obj: str) -> dict:
    return {field_name: {"artifactSourceType": "ORACLE_OBJECT_STORAGE", "namespace": NAMESPACE,
                         bucket_field: ref.bucket, object_field: obj}}


def _notebook_session_body(owner: Tenant, ref: Tenant) -> dict:
    return {"compartmentId": owner.compartment, "projectId": ref.ids["project"],
            "notebookSessionConfigDetails": {"shape": "VM.Standard.E4.Flex"}}


def _notebook_session(o: Tenant) -> dict[str, str]:
    return {"notebook_session_id": o.ids["notebook_session"]}


def _model_group_body(owner: Tenant, ref: Tenant) -> dict:
    return {"createType": "CREATE", "compartmentId": owner.compartment, "projectId": ref.ids["project"],
            "modelGroupDetails": {"type": "HOMOGENEOUS"},
            "memberModelEntries": {"memberModelDetails": [{"modelId": ref.ids["model"], "inferenceKey": "m"}]}}


def _group(o: Tenant) -> dict[str, str]:
    return {"group_id": o.ids["group"]}


def _group_history(o: Tenant) -> dict[str, str]:
    return {"history_id": o.ids["group_history"]}


def _model(o: Tenant) -> dict[str, str]:
    return {"model_id": o.ids["model"]}


KMS_KEY, KMS_KEY_VERSION = "ocid1.key.oc1.iad.aaaaaaaamatrix", "ocid1.keyversion.oc1.iad.aaaaaaaamatrix"


def _signature(o: Tenant) -> dict[str, str]:
    return {"model_id": o.ids["model"], "signature_id": o.ids["signature"]}


def _metadatum(o: Tenant) -> dict[str, str]:
    return {"model_id": o.ids["model"], "scope": "customMetadata", "key": "readme"}


def _bucket(o: Tenant) -> dict[str, str]:
    return {"namespace": NAMESPACE, "bucket": o.bucket}


def _upload(o: Tenant) -> tuple[dict[str, str], dict[str, str]]:
    return {**_bucket(o), "name": "mp"}, {"uploadId": o.ids["upload"]}


# endpoint -> (owner of the path/compartment, owner of what the body refers to) -> the request
SPECS: dict[str, Callable[[Tenant, Tenant], Call]] = {
    "resource_search.search_resources": lambda o, r: Call(body={"type": "FreeText", "text": "matrix"}),
    # Monitoring: scoped by compartmentId; a query naming another's deployment finds no data there, as in OCI
    "monitoring.summarize_metrics_data": lambda o, r: Call(query={"compartmentId": o.compartment}, body={
        "namespace": "oci_datascience_modeldeploy",
        "query": f'PredictRequestCount[1m]{{resourceId = "{o.ids["deployment"]}"}}.grouping().sum()'}),
    "monitoring.list_metrics": lambda o, r: Call(query={"compartmentId": o.compartment},
                                                 body={"namespace": "oci_datascience_modeldeploy"}),
    "model_deployment.create_model_deployment": lambda o, r: Call(body=_deployment_body(o, r)),
    "model_deployment.list_model_deployments": lambda o, r: Call(query={"compartmentId": o.compartment}),
    "model_deployment.get_model_deployment": lambda o, r: Call({"deployment_id": o.ids["deployment"]}),
    "model_deployment.update_model_deployment": lambda o, r: Call({"deployment_id": o.ids["deployment"]},
                                                                  body={"displayName": "renamed"}),
    "model_deployment.delete_model_deployment": lambda o, r: Call({"deployment_id": o.ids["deployment"]}),
    "model_deployment.activate_model_deployment": lambda o, r: Call({"deployment_id": o.ids["deployment"]}),
    "model_deployment.deactivate_model_deployment": lambda o, r: Call({"deployment_id": o.ids["deployment"]}),
    "data_science.create_model_version_set": lambda o, r: Call(body={
        "compartmentId": o.compartment, "projectId": r.ids["project"], "name": f"vs-{uuid.uuid4().hex[:8]}"}),
    "data_science.list_model_version_sets": lambda o, r: Call(query={"compartmentId": o.compartment}),
    "data_science.get_model_version_set": lambda o, r: Call({"set_id": o.ids["version_set"]}),
    "data_science.update_model_version_set": lambda o, r: Call({"set_id": o.ids["version_set"]},
                                                               body={"description": "changed"}),
    "data_science.delete_model_version_set": lambda o, r: Call({"set_id": o.ids["version_set"]}),
    "data_science.create_model": lambda o, r: Call(body={
        "compartmentId": o.compartment, "projectId": r.ids["project"], "modelVersionSetId": r.ids["version_set"]}),
    "data_science.list_models": lambda o, r: Call(query={"compartmentId": o.compartment}),
    "data_science.get_model": lambda o, r: Call(_model(o)),
    "data_science.update_model": lambda o, r: Call(_model(o), body={"displayName": "renamed",
                                                                     "modelVersionSetId": r.ids["version_set"]}),
    "data_science.delete_model": lambda o, r: Call(_model(o)),
    "data_science.create_metadatum_artifact": lambda o, r: Call(_metadatum(o), body=b"readme v2"),
    "data_science.update_metadatum_artifact": lambda o, r: Call(_metadatum(o), body=b"readme v3"),
    "data_science.delete_metadatum_artifact": lambda o, r: Call(_metadatum(o)),
    "data_science.get_metadatum_artifact_content": lambda o, r: Call(_metadatum(o)),
    "data_science.activate_model": lambda o, r: Call(_model(o)),
    "data_science.deactivate_model": lambda o, r: Call(_model(o)),
    "data_science.export_model_artifact": lambda o, r: Call(_model(o), body=_transfer(
        "artifactExportDetails", "sourceBucket", "sourceObjectName", r, "o.txt")),
    "data_science.import_model_artifact": lambda o, r: Call(_model(o), body=_transfer(
        "artifactImportDetails", "destinationBucket", "destinationObjectName", r, "imported.zip")),
    "data_science.create_model_artifact": lambda o, r: Call(_model(o), body=b"PK not really a zip"),
    "data_science.get_model_artifact_content": lambda o, r: Call(_model(o)),
    "data_science.create_model_provenance": lambda o, r: Call(_model(o), body={"gitBranch": "main"}),
    "data_science.get_model_provenance": lambda o, r: Call(_model(o)),
    "data_science.update_model_provenance": lambda o, r: Call(_model(o), body={"gitBranch": "dev"}),
    "data_science.create_model_group": lambda o, r: Call(body=_model_group_body(o, r)),
    "data_science.list_model_groups": lambda o, r: Call(query={"compartmentId": o.compartment}),
    "data_science.get_model_group": lambda o, r: Call(_group(o)),
    "data_science.update_model_group": lambda o, r: Call(_group(o), body={
        "displayName": "renamed", "modelGroupVersionHistoryId": r.ids["group_history"]}),
    "data_science.delete_model_group": lambda o, r: Call(_group(o)),
    "data_science.activate_model_group": lambda o, r: Call(_group(o)),
    "data_science.deactivate_model_group": lambda o, r: Call(_group(o)),
    "data_science.change_model_group_compartment": lambda o, r: Call(_group(o), body={"compartmentId": r.compartment}),
    "data_science.list_model_group_models": lambda o, r: Call(_group(o), query={"compartmentId": o.compartment}),
    "data_science.create_model_group_artifact": lambda o, r: Call(_group(o), body=b"PK not really a zip"),
    "data_science.get_model_group_artifact_content": lambda o, r: Call(_group(o)),
    "data_science.create_model_group_version_history": lambda o, r: Call(body={
        "compartmentId": o.compartment, "projectId": r.ids["project"], "latestModelGroupId": r.ids["group"]}),
    "data_science.list_model_group_version_histories": lambda o, r: Call(query={"compartmentId": o.compartment}),
    "data_science.get_model_group_version_history": lambda o, r: Call(_group_history(o)),
    "data_science.update_model_group_version_history": lambda o, r: Call(_group_history(o), body={
        "displayName": "renamed", "latestModelGroupId": r.ids["group"]}),
    "data_science.delete_model_group_version_history": lambda o, r: Call(_group_history(o)),
    "data_science.change_model_group_version_history_compartment": lambda o, r: Call(
        _group_history(o), body={"compartmentId": r.compartment}),
    "data_science.create_notebook_session": lambda o, r: Call(body=_notebook_session_body(o, r)),
    "data_science.list_notebook_sessions": lambda o, r: Call(query={"compartmentId": o.compartment}),
    "data_science.get_notebook_session": lambda o, r: Call(_notebook_session(o)),
    "dockyard_auth.issue_resource_principal_token": lambda o, r: Call(_notebook_session(o), body={
        "publicKey": o.key.public_key_pem}),
    "data_science.create_project": lambda o, r: Call(body={"compartmentId": o.compartment, "displayName": "p"}),
    "data_science.list_projects": lambda o, r: Call(query={"compartmentId": o.compartment}),
    "data_science.get_project": lambda o, r: Call({"project_id": o.ids["project"]}),
    "data_science.update_project": lambda o, r: Call({"project_id": o.ids["project"]},
                                                     body={"description": "changed"}),
    "data_science.delete_project": lambda o, r: Call({"project_id": o.ids["project"]}),
    "data_science.list_work_requests": lambda o, r: Call(query={"compartmentId": o.compartment}),
    "data_science.change_project_compartment": lambda o, r: Call({"project_id": o.ids["project"]},
                                                                 body={"compartmentId": r.compartment}),
    "data_science.change_model_compartment": lambda o, r: Call(_model(o), body={"compartmentId": r.compartment}),
    "data_science.change_model_version_set_compartment": lambda o, r: Call({"set_id": o.ids["version_set"]},
                                                                           body={"compartmentId": r.compartment}),
    "model_deployment.change_model_deployment_compartment": lambda o, r: Call(
        {"deployment_id": o.ids["deployment"]}, body={"compartmentId": r.compartment}),
    "model_deployment.list_model_deployment_shapes": lambda o, r: Call(query={"compartmentId": o.compartment}),
    "model_deployment.list_model_deployment_model_states": lambda o, r: Call(
        {"deployment_id": o.ids["deployment"]}, query={"compartmentId": o.compartment}),
    "data_science.cancel_work_request": lambda o, r: Call({"work_request_id": o.ids["work_request"]}),
    "data_science.create_model_artifact_signature": lambda o, r: Call(_model(o), body={
        "compartmentId": r.compartment, "kmsKeyId": KMS_KEY, "kmsKeyVersionId": KMS_KEY_VERSION,
        "signingAlgorithm": "SHA_256_RSA_PKCS_PSS"}),
    "data_science.list_model_artifact_signatures": lambda o, r: Call(_model(o), query={"compartmentId": o.compartment}),
    "data_science.get_model_artifact_signature": lambda o, r: Call(_signature(o)),
    "data_science.update_model_artifact_signature": lambda o, r: Call(_signature(o), body={"displayName": "renamed"}),
    "data_science.delete_model_artifact_signature": lambda o, r: Call(_signature(o)),
    "data_science.verify_model_artifact_signature": lambda o, r: Call(_signature(o)),
    "data_science.change_model_artifact_signature_compartment": lambda o, r: Call(
        _signature(o), body={"compartmentId": r.compartment}),
    "data_science.register_model_artifact_reference": lambda o, r: Call(_model(o), body={
        "modelArtifactReferences": [{"modelArtifactReferenceType": "OSS", "namespace": NAMESPACE,
                                     "bucketName": r.bucket, "prefix": ""}]}),
    "data_science.restore_archived_model_artifact": lambda o, r: Call(_model(o), query={
        "restoreModelForHoursSpecified": "1"}),
    "data_science.get_work_request": lambda o, r: Call({"work_request_id": o.ids["work_request"]}),
    "data_science.list_work_request_errors": lambda o, r: Call({"work_request_id": o.ids["work_request"]}),
    "data_science.list_work_request_logs": lambda o, r: Call({"work_request_id": o.ids["work_request"]}),
    "log_search.search_logs": lambda o, r: Call(body={
        "searchQuery": f"search \"{o.compartment}\" | where data.modeldeploymentid = '{o.ids['deployment']}'",
        "timeStart": "2020-01-01T00:00:00Z", "timeEnd": "2099-01-01T00:00:00Z"}),
    "model_deployment_gateway.predict": lambda o, r: Call({"deployment_id": o.ids["deployment"]},
                                                          body={"data": [[1.0]]}),
    "dockyard_health": lambda o, r: Call(),
    "dockyard_reset": lambda o, r: Call(),
    "dockyard_snapshots.save_snapshot": lambda o, r: Call(body={"name": "matrix"}),
    "dockyard_snapshots.list_snapshots": lambda o, r: Call(),
    "dockyard_snapshots.download_snapshot": lambda o, r: Call({"name": "matrix"}),
    "dockyard_snapshots.delete_snapshot": lambda o, r: Call({"name": "matrix"}),
    "dockyard_snapshots.restore_snapshot": lambda o, r: Call(body={"name": "matrix"}),
    "object_storage.get_namespace": lambda o, r: Call(),
    "object_storage.get_namespace_metadata": lambda o, r: Call({"namespace": NAMESPACE}),
    "object_storage.get_object_with_par": lambda o, r: Call({  # the one PAR every emulator has
        "par_id": conda_packs.PAR_ID, "namespace": conda_packs.PAR_NAMESPACE, "bucket": conda_packs.SERVICE_BUCKET,
        "name": conda_packs.INDEX_OBJECT}),
    "object_storage.create_bucket": lambda o, r: Call({"namespace": NAMESPACE}, body={
        "name": f"new-{uuid.uuid4().hex[:8]}", "compartmentId": o.compartment}),
    "object_storage.get_bucket": lambda o, r: Call(_bucket(o)),
    "object_storage.update_bucket": lambda o, r: Call(_bucket(o), body={"freeformTags": {"matrix": "yes"}}),
    "object_storage.delete_bucket": lambda o, r: Call(_bucket(o)),
    "object_storage.list_object_versions": lambda o, r: Call(_bucket(o)),
    "object_storage.list_objects": lambda o, r: Call(_bucket(o)),
    "object_storage.put_object": lambda o, r: Call({**_bucket(o), "name": "o.txt"}, body=b"overwritten"),
    "object_storage.get_object": lambda o, r: Call({**_bucket(o), "name": "o.txt"}),
    "object_storage.delete_object": lambda o, r: Call({**_bucket(o), "name": "o.txt"}),
    "object_storage.create_multipart_upload": lambda o, r: Call(_bucket(o), body={"object": "mp2"}),
    "object_storage.upload_part": lambda o, r: Call(*_upload(o), body=b"part two"),
    "object_storage.commit_multipart_upload": lambda o, r: Call(*_upload(o), body={
        "partsToCommit": [{"partNum": 1, "etag": o.ids["part_etag"]}]}),
    "object_storage.list_multipart_upload_parts": lambda o, r: Call(*_upload(o)),
    "object_storage.abort_multipart_upload": lambda o, r: Call(*_upload(o)),
}


def test_every_route_has_a_request_in_the_matrix():
    """A route added to the emulator fails here until the matrix knows how to call it."""
    missing = sorted({r.endpoint for r in ROUTES} - set(SPECS))
    assert not missing, f"add these endpoints to SPECS: {missing}"


# ------------------------------------------------------------------------------------------------
# The emulator, the users, and signed requests
# ------------------------------------------------------------------------------------------------

class Matrix:
    def __init__(self, running: Any, a: Tenant, b: Tenant, stranger: ApiKey, impostor: ApiKey, admin: ApiKey,
                 reader: ApiKey) -> None:
        self.url, self.running = running.url, running
        self.a, self.b, self.stranger, self.impostor, self.admin = a, b, stranger, impostor, admin
        self.reader = reader
        self.adapter = running.app.url_map.bind("localhost")

    def prepare(self, route: Route, call: Call, content_type: str | None = None) -> requests.PreparedRequest:
        path = self.adapter.build(route.endpoint, call.values, method=route.method)
        body = json.dumps(call.body).encode() if call.is_json else call.body
        if content_type is None and call.body is not None:
            content_type = "application/json" if call.is_json else "application/octet-stream"
        headers = {"content-type": content_type} if content_type else {}
        return requests.Request(route.method, self.url + path, params=call.query, data=body,
                                headers=headers).prepare()

    def signed(self, key: ApiKey | Any, route: Route, call: Call, content_type: str | None = None,
               date: str | None = None) -> requests.PreparedRequest:
        """Signed by an API key (the stock ``oci.signer.Signer``) or by a signer given as it is."""
        prepared = self.prepare(route, call, content_type)
        if date:
            prepared.headers["date"] = date
        (_signer(key) if isinstance(key, ApiKey) else key)(prepared)
        return prepared

    @staticmethod
    def send(prepared: requests.PreparedRequest) -> requests.Response:
        with requests.Session() as session:
            return session.send(prepared, timeout=30)


_SIGNERS: dict[str, Any] = {}


def _signer(key: ApiKey) -> Any:
    if key.key_id not in _SIGNERS:
        _SIGNERS[key.key_id] = key.signer()
    return _SIGNERS[key.key_id]


def _send_signed(url: str, key: ApiKey, method: str, path: str, body: Any = None, **query: str) -> requests.Response:
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    headers = {"content-type": "application/json" if isinstance(body, dict) else "application/octet-stream"}
    prepared = requests.Request(method, url + path, params=query, data=data, headers=headers).prepare()
    _signer(key)(prepared)
    response = requests.Session().send(prepared, timeout=30)
    assert response.status_code < 300, (method, path, response.text)
    return response


def _seed(url: str, t: Tenant) -> None:
    """Each user creates one of everything in their own compartment, signed with their own key."""
    ds = "/20190101"
    send = lambda *args, **kw: _send_signed(url, t.key, *args, **kw)  # noqa: E731
    t.ids["project"] = send("POST", f"{ds}/projects", {"compartmentId": t.compartment, "displayName": "matrix"}).json()["id"]
    spare = send("POST", f"{ds}/projects", {"compartmentId": t.compartment}).json()["id"]
    t.ids["work_request"] = send("DELETE", f"{ds}/projects/{spare}").headers["opc-work-request-id"]
    t.ids["notebook_session"] = send("POST", f"{ds}/notebookSessions", _notebook_session_body(t, t)).json()["id"]
    t.ids["version_set"] = send("POST", f"{ds}/modelVersionSets", {
        "compartmentId": t.compartment, "projectId": t.ids["project"], "name": f"vs-{t.name}"}).json()["id"]
    t.ids["model"] = model = send("POST", f"{ds}/models", {
        "compartmentId": t.compartment, "projectId": t.ids["project"], "displayName": f"matrix-{t.name}",
        "customMetadataList": [{"key": "readme", "value": "r", "category": "Other"}]}).json()["id"]
    send("POST", f"{ds}/models/{model}/provenance", {"gitBranch": "main"})
    send("POST", f"{ds}/models/{model}/customMetadata/readme/artifact", b"readme")
    send("POST", f"{ds}/models/{model}/artifact", b"not a zip: a deployment of it fails at once")
    t.ids["signature"] = send("POST", f"{ds}/models/{model}/artifactSignatures", {
        "compartmentId": t.compartment, "kmsKeyId": KMS_KEY, "kmsKeyVersionId": KMS_KEY_VERSION,
        "signingAlgorithm": "SHA_256_RSA_PKCS_PSS"}).json()["id"]
    t.ids["group"] = group = send("POST", f"{ds}/modelGroups", _model_group_body(t, t)).json()["id"]
    send("POST", f"{ds}/modelGroups/{group}/artifact", b"PK group")
    t.ids["group_history"] = send("POST", f"{ds}/modelGroupVersionHistory", {
        "compartmentId": t.compartment, "projectId": t.ids["project"]}).json()["id"]
    send("POST", f"/n/{NAMESPACE}/b", {"name": t.bucket, "compartmentId": t.compartment})
    send("PUT", f"/n/{NAMESPACE}/b/{t.bucket}/o/o.txt", f"{t.name}'s object".encode())
    t.ids["upload"] = send("POST", f"/n/{NAMESPACE}/b/{t.bucket}/u", {"object": "mp"}).json()["uploadId"]
    t.ids["part_etag"] = send("PUT", f"/n/{NAMESPACE}/b/{t.bucket}/u/mp", b"part one", uploadId=t.ids["upload"],
                              uploadPartNum="1").headers["etag"]
    t.ids["deployment"] = send("POST", f"{ds}/modelDeployments", _deployment_body(t, t)).json()["id"]
    deadline = time.monotonic() + 30
    while send("GET", f"{ds}/modelDeployments/{t.ids['deployment']}").json()["lifecycleState"] == "CREATING":
        assert time.monotonic() < deadline
        time.sleep(0.1)


@contextlib.contextmanager
def _started_matrix(tmp_path_factory) -> Iterator[Matrix]:
    running = start_in_background(EmulatorConfig(home=tmp_path_factory.mktemp("matrix"), auth_mode="enforce",
                                                 runtime="process"))
    tenancy = fake_ocid("tenancy")
    tenants = []
    for name in ("a", "b"):
        key = make_api_key(tmp_path_factory.mktemp(f"key-{name}"), tenancy=tenancy)
        compartment = fake_ocid("compartment")
        add_key(running.state.db, key.tenancy, key.user, key.public_key_pem, compartments=[compartment])
        tenants.append(Tenant(name, key, compartment))
    for tenant in tenants:
        _seed(running.url, tenant)
    stranger = make_api_key(tmp_path_factory.mktemp("stranger"), tenancy=tenancy)
    impostor = make_api_key(tmp_path_factory.mktemp("impostor"))
    admin = make_api_key(tmp_path_factory.mktemp("admin"), tenancy=tenancy)
    add_key(running.state.db, admin.tenancy, admin.user, admin.public_key_pem)  # every compartment
    reader = make_api_key(tmp_path_factory.mktemp("reader"), tenancy=tenancy)
    add_key(running.state.db, reader.tenancy, reader.user, reader.public_key_pem, read_only=True)  # every compartment
    try:
        yield Matrix(running, *tenants, stranger, impostor, admin, reader)
    finally:
        running.stop()


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    """The emulator the hostile cases share: none of them changes anything."""
    with _started_matrix(tmp_path_factory) as started:
        yield started


@pytest.fixture
def fresh_matrix(tmp_path_factory):
    """An emulator of one test's own, for a test that changes things or must see every hostile case."""
    with _started_matrix(tmp_path_factory) as started:
        yield started


def _refused(response: requests.Response, status: int, case: str, route: Route, code: str | None = None) -> None:
    assert response.status_code == status, f"{case} on {route}: {response.status_code} {response.text[:300]}"
    error = response.json()
    assert error["code"] and error["message"] and response.headers["opc-request-id"]
    if code:
        assert error["code"] == code, (case, str(route), error)


def _own(matrix: Matrix, route: Route) -> Call:
    return SPECS[route.endpoint](matrix.a, matrix.a)


def _has_body(route: Route) -> bool:
    return route.method in ("POST", "PUT")


def _content_type_applies(route: Route, theirs: Call) -> bool:
    """A JSON body naming a compartment can be sent labelled as something else (not to a route for keys of
    every compartment, which refuses A's limited key before it reads a body)."""
    return theirs.is_json and route.endpoint not in ("model_deployment_gateway.predict",
                                                     "resource_search.search_resources", *ADMIN_ONLY)


def _refers_to(crossing: Call, other: Tenant) -> bool:
    text = json.dumps(crossing.body) if crossing.is_json else ""
    return any(ident in text for ident in [*other.ids.values(), other.bucket])


BODY_ROUTES = [r for r in SIGNED if _has_body(r)]
SCOPED_ROUTES = [r for r in SIGNED if r.endpoint not in UNSCOPED]


# ------------------------------------------------------------------------------------------------
# The hostile cases (none of them may change anything)
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("route", SIGNED, ids=str)
def test_unsigned_request_is_401(matrix, route):
    _refused(matrix.send(matrix.prepare(route, _own(matrix, route))), 401, "unsigned", route, "NotAuthenticated")


@pytest.mark.parametrize("route", SIGNED, ids=str)
def test_wrong_key_is_401(matrix, route):
    call = _own(matrix, route)
    _refused(matrix.send(matrix.signed(matrix.stranger, route, call)), 401, "unregistered key", route)
    a = matrix.a.key
    forged = oci.signer.Signer(a.tenancy, a.user, a.fingerprint, str(matrix.impostor.key_file))
    prepared = matrix.prepare(route, call)
    forged(prepared)
    _refused(matrix.send(prepared), 401, "keyId with another private key", route)


@pytest.mark.parametrize("route", SIGNED, ids=str)
def test_tampered_request_is_401(matrix, route):
    prepared = matrix.signed(matrix.a.key, route, _own(matrix, route))
    if _has_body(route):
        body = prepared.body or b""
        prepared.body = (body[:-1] + bytes([body[-1] ^ 1])) if body else b"{}"
        prepared.headers["content-length"] = str(len(prepared.body))
    else:
        prepared.url += ("&" if "?" in prepared.url else "?") + "compartmentId=" + matrix.b.compartment
    _refused(matrix.send(prepared), 401, "tampered", route, "NotAuthenticated")


@pytest.mark.parametrize("route", SIGNED, ids=str)
def test_stale_or_replayed_date_is_401(matrix, route):
    an_hour_ago = email.utils.format_datetime(datetime.now(timezone.utc) - timedelta(hours=1), usegmt=True)
    prepared = matrix.signed(matrix.a.key, route, _own(matrix, route), date=an_hour_ago)
    _refused(matrix.send(prepared), 401, "stale date", route, "NotAuthenticated")
    prepared.headers["x-date"] = email.utils.formatdate(usegmt=True)  # fresh, but not what was signed
    _refused(matrix.send(prepared), 401, "stale date + fresh unsigned x-date", route, "NotAuthenticated")
    prepared.headers.pop("x-date")
    prepared.headers["date"] = email.utils.formatdate(usegmt=True)  # fresh, but the signature is of the old one
    _refused(matrix.send(prepared), 401, "stale date rewritten", route, "NotAuthenticated")


@pytest.mark.parametrize("route", SIGNED, ids=str)
def test_signature_replayed_on_another_path_or_method_is_401(matrix, route):
    original = matrix.signed(matrix.a.key, route, _own(matrix, route))
    other_method = original.copy()
    other_method.method = "DELETE" if route.method != "DELETE" else "GET"
    _refused(matrix.send(other_method), 401, "method replay", route, "NotAuthenticated")
    theirs = matrix.prepare(route, SPECS[route.endpoint](matrix.b, matrix.b))
    other_path = original.copy()
    other_path.url = theirs.url if theirs.url != original.url else original.url.replace("/20190101/", "/20190101/x/")
    if other_path.url == original.url:  # a route without a /20190101/ path and without variables
        other_path.url = matrix.url + "/20190101/projects?compartmentId=" + matrix.b.compartment
    _refused(matrix.send(other_path), 401, "path replay", route, "NotAuthenticated")


@pytest.mark.parametrize("route", BODY_ROUTES, ids=str)
def test_json_signed_as_another_content_type_does_not_get_past_the_access_check(matrix, route):
    """The routes parse a body whatever its Content-Type says, so the access check reads it too;
    and a JSON route refuses a body labelled as something else (415)."""
    call = SPECS[route.endpoint](matrix.b, matrix.b)
    if not _content_type_applies(route, call):
        pytest.skip(NOT_APPLICABLE["content type"][1])
    response = matrix.send(matrix.signed(matrix.a.key, route, call, content_type="text/plain"))
    _refused(response, 404, "JSON as text/plain naming B", route, _not_found_code(call))
    own = matrix.send(matrix.signed(matrix.a.key, route, _own(matrix, route), content_type="text/plain"))
    _refused(own, 415, "JSON as text/plain, own compartment", route, "UnsupportedMediaType")


@pytest.fixture(scope="module")
def principal_of_a(matrix):
    return _principal_of_a(matrix)


def _principal_of_a(matrix: Matrix) -> Any:
    """The resource principal of A's notebook session (the stock SDK's version 2.2 signer), limited to
    A's compartment like A's key."""
    from toolkit.api_keys import new_key_pair

    pair = new_key_pair()
    issued = _send_signed(matrix.url, matrix.a.key, "POST",
                          f"/dockyard-api/notebookSessions/{matrix.a.ids['notebook_session']}/resourcePrincipalToken",
                          {"publicKey": pair.public_pem}).json()
    return oci.auth.signers.EphemeralResourcePrincipalSigner(session_token=issued["token"],
                                                             private_key=pair.private_pem.decode(),
                                                             region=issued["region"])


@pytest.mark.parametrize("signer", ["api key", "resource principal"])
@pytest.mark.parametrize("route", SCOPED_ROUTES, ids=str)
def test_other_compartment_is_not_found(matrix, principal_of_a, route, signer):
    theirs = SPECS[route.endpoint](matrix.b, matrix.b)
    response = matrix.send(matrix.signed(matrix.a.key if signer == "api key" else principal_of_a, route, theirs))
    if route.endpoint == "resource_search.search_resources":
        assert response.status_code == 200, response.text
        compartments = {item["compartmentId"] for item in response.json()["items"]}
        assert compartments == {matrix.a.compartment}, "search must show A's resources and none of B's"
        return
    _refused(response, 404, "other compartment", route, _not_found_code(theirs))


def _not_found_code(call: Call) -> str:
    """Object Storage says BucketNotFound for a bucket one may not see, the rest NotAuthorizedOrNotFound;
    compartments and OCIDs are checked before buckets."""
    text = json.dumps([call.values, call.query, call.body if call.is_json else None])
    names_ocid = "ocid1." in text
    names_bucket = "bucket" in call.values or "Bucket" in text
    return "BucketNotFound" if names_bucket and not names_ocid else "NotAuthorizedOrNotFound"


@pytest.mark.parametrize("route", BODY_ROUTES, ids=str)
def test_reference_to_another_compartment_from_ones_own_is_not_found(matrix, route):
    crossing = SPECS[route.endpoint](matrix.a, matrix.b)
    if not _refers_to(crossing, matrix.b):
        pytest.skip(NOT_APPLICABLE["reference"][1])
    text = json.dumps(crossing.body)
    response = matrix.send(matrix.signed(matrix.a.key, route, crossing))
    names_their_resource = any(ident in text for ident in matrix.b.ids.values())
    _refused(response, 404, "reference to another compartment", route,
             "NotAuthorizedOrNotFound" if names_their_resource else "BucketNotFound")


def test_structured_search_shows_only_the_callers_compartment(matrix):
    route = Route("resource_search.search_resources", "POST", "/20180409/resources")
    for query in ("query all resources", "query datasciencemodel resources where displayName = 'matrix-b'"):
        response = matrix.send(matrix.signed(matrix.a.key, route, Call(body={"type": "Structured", "query": query})))
        assert response.status_code == 200
        assert all(item["compartmentId"] == matrix.a.compartment for item in response.json()["items"]), query


HOSTILE_CASES = (test_unsigned_request_is_401, test_wrong_key_is_401, test_tampered_request_is_401,
                 test_stale_or_replayed_date_is_401, test_signature_replayed_on_another_path_or_method_is_401,
                 test_json_signed_as_another_content_type_does_not_get_past_the_access_check,
                 test_reference_to_another_compartment_from_ones_own_is_not_found)


def test_nothing_of_b_changed(fresh_matrix):
    """Every hostile case, sent here on every route to an emulator of this test's own: afterwards B's
    object, project and compartment are as B left them."""
    principal = _principal_of_a(fresh_matrix)
    for route in SIGNED:
        for case in HOSTILE_CASES:
            with contextlib.suppress(pytest.skip.Exception):  # a case that does not apply to the route
                case(fresh_matrix, route)
        if route in SCOPED_ROUTES:
            for signer in ("api key", "resource principal"):
                test_other_compartment_is_not_found(fresh_matrix, principal, route, signer)
    _assert_unchanged(fresh_matrix.url, fresh_matrix.b)


def _assert_unchanged(url: str, b: Tenant) -> None:
    """B's object, project, models and bucket are as ``_seed`` left them."""
    obj = _send_signed(url, b.key, "GET", f"/n/{NAMESPACE}/b/{b.bucket}/o/o.txt")
    assert obj.content == f"{b.name}'s object".encode()
    project = _send_signed(url, b.key, "GET", f"/20190101/projects/{b.ids['project']}").json()
    assert (project["displayName"], project["description"]) == ("matrix", None)
    projects = _send_signed(url, b.key, "GET", "/20190101/projects", compartmentId=b.compartment,
                            lifecycleState="ACTIVE").json()  # the spare one _seed deleted is a DELETED tombstone
    assert {p["id"] for p in projects} == {b.ids["project"]}
    models = _send_signed(url, b.key, "GET", "/20190101/models", compartmentId=b.compartment).json()
    assert [m["displayName"] for m in models] == [f"matrix-{b.name}"]
    bucket = _send_signed(url, b.key, "GET", f"/n/{NAMESPACE}/b/{b.bucket}/o").json()
    assert [o["name"] for o in bucket["objects"]] == ["o.txt"]


# ------------------------------------------------------------------------------------------------
# The control: the same requests, correctly signed by their owner, get through
# ------------------------------------------------------------------------------------------------

# Deletes run last, leaves before what holds them, so each still finds its resource.
_DELETE_ORDER = ("delete_metadatum_artifact", "delete_object", "abort_multipart_upload", "delete_bucket",
                 "delete_model_deployment", "delete_model", "delete_model_version_set", "delete_project")


def _control_order(route: Route) -> tuple:
    name = route.endpoint.split(".")[-1]
    return (route.method == "DELETE", _DELETE_ORDER.index(name) if name in _DELETE_ORDER else 99, route.rule)


def _refused_by_the_check(response: requests.Response) -> bool:
    if response.status_code == 401:
        return True
    if response.status_code != 404:
        return False
    error = response.json()
    return error["code"] == "BucketNotFound" or any(f": {what} " in error["message"] for what in ("compartment", "resource"))


def test_own_correctly_signed_requests_pass_on_every_route(fresh_matrix):
    """On an emulator of its own, because these change things: A's own requests are never refused by
    the check, and no route answers 5xx. (Some answer 409 or 404 for their own reasons: a second
    artifact, a committed upload.)"""
    matrix, refused = fresh_matrix, []
    for route in sorted(ROUTES, key=_control_order):
        response = matrix.send(matrix.signed(matrix.a.key, route, _own(matrix, route)))
        if route.endpoint in ADMIN_ONLY:
            if response.status_code != 404:
                refused.append(f"{route}: a key limited to one compartment got {response.status_code}")
        elif _refused_by_the_check(response) or response.status_code >= 500:
            refused.append(f"{route}: {response.status_code} {response.text[:200]}")
    assert not refused, "\n".join(refused)


def test_a_read_only_key_reads_on_every_route_and_changes_nothing(fresh_matrix):
    """On an emulator of its own: A's own requests, signed by a key of every compartment registered
    read-only, are 404 on every route that would change something (BucketNotFound for a bucket, as OCI
    answers a user whose policies grant only reads) and pass on every route that reads; A's things stay
    as they were."""
    matrix, wrong = fresh_matrix, []
    for route in (r for r in SIGNED if r.endpoint in SPECS):  # a route missing from SPECS fails the test above
        call = _own(matrix, route)
        response = matrix.send(matrix.signed(matrix.reader, route, call))
        if route.method in ("GET", "HEAD") or route.endpoint in READ_ACTIONS:
            if _refused_by_the_check(response) or response.status_code >= 500:
                wrong.append(f"{route}: a read got {response.status_code} {response.text[:200]}")
            continue
        code = "BucketNotFound" if "bucket" in call.values else "NotAuthorizedOrNotFound"
        if response.status_code != 404 or response.json()["code"] != code:
            wrong.append(f"{route}: a write got {response.status_code} {response.text[:200]}")
    assert not wrong, "\n".join(wrong)
    url = _send_signed(matrix.url, matrix.a.key, "GET",
                       f"/20190101/modelDeployments/{matrix.a.ids['deployment']}").json()["modelDeploymentUrl"]
    endpoint = requests.Request("POST", f"{url}/predict", json={"data": [[1.0]]}).prepare()
    _signer(matrix.reader)(endpoint)  # the deployments' own endpoint checks signatures with the same rules
    _refused(matrix.send(endpoint), 404, "read-only predict on the endpoint", Route("endpoint", "POST", url),
             "NotAuthorizedOrNotFound")
    _assert_unchanged(matrix.url, matrix.a)
    deployment = _send_signed(matrix.url, matrix.a.key, "GET", f"/20190101/modelDeployments/{matrix.a.ids['deployment']}")
    assert deployment.json()["displayName"] == "matrix" and deployment.json()["lifecycleState"] == "FAILED"


def test_a_key_for_every_compartment_may_reset(fresh_matrix):
    """On an emulator of its own: the reset empties the emulator (API keys stay registered)."""
    matrix = fresh_matrix
    route = next(r for r in ROUTES if r.endpoint == "dockyard_reset")
    response = matrix.send(matrix.signed(matrix.admin, route, Call()))
    assert response.status_code == 200, response.text
    gone = matrix.send(matrix.signed(matrix.b.key, Route("data_science.get_project", "GET", ""),
                                     Call({"project_id": matrix.b.ids["project"]})))
    assert gone.status_code == 404


# The routes each conditional case applies to; on the others it skips with its NOT_APPLICABLE reason.
CONTENT_TYPE_APPLIES_TO = {
    "model_deployment.create_model_deployment", "model_deployment.update_model_deployment",
    "data_science.create_model_version_set", "data_science.update_model_version_set", "data_science.create_model",
    "data_science.update_model", "data_science.export_model_artifact", "data_science.import_model_artifact",
    "data_science.create_model_provenance", "data_science.update_model_provenance",
    "data_science.create_notebook_session", "dockyard_auth.issue_resource_principal_token",
    "data_science.create_project", "data_science.update_project", "log_search.search_logs",
    "object_storage.create_bucket", "object_storage.create_multipart_upload", "object_storage.commit_multipart_upload",
    "data_science.create_model_group", "data_science.update_model_group", "data_science.change_model_group_compartment",
    "data_science.create_model_group_version_history", "data_science.update_model_group_version_history",
    "data_science.change_model_group_version_history_compartment", "data_science.register_model_artifact_reference",
    "object_storage.update_bucket", "data_science.change_project_compartment", "data_science.change_model_compartment",
    "data_science.change_model_version_set_compartment", "model_deployment.change_model_deployment_compartment",
    "data_science.create_model_artifact_signature", "data_science.update_model_artifact_signature",
    "data_science.change_model_artifact_signature_compartment", "monitoring.list_metrics",
    "monitoring.summarize_metrics_data"}
REFERENCE_APPLIES_TO = {
    "model_deployment.create_model_deployment", "data_science.create_model_version_set", "data_science.create_model",
    "data_science.update_model", "data_science.export_model_artifact", "data_science.import_model_artifact",
    "data_science.create_notebook_session", "data_science.create_model_group", "data_science.update_model_group",
    "data_science.create_model_group_version_history", "data_science.update_model_group_version_history",
    "data_science.register_model_artifact_reference"}


def _placeholder(name: str) -> Tenant:
    """A user as SPECS sees one, without an emulator: ids that name their owner."""
    ids = {k: f"ocid1.placeholder.{name}.{k}" for k in ("project", "work_request", "notebook_session", "version_set",
                                                         "model", "upload", "part_etag", "deployment", "group",
                                                         "group_history", "signature")}
    return Tenant(name, SimpleNamespace(public_key_pem=f"pem-{name}"), f"ocid1.compartment.{name}", ids)


def test_totals(capsys):
    """The two cases that do not apply everywhere run on exactly the routes named above and skip on the
    rest (the skips DOCKYARD_NO_SKIPS=1 admits): a route that quietly stops being tested fails here, and so
    does a new one until it is placed. Every case runs on some route. The figures are printed whatever
    -q/-s say."""
    a, b = _placeholder("a"), _placeholder("b")
    content_type = {r.endpoint for r in BODY_ROUTES if _content_type_applies(r, SPECS[r.endpoint](b, b))}
    reference = {r.endpoint for r in BODY_ROUTES if _refers_to(SPECS[r.endpoint](a, b), b)}
    assert content_type == CONTENT_TYPE_APPLIES_TO
    assert reference == REFERENCE_APPLIES_TO
    parametrized = {"unsigned": len(SIGNED), "wrong key": len(SIGNED), "tampered": len(SIGNED),
                    "stale date": len(SIGNED), "replay": len(SIGNED), "other compartment": 2 * len(SCOPED_ROUTES),
                    "content type": len(BODY_ROUTES), "reference": len(BODY_ROUTES)}
    not_applicable = {"content type": len(BODY_ROUTES) - len(content_type),
                      "reference": len(BODY_ROUTES) - len(reference)}
    run = {case: n - not_applicable.get(case, 0) for case, n in parametrized.items()}
    assert min(run.values()) > 0, run
    with capsys.disabled():
        print(f"\nsignature matrix: {len(ROUTES)} routes ({len(OPEN)} open), {sum(run.values())} hostile cases + "
              f"{len(ROUTES)} controls; " + ", ".join(f"{case} {n}" for case, n in run.items())
              + f"; not applicable (skipped): {sum(not_applicable.values())}")
