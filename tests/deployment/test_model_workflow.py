"""The ADS workflow a user writes: prepare -> verify -> save -> deploy -> predict -> logs ->
deactivate -> activate -> delete, with the toolkit's model classes, on both runtimes."""
from __future__ import annotations

import numpy as np
import pytest

from toolkit import GenericModel, SklearnModel

X = np.array([[0.0, 0.0], [1.0, 1.0], [0.1, 0.0], [0.9, 1.0]])
Y = np.array([0, 1, 0, 1])


def _sklearn(tmp_path) -> SklearnModel:
    from sklearn.linear_model import LogisticRegression

    model = SklearnModel(estimator=LogisticRegression().fit(X, Y), artifact_dir=str(tmp_path / "sk"))
    model.prepare(X_sample=X, y_sample=Y, use_case_type="binary_classification", force_overwrite=True)
    return model


def _generic(tmp_path) -> GenericModel:
    class Adder:  # defined locally so cloudpickle stores it by value, as a user's notebook class
        def predict(self, rows):
            return [float(sum(row)) + 100 for row in rows]

    model = GenericModel(estimator=Adder(), artifact_dir=str(tmp_path / "generic"))
    model.prepare(X_sample=X, force_overwrite=True)
    return model


def _full_cycle(model, runtime: str) -> None:
    local = model.verify(X[:2])
    model.save(display_name=f"{type(model).__name__}-{runtime}")
    deployment = model.deploy(display_name=f"{type(model).__name__}-{runtime}", runtime=runtime)
    assert deployment.lifecycle_state == "ACTIVE"
    assert model.predict(X[:2]) == local  # the deployment answers what verify() answered
    assert any(e.type == "access" for e in deployment.logs())
    again = type(model).from_model_deployment(deployment.id)
    assert again.model_deployment.id == deployment.id and again.model_id == model.model_id
    deployment.deactivate()
    deployment.activate()
    assert model.predict(X[2:]) == model.verify(X[2:])
    deployment.delete()
    assert deployment.lifecycle_state == "DELETED"
    model.delete()


@pytest.mark.parametrize("make", [_sklearn, _generic], ids=["sklearn", "generic"])
def test_workflow_on_the_process_runtime(make, tmp_path, emulator):
    _full_cycle(make(tmp_path), "process")


@pytest.mark.docker
def test_sklearn_workflow_in_docker(tmp_path, emulator):
    _full_cycle(_sklearn(tmp_path), "docker")
