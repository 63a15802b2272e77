"""SparkPipelineModel: a fitted Tokenizer -> HashingTF -> LogisticRegression pipeline on a few rows;
prepare -> verify -> save -> deploy (Docker on the JRE base image, and process) -> predict ->
from_model_catalog, equal predictions."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from fixtures import frameworks
from tests.frameworks.conftest import (IMAGE_BUILD_TIMEOUT, deployed,
                                      deployed_answer, loaded_from_catalog, saved_in_catalog)
from toolkit import GenericModel, SparkPipelineModel

# slow: a Spark driver trains the pipeline, and verify(), the process deployment and from_model_catalog each
# start a JVM of their own (a minute and more of the fast suite on 2 cores).
pytestmark = pytest.mark.slow

QUERIES = pd.DataFrame(frameworks.SPARK_QUERIES)
# Every JVM of this module (the tests' own, verify()'s, the deployments') starts with the client
# compiler only: a short-lived Spark driver starts in half the time. JAVA_TOOL_OPTIONS is the JDK's
# own variable, so score.py stays as users deploy it.
FAST_JVM = {"JAVA_TOOL_OPTIONS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"}


@pytest.fixture(scope="module", autouse=True)
def _installed(pyspark):
    """The dev extras install pyspark: a missing one fails these tests instead of skipping them
    (imported when a test of this module runs, not at collection: tests/conftest.py)."""


@pytest.fixture(scope="module", autouse=True)
def _fast_jvm():
    with pytest.MonkeyPatch.context() as mp:
        for name, value in FAST_JVM.items():
            mp.setenv(name, value)
        yield


@pytest.fixture(scope="module")
def pipeline_model(_fast_jvm):
    return frameworks.spark_pipeline()


def _prepared(fitted, directory) -> SparkPipelineModel:
    model = SparkPipelineModel(fitted, artifact_dir=str(directory))
    model.prepare(X_sample=QUERIES, force_overwrite=True)
    return model


def _in_memory(fitted):
    from toolkit.model.frameworks.spark import local_session

    result = fitted.transform(local_session().createDataFrame(QUERIES))
    return result.select("prediction").toPandas()["prediction"].tolist()


@pytest.fixture(scope="module")
def saved(emulator, pipeline_model, tmp_path_factory):
    return saved_in_catalog(emulator, lambda: _prepared(pipeline_model, tmp_path_factory.mktemp("spark")), QUERIES)


def test_prepare_writes_the_model_folder_with_pyspark_pins_and_taxonomy(saved):
    model, _ = saved
    assert model.model_file_name == "model" and (Path(model.artifact_dir) / "model" / "stages").is_dir()
    pins = {line.split("==")[0] for line in model.runtime_info.requirements}
    assert {"pyspark", "numpy", "pandas"} <= pins
    taxonomy = model.metadata_taxonomy
    assert taxonomy["Framework"].value == "pyspark" and taxonomy["Algorithm"].value == "PipelineModel"
    assert taxonomy["UseCaseType"].value == "binary_classification"
    assert taxonomy["Hyperparameters"].value["2:LogisticRegressionModel"]["maxIter"] == 10


def test_verify_answers_the_in_memory_prediction(saved, pipeline_model):
    _, answer = saved
    assert answer["prediction"] == _in_memory(pipeline_model) == [1.0, 0.0, answer["prediction"][2]]


def test_round_trip_on_the_process_runtime_with_records_too(saved):
    model, answer = saved
    with deployed(model, "process"):
        assert model.predict(QUERIES) == answer
        assert model.predict(QUERIES.to_dict(orient="records"), auto_serialize_data=False) == answer


@pytest.mark.docker
@pytest.mark.timeout(IMAGE_BUILD_TIMEOUT)
def test_round_trip_in_docker_on_the_java_base_image(saved, emulator):
    model, answer = saved
    assert deployed_answer(model, "docker", QUERIES, environment_variables=FAST_JVM) == answer


def test_from_model_catalog_gives_a_pipeline_model_that_predicts_the_same(saved, pipeline_model, tmp_path):
    from pyspark.ml import PipelineModel

    model, answer = saved
    loaded = loaded_from_catalog(model, tmp_path / "loaded")
    assert isinstance(loaded, SparkPipelineModel) and isinstance(loaded.estimator, PipelineModel)
    assert _in_memory(loaded.estimator) == answer["prediction"]
    assert isinstance(GenericModel.from_model_artifact(loaded.artifact_dir), SparkPipelineModel)


def test_a_pipeline_missing_a_stage_is_caught_by_introspection(pipeline_model, tmp_path):
    model = _prepared(pipeline_model, tmp_path / "broken")
    stages = sorted((tmp_path / "broken" / "model" / "stages").iterdir())
    shutil.rmtree(stages[-1])  # the defect: the fitted LogisticRegression's folder lost in a copy
    result = model.introspect()
    assert not result.passed
    failure = next(f for f in result.failures if f.key == "model_file")
    assert "model does not load" in failure.message
