"""SklearnModel: joblib model file, pinned requirements, taxonomy, and a faithful round trip."""
from __future__ import annotations

import importlib.metadata
import json

import pytest
import yaml

from tests.artifact.conftest import round_trip
from toolkit import SklearnModel


@pytest.fixture(scope="module")
def prepared(iris, tmp_path_factory):
    from sklearn.linear_model import LogisticRegression

    X, y = iris
    estimator = LogisticRegression(max_iter=1000).fit(X, y)
    model = SklearnModel(estimator, artifact_dir=str(tmp_path_factory.mktemp("sk") / "artifact"))
    model.prepare(X_sample=X.iloc[:20], use_case_type="multinomial_classification")
    return model


def test_prepare_writes_the_ads_artifact_files(prepared):
    files = {p.name for p in __import__("pathlib").Path(prepared.artifact_dir).iterdir()}
    assert {"score.py", "runtime.yaml", "model.joblib", "input_schema.json", "output_schema.json",
            ".model-ignore", "requirements.txt"} <= files


def test_runtime_yaml_pins_the_installed_framework(prepared):
    runtime = yaml.safe_load(open(f"{prepared.artifact_dir}/runtime.yaml"))
    assert runtime["MODEL_ARTIFACT_VERSION"] == "3.0"
    conda = runtime["MODEL_DEPLOYMENT"]["INFERENCE_CONDA_ENV"]
    assert conda["INFERENCE_ENV_PATH"].startswith("oci://") and conda["INFERENCE_PYTHON_VERSION"]
    requirements = runtime["MODEL_DEPLOYMENT"]["INFERENCE_ENV"]["REQUIREMENTS"]
    assert f"scikit-learn=={importlib.metadata.version('scikit-learn')}" in requirements
    assert any(r.startswith("numpy==") for r in requirements)
    text = open(f"{prepared.artifact_dir}/requirements.txt").read()
    assert all(line in text for line in requirements)


def test_taxonomy_and_custom_metadata_describe_the_model(prepared):
    taxonomy = prepared.metadata_taxonomy
    assert taxonomy["Framework"].value == "scikit-learn"
    assert taxonomy["Algorithm"].value == "LogisticRegression"
    assert taxonomy["UseCaseType"].value == "multinomial_classification"
    assert taxonomy["Hyperparameters"].value["max_iter"] == 1000
    assert prepared.metadata_custom["ModelSerializationFormat"].value == "joblib"
    assert prepared.metadata_custom["ModelFileName"].value == "model.joblib"


def test_schema_is_ads_1_1_from_the_sample(prepared):
    schema = json.load(open(f"{prepared.artifact_dir}/input_schema.json"))
    assert schema["version"] == "1.1"
    assert [a["name"] for a in schema["schema"]][:2] == ["sepal length (cm)", "sepal width (cm)"]
    assert schema["schema"][0]["feature_type"] == "Continuous"


def test_verify_matches_in_process_predictions(prepared, iris):
    X, _ = iris
    rows = X.iloc[[0, 50, 100]]
    assert prepared.verify(rows)["prediction"] == prepared.estimator.predict(rows).tolist()


@pytest.mark.parametrize("shape", ["numpy", "records", "columns", "rows"])
def test_verify_accepts_the_ads_input_shapes(prepared, iris, shape):
    X, _ = iris
    rows = X.iloc[[0, 50, 100]]
    data = {"numpy": rows.to_numpy(), "records": rows.to_dict(orient="records"),
            "columns": rows.to_dict(orient="list"), "rows": rows.to_numpy().tolist()}[shape]
    assert prepared.verify(data)["prediction"] == [0, 1, 2]


def test_round_trip_gives_identical_predictions(prepared, iris, tmp_path):
    X, _ = iris
    first, from_dir, from_zip = round_trip(prepared, X.iloc[:10], tmp_path)
    assert type(from_dir) is SklearnModel and type(from_zip) is SklearnModel
    assert from_dir.verify(X.iloc[:10]) == first == from_zip.verify(X.iloc[:10])
    assert from_dir.estimator.predict(X.iloc[:10]).tolist() == first["prediction"]


def test_introspection_passes(prepared):
    result = prepared.introspect()
    assert result.passed, result.failures
    assert prepared.metadata_taxonomy["ArtifactTestResults"].value["score_py"]["success"] is True


def test_cloudpickle_serializer_on_request(iris_numpy, tmp_path):
    from sklearn.tree import DecisionTreeClassifier

    X, y = iris_numpy
    model = SklearnModel(DecisionTreeClassifier().fit(X, y), artifact_dir=str(tmp_path / "a"),
                         model_save_serializer="cloudpickle")
    model.prepare(X_sample=X[:5])
    assert (tmp_path / "a" / "model.pkl").exists()
    assert model.verify(X[:3])["prediction"] == model.estimator.predict(X[:3]).tolist()


def test_an_artifact_runtime_yaml_does_not_describe_is_loaded_through_its_score_py_as_ads_does(prepared, iris, tmp_path):
    """An ADS-prepared artifact has no INFERENCE_ENV block: as in ADS, from_model_artifact describes it
    without running score.py (no estimator), and reload=True loads the model with score.py's load_model()."""
    import shutil

    X, _ = iris
    artifact = tmp_path / "ads-style"
    shutil.copytree(prepared.artifact_dir, artifact)
    runtime = yaml.safe_load((artifact / "runtime.yaml").read_text())
    del runtime["MODEL_DEPLOYMENT"]["INFERENCE_ENV"]
    (artifact / "runtime.yaml").write_text(yaml.safe_dump(runtime))
    (artifact / "requirements.txt").unlink()
    from toolkit import GenericModel

    described = GenericModel.from_model_artifact(str(artifact))
    assert type(described) is GenericModel and described.estimator is None
    assert described.model_file_name == "model.joblib" and described.schema_input.keys == list(X.columns)
    loaded = GenericModel.from_model_artifact(str(artifact), reload=True)
    assert loaded.estimator.predict(X.iloc[:5]).tolist() == prepared.estimator.predict(X.iloc[:5]).tolist()


def test_loading_with_the_wrong_framework_class_says_which_to_use(prepared):
    from toolkit import XGBoostModel
    from toolkit.artifact.errors import ArtifactError

    with pytest.raises(ArtifactError, match="holds a sklearn model .*XGBoostModel loads xgboost models"):
        XGBoostModel.from_model_artifact(prepared.artifact_dir)
