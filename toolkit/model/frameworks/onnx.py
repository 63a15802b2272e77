"""ONNX export of a framework flavor: ``prepare(as_onnx=True)`` writes ``model.onnx``, served by onnxruntime.

``OnnxExport`` wraps the framework's own flavor: the taxonomy (Framework, Algorithm,
Hyperparameters...) stays the framework's, while the model file, its loader, and the deployment's
requirements become ONNX's. The image then needs onnxruntime and numpy, not the framework: an
sklearn model exported to ONNX deploys without scikit-learn. The converter is the framework
flavor's ``to_onnx`` (skl2onnx for scikit-learn, onnxmltools for XGBoost and LightGBM,
``torch.onnx`` for PyTorch); a flavor without one refuses ``as_onnx`` before anything is written.

Loading and predicting in this process execute the very loader snippet score.py serves
(``loader_onnx.tmpl``), so a local prediction is the deployment's.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from toolkit.model.flavor import ONNX, Flavor

MODEL_FILE = "model.onnx"
LOADER = "loader_onnx.tmpl"


class OnnxExport(Flavor):
    """The ONNX form of a framework flavor (same name in runtime.yaml, format ``onnx``)."""

    loader_template = LOADER
    base_distributions = ("numpy", "pandas", "onnxruntime")

    def __init__(self, native: Flavor, initial_types: Any = None, sample: Any = None, convert: bool = False) -> None:
        super().__init__(**native.options)
        if convert and type(native).to_onnx is Flavor.to_onnx:
            native.to_onnx(None, None, None)  # raises: this framework has no converter (nothing written yet)
        self._native = native
        self.initial_types = initial_types
        self.sample = sample
        self.name = native.name
        self.framework = native.framework
        self.framework_distribution = native.framework_distribution

    def native(self) -> Flavor:
        return self._native

    # -- serialization -------------------------------------------------------------------------
    def serialization_format(self, estimator: Any) -> str:
        return ONNX

    def model_file_name(self, estimator: Any) -> str:
        return MODEL_FILE

    def serialize(self, estimator: Any, path: Path) -> None:
        if _is_session(estimator):
            raise NotImplementedError(
                "This model was loaded from model.onnx as an onnxruntime session, which cannot be written "
                "back; copy the artifact's model.onnx instead, or prepare the framework model.")
        proto = estimator if _is_proto(estimator) else self._native.to_onnx(estimator, self.initial_types,
                                                                            self.sample)
        Path(path).write_bytes(proto.SerializeToString())

    def load(self, path: Path, info: Any) -> Any:
        return served(LOADER)["_load_model_file"](str(path))

    def local_predict(self, estimator: Any, X: Any) -> Any:
        if _is_session(estimator):
            return served(LOADER)["_predict"](estimator, X)
        return self._native.local_predict(estimator, X)

    # -- environment and taxonomy: onnxruntime serves it; the framework describes it -------------
    def requirement_distributions(self, estimator: Any) -> list[str]:
        return list(self.base_distributions)

    def framework_version(self) -> str | None:
        return self._native.framework_version()

    def algorithm(self, estimator: Any) -> str | None:
        return "onnx" if _is_session(estimator) else self._native.algorithm(estimator)

    def hyperparameters(self, estimator: Any) -> dict | None:
        return None if _is_session(estimator) else self._native.hyperparameters(estimator)

    def use_case(self, estimator: Any) -> str | None:
        return None if _is_session(estimator) else self._native.use_case(estimator)


def served(loader_template: str, values: dict[str, str] | None = None) -> dict[str, Any]:
    """The functions of a served loader snippet (see ``toolkit.artifact.scorefile.loader_functions``)."""
    from toolkit.artifact.scorefile import loader_functions

    return loader_functions(loader_template, values or {}, serialization_format=ONNX)


def float_input_types(estimator: Any, sample: Any, initial_types: Any, tensor_type: Any = None) -> list:
    """skl2onnx/onnxmltools ``initial_types``: the user's, else one float tensor as wide as the model's input.

    ``tensor_type`` is the converter's own ``FloatTensorType`` (onnxmltools checks for its class;
    skl2onnx's by default).
    """
    if initial_types is not None:
        return list(initial_types)
    width = _input_width(estimator, sample)
    if width is None:
        raise ValueError("ONNX conversion needs the input's width: pass X_sample=... or initial_types="
                         "[('input', FloatTensorType([None, n_features]))] to prepare().")
    if tensor_type is None:
        from skl2onnx.common.data_types import FloatTensorType as tensor_type
    return [("input", tensor_type([None, width]))]


def _input_width(estimator: Any, sample: Any) -> int | None:
    for attribute in ("n_features_in_", "n_features_"):
        width = getattr(estimator, attribute, None)
        if isinstance(width, int):
            return width
    if sample is not None:
        import numpy as np

        array = np.asarray(sample.to_numpy() if hasattr(sample, "to_numpy") else sample)
        return int(array.shape[1]) if array.ndim == 2 else None
    return None


def _is_session(estimator: Any) -> bool:
    return type(estimator).__name__ == "InferenceSession" and type(estimator).__module__.startswith("onnxruntime")


def _is_proto(estimator: Any) -> bool:
    return type(estimator).__name__ == "ModelProto" and type(estimator).__module__.startswith("onnx")
