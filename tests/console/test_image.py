"""The emulator as a container image (``dockyard emulator image`` / ``make image``), used the way a
CI service container is: built offline from the local base image, run with a published port and a
data volume, and driven from outside with the stock ``oci`` SDK. One image and one container for
the module."""
from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Iterator

import oci
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.console.conftest import zip_of
from tests.deployment.artifacts import ECHO_SCORE

# The first test also waits for the image build (wheelhouse + docker build: 5-8 minutes on a busy 2-core machine).
pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.timeout(1800)]

TAG = "dockyard/emulator:test"
TENANCY = "ocid1.tenancy.oc1..aaaaaaaaimagetest"
USER = "ocid1.user.oc1..aaaaaaaaimagetest"


@pytest.fixture(scope="module")
def image() -> Iterator[str]:
    import docker

    from emulator.image import build_image

    lines: list[str] = []
    build_image(tag=TAG, log=lines.append)
    assert any("offline" in line for line in lines)
    yield TAG
    try:  # removing a 1 GB image takes a while on a busy engine: give it time, and never fail a test for it
        docker.from_env(timeout=600).images.remove(TAG, force=True)
    except Exception as exc:  # noqa: BLE001
        warnings.warn(f"could not remove {TAG}: {exc}", stacklevel=1)


@pytest.fixture(scope="module")
def served(image: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``docker run -p 127.0.0.1::8765 -v <dir>:/data dockyard/emulator``; yields (url, data dir)."""
    import docker

    client = docker.from_env()
    data = tmp_path_factory.mktemp("image-data")
    container = client.containers.run(image, detach=True, ports={"8765/tcp": ("127.0.0.1", None)},
                                      volumes={str(data): {"bind": "/data", "mode": "rw"}},
                                      labels={"dockyard.test": "emulator-image"})
    try:
        container.reload()
        port = container.attrs["NetworkSettings"]["Ports"]["8765/tcp"][0]["HostPort"]
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, container)
        yield url, data
    finally:
        container.remove(force=True, v=True)


def _wait_healthy(url: str, container, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/_dockyard/health", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError("the emulator container never answered:\n" + container.logs(tail=40).decode(errors="replace"))


@pytest.fixture(scope="module")
def ds(served, tmp_path_factory) -> oci.data_science.DataScienceClient:
    """A stock DataScienceClient with a throwaway key of its own, as a CI job would make."""
    url, _ = served
    key_file = tmp_path_factory.mktemp("key") / "key.pem"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    config = {"user": USER, "tenancy": TENANCY, "fingerprint": ":".join(["ab"] * 16), "key_file": str(key_file),
              "region": "us-ashburn-1"}
    signer = oci.signer.Signer(TENANCY, USER, config["fingerprint"], str(key_file))
    return oci.data_science.DataScienceClient(config, signer=signer, service_endpoint=url,
                                              retry_strategy=oci.retry.NoneRetryStrategy())


def test_the_container_serves_the_catalog_round_trip_to_the_oci_sdk(served, ds):
    from oci.data_science.models import CreateModelDetails, CreateProjectDetails

    _, data = served
    project = ds.create_project(CreateProjectDetails(compartment_id=TENANCY, display_name="ci-project")).data
    model = ds.create_model(CreateModelDetails(compartment_id=TENANCY, project_id=project.id,
                                               display_name="ci-model")).data
    artifact = zip_of({"score.py": ECHO_SCORE, "runtime.yaml": "MODEL_ARTIFACT_VERSION: '3.0'\n"})
    ds.create_model_artifact(model.id, artifact, content_disposition=f'attachment; filename="{model.id}.zip"')

    assert ds.get_model_artifact_content(model.id).data.content == artifact
    assert int(ds.head_model_artifact(model.id).headers["content-length"]) == len(artifact)
    assert [m.display_name for m in ds.list_models(TENANCY, project_id=project.id).data] == ["ci-model"]
    assert (data / "catalog.db").is_file()  # the state lives in the mounted volume


def test_the_container_serves_the_console(served, ds):
    url, _ = served
    page = requests.get(url + "/console/projects")
    assert page.status_code == 200 and "ci-project" in page.text
    assert requests.get(url + "/console/static/console.css").ok  # templates and static files are in the wheel


def test_deployments_inside_the_container_run_as_processes(served, ds):
    from oci.data_science.models import (CreateModelDeploymentDetails, CreateModelDetails, CreateProjectDetails,
                                         FixedSizeScalingPolicy, InstanceConfiguration, ModelConfigurationDetails,
                                         SingleModelDeploymentConfigurationDetails)

    url, _ = served
    project = ds.create_project(CreateProjectDetails(compartment_id=TENANCY, display_name="deploy")).data
    model = ds.create_model(CreateModelDetails(compartment_id=TENANCY, project_id=project.id, display_name="echo")).data
    ds.create_model_artifact(model.id, zip_of({"score.py": ECHO_SCORE}),
                             content_disposition=f'attachment; filename="{model.id}.zip"')
    config = SingleModelDeploymentConfigurationDetails(deployment_type="SINGLE_MODEL", model_configuration_details=(
        ModelConfigurationDetails(model_id=model.id, instance_configuration=InstanceConfiguration(
            instance_shape_name="VM.Standard.E4.Flex"), scaling_policy=FixedSizeScalingPolicy(instance_count=1))))
    deployment = ds.create_model_deployment(CreateModelDeploymentDetails(
        compartment_id=TENANCY, project_id=project.id, display_name="echo",
        model_deployment_configuration_details=config)).data
    deadline = time.monotonic() + 90
    while (state := ds.get_model_deployment(deployment.id).data.lifecycle_state) == "CREATING":
        assert time.monotonic() < deadline, "the deployment stayed CREATING"
        time.sleep(0.5)
    assert state == "ACTIVE", requests.get(f"{url}/console/deployments/{deployment.id}").text[-3000:]
    answer = requests.post(f"{url}/{deployment.id}/predict", json=[1, 2])
    assert answer.json() == {"prediction": [2, 4]}
    assert "process runtime" in requests.get(f"{url}/console/deployments/{deployment.id}").text
