"""Model artifacts: streamed upload, HEAD headers, GET with Range, immutability, size limit,
and an upload killed halfway leaving nothing behind."""
from __future__ import annotations

import base64
import hashlib
import io
import os
import socket
import time
from urllib.parse import urlparse

import oci
import pytest

M = oci.data_science.models
PAYLOAD = os.urandom(300_000)


def test_upload_head_and_download(ds, make_model):
    model = make_model()
    created = ds.create_model_artifact(model.id, io.BytesIO(PAYLOAD), content_length=len(PAYLOAD),
                                       content_disposition=f'attachment; filename="{model.id}.zip"')
    assert created.status == 204

    head = ds.head_model_artifact(model.id).headers
    assert int(head["content-length"]) == len(PAYLOAD)
    assert head["content-md5"] == base64.b64encode(hashlib.md5(PAYLOAD).digest()).decode()
    assert head["etag"] and head["last-modified"]
    assert head["content-disposition"] == f"attachment; filename={model.id}.zip"

    content = ds.get_model_artifact_content(model.id)
    assert content.data.content == PAYLOAD
    assert content.headers["content-disposition"] == head["content-disposition"]


def test_a_large_upload_gets_its_sha256_on_first_read_and_keeps_it(ds, make_model, emulator):
    """A body over the spool threshold returns with MD5 only (SHA-256 would compete with it for the
    cores); the first HEAD computes the opc-content-sha256 from the stored bytes and records it."""
    from emulator.data_science import artifacts
    from emulator.store.upload_spool import THRESHOLD

    payload = os.urandom(THRESHOLD + 12_345)
    model = make_model()
    ds.create_model_artifact(model.id, io.BytesIO(payload), content_length=len(payload))
    assert artifacts.get(emulator.state.db, model.id)["_blob"]["sha256"] == ""
    head = ds.head_model_artifact(model.id).headers
    assert head["content-md5"] == base64.b64encode(hashlib.md5(payload).digest()).decode()
    assert head["opc-content-sha256"] == hashlib.sha256(payload).hexdigest()
    assert artifacts.get(emulator.state.db, model.id)["_blob"]["sha256"] == hashlib.sha256(payload).hexdigest()
    assert ds.get_model_artifact_content(model.id).headers["opc-content-sha256"] == head["opc-content-sha256"]


@pytest.mark.parametrize("uploaded, answered", [
    ('attachment; filename="{id}.zip"', "attachment; filename={id}.zip"),  # ADS and the SDK quote it
    ("attachment; filename=model.json", "attachment; filename=model.json"),  # by reference, unquoted
    ('attachment; filename="my model (v2).ZIP"', "attachment; filename=artifact.zip"),  # not a token
    ("attachment; filename*=UTF-8''mod%C3%A8le.json", "attachment; filename=artifact.json"),  # RFC 5987
    (None, "attachment; filename={id}.zip"),  # the default the emulator records
])
def test_the_download_names_the_file_so_ads_strips_its_prefix_and_keeps_the_extension(ds, make_model, uploaded,
                                                                                      answered):
    """ADS cuts ``attachment; filename=`` off the header and unzips only a name ending in ``.zip``."""
    model = make_model()
    kwargs = {"content_disposition": uploaded.format(id=model.id)} if uploaded else {}
    ds.create_model_artifact(model.id, b"zip", **kwargs)
    assert ds.head_model_artifact(model.id).headers["content-disposition"] == answered.format(id=model.id)


def test_range_download(ds, make_model):
    model = make_model()
    ds.create_model_artifact(model.id, PAYLOAD)
    part = ds.get_model_artifact_content(model.id, range="bytes=100-199")
    assert part.status == 206 and part.data.content == PAYLOAD[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(PAYLOAD)}"


def test_streamed_upload_from_a_file(ds, make_model, tmp_path):
    path = tmp_path / "artifact.zip"
    path.write_bytes(PAYLOAD * 5)
    model = make_model()
    with open(path, "rb") as handle:
        ds.create_model_artifact(model.id, handle, content_length=path.stat().st_size)
    chunks = ds.get_model_artifact_content(model.id).data.raw.stream(64 * 1024, decode_content=False)
    assert hashlib.sha256(b"".join(chunks)).hexdigest() == hashlib.sha256(PAYLOAD * 5).hexdigest()


def test_large_upload_reports_the_digests_of_what_arrived(ds, make_model):
    """Over a MiB the body is spooled into the blob store and hashed while it arrives."""
    data = os.urandom(5 * 1024 * 1024 + 11)
    model = make_model()
    ds.create_model_artifact(model.id, io.BytesIO(data), content_length=len(data))
    head = ds.head_model_artifact(model.id).headers
    assert head["content-md5"] == base64.b64encode(hashlib.md5(data).digest()).decode()
    assert int(head["content-length"]) == len(data)
    assert ds.get_model_artifact_content(model.id).data.content == data


def test_artifact_is_immutable(ds, make_model, service_error):
    model = make_model()
    ds.create_model_artifact(model.id, b"first")
    error = service_error(lambda: ds.create_model_artifact(model.id, b"second"))
    assert (error.status, error.code) == (409, "Conflict")
    assert ds.get_model_artifact_content(model.id).data.content == b"first"


def test_missing_artifact_is_404(ds, make_model, service_error):
    model = make_model()
    assert service_error(lambda: ds.head_model_artifact(model.id)).status == 404
    assert service_error(lambda: ds.get_model_artifact_content(model.id)).code == "NotAuthorizedOrNotFound"


def test_oversize_artifact_is_413_and_stores_nothing(start_emulator, clients_for, service_error):
    running = start_emulator(max_artifact_bytes=1000)
    clients = clients_for(running)
    project = clients.ds.create_project(M.CreateProjectDetails(compartment_id=_COMPARTMENT)).data
    model = clients.ds.create_model(M.CreateModelDetails(compartment_id=_COMPARTMENT, project_id=project.id)).data
    error = service_error(lambda: clients.ds.create_model_artifact(model.id, b"x" * 1001))
    assert (error.status, error.code) == (413, "PayloadTooLarge")
    assert clients.ds.create_model_artifact(model.id, b"x" * 1000).status == 204
    assert _stored_blobs(running) == 1


_COMPARTMENT = "ocid1.compartment.oc1..aaaaoversize"


def _stored_blobs(running) -> int:
    """Artifact blobs only (a new emulator already stores its service conda packs' objects)."""
    root = running.state.blobs.root
    return sum(1 for path in root.rglob("artifact-*") if path.is_file() and path.parent.name != "tmp")


def test_upload_killed_halfway_leaves_nothing(start_emulator, clients_for, service_error):
    running = start_emulator()
    clients = clients_for(running)
    project = clients.ds.create_project(M.CreateProjectDetails(compartment_id=_COMPARTMENT)).data
    model = clients.ds.create_model(M.CreateModelDetails(compartment_id=_COMPARTMENT, project_id=project.id)).data

    url = urlparse(running.url)
    total = 4 * 1024 * 1024
    with socket.create_connection((url.hostname, url.port)) as sock:
        sock.sendall((f"POST /20190101/models/{model.id}/artifact HTTP/1.1\r\nHost: {url.netloc}\r\n"
                      f"Content-Length: {total}\r\nContent-Disposition: attachment; filename=\"a.zip\"\r\n\r\n").encode())
        sock.sendall(b"x" * (total // 2))
    time.sleep(0.5)

    assert service_error(lambda: clients.ds.head_model_artifact(model.id)).status == 404
    assert _stored_blobs(running) == 0
    assert not any((running.state.blobs.root / "tmp").iterdir())
    assert clients.ds.create_model_artifact(model.id, b"complete").status == 204
    assert clients.ds.get_model_artifact_content(model.id).data.content == b"complete"


def test_short_body_behind_a_proxy_is_rejected(start_emulator, clients_for, service_error):
    """A body shorter than its Content-Length that does reach the app (as through a proxy) is refused."""
    running = start_emulator()
    clients = clients_for(running)
    project = clients.ds.create_project(M.CreateProjectDetails(compartment_id=_COMPARTMENT)).data
    model = clients.ds.create_model(M.CreateModelDetails(compartment_id=_COMPARTMENT, project_id=project.id)).data
    client = running.app.test_client()
    response = client.post(f"/20190101/models/{model.id}/artifact", data=b"x" * 10,
                           headers={"Content-Length": "10"}, environ_overrides={"CONTENT_LENGTH": "20"})
    assert response.status_code == 400 and response.json["code"] == "InvalidParameter"
    assert _stored_blobs(running) == 0


def test_chunked_upload_without_content_length(emulator, ds, make_model):
    import requests

    model = make_model()
    body = (PAYLOAD[i:i + 50_000] for i in range(0, len(PAYLOAD), 50_000))  # a generator: sent chunked
    response = requests.post(f"{emulator.url}/20190101/models/{model.id}/artifact", data=body, timeout=30)
    assert response.status_code == 204, response.text
    assert ds.get_model_artifact_content(model.id).data.content == PAYLOAD
