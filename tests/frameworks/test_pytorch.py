"""PyTorchModel deployed as a user would: prepare (state dict + weightless architecture) -> verify ->
save -> deploy (Docker) -> predict -> delete, the deployment answering what the module in memory
computes. The artifact's own round trips (TorchScript, zip, from_model_artifact) are
tests/artifact/test_pytorch.py's."""
from __future__ import annotations

import pytest

from fixtures import frameworks
from tests.frameworks.conftest import IMAGE_BUILD_TIMEOUT, close, deployed_answer, saved_in_catalog
from toolkit import PyTorchModel


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.timeout(IMAGE_BUILD_TIMEOUT)
def test_deployed_in_docker_predicts_what_the_module_computes(torch, emulator, iris_features, tmp_path):
    X, y = iris_features
    network = frameworks.torch_mlp(X, y)
    rows = X[[0, 60, 120, 75]]

    def prepared() -> PyTorchModel:
        return PyTorchModel(network, artifact_dir=str(tmp_path / "artifact")).prepare(X_sample=X[:20])

    model, verified = saved_in_catalog(emulator, prepared, rows)
    with torch.no_grad():
        expected = network(torch.as_tensor(rows)).numpy()
    assert close(verified["prediction"], expected)
    assert close(deployed_answer(model, "docker", rows)["prediction"], expected)
