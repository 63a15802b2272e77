"""Profiles: the local one signs with the stock oci Signer; cloud ones come from the user's OCI config."""
from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import oci
import pytest
from oci._vendor import requests as oci_requests

from toolkit import profiles
from toolkit.profiles import ProfileError
from toolkit.testing.credentials import fake_ocid


@pytest.fixture()
def local_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("DOCKYARD_HOME", str(home))
    monkeypatch.setenv("DOCKYARD_ENDPOINT", "http://127.0.0.1:9/")
    monkeypatch.delenv("DOCKYARD_PROFILE", raising=False)
    return home


def test_local_profile_is_the_default_and_points_at_the_emulator(local_env: Path) -> None:
    cc = profiles.resolve()
    assert cc.is_local and cc.name == "local"
    assert cc.service_endpoint == "http://127.0.0.1:9"
    assert cc.config["region"] == "us-ashburn-1"
    assert cc.compartment_id == cc.config["tenancy"]
    assert (local_env / "oci" / "config").is_file()


def test_local_key_is_a_valid_oci_api_key_for_the_stock_signer(local_env: Path) -> None:
    cc = profiles.resolve()
    oci.config.validate_config(cc.config)  # well-formed OCIDs and fingerprint
    signer = oci.signer.Signer.from_config(cc.config)
    request = oci_requests.Request("GET", "http://127.0.0.1:9/20190101/models").prepare()
    signer(request)
    assert 'keyId="%s/%s/%s"' % (cc.config["tenancy"], cc.config["user"], cc.config["fingerprint"]) in request.headers["authorization"]


def test_fingerprint_matches_openssl(local_env: Path) -> None:
    cc = profiles.resolve()
    der = subprocess.run(
        ["openssl", "rsa", "-in", cc.config["key_file"], "-pubout", "-outform", "DER"],
        capture_output=True, check=True,
    ).stdout
    digest = hashlib.md5(der).hexdigest()  # OCI's fingerprint: MD5 of the DER public key, colon-separated
    assert ":".join(digest[i:i + 2] for i in range(0, 32, 2)) == cc.config["fingerprint"]


def test_local_credentials_are_created_once_and_reused(local_env: Path) -> None:
    first = profiles.resolve().config
    second = profiles.resolve().config
    assert first["fingerprint"] == second["fingerprint"] and first["user"] == second["user"]
    assert oct((local_env / "oci" / "dockyard_api_key.pem").stat().st_mode & 0o777) == "0o600"


def test_explicit_endpoint_wins_over_environment(local_env: Path) -> None:
    assert profiles.resolve(endpoint="http://127.0.0.1:7").service_endpoint == "http://127.0.0.1:7"


def test_clients_are_built_with_the_emulator_endpoint(local_env: Path) -> None:
    assert profiles.data_science_client().base_client.endpoint == "http://127.0.0.1:9/20190101"
    assert profiles.resource_search_client().base_client.endpoint == "http://127.0.0.1:9/20180409"
    assert profiles.object_storage_client().base_client.endpoint == "http://127.0.0.1:9"


@pytest.fixture()
def cloud_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_env: Path) -> Path:
    """A user-style ~/.oci/config with one profile, reusing a generated key as its API key."""
    key_config = profiles.resolve().config
    path = tmp_path / "dot-oci" / "config"
    path.parent.mkdir()
    path.write_text(
        "[DEFAULT]\nregion=eu-frankfurt-1\n"
        "[TEAM]\n"
        f"user={fake_ocid('user')}\nfingerprint={key_config['fingerprint']}\n"
        f"tenancy={fake_ocid('tenancy')}\nkey_file={key_config['key_file']}\n"
    )
    monkeypatch.setenv("OCI_CONFIG_FILE", str(path))
    monkeypatch.setenv("NB_SESSION_COMPARTMENT_OCID", "ocid1.compartment.oc1..aaaaaaaaexample")
    return path


def test_cloud_profile_is_read_from_the_oci_config_file(cloud_config: Path) -> None:
    cc = profiles.resolve(profile="TEAM")
    assert not cc.is_local and cc.service_endpoint is None
    assert cc.config["region"] == "eu-frankfurt-1"  # inherited from DEFAULT, as the SDK does
    assert cc.compartment_id == "ocid1.compartment.oc1..aaaaaaaaexample"
    client = profiles.data_science_client(profile="TEAM")
    assert client.base_client.endpoint == "https://datascience.eu-frankfurt-1.oci.oraclecloud.com/20190101"


def test_dockyard_profile_environment_selects_the_cloud_profile(cloud_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKYARD_PROFILE", "TEAM")
    assert profiles.resolve().name == "TEAM"
    assert profiles.resolve(auth="local").is_local  # the argument wins over the environment


def test_unknown_profile_names_the_ones_that_exist(cloud_config: Path) -> None:
    with pytest.raises(ProfileError, match=r"'NOPE' not found .*TEAM"):
        profiles.resolve(profile="NOPE")


def test_missing_config_file_says_how_to_fix_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCI_CONFIG_FILE", str(tmp_path / "absent"))
    with pytest.raises(ProfileError, match="oci setup config"):
        profiles.resolve(profile="DEFAULT")


def test_ads_style_auth_dict_is_accepted(local_env: Path) -> None:
    cc = profiles.resolve()
    auth = {"config": cc.config, "signer": cc.signer, "client_kwargs": {"service_endpoint": "http://127.0.0.1:5"}}
    resolved = profiles.resolve(auth=auth)
    assert resolved.service_endpoint == "http://127.0.0.1:5" and resolved.signer is cc.signer


def test_local_profile_starts_an_emulator_when_none_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from emulator import daemon

    home = tmp_path / "embedded-home"
    monkeypatch.setenv("DOCKYARD_HOME", str(home))
    monkeypatch.delenv("DOCKYARD_ENDPOINT", raising=False)
    monkeypatch.delenv("DOCKYARD_PROFILE", raising=False)
    try:
        cc = profiles.resolve()
        assert cc.service_endpoint.startswith("http://127.0.0.1:")
        client = profiles.data_science_client()
        assert client.list_projects(cc.compartment_id).data == []
        assert profiles.resolve().service_endpoint == cc.service_endpoint  # reused, not a second one
    finally:
        daemon.stop(home)


def test_resource_principal_outside_oci_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OCI_RESOURCE_PRINCIPAL_VERSION", "OCI_RESOURCE_PRINCIPAL_RPST", "OCI_RESOURCE_PRINCIPAL_REGION"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ProfileError, match="only inside OCI"):
        profiles.resolve(auth="resource_principal")
