"""Signing enforced over real HTTP: the stock oci signer passes; no, wrong or stale signatures,
tampered bodies and keys outside their compartments do not."""
from __future__ import annotations

import email.utils
import hashlib
import threading
from datetime import datetime, timedelta, timezone

import pytest
import requests
from flask import request

from emulator.app import create_app
from emulator.auth import add_key
from emulator.config import EmulatorConfig
from emulator.state import state_of
from toolkit.testing.credentials import make_api_key


def _serve(app):
    from waitress import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.effective_port}"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    """An emulator app enforcing signatures, with test-only routes that echo what they received."""
    home = tmp_path_factory.mktemp("cloud")
    app = create_app(EmulatorConfig(home=home, region="us-phoenix-1", auth_mode="enforce"))

    @app.route("/20190101/echo", methods=["GET", "POST", "PUT", "DELETE"])
    def echo():
        body = request.stream.read()
        return {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}

    @app.route("/20190101/things/<ident>/artifact", methods=["POST", "PUT"])
    def upload(ident):
        sha, size = hashlib.sha256(), 0
        while chunk := request.stream.read(65536):
            sha.update(chunk)
            size += len(chunk)
        return {"sha256": sha.hexdigest(), "size": size}

    server, url = _serve(app)
    db = state_of(app).db
    yield url, db, home
    server.close()


@pytest.fixture(scope="module")
def user(cloud, tmp_path_factory):
    _, db, _ = cloud
    key = make_api_key(tmp_path_factory.mktemp("user"), region="us-phoenix-1")
    add_key(db, key.tenancy, key.user, key.public_key_pem)
    return key


def test_stock_signer_passes_for_get_and_post(cloud, user):
    url, _, _ = cloud
    assert requests.get(f"{url}/20190101/echo?x=1&y=a%20b", auth=user.signer()).status_code == 200
    body = b'{"hello": "world"}'
    resp = requests.post(f"{url}/20190101/echo", data=body, auth=user.signer(),
                         headers={"content-type": "application/json"})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}


def test_unsigned_request_is_401_not_authenticated_in_oci_shape(cloud):
    url, _, _ = cloud
    resp = requests.get(f"{url}/20190101/echo")
    assert resp.status_code == 401
    assert resp.json()["code"] == "NotAuthenticated"
    assert resp.headers["opc-request-id"]


def test_unregistered_key_is_401(cloud, tmp_path):
    url, _, _ = cloud
    stranger = make_api_key(tmp_path)
    resp = requests.get(f"{url}/20190101/echo", auth=stranger.signer())
    assert resp.status_code == 401
    assert "no API key" in resp.json()["message"]


def test_wrong_private_key_for_a_registered_key_id_is_401(cloud, user, tmp_path):
    url, _, _ = cloud
    import oci

    impostor = make_api_key(tmp_path)
    signer = oci.signer.Signer(user.tenancy, user.user, user.fingerprint, str(impostor.key_file))
    resp = requests.get(f"{url}/20190101/echo", auth=signer)
    assert resp.status_code == 401
    assert "does not verify" in resp.json()["message"]


def test_tampered_body_is_401(cloud, user):
    url, _, _ = cloud
    req = requests.Request("POST", f"{url}/20190101/echo", data=b'{"amount": 1}',
                           headers={"content-type": "application/json"}).prepare()
    user.signer()(req)
    req.body = b'{"amount": 9}'
    resp = requests.Session().send(req)
    assert resp.status_code == 401
    assert "x-content-sha256" in resp.json()["message"]


def test_post_signed_without_body_headers_is_401(cloud, user):
    url, _, _ = cloud
    signer = user.signer().without_content_headers
    resp = requests.post(f"{url}/20190101/echo", data=b"{}", auth=signer, headers={"content-type": "application/json"})
    assert resp.status_code == 401
    assert "must cover" in resp.json()["message"]


def test_stale_date_is_401(cloud, user):
    url, _, _ = cloud
    old = email.utils.format_datetime(datetime.now(timezone.utc) - timedelta(minutes=10), usegmt=True)
    resp = requests.get(f"{url}/20190101/echo", auth=user.signer(), headers={"date": old})
    assert resp.status_code == 401
    assert "clock" in resp.json()["message"]


def test_artifact_upload_signed_without_body_headers_streams_through(cloud, user, tmp_path):
    """The SDK signs artifact uploads with enforce_content_headers=False; they must pass."""
    url, _, _ = cloud
    blob = tmp_path / "artifact.zip"
    blob.write_bytes(b"x" * (3 * 1024 * 1024 + 7))
    with blob.open("rb") as fh:
        resp = requests.post(f"{url}/20190101/things/abc/artifact", data=fh,
                             auth=user.signer().without_content_headers,
                             headers={"content-length": str(blob.stat().st_size),
                                      "content-type": "application/octet-stream"})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"sha256": hashlib.sha256(blob.read_bytes()).hexdigest(), "size": blob.stat().st_size}


def test_large_signed_body_is_checked_and_still_readable(cloud, user, tmp_path):
    url, _, _ = cloud
    blob = tmp_path / "big.bin"
    blob.write_bytes(b"y" * (2 * 1024 * 1024 + 3))
    with blob.open("rb") as fh:
        resp = requests.put(f"{url}/20190101/things/abc/artifact", data=fh, auth=user.signer(),
                            headers={"content-type": "application/octet-stream"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["sha256"] == hashlib.sha256(blob.read_bytes()).hexdigest()


def test_key_limited_to_a_compartment_gets_404_elsewhere(cloud, tmp_path):
    url, db, _ = cloud
    allowed = "ocid1.compartment.oc1..aaaaaaaaallowed"
    key = make_api_key(tmp_path)
    add_key(db, key.tenancy, key.user, key.public_key_pem, compartments=[allowed])
    ok = requests.get(f"{url}/20190101/echo?compartmentId={allowed}", auth=key.signer())
    assert ok.status_code == 200
    denied = requests.get(f"{url}/20190101/echo?compartmentId=ocid1.compartment.oc1..aaaaaaaaother", auth=key.signer())
    assert denied.status_code == 404
    assert denied.json()["code"] == "NotAuthorizedOrNotFound"
    body = b'{"compartmentId": "ocid1.compartment.oc1..aaaaaaaaother"}'
    denied = requests.post(f"{url}/20190101/echo", data=body, auth=key.signer(),
                           headers={"content-type": "application/json"})
    assert denied.status_code == 404


def test_enforcement_is_off_by_default(tmp_path):
    app = create_app(EmulatorConfig(home=tmp_path))

    @app.route("/20190101/echo")
    def echo():
        return {"ok": True}

    assert app.test_client().get("/20190101/echo").status_code == 200
