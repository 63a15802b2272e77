"""The plugin's fixtures used directly (as a suite with the entry point installed would):
clean_catalog resets the emulator (servers stopped, records and files gone); deployed_model works end to end."""
from __future__ import annotations

from typing import Any

import pytest
from oci.data_science import models as dsm

from emulator.store.blobs import SEED_PREFIX
from toolkit.testing.plugin import (  # noqa: F401  (fixtures, as the pytest11 entry point provides them)
    clean_catalog, deployed_model, dockyard_emulator, dockyard_env, ds_client, oci_config, oci_signer)


@pytest.fixture(scope="session")
def dockyard_emulator_config() -> dict[str, Any]:
    return {"runtime": "process"}


def _deployment(ds_client, compartment: str, tmp_path) -> str:
    from toolkit.catalog.model_catalog import save_model

    class Prepared:
        auth, model_id = None, None
        artifact_dir = str(tmp_path)

        def introspect(self):
            return type("R", (), {"passed": True, "failures": []})()

        def catalog_metadata(self):
            return {}

    (tmp_path / "score.py").write_text("def load_model():\n    return 1\n\n\ndef predict(data, model=load_model()):\n"
                                       "    return {'prediction': data}\n")
    (tmp_path / "runtime.yaml").write_text(
        "MODEL_ARTIFACT_VERSION: '3.0'\nMODEL_DEPLOYMENT:\n  INFERENCE_CONDA_ENV:\n    INFERENCE_PYTHON_VERSION: '3.11'\n")
    model_id = save_model(Prepared(), display_name="echo")
    record = ds_client.get_model(model_id).data
    details = dsm.CreateModelDeploymentDetails(
        compartment_id=compartment, project_id=record.project_id,
        model_deployment_configuration_details=dsm.SingleModelDeploymentConfigurationDetails(
            deployment_type="SINGLE_MODEL", model_configuration_details=dsm.ModelConfigurationDetails(
                model_id=model_id, instance_configuration=dsm.InstanceConfiguration(
                    instance_shape_name="VM.Standard.E4.Flex"))))
    return ds_client.create_model_deployment(details).data.id


def _wait_active(ds_client, deployment_id: str, timeout: float = 120) -> Any:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = ds_client.get_model_deployment(deployment_id).data
        if record.lifecycle_state == "ACTIVE":
            return record
        assert record.lifecycle_state == "CREATING", record.lifecycle_details
        time.sleep(0.2)
    raise AssertionError(f"{deployment_id} did not become ACTIVE")


@pytest.mark.slow
def test_clean_catalog_stops_deployment_servers_and_empties_the_emulator(dockyard_emulator, ds_client, oci_config,
                                                                         tmp_path, request):
    import requests

    from emulator.model_deployment.service import service_of

    compartment = oci_config["tenancy"]
    deployment_id = _deployment(ds_client, compartment, tmp_path)
    _wait_active(ds_client, deployment_id)
    server = service_of(dockyard_emulator.running.app).upstream(deployment_id)
    assert requests.get(server.health_url, timeout=5).status_code == 200
    blobs = dockyard_emulator.state.config.blob_dir

    request.getfixturevalue("clean_catalog")  # what a test that asks for it gets before it starts

    with pytest.raises(requests.ConnectionError):
        requests.get(server.health_url, timeout=5)
    assert ds_client.list_model_deployments(compartment).data == []
    assert ds_client.list_models(compartment).data == []
    assert ds_client.list_projects(compartment).data == []
    # What a new emulator has (the service conda packs) stays.
    assert not [path for path in blobs.rglob("*") if path.is_file() and not path.name.startswith(SEED_PREFIX)]
    assert not (dockyard_emulator.home / "deployments").exists()


def test_clean_catalog_empties_what_an_earlier_test_left(dockyard_emulator, ds_client, oci_config, request):
    compartment = oci_config["tenancy"]
    ds_client.create_project(dsm.CreateProjectDetails(compartment_id=compartment, display_name="left over"))
    assert ds_client.list_projects(compartment).data != []

    request.getfixturevalue("clean_catalog")

    assert ds_client.list_projects(compartment).data == []


def test_the_reset_route_empties_the_emulator_over_http(dockyard_emulator, ds_client, oci_config, oci_signer):
    import requests

    compartment = oci_config["tenancy"]
    ds_client.create_project(dsm.CreateProjectDetails(compartment_id=compartment, display_name="left over"))
    response = requests.post(dockyard_emulator.url + "/dockyard-api/reset", auth=oci_signer, timeout=30)
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert ds_client.list_projects(compartment).data == []


@pytest.mark.slow
def test_deployed_model_factory_serves_a_real_sklearn_model(deployed_model):
    """Teardown order (deployment, then model) is specified with a stub in test_plugin.py."""
    import numpy as np
    from sklearn.linear_model import LinearRegression

    from toolkit import SklearnModel

    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = 2 * X[:, 0] + 1
    model = deployed_model(SklearnModel(LinearRegression().fit(X, y)), prepare={"X_sample": X, "y_sample": y})
    assert model.model_id and model.model_deployment is not None
    assert model.predict(np.array([[4.0]]))["prediction"] == pytest.approx([9.0])
