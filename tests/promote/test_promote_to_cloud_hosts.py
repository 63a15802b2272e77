"""Promotion to a cloud profile as a user has one: a profile in an OCI config file and no endpoint
override, so the SDK derives OCI's regional hosts itself.

``responses`` sits in the SDK's transport. Requests to the local emulator (127.0.0.1) pass through
to it; requests to OCI's hosts go to an in-process emulator in the profile's region that enforces
request signing, so the far side answers with the service's own shapes; it answers 404, as OCI
does, on a route only Dockyard has. Every request is kept, and the tests check where each went.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import unquote, urlsplit

import oci
import pytest
import responses

from toolkit.promote import promote_model

from .conftest import CLOUD_PROFILE, CLOUD_REGION

DATA_SCIENCE_HOST = f"datascience.{CLOUD_REGION}.oci.oraclecloud.com"
OBJECT_STORAGE_HOST = f"objectstorage.{CLOUD_REGION}.oraclecloud.com"
OCI_API = {DATA_SCIENCE_HOST: re.compile(r"/20190101/"), OBJECT_STORAGE_HOST: re.compile(r"/n(/|$)")}  # host: its paths
DOCKYARD_ONLY = ("/dockyard-api/", "/_dockyard/", "/p/", "/console")  # the emulator's routes OCI lacks
_OCI_HOSTS = re.compile(r"^https://[^/]+\.(oraclecloud\.com|oci\.customer-oci\.com)(:443)?/")
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Sent:
    """One request the SDK sent: where to, and whose key signed it."""

    method: str
    url: str
    key_id: str | None

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def path(self) -> str:
        return unquote(urlsplit(self.url).path)  # the SDK sends an object name's "/" as %2F

    def __str__(self) -> str:
        return f"{self.method} {self.url} (key {self.key_id})"


@dataclass
class CloudRegion:
    """OCI's hosts in ``CLOUD_REGION`` as the SDK reaches them, and the profile that signs for them."""

    key: Any
    mock: Any
    compartment_id: str
    project_id: str

    def client(self, kind: Any = oci.data_science.DataScienceClient) -> Any:
        """A client of the cloud profile as a user builds one: no service endpoint."""
        return kind(self.key.config(), signer=self.key.signer())

    def sent(self, since: int = 0) -> list[Sent]:
        """Every request the SDK sent, local or not, from the ``since``-th on."""
        return [Sent(c.request.method, c.request.url, _key_id(c.request.headers)) for c in list(self.mock.calls)[since:]]


def _key_id(headers: Any) -> str | None:
    found = re.search(r'keyId="([^"]+)"', headers.get("authorization") or "")
    return found.group(1) if found else None


def _answer_as_oci(app: Any, request: Any) -> tuple[int, list[tuple[str, str]], Any]:
    """The in-process emulator's answer, or OCI's 404 for a path its API does not have."""
    from toolkit.testing.wsgi_bridge import call

    parts = urlsplit(request.url)
    if not _on_oci_api(parts.hostname or "", parts.path):
        return _not_found(f"{request.method} {parts.path} is not part of OCI's API on {parts.hostname}")
    return call(app, request)


def _on_oci_api(host: str, path: str) -> bool:
    api = OCI_API.get(host)
    return bool(api and api.match(path))


def _not_found(message: str) -> tuple[int, list[tuple[str, str]], str]:
    body = json.dumps({"code": "NotAuthorizedOrNotFound", "message": message})
    return 404, [("content-type", "application/json"), ("opc-request-id", "fake-cloud")], body


@pytest.fixture
def cloud_region(dockyard_emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CloudRegion]:
    """The cloud profile (a throwaway config file, OCI_CONFIG_FILE) and OCI's hosts behind ``responses``."""
    from emulator.app import create_app
    from emulator.auth import add_key
    from emulator.config import EmulatorConfig
    from emulator.state import state_of
    from toolkit.testing.credentials import make_api_key

    key = make_api_key(tmp_path / "oci", profile=CLOUD_PROFILE, region=CLOUD_REGION)
    monkeypatch.setenv("OCI_CONFIG_FILE", str(key.config_file))
    app = create_app(EmulatorConfig(home=tmp_path / "cloud-home", region=CLOUD_REGION, auth_mode="enforce",
                                    runtime="process"))
    state = state_of(app)
    add_key(state.db, key.tenancy, key.user, key.public_key_pem)
    state.run_startup(f"https://{DATA_SCIENCE_HOST}")
    mock = _sdk_transport(app, dockyard_emulator.url)
    mock.start()
    try:
        client = oci.data_science.DataScienceClient(key.config(), signer=key.signer())
        project = client.create_project(oci.data_science.models.CreateProjectDetails(
            compartment_id=key.tenancy, display_name="prod")).data
        yield CloudRegion(key, mock, key.tenancy, project.id)
    finally:
        mock.stop()
        mock.reset()
        state.run_shutdown()


def _sdk_transport(app: Any, local_url: str) -> Any:
    """The SDK's transport, recording every request: the local emulator's pass through to it, OCI's
    hosts are answered by ``app``, any other host is a 404."""
    from oci._vendor.requests.adapters import HTTPAdapter

    from toolkit.testing.mock import OCI_SDK_SEND, streaming_requests_mock

    local = re.compile("^" + re.escape(local_url.rstrip("/")) + "/")
    elsewhere = re.compile(f"^(?!{local.pattern[1:]}|{_OCI_HOSTS.pattern[1:]})")
    # a pass-through goes out through the SDK's own transport (responses would use plain requests')
    mock = streaming_requests_mock(target=OCI_SDK_SEND, real_adapter_send=HTTPAdapter.send)
    for method in _METHODS:
        mock.add(responses.PassthroughResponse(method, local))
        mock.add_callback(method, _OCI_HOSTS, callback=lambda request: _answer_as_oci(app, request), content_type=None)
        mock.add_callback(method, elsewhere, content_type=None,
                          callback=lambda request: _not_found(f"{request.url}: no such host in this test"))
    return mock


def _promote(model_id: str, region: CloudRegion, **kwargs: Any) -> Any:
    return promote_model(model_id, CLOUD_PROFILE, compartment_id=region.compartment_id,
                         project_id=region.project_id, **kwargs)


def assert_cloud_calls_use_only_oci_api(region: CloudRegion, since: int, local_url: str) -> list[Sent]:
    """Every request after ``since`` went to the local emulator unsigned by the cloud key, or to one
    of OCI's regional hosts on its API, signed by the cloud key; returns the cloud-side ones."""
    sent = region.sent(since)
    local = [s for s in sent if s.url.startswith(local_url.rstrip("/") + "/")]
    cloud = [s for s in sent if s not in local]
    assert cloud, "promotion sent nothing to the cloud side"
    _none("requests to a host that is not OCI's", [s for s in cloud if s.host not in OCI_API])
    _none("requests to a Dockyard-only route", [s for s in cloud if s.path.startswith(DOCKYARD_ONLY)])
    _none("requests to a path outside OCI's API", [s for s in cloud if not _on_oci_api(s.host, s.path)])
    _none("cloud requests not signed by the cloud profile", [s for s in cloud if s.key_id != region.key.key_id])
    _none("local requests signed by the cloud profile", [s for s in local if s.key_id == region.key.key_id])
    return cloud


def _none(what: str, found: list[Sent]) -> None:
    assert not found, f"{what}:\n" + "\n".join(map(str, found))


def test_promotion_to_a_cloud_profile_calls_only_the_regions_data_science_api(cloud_region, saved_model,
                                                                           dockyard_emulator):
    since = len(cloud_region.mock.calls)

    result = _promote(saved_model.model_id, cloud_region)

    cloud = assert_cloud_calls_use_only_oci_api(cloud_region, since, dockyard_emulator.url)
    assert {s.host for s in cloud} == {DATA_SCIENCE_HOST}
    assert ("POST", f"/20190101/models/{result.target_model_id}/artifact") in {(s.method, s.path) for s in cloud}
    far = cloud_region.client().get_model(result.target_model_id).data
    assert ".phx." in far.id and far.project_id == cloud_region.project_id
    head = cloud_region.client().head_model_artifact(far.id).headers
    assert head["opc-content-sha256"] == result.artifact_sha256
    assert {s.name: s.action for s in result.steps}["digest"] == "match"


def test_promotion_through_a_bucket_uses_the_regions_object_storage_host(cloud_region, saved_model,
                                                                        dockyard_emulator):
    storage = cloud_region.client(oci.object_storage.ObjectStorageClient)
    namespace = storage.get_namespace().data
    storage.create_bucket(namespace, oci.object_storage.models.CreateBucketDetails(
        name="promotions", compartment_id=cloud_region.compartment_id))
    since = len(cloud_region.mock.calls)

    result = _promote(saved_model.model_id, cloud_region, bucket_uri=f"oci://promotions@{namespace}/models")

    cloud = assert_cloud_calls_use_only_oci_api(cloud_region, since, dockyard_emulator.url)
    staged = f"/n/{namespace}/b/promotions/o/models/{result.target_model_id}.zip"
    assert {(s.method, s.host, s.path) for s in cloud} >= {
        ("PUT", OBJECT_STORAGE_HOST, staged),
        ("POST", DATA_SCIENCE_HOST, f"/20190101/models/{result.target_model_id}/actions/exportArtifact"),
        ("DELETE", OBJECT_STORAGE_HOST, staged),
    }
    head = cloud_region.client().head_model_artifact(result.target_model_id).headers
    assert head["opc-content-sha256"] == result.artifact_sha256
    assert {s.name: s.action for s in result.steps}["digest"] == "match"


def test_the_cloud_side_refuses_a_dockyard_only_route_as_oci_would(cloud_region):
    from oci._vendor import requests as sdk_requests  # the SDK's transport, where responses sits

    url = f"https://{DATA_SCIENCE_HOST}/dockyard-api/reset"
    answer = sdk_requests.post(url, auth=cloud_region.key.signer(), timeout=10)

    assert answer.status_code == 404 and answer.json()["code"] == "NotAuthorizedOrNotFound"
    assert cloud_region.sent()[-1].url == url


def test_promotion_with_deploy_creates_the_deployment_through_the_regions_api(cloud_region, saved_model,
                                                                              dockyard_emulator, monkeypatch):
    from toolkit.catalog import work_requests

    monkeypatch.setattr(work_requests, "CLOUD_POLL_SECONDS", 0.05)  # the far side is in-process
    since = len(cloud_region.mock.calls)

    result = _promote(saved_model.model_id, cloud_region, deploy=True, wait_seconds=120)

    cloud = assert_cloud_calls_use_only_oci_api(cloud_region, since, dockyard_emulator.url)
    assert ("POST", DATA_SCIENCE_HOST, "/20190101/modelDeployments") in {(s.method, s.host, s.path) for s in cloud}
    far = cloud_region.client().get_model_deployment(result.deployment_id).data
    assert far.lifecycle_state == "ACTIVE"
    assert far.model_deployment_configuration_details.model_configuration_details.model_id == result.target_model_id
