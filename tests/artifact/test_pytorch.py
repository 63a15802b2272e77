"""PyTorchModel: state dict (+ weightless architecture) and TorchScript; identical round trips."""
from __future__ import annotations

import cloudpickle  # a dependency of Dockyard
import pytest

from tests.artifact.conftest import round_trip
from toolkit import PyTorchModel


@pytest.fixture(scope="module")
def net(torch, iris_numpy):
    from tests.artifact import iris_net  # torch: imported when a test runs, not at collection

    cloudpickle.register_pickle_by_value(iris_net)  # as for a class defined in a notebook
    X, y = iris_numpy
    torch.manual_seed(0)
    module = iris_net.IrisNet()
    optimizer = torch.optim.Adam(module.parameters(), lr=0.05)
    inputs, labels = torch.tensor(X, dtype=torch.float32), torch.tensor(y)
    for _ in range(30):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(module(inputs), labels).backward()
        optimizer.step()
    yield module.eval()
    cloudpickle.unregister_pickle_by_value(iris_net)


def _expected(module, X):
    import torch

    with torch.no_grad():
        return module(torch.tensor(X, dtype=torch.float32)).numpy()


def _close(actual, expected) -> bool:
    import numpy as np

    return np.allclose(np.asarray(actual), np.asarray(expected), rtol=1e-6, atol=1e-6)


@pytest.mark.slow  # verify() imports torch in two fresh Pythons: 5 s and more on 2 cores
def test_torchscript_round_trip(torch, net, iris_numpy, tmp_path):
    # Runs before the state-dict test: unpickling IrisNet by value in this process (as that test's
    # from_model_artifact does) leaves its methods without retrievable source, which scripting needs.
    X, _ = iris_numpy
    model = PyTorchModel(net, artifact_dir=str(tmp_path / "a"))
    model.prepare(X_sample=X[:20], use_torch_script=True)
    assert not (tmp_path / "a" / "model_architecture.pkl").exists()
    assert model.metadata_custom["ModelSerializationFormat"].value == "torchscript"
    first, from_dir, from_zip = round_trip(model, X[:5], tmp_path)
    assert _close(first["prediction"], _expected(net, X[:5]))
    assert isinstance(from_dir.estimator, torch.jit.ScriptModule)
    assert from_dir.verify(X[:5]) == first == from_zip.verify(X[:5])
    assert from_dir.introspect().passed


@pytest.mark.slow  # verify() imports torch in two fresh Pythons: 5 s and more on 2 cores
def test_state_dict_round_trip(torch, net, iris_numpy, tmp_path):
    X, _ = iris_numpy
    model = PyTorchModel(net, artifact_dir=str(tmp_path / "a"))
    model.prepare(X_sample=X[:20])
    assert (tmp_path / "a" / "model.pt").exists() and (tmp_path / "a" / "model_architecture.pkl").exists()
    state = torch.load(tmp_path / "a" / "model.pt", weights_only=True)  # plain weights, loadable safely
    assert set(state) == set(net.state_dict())
    first, from_dir, from_zip = round_trip(model, X[:5], tmp_path)
    assert _close(first["prediction"], _expected(net, X[:5]))
    assert from_dir.verify(X[:5]) == first == from_zip.verify(X[:5])
    assert _close(_expected(from_dir.estimator, X[:5]), first["prediction"])
