"""prepare(inference_conda_env=...) resolves a slug or an oci:// pack path as ADS does: through the
service-pack index and the pack's manifest on Object Storage (the emulator's, with the local profile)."""
from __future__ import annotations

import numpy as np
import pytest
import yaml

from toolkit import SklearnModel
from toolkit.artifact.errors import RuntimeInfoError

GENERALML = "generalml_p311_cpu_x86_64_v1"


@pytest.fixture
def model(tmp_path):
    from sklearn.linear_model import LinearRegression

    X = np.array([[0.0], [1.0], [2.0]])
    return SklearnModel(LinearRegression().fit(X, 2 * X[:, 0]), artifact_dir=str(tmp_path / "artifact"))


def _conda(model) -> dict:
    with open(f"{model.artifact_dir}/runtime.yaml") as fh:
        return yaml.safe_load(fh)["MODEL_DEPLOYMENT"]["INFERENCE_CONDA_ENV"]


def test_a_service_pack_slug_becomes_its_path_type_and_python(model, dockyard_emulator):
    model.prepare(inference_conda_env=GENERALML)
    assert _conda(model) == {
        "INFERENCE_ENV_PATH": "oci://service-conda-packs@id19sfcrra6z/service_pack/cpu/"
                              f"General_Machine_Learning_for_CPUs_on_Python_3.11/1.0/{GENERALML}",
        "INFERENCE_ENV_SLUG": GENERALML, "INFERENCE_ENV_TYPE": "data_science", "INFERENCE_PYTHON_VERSION": "3.11"}


def test_an_unknown_slug_is_refused_naming_the_service_packs(model, dockyard_emulator):
    with pytest.raises(RuntimeInfoError, match="not a service pack") as caught:
        model.prepare(inference_conda_env="nosuch_p311_cpu_v1")
    assert GENERALML in str(caught.value) and "dockyard conda list" in caught.value.hint


def test_a_published_pack_path_takes_its_slug_and_python_from_the_manifest(model, dockyard_emulator, tmp_path):
    from toolkit.catalog.conda_packs import publish

    (tmp_path / "requirements.txt").write_text("scikit-learn\nnumpy\n")
    pack = publish("churn_p310_cpu_v1", tmp_path / "requirements.txt", name="Churn", python="3.10")
    model.prepare(inference_conda_env=pack.path)
    assert _conda(model) == {"INFERENCE_ENV_PATH": pack.path, "INFERENCE_ENV_SLUG": "churn_p310_cpu_v1",
                             "INFERENCE_ENV_TYPE": "published", "INFERENCE_PYTHON_VERSION": "3.10"}


def test_a_missing_published_pack_is_refused_unless_conda_errors_are_ignored(model, dockyard_emulator):
    path = "oci://conda-packs@dockyard/conda_environments/cpu/none/1.0/none_v1"
    with pytest.raises(RuntimeInfoError, match="does not exist") as caught:
        model.prepare(inference_conda_env=path)
    assert "dockyard conda publish" in caught.value.hint
    model.prepare(inference_conda_env=path, ignore_conda_error=True)
    assert (_conda(model)["INFERENCE_ENV_PATH"], _conda(model)["INFERENCE_ENV_SLUG"]) == (path, "none_v1")


def test_object_storage_out_of_reach_is_an_error_saying_what_to_do(model, monkeypatch, tmp_path):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    monkeypatch.setenv("DOCKYARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DOCKYARD_ENDPOINT", f"http://127.0.0.1:{closed}")
    with pytest.raises(RuntimeInfoError, match="could not be asked") as caught:
        model.prepare(inference_conda_env=GENERALML)
    assert "ignore_conda_error=True" in caught.value.hint
