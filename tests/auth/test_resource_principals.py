"""A notebook session's resource principal against an emulator that enforces signing: the stock
``oci.auth.signers.get_resource_principals_signer()``, built from what ``session_environment``
returns, reaches the session's compartment and nothing else; a changed token, a token another home
issued or a wrong private key is 401; an expired token is 401, and the SDK's own refresh (it re-reads
the token file after a 401) finds a fresh one there."""
from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import oci
import pytest
from oci.data_science.models import CreateProjectDetails

from emulator.config import EmulatorConfig
from emulator.server import start_in_background
from toolkit.api_keys import new_key_pair
from toolkit.notebook_session import session_environment

OTHER_COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaaanothercompartment"


@pytest.fixture(scope="module")
def environment(enforced):
    return session_environment(home=enforced.state.config.home, endpoint=enforced.url)


def _client(monkeypatch, environment: dict[str, str], url: str, **overrides: str) -> oci.data_science.DataScienceClient:
    """What a notebook does: the SDK's resource-principal signer from the session's variables."""
    for name, value in {**environment, **overrides}.items():
        monkeypatch.setenv(name, value)
    signer = oci.auth.signers.get_resource_principals_signer()
    return oci.data_science.DataScienceClient(config={"region": signer.region}, signer=signer, service_endpoint=url)


def _status(call) -> tuple[int, str]:
    with pytest.raises(oci.exceptions.ServiceError) as info:
        call()
    return info.value.status, info.value.code


def test_the_environment_is_what_oci_sets_in_a_notebook_session(environment, enforced):
    assert environment["OCI_RESOURCE_PRINCIPAL_VERSION"] == "2.2"
    assert environment["NB_SESSION_OCID"].startswith("ocid1.datasciencenotebooksession.")
    assert environment["PROJECT_OCID"].startswith("ocid1.datascienceproject.")
    assert environment["NB_REGION"] == environment["OCI_RESOURCE_PRINCIPAL_REGION"] == "us-ashburn-1"
    assert environment["OCI_ODSC_SERVICE_ENDPOINT"] == environment["DOCKYARD_ENDPOINT"] == enforced.url
    for name in ("OCI_RESOURCE_PRINCIPAL_RPST", "OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM"):
        path = Path(environment[name])
        assert path.is_absolute() and path.is_relative_to(enforced.state.config.home)
        assert path.stat().st_mode & 0o777 == 0o600


def test_the_token_carries_the_claims_the_sdk_reads(monkeypatch, environment, enforced):
    _client(monkeypatch, environment, enforced.url)
    signer = oci.auth.signers.get_resource_principals_signer()
    assert signer.compartment_id == environment["NB_SESSION_COMPARTMENT_OCID"]  # res_compartment
    assert signer.tenancy_id and signer.tenancy_id.startswith("ocid1.tenancy.")  # res_tenant
    assert signer.get_claim("sub") == environment["NB_SESSION_OCID"]
    assert json.loads(signer.get_claim("jwk"))["kty"] == "RSA"


def test_the_stock_resource_principal_signer_reaches_the_sessions_compartment(monkeypatch, environment, enforced):
    ds = _client(monkeypatch, environment, enforced.url)
    compartment = environment["NB_SESSION_COMPARTMENT_OCID"]
    assert isinstance(ds.list_models(compartment).data, list)
    project = ds.create_project(CreateProjectDetails(compartment_id=compartment, display_name="from-rp")).data
    assert project.created_by == environment["NB_SESSION_OCID"]
    session = ds.get_notebook_session(environment["NB_SESSION_OCID"]).data
    assert session.notebook_session_config_details.shape == "VM.Standard.E4.Flex"
    assert session.project_id == environment["PROJECT_OCID"]


def test_another_compartment_is_not_found(monkeypatch, environment, enforced):
    ds = _client(monkeypatch, environment, enforced.url)
    assert _status(lambda: ds.list_models(OTHER_COMPARTMENT)) == (404, "NotAuthorizedOrNotFound")
    details = CreateProjectDetails(compartment_id=OTHER_COMPARTMENT, display_name="elsewhere")
    assert _status(lambda: ds.create_project(details)) == (404, "NotAuthorizedOrNotFound")


def _with_claim(token: str, **claims: str) -> str:
    header, body, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    changed = base64.urlsafe_b64encode(json.dumps({**decoded, **claims}).encode()).rstrip(b"=").decode()
    return f"{header}.{changed}.{signature}"


def test_a_token_with_a_changed_claim_is_refused(monkeypatch, environment, enforced):
    token = Path(environment["OCI_RESOURCE_PRINCIPAL_RPST"]).read_text()
    tampered = _with_claim(token, res_compartment=OTHER_COMPARTMENT)
    ds = _client(monkeypatch, environment, enforced.url, OCI_RESOURCE_PRINCIPAL_RPST=tampered)
    assert _status(lambda: ds.list_models(OTHER_COMPARTMENT)) == (401, "NotAuthenticated")


def test_a_wrong_private_key_is_refused(monkeypatch, environment, enforced):
    stranger = new_key_pair().private_pem.decode()
    ds = _client(monkeypatch, environment, enforced.url, OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM=stranger)
    assert _status(lambda: ds.list_models(environment["NB_SESSION_COMPARTMENT_OCID"])) == (401, "NotAuthenticated")


def test_a_token_from_another_emulator_home_is_refused(monkeypatch, environment, enforced, tmp_path):
    with start_in_background(EmulatorConfig(home=tmp_path / "other", auth_mode="enforce")) as other:
        foreign = session_environment(home=other.state.config.home, endpoint=other.url)
    ds = _client(monkeypatch, foreign, enforced.url)
    with pytest.raises(oci.exceptions.ServiceError) as info:
        ds.list_models(foreign["NB_SESSION_COMPARTMENT_OCID"])
    assert (info.value.status, info.value.code) == (401, "NotAuthenticated")
    assert "not issued by this emulator" in info.value.message


def test_an_unsigned_request_for_notebook_sessions_is_refused(enforced):
    import requests

    response = requests.get(f"{enforced.url}/20190101/notebookSessions",
                            params={"compartmentId": OTHER_COMPARTMENT}, timeout=30)
    assert response.status_code == 401 and response.json()["code"] == "NotAuthenticated"


@pytest.fixture(scope="module")
def short_lived(tmp_path_factory):
    """Tokens that live 2 seconds, so a test sees one expire."""
    running = start_in_background(EmulatorConfig(home=tmp_path_factory.mktemp("rp-short"), auth_mode="enforce",
                                                 rpst_lifetime=2))
    yield running, session_environment(home=running.state.config.home, endpoint=running.url)
    running.stop()


def test_an_expired_token_is_renewed_in_its_file_and_the_sdk_retry_passes(monkeypatch, short_lived):
    running, environment = short_lived
    token_file = Path(environment["OCI_RESOURCE_PRINCIPAL_RPST"])
    ds = _client(monkeypatch, environment, running.url)
    compartment = environment["NB_SESSION_COMPARTMENT_OCID"]
    stale = token_file.read_text()
    ds.list_models(compartment)
    time.sleep(3)
    assert ds.list_models(compartment).status == 200  # 401, the file renewed, re-read, retried
    assert token_file.read_text() != stale
    assert token_file.stat().st_mode & 0o777 == 0o600

    by_value = _client(monkeypatch, environment, running.url, OCI_RESOURCE_PRINCIPAL_RPST=stale)
    with pytest.raises(oci.exceptions.ServiceError) as info:
        by_value.list_models(compartment)  # nothing to re-read: refused
    assert info.value.status == 401 and "expired" in info.value.message
