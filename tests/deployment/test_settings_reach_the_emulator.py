"""DOCKYARD_RUNTIME and DOCKYARD_BASE_IMAGE: one reader, and a value the caller sets counts on its next
deploy even when the (long-running) emulator started with another one; a docker deployment that
cannot start for want of a base image is refused at once, with the fix, and leaves nothing behind."""
from __future__ import annotations

import oci
import pytest
from click.testing import CliRunner

from emulator import settings as emulator_settings
from emulator.config import EmulatorConfig
from emulator.runtimes.base_image import resolve
from emulator.server import start_in_background
from emulator.settings import SettingError
from tests.deployment import helpers
from toolkit import settings
from toolkit.cli import cli
from toolkit.deployment import ModelDeployment, deploy_model

MISSING_BASE = "dockyard/no-such-base:1"


@pytest.fixture
def stale_emulator(tmp_path, monkeypatch):
    """An emulator that started with a base image that does not exist (as one started before the
    user fixed DOCKYARD_BASE_IMAGE), and the toolkit pointed at it with no setting of its own."""
    running = start_in_background(EmulatorConfig(home=tmp_path / "home", runtime="process", base_image=MISSING_BASE))
    monkeypatch.setenv("DOCKYARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DOCKYARD_ENDPOINT", running.url)
    monkeypatch.setenv("DOCKYARD_PROFILE", "local")
    monkeypatch.delenv("DOCKYARD_RUNTIME", raising=False)
    monkeypatch.delenv("DOCKYARD_BASE_IMAGE", raising=False)
    try:
        yield running, helpers.save_to_catalog(helpers.pickle_artifact(tmp_path / "artifact"))
    finally:
        running.stop()
        from emulator.runtimes.docker import DockerRuntime

        DockerRuntime(tmp_path / "home").remove_all()


def test_the_toolkit_reads_the_settings_through_the_emulators_one_reader():
    assert settings.runtime is emulator_settings.runtime
    assert settings.base_image is emulator_settings.base_image


def test_a_runtime_setting_that_names_no_runtime_is_an_error_naming_the_variable(monkeypatch):
    monkeypatch.setenv("DOCKYARD_RUNTIME", "dockr")
    with pytest.raises(SettingError, match="DOCKYARD_RUNTIME='dockr'.*auto, docker, process"):
        EmulatorConfig()
    with pytest.raises(SettingError, match="DOCKYARD_RUNTIME"):
        deploy_model("ocid1.datasciencemodel.oc1.iad.amaaaaaaunused", profile="local")


@pytest.mark.docker
def test_a_docker_deploy_without_its_base_image_is_refused_at_once_and_leaves_nothing(stale_emulator):
    _, model_id = stale_emulator

    with pytest.raises(oci.exceptions.ServiceError) as refused:
        deploy_model(model_id, runtime="docker", show_progress=False)

    assert refused.value.status == 400 and refused.value.code == "InvalidParameter"
    for fix in ("emulator base-image", "needs root and debootstrap", "DOCKYARD_BASE_IMAGE", "DOCKYARD_RUNTIME=process",
                MISSING_BASE):
        assert fix in refused.value.message
    assert ModelDeployment.list() == []


@pytest.mark.docker
def test_the_cli_says_the_same_and_exits_1(stale_emulator):
    _, model_id = stale_emulator

    result = CliRunner().invoke(cli, ["deploy", model_id, "--runtime", "docker"])

    assert result.exit_code == 1
    assert "InvalidParameter" in result.output and "emulator base-image" in result.output
    assert ModelDeployment.list() == []


@pytest.mark.docker
def test_the_callers_base_image_counts_on_its_next_deploy_without_a_restart(stale_emulator, monkeypatch):
    _, model_id = stale_emulator
    monkeypatch.setenv("DOCKYARD_BASE_IMAGE", resolve(None))  # an image this engine has

    deployment = deploy_model(model_id, runtime="docker", show_progress=False)

    assert deployment.lifecycle_state == "ACTIVE"
    assert "docker runtime" in deployment.lifecycle_details
    assert deployment.predict(json_input={"data": [[1]]}) == {"prediction": [101]}
    deployment.delete()


@pytest.mark.docker
def test_auto_without_a_base_image_says_it_chose_process_and_how_to_get_docker(stale_emulator):
    _, model_id = stale_emulator

    deployment = deploy_model(model_id, runtime="auto", show_progress=False)

    assert deployment.lifecycle_state == "ACTIVE"
    details = deployment.lifecycle_details
    assert details.startswith("Serving with the process runtime (auto:")
    assert MISSING_BASE in details and "emulator base-image" in details
    deployment.delete()
