"""``/dockyard-api/snapshots`` for an emulator serving as a service: save, list, download, restore
(named or an uploaded file) and delete, taking a key that may reach every compartment, as the reset does."""
from __future__ import annotations

import io
import tarfile

import pytest
import requests

from emulator.auth import add_key
from emulator.snapshots import archive
from tests.snapshots.conftest import all_models, clients_for, create_model, create_project, zipped
from toolkit.testing.credentials import make_api_key

SNAPSHOTS = "/dockyard-api/snapshots"


@pytest.fixture
def enforced(start_emulator, tmp_path):
    """An emulator checking signatures, an admin key (every compartment) and a key limited to one."""
    running = start_emulator("enforced", auth_mode="enforce")
    admin = make_api_key(tmp_path / "admin")
    add_key(running.state.db, admin.tenancy, admin.user, admin.public_key_pem)
    limited = make_api_key(tmp_path / "limited")
    add_key(running.state.db, limited.tenancy, limited.user, limited.public_key_pem, compartments=[limited.tenancy])
    return running, admin, limited


def test_save_list_download_restore_and_delete_over_http(enforced):
    running, admin, _ = enforced
    url, auth = running.url + SNAPSHOTS, admin.signer()
    clients = clients_for(admin, running)
    create_model(clients, create_project(clients), "before", zipped({"score.py": b"# before\n"}))

    saved = requests.post(url, json={"name": "ci-baseline"}, auth=auth, timeout=60)
    assert saved.status_code == 201, saved.text
    assert saved.json()["models"] == 1 and saved.json()["formatVersion"] == archive.FORMAT_VERSION
    assert [e["name"] for e in requests.get(url, auth=auth, timeout=60).json()["items"]] == ["ci-baseline"]
    download = requests.get(f"{url}/ci-baseline", auth=auth, timeout=60)
    assert download.status_code == 200 and download.headers["content-type"] == "application/x-tar"
    with tarfile.open(fileobj=io.BytesIO(download.content)) as tar:
        assert tar.getnames()[0] == archive.MANIFEST

    create_model(clients, clients.ds.list_projects(compartment_id=clients.compartment).data[0].id, "after")
    restored = requests.post(f"{url}/restore", json={"name": "ci-baseline"}, auth=auth, timeout=60)
    assert restored.status_code == 200, restored.text
    assert [m.display_name for m in all_models(clients)] == ["before"]

    create_model(clients, clients.ds.list_projects(compartment_id=clients.compartment).data[0].id, "again")
    uploaded = requests.post(f"{url}/restore", data=download.content, auth=auth, timeout=60,
                             headers={"content-type": "application/x-tar"})
    assert uploaded.status_code == 200, uploaded.text
    assert [m.display_name for m in all_models(clients)] == ["before"]

    assert requests.delete(f"{url}/ci-baseline", auth=auth, timeout=60).status_code == 204
    assert requests.get(f"{url}/ci-baseline", auth=auth, timeout=60).status_code == 404


def test_a_file_that_is_no_snapshot_is_a_400_with_the_reason(enforced):
    running, admin, _ = enforced
    answer = requests.post(f"{running.url}{SNAPSHOTS}/restore", data=b"not a tar", auth=admin.signer(), timeout=60,
                           headers={"content-type": "application/x-tar"})
    assert answer.status_code == 400
    assert answer.json()["code"] == "InvalidParameter" and "not a snapshot file" in answer.json()["message"]


@pytest.mark.parametrize("method, path, body", [("POST", "", {"name": "x"}), ("GET", "", None),
                                                ("POST", "/restore", {"name": "x"}), ("DELETE", "/x", None)])
def test_only_a_key_for_every_compartment_may_call_them(enforced, method, path, body):
    running, _, limited = enforced
    url = running.url + SNAPSHOTS + path
    assert requests.request(method, url, json=body, timeout=60).status_code == 401
    answer = requests.request(method, url, json=body, auth=limited.signer(), timeout=60)
    assert answer.status_code == 404 and answer.json()["code"] == "NotAuthorizedOrNotFound"
