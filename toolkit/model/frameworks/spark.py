"""Spark flavor: a fitted ``pyspark.ml`` PipelineModel, saved as the directory ``model`` (ADS's name).

score.py starts one local SparkSession (``local[*]``, no UI, bound to 127.0.0.1) in
``load_model()``, which runs once per server process, then loads the PipelineModel; each request
becomes a Spark DataFrame (from the same tabular forms every score.py takes: the ADS envelope,
records, columns) and the answer is the pipeline's ``prediction`` column. A JVM is needed where
the model is served: ``java`` on PATH for the process runtime, a base image with a JRE for Docker
(``DOCKYARD_JAVA_BASE_IMAGE``; see docs/frameworks/spark.md).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from toolkit.model.flavor import Flavor
from toolkit.model.generic import GenericModel

MODEL_DIR = "model"
PREDICTION_COLUMN = "prediction"


def local_session() -> Any:
    """This process's SparkSession, started the way score.py starts its own."""
    from toolkit.artifact.scorefile import loader_functions

    return loader_functions("loader_spark.tmpl", {"prediction_column": PREDICTION_COLUMN})["_spark"]()


class SparkPipelineFlavor(Flavor):
    name = "spark"
    framework = "pyspark"
    framework_distribution = "pyspark"
    loader_template = "loader_spark.tmpl"
    base_distributions = ("numpy", "pandas")  # pyspark's toPandas() needs pandas, and numpy explicitly
    estimator_packages = ("pyspark",)
    save_serializers = ("spark",)

    def serialization_format(self, estimator: Any) -> str:
        return "spark"

    def model_file_name(self, estimator: Any) -> str:
        return MODEL_DIR

    def serialize(self, estimator: Any, path: Path) -> None:
        estimator.write().overwrite().save(str(path))

    def template_values(self, estimator: Any) -> dict[str, str]:
        return {"prediction_column": PREDICTION_COLUMN}

    def load(self, path: Path, info: Any) -> Any:
        from pyspark.ml import PipelineModel

        local_session()
        return PipelineModel.load(str(path))

    def local_predict(self, estimator: Any, X: Any) -> Any:
        import pandas as pd

        frame = X if hasattr(X, "columns") else pd.DataFrame(X)
        result = estimator.transform(local_session().createDataFrame(frame))
        return result.select(PREDICTION_COLUMN).toPandas()[PREDICTION_COLUMN].to_numpy()

    def requirement_distributions(self, estimator: Any) -> list[str]:
        return [*self.base_distributions, "pyspark"]

    def hyperparameters(self, estimator: Any) -> dict | None:
        """Each stage's explicitly set parameters, keyed by the stage's class."""
        stages = getattr(estimator, "stages", None)
        if not stages:
            return None
        return {f"{i}:{type(stage).__name__}": {p.name: _plain(v) for p, v in stage.extractParamMap().items()
                                                 if stage.isSet(p)} for i, stage in enumerate(stages)}

    def use_case(self, estimator: Any) -> str | None:
        last = (getattr(estimator, "stages", None) or [None])[-1]
        classes = getattr(last, "numClasses", None)
        if isinstance(classes, int):
            return "binary_classification" if classes == 2 else "multinomial_classification"
        return None


def _plain(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)


class SparkPipelineModel(GenericModel):
    """A fitted ``pyspark.ml.PipelineModel`` (ADS ``SparkPipelineModel``)."""

    flavor_class = SparkPipelineFlavor
