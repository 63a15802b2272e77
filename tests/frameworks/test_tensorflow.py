"""TensorFlowModel: a Keras MLP as .h5 (ADS's default), .keras or a SavedModel directory; prepare ->
verify -> save -> deploy (Docker and process) -> predict -> from_model_catalog, equal predictions."""
from __future__ import annotations

import pytest

from fixtures import frameworks
from tests.frameworks.conftest import (IMAGE_BUILD_TIMEOUT, close,
                                      deployed_answer, loaded_from_catalog, saved_in_catalog)
from toolkit import GenericModel, TensorFlowModel

# slow: a Keras model trained and saved in three formats, and a process deployment whose verify() and
# server each import TensorFlow (a minute and more of the fast suite on 2 cores).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mlp(iris_features):
    return frameworks.keras_mlp(*iris_features)


def _prepared(network, directory, X, model_file_name=None) -> TensorFlowModel:
    model = TensorFlowModel(network, artifact_dir=str(directory))
    model.prepare(X_sample=X[:20], model_file_name=model_file_name, force_overwrite=True)
    return model


@pytest.fixture(scope="module")
def saved(emulator, mlp, iris_features, tmp_path_factory):
    X, _ = iris_features
    return saved_in_catalog(emulator, lambda: _prepared(mlp, tmp_path_factory.mktemp("tf"), X), X[:5])


def test_prepare_writes_model_h5_with_tensorflow_pins_and_taxonomy(tf, saved):
    model, _ = saved
    assert model.model_file_name == "model.h5"
    pins = {line.split("==")[0] for line in model.runtime_info.requirements}
    assert {"tensorflow-cpu", "keras", "h5py", "numpy"} <= pins
    assert model.metadata_taxonomy["Framework"].value == "tensorflow"
    assert model.metadata_taxonomy["Algorithm"].value == "Sequential"
    assert model.metadata_taxonomy["FrameworkVersion"].value == tf.__version__
    assert model.metadata_custom["ModelSerializationFormat"].value == "h5"


def test_verify_answers_the_in_memory_prediction(saved, mlp, iris_features):
    _, answer = saved
    X, _ = iris_features
    assert close(answer["prediction"], mlp.predict(X[:5], verbose=0))


def test_round_trip_on_the_process_runtime(saved, iris_features):
    model, answer = saved
    assert deployed_answer(model, "process", iris_features[0][:5]) == answer


@pytest.mark.docker
@pytest.mark.timeout(IMAGE_BUILD_TIMEOUT)
def test_round_trip_in_docker(saved, iris_features):
    model, answer = saved
    assert deployed_answer(model, "docker", iris_features[0][:5]) == answer


def test_from_model_catalog_gives_a_keras_model_that_predicts_the_same(keras, saved, mlp, iris_features, tmp_path):
    model, answer = saved
    loaded = loaded_from_catalog(model, tmp_path / "loaded")
    X, _ = iris_features
    assert isinstance(loaded, TensorFlowModel) and isinstance(loaded.estimator, keras.Model)
    assert close(loaded.estimator.predict(X[:5], verbose=0), mlp.predict(X[:5], verbose=0))
    assert loaded.verify(X[:5]) == answer


@pytest.mark.parametrize("file_name,fmt", [("model.keras", "keras"), ("saved_model", "saved_model")])
def test_keras_and_savedmodel_formats_round_trip_through_the_artifact(mlp, iris_features, tmp_path, file_name, fmt):
    X, _ = iris_features
    model = _prepared(mlp, tmp_path / "a", X, model_file_name=file_name)
    assert model.runtime_info.serialization_format == fmt and (tmp_path / "a" / file_name).exists()
    answer = model.verify(X[:5])
    assert close(answer["prediction"], mlp.predict(X[:5], verbose=0))
    loaded = GenericModel.from_model_artifact(model.artifact_dir)
    assert isinstance(loaded, TensorFlowModel)
    assert close(loaded.flavor.local_predict(loaded.estimator, X[:5]), answer["prediction"])


def test_a_truncated_model_file_is_caught_by_introspection(mlp, iris_features, tmp_path):
    X, _ = iris_features
    model = _prepared(mlp, tmp_path / "broken", X)
    path = tmp_path / "broken" / "model.h5"
    path.write_bytes(path.read_bytes()[:200])  # the defect: a model file cut short (a failed copy)
    result = model.introspect()
    assert not result.passed
    failure = next(f for f in result.failures if f.key == "model_file")
    assert "model.h5 does not load" in failure.message
