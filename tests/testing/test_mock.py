"""mock_datascience(): every oci call (any endpoint) and plain requests to OCI hosts reach an
in-process emulator; the environment and the user's OCI config are left as they were."""
from __future__ import annotations

import os

import oci
import pytest
import requests

from emulator.data_science import work_requests as wr
from toolkit import mock_datascience
from toolkit.testing.mock import VIRTUAL_ENDPOINT


def _seed_work_request(m) -> str:
    return wr.create(m.state.db, "MODEL_DEPLOYMENT_CREATE", m.compartment_id, [], region=m.region)["id"]


def test_client_built_with_the_default_regional_endpoint_reaches_the_mock():
    with mock_datascience(region="us-phoenix-1") as m:
        ident = _seed_work_request(m)
        client = oci.data_science.DataScienceClient(m.config, signer=m.signer)  # no service_endpoint
        assert "oraclecloud.com" in client.base_client.endpoint
        got = client.get_work_request(ident)
        assert got.status == 200 and got.data.id == ident
        assert ".phx." in ident


def test_errors_come_back_as_oci_service_errors():
    with mock_datascience() as m:
        with pytest.raises(oci.exceptions.ServiceError) as info:
            m.data_science_client().get_work_request("ocid1.datascienceworkrequest.oc1.iad.amaaaaaanothere")
    assert info.value.status == 404
    assert info.value.code == "NotAuthorizedOrNotFound"


def test_plain_requests_to_the_virtual_endpoint_are_served_and_others_pass_through():
    with mock_datascience() as m:
        assert requests.get(f"{m.url}/_dockyard/health", timeout=5).json()["status"] == "ok"
        with pytest.raises(requests.ConnectionError):  # passthrough: a real (failing) connection
            requests.get("http://127.0.0.1:9/", timeout=1)


def test_environment_points_at_the_mock_inside_and_is_restored_after(monkeypatch):
    monkeypatch.setenv("DOCKYARD_ENDPOINT", "http://elsewhere:1")
    monkeypatch.delenv("DOCKYARD_HOME", raising=False)
    with mock_datascience() as m:
        assert os.environ["DOCKYARD_ENDPOINT"] == VIRTUAL_ENDPOINT
        assert os.environ["DOCKYARD_HOME"] == str(m.home)
        home = m.home
    assert os.environ["DOCKYARD_ENDPOINT"] == "http://elsewhere:1"
    assert "DOCKYARD_HOME" not in os.environ
    assert not home.exists()


def test_never_reads_the_users_oci_config(monkeypatch, tmp_path):
    fake_home = tmp_path / "user"
    (fake_home / ".oci").mkdir(parents=True)
    config = fake_home / ".oci" / "config"
    config.write_text("[DEFAULT]\nthis is not a config\n")
    monkeypatch.setenv("HOME", str(fake_home))
    before = config.stat().st_mtime_ns
    with mock_datascience() as m:
        assert m.config["key_file"].startswith(str(m.home))
        m.data_science_client().list_work_requests(compartment_id=m.compartment_id)
    assert config.stat().st_mtime_ns == before


@mock_datascience()
def test_decorator_gives_each_call_a_fresh_catalog(m):
    assert m.data_science_client().list_work_requests(compartment_id=m.compartment_id).data == []
    _seed_work_request(m)
    assert len(m.data_science_client().list_work_requests(compartment_id=m.compartment_id).data) == 1


def test_decorated_function_runs_twice_with_separate_state():
    seen = []

    @mock_datascience()
    def count(m):
        _seed_work_request(m)
        seen.append(len(m.data_science_client().list_work_requests(compartment_id=m.compartment_id).data))

    count()
    count()
    assert seen == [1, 1]


def test_enforced_signing_accepts_the_mock_key_and_rejects_unsigned_calls():
    with mock_datascience(auth_mode="enforce") as m:
        ident = _seed_work_request(m)
        assert m.data_science_client().get_work_request(ident).data.id == ident
        resp = requests.get(f"{m.url}/20190101/workRequests/{ident}", timeout=5)
        assert resp.status_code == 401


def test_toolkit_catalog_round_trip_runs_in_process(tmp_path):
    """save_model / download through the toolkit's local profile: artifact streamed both ways."""
    from toolkit.catalog.model_catalog import download_artifact, get_model, save_model

    class Prepared:
        auth = None
        model_id = None

        def __init__(self, artifact_dir):
            self.artifact_dir = str(artifact_dir)

        def introspect(self):
            class Passed:
                passed, failures = True, []
            return Passed()

        def catalog_metadata(self):
            return {"customMetadataList": [{"key": "Note", "value": "in-process", "category": "Other"}]}

    artifact = tmp_path / "artifact"
    artifact.mkdir()
    (artifact / "score.py").write_text("def load_model():\n    return None\n\n\ndef predict(data, model=None):\n    return data\n")
    (artifact / "runtime.yaml").write_text("MODEL_ARTIFACT_VERSION: '3.0'\n")
    (artifact / "weights.bin").write_bytes(bytes(range(256)) * 4096)  # 1 MiB
    with mock_datascience():
        model = Prepared(artifact)
        model_id = save_model(model, display_name="in-process")
        assert get_model(model_id).display_name == "in-process"
        out = download_artifact(model_id, tmp_path / "back")
        assert (out / "weights.bin").read_bytes() == (artifact / "weights.bin").read_bytes()


@pytest.mark.slow
def test_deploy_and_predict_with_plain_requests_inside_the_mock(tmp_path):
    """The deployment URL the SDK returns is answered by the mock's gateway (predict via requests)."""
    from oci.data_science import models as dsm

    from toolkit.catalog.model_catalog import save_model
    from toolkit.catalog.session import connect

    class Prepared:
        auth, model_id = None, None

        def __init__(self, artifact_dir):
            self.artifact_dir = str(artifact_dir)

        def introspect(self):
            class Passed:
                passed, failures = True, []
            return Passed()

        def catalog_metadata(self):
            return {}

    artifact = tmp_path / "artifact"
    artifact.mkdir()
    (artifact / "score.py").write_text(
        "def load_model():\n    return 10\n\n\ndef predict(data, model=load_model()):\n"
        "    return {'prediction': [model * x for x in data]}\n")
    (artifact / "runtime.yaml").write_text(
        "MODEL_ARTIFACT_VERSION: '3.0'\nMODEL_DEPLOYMENT:\n  INFERENCE_CONDA_ENV:\n    INFERENCE_PYTHON_VERSION: '3.11'\n")
    with mock_datascience(runtime="process") as m:
        model_id = save_model(Prepared(artifact), display_name="tenfold")
        session = connect()
        record = session.ds.get_model(model_id).data
        details = dsm.CreateModelDeploymentDetails(
            display_name="tenfold", compartment_id=record.compartment_id, project_id=record.project_id,
            model_deployment_configuration_details=dsm.SingleModelDeploymentConfigurationDetails(
                deployment_type="SINGLE_MODEL",
                model_configuration_details=dsm.ModelConfigurationDetails(
                    model_id=model_id,
                    instance_configuration=dsm.InstanceConfiguration(instance_shape_name="VM.Standard.E4.Flex"),
                    scaling_policy=dsm.FixedSizeScalingPolicy(policy_type="FIXED_SIZE", instance_count=1))))
        created = session.ds.create_model_deployment(details)
        session.wait_for_work_request(created.headers["opc-work-request-id"], 120)
        url = session.ds.get_model_deployment(created.data.id).data.model_deployment_url
        response = requests.post(f"{url}/predict", json=[1, 2], auth=m.signer, timeout=60)
        assert response.status_code == 200, response.text
        assert response.json() == {"prediction": [10, 20]}
        deleted = session.ds.delete_model_deployment(created.data.id)
        session.wait_for_work_request(deleted.headers["opc-work-request-id"], 120)


def test_mock_and_a_running_emulator_share_state_through_the_same_home(tmp_path):
    from oci.data_science.models import CreateProjectDetails

    from emulator.config import EmulatorConfig
    from emulator.server import start_in_background

    running = start_in_background(EmulatorConfig(home=tmp_path / "shared"))
    try:
        with mock_datascience(home=tmp_path / "shared") as m:
            m.data_science_client().create_project(CreateProjectDetails(compartment_id=m.compartment_id,
                                                                        display_name="seen-by-both"))
            config, compartment = m.config, m.compartment_id
        over_http = oci.data_science.DataScienceClient(config, signer=oci.signer.Signer.from_config(config),
                                                       service_endpoint=running.url)
        assert [p.display_name for p in over_http.list_projects(compartment).data] == ["seen-by-both"]
    finally:
        running.stop()
    assert (tmp_path / "shared").is_dir()  # a home you pass is yours: kept
