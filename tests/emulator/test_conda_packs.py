"""The service conda packs' bucket every emulator serves: the index ADS reads (through ocifs, and
through introspection's fixed pre-authenticated URL), and one stand-in object per pack."""
from __future__ import annotations

import json

import oci
import pytest
import requests

from emulator.contracts import conda_packs as contract

INDEX_PAR = (f"/p/{contract.PAR_ID}/n/{contract.PAR_NAMESPACE}/b/{contract.SERVICE_BUCKET}/o/"
             f"{contract.INDEX_OBJECT}")


def _index(store) -> list[dict]:
    body = store.get_object(contract.SERVICE_NAMESPACE, contract.SERVICE_BUCKET, contract.INDEX_OBJECT).data.content
    return json.loads(body)[contract.INDEX_KEY]


def test_the_index_lists_the_service_packs_with_the_fields_ads_reads(clients):
    entries = {e["slug"]: e for e in _index(clients.objects)}
    general = entries["generalml_p311_cpu_x86_64_v1"]
    assert general["python"] == "3.11" and general["name"] == "General Machine Learning for CPUs on Python 3.11"
    assert general["pack_path"] == ("oci://service-conda-packs@id19sfcrra6z/service_pack/cpu/General_Machine_"
                                    "Learning_for_CPUs_on_Python_3.11/1.0/generalml_p311_cpu_x86_64_v1")
    assert {"numpy", "scikit-learn", "joblib", "cloudpickle"} <= set(general["pip_requirements"])
    assert all(e["pip_requirements"] is not None and e["type"] == "data_science" for e in entries.values())


def test_every_pack_of_the_index_has_what_ads_get_service_packs_reads(clients):
    # ADS maps pack_path -> (slug, python) and slug -> (pack_path, python), deprecated packs included.
    entries = _index(clients.objects)
    assert [e["slug"] for e in entries] == [p.slug for p in contract.SERVICE_PACKS]
    for entry in entries:
        assert entry["slug"] and entry["name"] and entry["python"] and entry["version"], entry
        assert entry["arch_type"] in ("CPU", "GPU") and isinstance(entry["deprecated"], bool), entry
        assert contract.parse_uri(entry["pack_path"])[:2] == (contract.SERVICE_NAMESPACE, contract.SERVICE_BUCKET)
    old = next(e for e in entries if e["slug"] == "dataexpl_p37_cpu_v3")
    assert (old["python"], old["deprecated"], old["arch_type"]) == ("3.7", True, "CPU")


def test_each_pack_path_holds_a_stand_in_with_its_manifest(clients):
    store = clients.objects
    for entry in _index(store):
        namespace, bucket, name = contract.parse_uri(entry["pack_path"])
        got = store.get_object(namespace, bucket, name)
        manifest = json.loads(got.headers["opc-meta-manifest"])  # what ADS's EnvInfo.from_path reads
        assert (manifest["slug"], manifest["python"], manifest[contract.STAND_IN]) == (
            entry["slug"], entry["python"], contract.STAND_IN_KIND)
        assert contract.read_requirements_text(got.data.content) == entry["pip_requirements"]


def test_the_bucket_is_public_like_oci_s(clients):
    bucket = clients.objects.get_bucket(contract.SERVICE_NAMESPACE, contract.SERVICE_BUCKET).data
    assert bucket.public_access_type == "ObjectRead"


def test_introspections_pre_authenticated_url_reads_the_index_without_a_signature(clients):
    response = requests.get(clients.url + INDEX_PAR, timeout=10)
    assert response.status_code == 200 and response.headers["version-id"]
    assert [e["slug"] for e in response.json()[contract.INDEX_KEY]] == [e["slug"] for e in _index(clients.objects)]
    other = INDEX_PAR.replace("index.json", "other.json")
    assert requests.get(clients.url + other, timeout=10).status_code == 404  # the PAR grants one object
    assert requests.get(clients.url + INDEX_PAR.replace(contract.PAR_ID, "nope"), timeout=10).status_code == 404


def test_a_reset_restores_the_service_packs_and_a_restart_leaves_them_as_they_were(start_emulator, clients_for,
                                                                                     tmp_path):
    home = tmp_path / "home"
    running = start_emulator(home=home)
    store = clients_for(running).objects
    before = store.head_object(contract.SERVICE_NAMESPACE, contract.SERVICE_BUCKET, contract.INDEX_OBJECT)
    running.state.reset()
    assert _index(store)
    running.stop()
    again = clients_for(start_emulator(home=home)).objects
    after = again.head_object(contract.SERVICE_NAMESPACE, contract.SERVICE_BUCKET, contract.INDEX_OBJECT)
    assert after.headers["content-md5"] == before.headers["content-md5"]
    third = clients_for(start_emulator(home=home)).objects  # seeding again changes nothing that is current
    assert third.head_object(contract.SERVICE_NAMESPACE, contract.SERVICE_BUCKET,
                             contract.INDEX_OBJECT).headers["version-id"] == after.headers["version-id"]


def test_a_reset_leaves_the_service_packs_in_place_and_undoes_what_a_user_did_to_them(start_emulator, clients_for):
    running = start_emulator()
    store = clients_for(running).objects
    first, second = (pack.object_name for pack in contract.SERVICE_PACKS[:2])
    untouched = store.head_object(contract.SERVICE_NAMESPACE, contract.SERVICE_BUCKET, contract.INDEX_OBJECT)
    original = store.get_object(contract.SERVICE_NAMESPACE, contract.SERVICE_BUCKET, first)
    store.put_object(contract.SERVICE_NAMESPACE, contract.SERVICE_BUCKET, first, b"changed", content_type="text/plain")
    store.delete_object(contract.SERVICE_NAMESPACE, contract.SERVICE_BUCKET, second)
    store.put_object(contract.SERVICE_NAMESPACE, contract.SERVICE_BUCKET, "mine.txt", b"a user's object")
    store.put_object("dockyard", "user-bucket", "x", b"1")

    running.state.reset()

    head = store.head_object(contract.SERVICE_NAMESPACE, contract.SERVICE_BUCKET, contract.INDEX_OBJECT)
    assert head.headers["version-id"] == untouched.headers["version-id"]  # not written again
    restored = store.get_object(contract.SERVICE_NAMESPACE, contract.SERVICE_BUCKET, first)
    assert restored.data.content == original.data.content
    assert restored.headers["opc-meta-manifest"] == original.headers["opc-meta-manifest"]
    assert store.head_object(contract.SERVICE_NAMESPACE, contract.SERVICE_BUCKET, second).status == 200
    listed = store.list_objects(contract.SERVICE_NAMESPACE, contract.SERVICE_BUCKET, limit=1000).data.objects
    assert "mine.txt" not in {o.name for o in listed} and len(listed) == len(contract.SERVICE_PACKS) + 1
    with pytest.raises(oci.exceptions.ServiceError) as gone:
        store.get_bucket("dockyard", "user-bucket")
    assert gone.value.status == 404
    assert running.state.blobs.names() == running.state.db.blob_names()  # no blob left that nothing names


def test_object_metadata_names_are_case_insensitive(clients, service_error):
    store = clients.objects
    store.put_object("dockyard", "case-test", "x", b"1", opc_meta={"Manifest": "{}"})
    assert store.head_object("dockyard", "case-test", "x").headers["opc-meta-manifest"] == "{}"
    assert service_error(lambda: store.head_object("dockyard", "case-test", "y")).status == 404


def test_under_enforced_signing_any_key_reads_the_public_pack_bucket_but_cannot_write_it(start_emulator, tmp_path):
    from emulator.auth import add_key
    from toolkit.testing.credentials import fake_ocid, make_api_key

    running = start_emulator(auth_mode="enforce")
    key = make_api_key(tmp_path / "key")
    add_key(running.state.db, key.tenancy, key.user, key.public_key_pem, compartments=[fake_ocid("compartment")])
    client = oci.object_storage.ObjectStorageClient(
        key.config(), signer=key.signer(), service_endpoint=running.url,
        retry_strategy=oci.retry.NoneRetryStrategy())
    assert _index(client)  # a key limited to one compartment of its own
    with pytest.raises(oci.exceptions.ServiceError) as refused:
        client.put_object(contract.SERVICE_NAMESPACE, contract.SERVICE_BUCKET, contract.INDEX_OBJECT, b"{}")
    assert (refused.value.status, refused.value.code) == (404, "BucketNotFound")
    assert requests.get(running.url + INDEX_PAR, timeout=10).status_code == 200  # unsigned, through the PAR
