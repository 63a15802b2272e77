"""prepare(as_onnx=True): model.onnx through skl2onnx (sklearn), onnxmltools (XGBoost, LightGBM) or
torch.onnx (PyTorch), served by onnxruntime without the framework. The sklearn export makes the
whole trip: prepare -> verify -> save -> deploy (Docker and process) -> predict -> from_model_catalog."""
from __future__ import annotations

import pytest

from fixtures import frameworks
from tests.frameworks.conftest import (IMAGE_BUILD_TIMEOUT, close,
                                      deployed_answer, loaded_from_catalog, saved_in_catalog)
from toolkit import GenericModel, SklearnModel


@pytest.fixture(scope="module", autouse=True)
def _installed(skl2onnx):
    """The dev extras install the sklearn converter: a missing one fails these tests instead of skipping them
    (imported when a test of this module runs, not at collection: tests/conftest.py)."""


@pytest.fixture(scope="module")
def classifier(iris_features):
    return frameworks.sklearn_classifier(*iris_features)


def _prepared(estimator, directory, X, **kwargs) -> SklearnModel:
    model = SklearnModel(estimator, artifact_dir=str(directory))
    model.prepare(X_sample=X[:20], as_onnx=True, force_overwrite=True, **kwargs)
    return model


@pytest.fixture(scope="module")
def saved(emulator, classifier, iris_features, tmp_path_factory):
    X, _ = iris_features
    rows = X[[0, 60, 120, 75]]
    return saved_in_catalog(emulator, lambda: _prepared(classifier, tmp_path_factory.mktemp("onnx"), X), rows)


def _rows(iris_features):
    X, _ = iris_features
    return X[[0, 60, 120, 75]]


def test_as_onnx_writes_model_onnx_served_by_onnxruntime_alone(saved):
    from pathlib import Path

    model, _ = saved
    assert model.model_file_name == "model.onnx" and (Path(model.artifact_dir) / "model.onnx").exists()
    pins = {line.split("==")[0] for line in model.runtime_info.requirements}
    assert "onnxruntime" in pins and "scikit-learn" not in pins  # the image needs no scikit-learn
    assert model.runtime_info.flavor == "sklearn" and model.runtime_info.serialization_format == "onnx"
    assert model.metadata_custom["ModelSerializationFormat"].value == "onnx"
    assert model.metadata_taxonomy["Framework"].value == "scikit-learn"
    assert model.metadata_taxonomy["Algorithm"].value == "LogisticRegression"


def test_verify_answers_the_in_memory_prediction(saved, classifier, iris_features):
    _, answer = saved
    assert answer["prediction"] == classifier.predict(_rows(iris_features)).tolist()


def test_round_trip_on_the_process_runtime(saved, iris_features):
    model, answer = saved
    assert deployed_answer(model, "process", _rows(iris_features)) == answer


@pytest.mark.docker
@pytest.mark.timeout(IMAGE_BUILD_TIMEOUT)
def test_round_trip_in_docker(saved, iris_features):
    model, answer = saved
    assert deployed_answer(model, "docker", _rows(iris_features)) == answer


def test_from_model_catalog_gives_an_onnxruntime_session(onnxruntime, saved, classifier, iris_features, tmp_path):
    model, answer = saved
    loaded = loaded_from_catalog(model, tmp_path / "loaded")
    assert isinstance(loaded, SklearnModel) and isinstance(loaded.estimator, onnxruntime.InferenceSession)
    assert loaded.flavor.local_predict(loaded.estimator, _rows(iris_features)).tolist() == answer["prediction"]
    assert isinstance(GenericModel.from_model_artifact(loaded.artifact_dir), SklearnModel)


def test_initial_types_name_the_onnx_input(onnxruntime, iris_features, tmp_path):
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.linear_model import LinearRegression

    X, y = iris_features
    regressor = LinearRegression().fit(X, y.astype(float))
    model = _prepared(regressor, tmp_path / "a", X, initial_types=[("features", FloatTensorType([None, 4]))])
    session = onnxruntime.InferenceSession(str(tmp_path / "a" / "model.onnx"))
    assert [i.name for i in session.get_inputs()] == ["features"]
    assert close(model.verify(X[:5])["prediction"], regressor.predict(X[:5]).reshape(-1, 1), atol=1e-4)


def test_xgboost_and_lightgbm_export_through_onnxmltools(iris_features, tmp_path):
    import onnxmltools  # noqa: F401 - the converter must be installed
    from toolkit import LightGBMModel, XGBoostModel

    import xgboost
    import lightgbm
    X, y = iris_features
    for cls, estimator in ((XGBoostModel, xgboost.XGBClassifier(n_estimators=5, max_depth=2)),
                           (LightGBMModel, lightgbm.LGBMClassifier(n_estimators=5, verbose=-1))):
        estimator.fit(X, y)
        model = cls(estimator, artifact_dir=str(tmp_path / cls.__name__))
        model.prepare(X_sample=X[:20], as_onnx=True)
        assert model.runtime_info.requirements and "onnxruntime" in " ".join(model.runtime_info.requirements)
        assert model.verify(X[:10])["prediction"] == estimator.predict(X[:10]).tolist()


def test_pytorch_exports_through_torch_onnx(iris_features, tmp_path):
    import torch
    from toolkit import PyTorchModel

    X, _ = iris_features
    torch.manual_seed(0)
    network = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)).eval()
    model = PyTorchModel(network, artifact_dir=str(tmp_path / "pt"))
    model.prepare(X_sample=X[:20], as_onnx=True)
    with torch.no_grad():
        expected = network(torch.as_tensor(X[:5])).numpy()
    assert close(model.verify(X[:5])["prediction"], expected, atol=1e-4)


@pytest.mark.parametrize("cls_name", ["TensorFlowModel", "SparkPipelineModel", "HuggingFacePipelineModel",
                                      "GenericModel"])
def test_classes_without_a_converter_refuse_as_onnx_before_writing(cls_name, tmp_path):
    import toolkit

    model = getattr(toolkit, cls_name)(artifact_dir=str(tmp_path / "a"))
    model.estimator = object()  # never looked at: the refusal comes first (the classes check their type)
    with pytest.raises(NotImplementedError, match="no ONNX converter"):
        model.prepare(as_onnx=True)
    assert not (tmp_path / "a").exists() or not any((tmp_path / "a").iterdir())


def test_a_truncated_onnx_file_is_caught_by_introspection(classifier, iris_features, tmp_path):
    X, _ = iris_features
    model = _prepared(classifier, tmp_path / "broken", X)
    path = tmp_path / "broken" / "model.onnx"
    path.write_bytes(path.read_bytes()[:100])  # the defect: a model file cut short
    result = model.introspect()
    assert not result.passed
    failure = next(f for f in result.failures if f.key == "model_file")
    assert "model.onnx does not load" in failure.message


def test_ads_onnx_serializer_names_export_or_are_refused_by_class(classifier, iris_features, tmp_path):
    import toolkit

    X, _ = iris_features
    model = SklearnModel(classifier, artifact_dir=str(tmp_path / "s"), model_save_serializer="sklearn_onnx")
    assert model.prepare(X_sample=X[:20]).runtime_info.serialization_format == "onnx"
    assert close(model.verify(X[:5])["prediction"], classifier.predict(X[:5]))
    with pytest.raises(NotImplementedError, match="no ONNX converter for TensorFlowModel"):
        toolkit.TensorFlowModel(model_save_serializer="tf_onnx")
