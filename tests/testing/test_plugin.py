"""The pytest plugin as a user's suite sees it: run a small suite in a subprocess with
``-p toolkit.testing.plugin`` (what the pytest11 entry point does once installed)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import guarded  # children under the suite's network guard

REPO = Path(__file__).resolve().parents[2]

USER_SUITE = '''
import os
import oci
import pytest
import requests


def test_emulator_listens_on_loopback_with_its_own_home(dockyard_emulator):
    assert dockyard_emulator.url.startswith("http://127.0.0.1:")
    assert requests.get(dockyard_emulator.url + "/_dockyard/health").json()["status"] == "ok"
    assert os.environ["DOCKYARD_ENDPOINT"] == dockyard_emulator.url
    assert os.environ["DOCKYARD_HOME"] == str(dockyard_emulator.home)


def test_environment_is_left_alone_for_tests_without_the_emulator():
    assert "DOCKYARD_ENDPOINT" not in os.environ


def _project(ds_client, oci_config):
    details = oci.data_science.models.CreateProjectDetails(compartment_id=oci_config["tenancy"], display_name="p")
    return ds_client.create_project(details).data


def test_ds_client_is_wired_to_the_emulator(ds_client, oci_config, dockyard_emulator):
    project = _project(ds_client, oci_config)
    assert requests.get(f"{dockyard_emulator.url}/20190101/projects/{project.id}").json()["displayName"] == "p"


def test_clean_catalog_empties_what_was_there_before(ds_client, oci_config, request):
    _project(ds_client, oci_config)
    request.getfixturevalue("clean_catalog")  # as it runs before a test that asks for it
    assert ds_client.list_projects(compartment_id=oci_config["tenancy"]).data == []


def test_signer_is_the_stock_one(oci_signer):
    assert isinstance(oci_signer, oci.signer.Signer)


class StubModel:
    def __init__(self, log):
        self.log, self.artifact_dir, self.model_deployment = log, None, None

    def prepare(self, **kw):
        self.log.append(("prepare", kw))

    def save(self, **kw):
        self.log.append(("save", kw))

    def deploy(self, **kw):
        self.log.append(("deploy", kw))
        model = self

        class Deployment:
            def delete(self):
                model.log.append(("delete deployment", {}))
        self.model_deployment = Deployment()

    def delete(self):
        self.log.append(("delete model", {}))


LOG = []


def test_deployed_model_prepares_saves_and_deploys(deployed_model):
    model = deployed_model(StubModel(LOG), save={"display_name": "m"})
    assert [step for step, _ in LOG] == ["prepare", "save", "deploy"]
    assert LOG[1][1] == {"display_name": "m"}


def test_deployed_model_teardown_deleted_deployment_then_model():
    assert [step for step, _ in LOG][-2:] == ["delete deployment", "delete model"]


@pytest.mark.requires_docker
def test_needs_docker():
    pass
'''


def _plugin_args() -> list[str]:
    """``-p`` only when the pytest11 entry point is not installed (loading it twice is an error)."""
    from importlib.metadata import entry_points

    installed = any(ep.value == "toolkit.testing.plugin" for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", "toolkit.testing.plugin"]


def test_user_suite_runs_with_the_plugin(tmp_path):
    (tmp_path / "test_user.py").write_text(textwrap.dedent(USER_SUITE))
    env = guarded({**os.environ, "PYTHONPATH": str(REPO), "DOCKYARD_REQUIRE_DOCKER": "0"})
    for name in ("DOCKYARD_HOME", "DOCKYARD_ENDPOINT"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *_plugin_args(), "-q", "-rs",
         "-p", "no:cacheprovider", "test_user.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert ("7 passed, 1 skipped" in result.stdout) or ("8 passed" in result.stdout), result.stdout
