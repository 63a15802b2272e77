"""ADS's model-class API with ADS's meaning: serialize=False, the serializer arguments, print(model),
summary_status(), schemas (statistics names, output named after y, schema["col"], Expression,
populate_schema), metadata enums and methods, hand-written artifacts, and ADS arguments refused by name."""
from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import yaml

from toolkit import (
    Expression,
    FrameWork,
    Framework,
    GenericModel,
    MetadataCustomCategory,
    ModelCustomMetadata,
    Schema,
    SklearnModel,
    UseCaseType,
)
from toolkit.artifact.errors import VerificationError
from toolkit.artifact.expression import ExpressionError
from toolkit.model.metadata import ChangesNotCommitted
from toolkit.model.serde import SerializerError


@pytest.fixture(scope="module")
def fitted(iris):
    from sklearn.linear_model import LogisticRegression

    X, y = iris
    return LogisticRegression(max_iter=500).fit(X, y), X, y


def _statuses(model) -> dict[str, str]:
    table = model.summary_status().reset_index()
    return {row.Details: row.Status for row in table.itertuples()}


# -- serialize=False and the serializers ------------------------------------------------------------

def test_serialize_false_means_the_user_writes_the_model_file_and_load_model(fitted, tmp_path):
    import joblib

    estimator, X, _ = fitted
    model = SklearnModel(estimator, artifact_dir=str(tmp_path / "a"), serialize=False)
    with pytest.raises(ValueError, match="model_file_name is required"):
        model.prepare()
    with pytest.warns(UserWarning, match="write its load_model"):
        model.prepare(model_file_name="clf.bin", X_sample=X.head(5))
    assert not (tmp_path / "a" / "clf.bin").exists()
    assert _statuses(model)["Serialized model"] == "Needs Action"
    assert "Serialize the model as `clf.bin`" in model.summary_status().reset_index()["Actions Needed"].str.cat()

    joblib.dump(estimator, tmp_path / "a" / "clf.bin")
    with pytest.raises(VerificationError, match="does not know how to load clf.bin"):
        model.verify(X.head(2))
    score = tmp_path / "a" / "score.py"
    score.write_text(score.read_text().replace("def _load_model_file(path):",
                                               "def _load_model_file(path):\n    import joblib\n    return joblib.load(path)\n\n\ndef _unused(path):"))
    assert model.verify(X.head(2))["prediction"] == estimator.predict(X.head(2)).tolist()
    assert _statuses(model)["Serialized model"] == "Done"


def test_model_save_serializer_names_are_honoured_or_refused(fitted, tmp_path):
    estimator, X, _ = fitted
    pickled = SklearnModel(estimator, artifact_dir=str(tmp_path / "p"), model_save_serializer="cloudpickle").prepare()
    assert pickled.model_file_name == "model.pkl" and pickled.runtime_info.serialization_format == "cloudpickle"
    assert pickled.verify(X.head(2))["prediction"] == estimator.predict(X.head(2)).tolist()
    with pytest.raises(SerializerError, match="no model_save_serializer 'pickle'; use one of joblib, cloudpickle"):
        SklearnModel(estimator, model_save_serializer="pickle")
    exported = SklearnModel(estimator, artifact_dir=str(tmp_path / "o"), model_save_serializer="sklearn_onnx")
    exported.prepare(X_sample=X.head(5))  # ADS's ONNX name is prepare(as_onnx=True)
    assert exported.model_file_name == "model.onnx" and exported.runtime_info.serialization_format == "onnx"
    with pytest.raises(SerializerError, match="SklearnModel's ONNX model_save_serializer is 'sklearn_onnx'"):
        SklearnModel(estimator, model_save_serializer="torch_onnx")
    with pytest.raises(NotImplementedError, match="no ONNX converter for GenericModel"):
        GenericModel(estimator, model_save_serializer="onnx")


def test_a_model_save_serializer_object_writes_the_file(fitted, tmp_path):
    estimator, _, _ = fitted
    calls = []

    class Saver:
        def serialize(self, estimator, model_path, X_sample=None):
            calls.append(model_path)
            Path(model_path).write_text(json.dumps(estimator.coef_.tolist()))

    with pytest.warns(UserWarning):
        model = SklearnModel(estimator, artifact_dir=str(tmp_path / "a"), model_save_serializer=Saver()).prepare(
            model_file_name="coef.json")
    assert calls == [str(tmp_path / "a" / "coef.json")]
    assert json.loads((tmp_path / "a" / "coef.json").read_text()) == estimator.coef_.tolist()
    assert model.runtime_info.serialization_format == "customized"


ECHO_SCORE = '''
def load_model():
    return None

def predict(data, model=load_model()):
    return {"received": data if isinstance(data, (dict, list)) else data.decode("latin-1")}
'''


def test_model_input_serializers_build_the_request_body(fitted, tmp_path):
    estimator, X, _ = fitted
    model = SklearnModel(estimator, artifact_dir=str(tmp_path / "a"), model_input_serializer="cloudpickle").prepare()
    with pytest.raises(VerificationError, match="serialized with 'cloudpickle'.*Write deserialize"):
        model.verify(X.head(2))

    class Upper:
        def serialize(self, data):
            return {"rows": [[str(v).upper() for v in row] for row in data]}

    echo = GenericModel(lambda x: x, artifact_dir=str(tmp_path / "e"), model_input_serializer=Upper())
    echo.prepare()
    (tmp_path / "e" / "score.py").write_text(ECHO_SCORE)
    assert echo.verify([["a", "b"]]) == {"received": {"rows": [["A", "B"]]}}
    with pytest.raises(SerializerError, match="json or cloudpickle"):
        GenericModel(model_input_serializer="avro")


# -- print(model) and summary_status() ---------------------------------------------------------------

def test_print_model_is_adss_yaml_summary(fitted, tmp_path):
    estimator, X, _ = fitted
    model = SklearnModel(estimator, artifact_dir=str(tmp_path / "a")).prepare(X_sample=X.head(5))
    summary = yaml.safe_load(str(model))
    assert set(summary) == {"artifact_dir", "framework", "algorithm", "model_id", "model_deployment_id"}
    assert summary["framework"] == "scikit-learn" and summary["algorithm"] == "LogisticRegression"
    files = summary["artifact_dir"][str(tmp_path / "a")][0]
    assert {"score.py", "runtime.yaml", "model.joblib", "input_schema.json"} <= set(files)


def test_summary_status_follows_the_workflow(fitted, tmp_path):
    estimator, X, _ = fitted
    model = SklearnModel(estimator, artifact_dir=str(tmp_path / "a"))
    assert model.summary_status().index.names == ["Step", "Status", "Details"]
    fresh = _statuses(model)
    assert fresh["Initiated the model"] == "Done" and fresh["Generated score.py"] == "Available"
    assert fresh["Local tested .predict from score.py"] == "Not Available"
    model.prepare(X_sample=X.head(5))
    prepared = _statuses(model)
    assert {prepared[k] for k in ("Generated runtime.yaml", "Generated score.py", "Serialized model")} == {"Done"}
    assert prepared["Local tested .predict from score.py"] == "Available"
    model.verify()
    assert _statuses(model)["Local tested .predict from score.py"] == "Done"
    assert _statuses(model)["Deployed the model"] == "Not Available"


# -- schemas ----------------------------------------------------------------------------------------

def test_schemas_use_adss_statistics_names_and_ys_name(fitted, tmp_path):
    estimator, X, y = fitted
    model = SklearnModel(estimator, artifact_dir=str(tmp_path / "a")).prepare(X_sample=X.head(20), y_sample=y.head(20))
    stats = model.schema_input["sepal length (cm)"].domain.stats
    assert list(stats)[:8] == ["count", "mean", "standard deviation", "sample minimum", "lower quartile", "median",
                              "upper quartile", "sample maximum"]
    assert model.schema_output.keys == ["target"]
    written = json.loads((tmp_path / "a" / "output_schema.json").read_text())
    assert written["schema"][0]["name"] == "target"
    predicted = SklearnModel(estimator, artifact_dir=str(tmp_path / "b")).prepare(X_sample=X.head(5))
    assert predicted.schema_output.keys == ["prediction"]  # no y: named as score.py answers


def test_schema_columns_are_indexed_constrained_and_repopulated(fitted, tmp_path):
    estimator, X, y = fitted
    model = SklearnModel(estimator, artifact_dir=str(tmp_path / "a")).prepare(X_sample=X.head(20))
    column = model.schema_input["petal width (cm)"]
    column.description = "petal width"
    column.domain.constraints.append(Expression("($x < 20) and ($x > -20)"))
    assert column.domain.constraints[0].evaluate(x=0) is True
    assert Expression("$x in ['a', 'b']").evaluate(x="a") is True
    with pytest.raises(ExpressionError, match="not allowed"):
        Expression("__import__('os').system('true') or $x").evaluate(x=1)
    with pytest.raises(KeyError, match="No column 'nope'"):
        model.schema_input["nope"]
    assert json.loads(model.schema_input.to_json())["schema"][3]["description"] == "petal width"

    frame = pd.DataFrame({"colour": pd.Categorical(["red", "blue", "red"]), "ok": [True, False, True]})
    model.model_artifact.populate_schema(X_sample=frame, y_sample=pd.Series([1, 0, 1], name="label"))
    assert model.schema_input["colour"].domain.constraints[0].evaluate(x="red") is True
    assert model.schema_input["ok"].domain.constraints[0].expression == "$x in [True, False]"
    assert model.schema_output.keys == ["label"]
    assert Schema.from_file(tmp_path / "a" / "output_schema.json").keys == ["label"]
    (tmp_path / "schema.yaml").write_text(model.schema_input.to_yaml())
    assert Schema.from_file(tmp_path / "schema.yaml").keys == ["colour", "ok"]


# -- metadata ---------------------------------------------------------------------------------------

def test_metadata_enums_items_and_files(fitted, tmp_path):
    estimator, X, _ = fitted
    assert UseCaseType.BINARY_CLASSIFICATION == "binary_classification" and "regression" in UseCaseType.values()
    assert FrameWork is Framework and Framework.SCIKIT_LEARN == "scikit-learn"
    model = SklearnModel(estimator, artifact_dir=str(tmp_path / "a"))
    model.prepare(use_case_type=UseCaseType.MULTINOMIAL_CLASSIFICATION)
    with pytest.raises(ValueError, match="not one of ADS's use case types"):
        SklearnModel(estimator, artifact_dir=str(tmp_path / "b")).prepare(use_case_type="classification")
    SklearnModel(estimator, artifact_dir=str(tmp_path / "c")).prepare(use_case_type="Binary_Classification")

    model.metadata_taxonomy["UseCaseType"].update(value=UseCaseType.BINARY_CLASSIFICATION)
    assert model.metadata_taxonomy["UseCaseType"].value == "binary_classification"
    with pytest.raises(ValueError, match="use case types"):
        model.metadata_taxonomy["UseCaseType"].update(value="guessing")
    custom = model.metadata_custom
    custom.add(key="test", value="v0", category=MetadataCustomCategory.OTHER, description="d", replace=True)
    custom["test"].update(value="v1", description=None, category=MetadataCustomCategory.TRAINING_ENV)
    assert (custom["test"].value, custom["test"].description, custom["test"].category) == \
        ("v1", None, "Training Environment")
    with pytest.raises(ValueError, match="Unknown category"):
        custom["test"].update(value="v2", description=None, category="Nowhere")
    custom.set_training_data(path="oci://bucket@ns/train.csv", data_size="(200,100)")
    custom.set_validation_data(path="oci://bucket@ns/valid.csv")
    assert custom["TrainingDataset"].value == "oci://bucket@ns/train.csv"
    assert custom["TrainingDatasetSize"].category == "Training and Validation Datasets"
    assert "ValidationDatasetSize" not in custom

    custom.to_json_file(str(tmp_path / "out"))
    written = json.loads((tmp_path / "out" / "ModelCustomMetadata.json").read_text())
    assert {"key": "test", "value": "v1", "description": None, "category": "Training Environment",
            "has_artifact": False} in written["data"]
    model.metadata_taxonomy["Hyperparameters"].to_json_file(str(tmp_path / "out"))
    assert json.loads((tmp_path / "out" / "Hyperparameters.json").read_text())["max_iter"] == 500
    assert list(custom.to_dataframe().columns) == ["Key", "Value", "Description", "Category", "HasArtifact"]
    assert isinstance(ModelCustomMetadata().get("missing", None), type(None))


def test_pending_git_changes_are_refused_when_asked(fitted, tmp_path):
    estimator, _, _ = fitted
    repo = tmp_path / "repo"
    repo.mkdir()
    run = lambda *args: subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)  # noqa: E731
    run("init", "-q")
    script = repo / "train.py"
    script.write_text("print('train')\n")
    run("add", "train.py")
    run("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "train")
    script.write_text("print('changed')\n")
    model = SklearnModel(estimator, artifact_dir=str(tmp_path / "a"))
    with pytest.raises(ChangesNotCommitted, match="train.py has changes not committed"):
        model.prepare(training_script_path=str(script), ignore_pending_changes=False)
    model.prepare(training_script_path=str(script))  # ADS's default ignores them
    assert model.metadata_provenance.training_script_path == str(script)


# -- artifacts written by hand ---------------------------------------------------------------------

HAND_SCORE = '''
import json, os
open(os.path.join(os.path.dirname(__file__), "imported.marker"), "w").close()

def load_model():
    with open(os.path.join(os.path.dirname(__file__), "{name}"), "rb") as f:
        weights = json.loads(f.read().decode())
    return weights

def predict(data, model=load_model()):
    rows = data["data"] if isinstance(data, dict) else data
    return {{"prediction": [sum(w * x for w, x in zip(model, row)) for row in rows]}}
'''
ADS_RUNTIME = {"MODEL_ARTIFACT_VERSION": "3.0",
               "MODEL_DEPLOYMENT": {"INFERENCE_CONDA_ENV": {
                   "INFERENCE_ENV_SLUG": "", "INFERENCE_ENV_TYPE": "published", "INFERENCE_PYTHON_VERSION": "3.11",
                   "INFERENCE_ENV_PATH": "oci://bucket@ns/conda_environments/cpu/x/1.0/x_v1"}},
               "MODEL_PROVENANCE": {"TRAINING_CODE": {"ARTIFACT_DIRECTORY": ""}}}


@pytest.mark.parametrize("name", ["model.json", "model.dat", "weights"])
def test_an_artifact_whose_score_py_loads_its_own_file_loads_and_introspects(tmp_path, name):
    """No model-file guessing: model.json is not taken for XGBoost, model.dat not for a pickle, and a
    score.py without `model_name` is fine; score.py is not imported unless reload=True (as ADS)."""
    artifact = tmp_path / "hand"
    artifact.mkdir()
    (artifact / name).write_bytes(json.dumps([1.0, 2.0]).encode())
    (artifact / "score.py").write_text(textwrap.dedent(HAND_SCORE.format(name=name)))
    (artifact / "runtime.yaml").write_text(yaml.safe_dump(ADS_RUNTIME))

    model = GenericModel.from_model_artifact(str(artifact))
    assert model.estimator is None and not (artifact / "imported.marker").exists()
    assert model.verify([[1.0, 1.0]], auto_serialize_data=False) == {"prediction": [3.0]}
    result = model.introspect(sample=[[1.0, 1.0]])
    checks = {c.key: c for c in result.checks}
    assert checks["model_file"].success is True and "load_model() returns a builtins.list" in checks["model_file"].message
    (artifact / "imported.marker").unlink()
    assert GenericModel.from_model_artifact(str(artifact), reload=True).estimator == [1.0, 2.0]
    assert (artifact / "imported.marker").exists()  # reload=True ran score.py here, as ADS's reload does


def test_a_score_py_whose_load_model_fails_is_reported_by_introspection(tmp_path):
    artifact = tmp_path / "broken"
    artifact.mkdir()
    (artifact / "score.py").write_text("def load_model():\n    raise OSError('weights missing')\n\n"
                                       "def predict(data, model=None):\n    return {}\n")
    (artifact / "runtime.yaml").write_text(yaml.safe_dump(ADS_RUNTIME))
    checks = {c.key: c for c in GenericModel.from_model_artifact(str(artifact)).introspect().checks}
    assert checks["model_file"].success is False and "OSError: weights missing" in checks["model_file"].message
    with pytest.raises(Exception, match="weights missing"):
        GenericModel.from_model_artifact(str(artifact), reload=True)


# -- ADS arguments Dockyard does not support are refused by name -----------------------------------

def test_unsupported_ads_arguments_are_refused_not_ignored(fitted, tmp_path):
    estimator, X, _ = fitted
    model = SklearnModel(estimator, artifact_dir=str(tmp_path / "a")).prepare(X_sample=X.head(5))
    with pytest.raises(NotImplementedError, match="input_stream_ids.*Where Dockyard differs from ADS"):
        model.deploy(input_stream_ids=["ocid1.stream.oc1..a"])
    with pytest.raises(NotImplementedError, match="image"):
        model.verify(image="cat.png")
    with pytest.raises(NotImplementedError, match="ONNX"):
        model.prepare(force_overwrite=True, impute_values={0: 1})
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        model.save(colour="blue")
    with pytest.raises(NotImplementedError, match="input_stream_ids"):
        model.deploy(input_stream_ids=["ocid1.stream..x"])


def test_upload_artifact_writes_the_zip_save_sends(fitted, tmp_path):
    import zipfile

    estimator, _, _ = fitted
    model = SklearnModel(estimator, artifact_dir=str(tmp_path / "a")).prepare()
    written = model.upload_artifact(str(tmp_path / "out") + "/")
    assert written == str(tmp_path / "out" / "artifact.zip")
    with zipfile.ZipFile(written) as archive:
        assert {"score.py", "runtime.yaml", "model.joblib", "model_artifact_manifest.json"} <= set(archive.namelist())
    with pytest.raises(FileExistsError, match="force_overwrite=True"):
        model.upload_artifact(str(tmp_path / "out") + "/")
    model.upload_artifact(str(tmp_path / "out") + "/", force_overwrite=True)
