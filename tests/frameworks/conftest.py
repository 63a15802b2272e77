"""Framework round trips: one emulator per test module (own home, ephemeral port), models built in
the tests themselves (nothing comes from a model hub), and the toolkit pointed at that emulator."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from tests.deployment.conftest import emulator_in, pointing_at


# A Docker round trip builds its flavor's environment image first (torch, tensorflow or pyspark:
# hundreds of MB unpacked into a venv and copied into a layer): minutes on a busy 2-core machine,
# past the suite's 600 s per test. The deploy itself still waits at most its own max_wait_time.
IMAGE_BUILD_TIMEOUT = 1500


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with emulator_in(tmp_path_factory.mktemp("dockyard-frameworks-home")) as running:
        yield running


@pytest.fixture(autouse=True)
def _toolkit_uses_the_module_emulator(request: pytest.FixtureRequest) -> Iterator[None]:
    if "emulator" not in request.fixturenames:
        yield
        return
    with pointing_at(request.getfixturevalue("emulator")):
        yield


@contextmanager
def deployed(model: Any, runtime: str, **deploy_kwargs: Any) -> Iterator[Any]:
    """The saved model deployed on ``runtime`` (ACTIVE) for the block, deleted after it."""
    deployment = model.deploy(display_name=f"{type(model).__name__}-{runtime}", runtime=runtime, **deploy_kwargs)
    try:
        assert deployment.lifecycle_state == "ACTIVE"
        yield deployment
    finally:
        deployment.delete()


def deployed_answer(model: Any, runtime: str, data: Any, **deploy_kwargs: Any) -> Any:
    """Deploy the saved model on ``runtime``, predict ``data`` through the deployment, delete it."""
    with deployed(model, runtime, **deploy_kwargs):
        return model.predict(data)


def saved_in_catalog(emulator: Any, prepare: Callable[[], Any], data: Any, **verify_kwargs: Any) -> tuple[Any, Any]:
    """(model, verify()'s answer): a prepared model, verified, then saved (introspection passes first)."""
    with pointing_at(emulator):
        model = prepare()
        answer = model.verify(data, **verify_kwargs)
        model.save(display_name=type(model).__name__)
    return model, answer


def loaded_from_catalog(model: Any, target: Path) -> Any:
    """The saved model loaded back through the catalog by its class (artifact downloaded to ``target``)."""
    return type(model).from_model_catalog(model.model_id, artifact_dir=str(target))


def close(actual: Any, expected: Any, atol: float = 1e-5) -> bool:
    """Equal predictions, up to float noise (the deployment answers JSON, the model numpy)."""
    import numpy as np

    return np.allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=1e-5, atol=atol)


@pytest.fixture(scope="session")
def iris_features():
    """(X float32 array, y) of iris: shipped with scikit-learn, no download."""
    from fixtures import frameworks

    return frameworks.iris()
