"""oci-mlflow, MLflow's deployment plugin for OCI Data Science, run as MLflow users run it: the
``mlflow`` CLI of its own venv (``make mlflow-client``: oci-mlflow pins oracle-ads and its own oci SDK)
registers a scikit-learn model in a local MLflow tracking store, then ``mlflow deployments create -t
oci-datascience`` saves it in the emulator's catalog and deploys it on a conda pack published there,
and ``predict``, ``get`` and ``delete`` act on the deployment. The plugin signs with the API key of an
OCI config profile, so the emulator enforces signatures; nothing may leave this machine."""
from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from tests.conftest import guarded

REPO = Path(__file__).resolve().parents[2]
MLFLOW_VENV = REPO / ".venv" / "mlflow"
REGISTER = Path(__file__).with_name("mlflow") / "register_model.py"
MODEL_NAME = "iris-classifier"

pytestmark = pytest.mark.slow  # a deployment's environment is built (pip) before the first predict


@dataclass(frozen=True)
class MlflowUser:
    """The environment an MLflow user's shell has: a tracking store, an OCI profile for the emulator."""

    env: dict[str, str]
    workdir: Path
    deploy_config: Path

    def run(self, *args: str, timeout: float = 900) -> str:
        """Run a command of the venv (``mlflow ...`` or ``python ...``); its stdout, or the test fails."""
        result = subprocess.run([str(MLFLOW_VENV / "bin" / args[0]), *args[1:]], capture_output=True, text=True,
                                env=self.env, cwd=self.workdir, timeout=timeout)
        assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
        return result.stdout


@pytest.fixture(scope="module")
def mlflow_user(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowUser]:
    if not (MLFLOW_VENV / "bin" / "mlflow").is_file():
        if os.environ.get("DOCKYARD_NO_SKIPS") == "1":
            pytest.fail(f"{MLFLOW_VENV} is missing; run make mlflow-client")
        pytest.skip("no oci-mlflow venv (make mlflow-client)")
    from tests.ads.conftest import signing_emulator
    from toolkit.catalog import conda_packs

    workdir = tmp_path_factory.mktemp("mlflow-user")
    with signing_emulator(tmp_path_factory, "process", "mlflow-emulator") as emulator:
        requirements = workdir / "pack-requirements.txt"
        requirements.write_text("mlflow-skinny\nscikit-learn\nskops\npandas\n")  # what register_model.py lists
        pack = conda_packs.publish("mlflow_p311_cpu_v1", requirements, auth=emulator.session.profile)
        user = _user_environment(workdir, emulator.session.profile.config, emulator.running.url)
        deploy_config = workdir / "deployment.yaml"
        deploy_config.write_text(yaml.safe_dump(_deployment_spec(emulator.compartment, emulator.project, pack.path,
                                                                 pack.python)))
        yield MlflowUser(user, workdir, deploy_config)


def _user_environment(workdir: Path, config: dict, endpoint: str) -> dict[str, str]:
    """A shell with ~/.oci/config holding the emulator's throwaway key, ADS's endpoint override set to
    the emulator, and the MLflow tracking store in the work directory."""
    fake_home = workdir / "home"
    (fake_home / ".oci").mkdir(parents=True)
    oci_config = fake_home / ".oci" / "config"
    keys = ("tenancy", "user", "fingerprint", "key_file", "region")
    oci_config.write_text("[DEFAULT]\n" + "".join(f"{k}={config[k]}\n" for k in keys))
    oci_config.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKYARD_", "OCI_", "PYTHON", "VIRTUAL_ENV", "MLFLOW_"))}
    env.update({"HOME": str(fake_home), "OCI_IAM_TYPE": "api_key", "OCI_CONFIG_LOCATION": str(oci_config),
                "OCI_CONFIG_PROFILE": "DEFAULT", "OCI_ODSC_SERVICE_ENDPOINT": endpoint,
                "MLFLOW_TRACKING_URI": f"sqlite:///{workdir / 'mlflow.db'}"})
    return guarded(env)


def _deployment_spec(compartment: str, project: str, pack_path: str, python: str) -> dict:
    """oci-mlflow's deployment config: ADS's ModelDeployment YAML, conda runtime on a published pack."""
    return {"kind": "deployment", "spec": {
        "infrastructure": {"kind": "infrastructure", "type": "datascienceModelDeployment", "spec": {
            "compartmentId": compartment, "projectId": project, "shapeName": "VM.Standard.E4.Flex",
            "shapeConfigDetails": {"ocpus": 1, "memoryInGBs": 16}, "replica": 1, "bandWidthMbps": 10}},
        "runtime": {"kind": "runtime", "type": "conda", "spec": {"uri": pack_path, "pythonVersion": python}}}}


# `mlflow deployments predict` reads this with pandas.read_json and the plugin posts DataFrame.to_json();
# the plugin's score.py builds pandas.DataFrame(**body): one "data" column whose cells are the features.
IRIS_ROWS = {"data": {"sepal_length": [5.1, 6.7], "sepal_width": [3.5, 3.0], "petal_length": [1.4, 5.2],
                      "petal_width": [0.2, 2.3]}}


@pytest.fixture(scope="module")
def registered(mlflow_user: MlflowUser) -> str:
    """The model registered in the MLflow tracking store; its models:/ URI."""
    mlflow_user.run("python", str(REGISTER), MODEL_NAME)
    return f"models:/{MODEL_NAME}/1"


def _create(mlflow_user: MlflowUser, model_uri: str, name: str) -> str:
    """``mlflow deployments create`` of the registered model; the deployment's OCID."""
    out = mlflow_user.run("mlflow", "deployments", "create", "-t", "oci-datascience", "--name", name,
                          "-m", model_uri, "--config", f"deploy-config-file={mlflow_user.deploy_config}")
    created = re.search(r"deployment (ocid1\.datasciencemodeldeployment\S+) is created", out)
    assert created, out
    return created.group(1)


@pytest.fixture(scope="module")
def deployment_id(mlflow_user: MlflowUser, registered: str) -> str:
    return _create(mlflow_user, registered, "iris-mlflow")


def _get(mlflow_user: MlflowUser, deployment_id: str) -> dict:
    """``mlflow deployments get``: the plugin prints {"model": ModelDeployment}, ADS's YAML after "model:"."""
    out = mlflow_user.run("mlflow", "deployments", "get", "-t", "oci-datascience", "--name", deployment_id)
    return yaml.safe_load(out.split("model:", 1)[1])["spec"]


def test_create_saves_the_model_in_the_catalog_and_deploys_it(mlflow_user, deployment_id):
    got = _get(mlflow_user, deployment_id)
    assert got["lifecycleState"] == "ACTIVE" and got["displayName"] == "iris-mlflow"
    assert got["freeformTags"]["mlflow_model_uri"] == f"models:/{MODEL_NAME}/1"
    assert got["runtime"]["spec"]["modelUri"].startswith("ocid1.datasciencemodel.")


def test_predict_answers_from_the_deployment(mlflow_user, deployment_id):
    rows = mlflow_user.workdir / "input.json"
    rows.write_text(json.dumps(IRIS_ROWS))
    out = mlflow_user.run("mlflow", "deployments", "predict", "-t", "oci-datascience", "--name", deployment_id,
                          "-I", str(rows))
    # The plugin wraps the response in a one-cell DataFrame (pandas.DataFrame(data=response)): the body is that cell.
    cell = json.loads(out.strip().splitlines()[-1])["0"]["0"]
    assert json.loads(cell) == {"prediction": [0, 2]}  # setosa, virginica


def test_list_is_not_implemented_by_the_plugin(mlflow_user):
    """oci-mlflow 1.0.3's list_deployments raises NotImplementedError before any request."""
    out = subprocess.run([str(MLFLOW_VENV / "bin" / "mlflow"), "deployments", "list", "-t", "oci-datascience"],
                         capture_output=True, text=True, env=mlflow_user.env, cwd=mlflow_user.workdir, timeout=300)
    assert out.returncode != 0 and "NotImplementedError" in out.stderr


def test_delete_deletes_the_deployment(mlflow_user, registered):
    deployment_id = _create(mlflow_user, registered, "iris-mlflow-to-delete")  # the environment is built: seconds
    mlflow_user.run("mlflow", "deployments", "delete", "-t", "oci-datascience", "--name", deployment_id)
    assert _get(mlflow_user, deployment_id)["lifecycleState"] == "DELETED"
