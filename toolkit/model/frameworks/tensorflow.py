"""TensorFlow flavor: a Keras model as ``model.h5`` (ADS's default), ``model.keras``, or a SavedModel directory.

The format follows the model file name given to ``prepare(model_file_name=...)``: ``.h5`` (HDF5,
what ADS writes), ``.keras`` (Keras' own zip format), or a name without a suffix, which becomes a
SavedModel directory (``model.export``) served through its ``serve`` endpoint. score.py loads
the first two with ``keras.models.load_model`` and the third with ``tf.saved_model.load``.
"""
from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any

from toolkit.model.flavor import Flavor
from toolkit.model.generic import GenericModel

DEFAULT_FILE = "model.h5"
SAVED_MODEL = "saved_model"
FORMATS = {".h5": "h5", ".keras": "keras"}  # any other name: a SavedModel directory


def format_of(model_file_name: str) -> str:
    return FORMATS.get(Path(model_file_name).suffix.lower(), SAVED_MODEL)


def tensorflow_distribution() -> str:
    """The installed distribution providing ``tensorflow`` (``tensorflow-cpu`` or ``tensorflow``)."""
    for name in ("tensorflow-cpu", "tensorflow"):
        try:
            importlib.metadata.version(name)
            return name
        except importlib.metadata.PackageNotFoundError:
            continue
    return "tensorflow-cpu"


class TensorFlowFlavor(Flavor):
    name = "tensorflow"
    framework = "tensorflow"
    loader_template = "loader_tensorflow.tmpl"
    base_distributions = ("numpy", "pandas")
    estimator_packages = ("keras", "tensorflow", "tf_keras")
    save_serializers = ("tf",)  # ADS's name; the file name picks .h5, .keras or a SavedModel directory

    @property
    def framework_distribution(self) -> str:  # type: ignore[override]
        return tensorflow_distribution()

    def name_model_file(self, model_file_name: str | None) -> None:
        """The format follows the name prepare() is given (.h5, .keras, or a SavedModel directory)."""
        self.options["model_file_name"] = model_file_name

    def model_file_name(self, estimator: Any) -> str:
        return self.options.get("model_file_name") or DEFAULT_FILE

    def serialization_format(self, estimator: Any) -> str:
        return format_of(self.model_file_name(estimator))

    def serialize(self, estimator: Any, path: Path) -> None:
        if format_of(path.name) == SAVED_MODEL:
            estimator.export(str(path), verbose=False)
        else:
            estimator.save(str(path))

    def load(self, path: Path, info: Any) -> Any:
        if info.serialization_format == SAVED_MODEL:
            import tensorflow as tf

            return tf.saved_model.load(str(path))
        import keras

        return keras.models.load_model(str(path), compile=False)

    def local_predict(self, estimator: Any, X: Any) -> Any:
        import numpy as np

        features = np.asarray(X.to_numpy() if hasattr(X, "to_numpy") else X, dtype=np.float32)
        if hasattr(estimator, "predict"):
            return estimator.predict(features, verbose=0)
        return estimator.serve(features).numpy()  # a SavedModel loaded back

    def requirement_distributions(self, estimator: Any) -> list[str]:
        """numpy, pandas, TensorFlow itself and Keras (pinned: a .keras file names the Keras that wrote it)."""
        names = [*self.base_distributions, tensorflow_distribution()]
        try:
            importlib.metadata.version("keras")
            names.append("keras")
        except importlib.metadata.PackageNotFoundError:
            pass
        if self.serialization_format(estimator) == "h5":
            names.append("h5py")
        return names

    def hyperparameters(self, estimator: Any) -> dict | None:
        return None  # as ADS: a network's configuration is its architecture, not hyperparameters

    def use_case(self, estimator: Any) -> str | None:
        return None


class TensorFlowModel(GenericModel):
    """A Keras model (``tf.keras``/Keras 3 on TensorFlow), ADS ``TensorFlowModel``.

    ``prepare(model_file_name="model.keras")`` for the Keras format, a name without a suffix
    (``"saved_model"``) for a SavedModel directory; the default is ``model.h5``.
    """

    flavor_class = TensorFlowFlavor
