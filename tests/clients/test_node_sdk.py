"""The OCI TypeScript/JavaScript SDK (``oci-datascience``, ``oci-common`` from npm) against the emulator.

A second implementation of OCI's request signing and wire format, written by other people: if its
unmodified calls work, the emulator speaks OCI's protocol, not what the Python SDK happens to accept.
``node/workflow.js`` creates a project and a model, uploads the artifact, gets, lists and updates the
model, deploys it (polling the work request), predicts through the deployment URL with oci-common's
signer, and deletes, all against an emulator that checks every signature (``--auth enforce``).

``make node-client`` installs the pinned packages (``npm ci``). Without Node or them the test skips,
except in CI (``DOCKYARD_REQUIRE_NODE=1``, set by ``.ci/run``), where it fails.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

import pytest

from tests.deployment.artifacts import write_artifact
from toolkit.artifact.archive import zip_artifact
from toolkit.testing.credentials import make_api_key

NODE_PROJECT = Path(__file__).resolve().parent / "node"
RESULT = "RESULT "


def _node_problem() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed (Debian: apt-get install nodejs npm)"
    if not (NODE_PROJECT / "node_modules" / "oci-datascience").is_dir():
        return "the Node SDK is not installed: run `make node-client`"
    return None


@pytest.fixture(scope="module")
def node() -> str:
    problem = _node_problem()
    if problem and os.environ.get("DOCKYARD_REQUIRE_NODE") == "1":
        pytest.fail(f"DOCKYARD_REQUIRE_NODE=1 but {problem}", pytrace=False)
    if problem:
        pytest.skip(problem)
    return shutil.which("node")


@pytest.fixture(scope="module")
def enforcing_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """An emulator deploying on the process runtime and checking every request's signature."""
    from emulator.config import EmulatorConfig
    from emulator.server import start_in_background

    home = tmp_path_factory.mktemp("node-home")
    running = start_in_background(EmulatorConfig(home=home, host="127.0.0.1", port=0, runtime="process",
                                                 auth_mode="enforce"))
    try:
        yield SimpleNamespace(url=running.url, home=home)
    finally:
        running.state.reset()
        running.stop()


def node_workflow(node: str, config: Path, endpoint: str, artifact_zip: Path) -> subprocess.CompletedProcess:
    """Run ``node/workflow.js`` signing with ``config``'s DEFAULT profile, under the Node network guard."""
    return subprocess.run([node, "--require", "./loopback_only.js", "workflow.js", str(config), endpoint,
                           str(artifact_zip)], cwd=NODE_PROJECT, capture_output=True, text=True, timeout=300)


def result_of(proc: subprocess.CompletedProcess) -> dict[str, Any]:
    lines = [line for line in proc.stdout.splitlines() if line.startswith(RESULT)]
    if proc.returncode != 0 or not lines:
        pytest.fail(f"workflow.js exited {proc.returncode} without a result:\n{proc.stdout}\n{proc.stderr}",
                    pytrace=False)
    return json.loads(lines[-1][len(RESULT):])


@pytest.fixture
def artifact_zip(tmp_path: Path) -> Any:
    """The echo artifact (score.py doubles numbers) zipped, as an upload takes it."""
    return zip_artifact(write_artifact(tmp_path / "artifact"), tmp_path / "artifact.zip")


def test_node_sdk_runs_a_model_from_catalog_to_signed_predict(node, enforcing_emulator, artifact_zip):
    from toolkit.profiles import ensure_local_credentials

    local_profile = ensure_local_credentials(enforcing_emulator.home)

    result = result_of(node_workflow(node, local_profile, enforcing_emulator.url, artifact_zip.path))

    assert result["artifactLength"] == artifact_zip.size and result["artifactSha256"] == artifact_zip.sha256
    assert sorted(result["pages"]) == [["node-model"], ["node-sibling"]]
    assert result["gotState"] == "ACTIVE" and result["listedIds"] == [result["modelId"]]
    assert result["updatedName"] == "node-model-renamed" and result["updatedTags"] == {"via": "node"}
    assert {"key": "client", "value": "oci-datascience"}.items() <= result["customMetadata"][0].items()
    assert result["workRequestStatus"] == "SUCCEEDED" and result["workRequestOperation"] == "MODEL_DEPLOYMENT_CREATE"
    assert result["deploymentState"] == "ACTIVE"
    assert result["deploymentUrl"].startswith("http://127.0.0.1:")  # the emulator's inference gateway
    assert result["deploymentUrl"].endswith(f"/{result['deploymentId']}")
    assert result["prediction"] == {"prediction": [2, 4, 6]}
    assert result["modelStateAfterDelete"] == "DELETED"


def test_node_sdk_signing_with_an_unregistered_key_is_not_authenticated(node, enforcing_emulator, artifact_zip,
                                                                        tmp_path):
    stranger = make_api_key(tmp_path / "stranger")

    proc = node_workflow(node, stranger.config_file, enforcing_emulator.url, artifact_zip.path)

    assert proc.returncode != 0 and '"statusCode":401' in proc.stderr and "NotAuthenticated" in proc.stderr
