"""LightGBM flavor: joblib for the sklearn API (``model.joblib``), native text for a Booster (``model.txt``)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from toolkit.model.flavor import Flavor
from toolkit.model.generic import GenericModel


def _is_booster(estimator: Any) -> bool:
    return type(estimator).__module__.startswith("lightgbm.basic")


class LightGBMFlavor(Flavor):
    name = "lightgbm"
    framework = "lightgbm"
    framework_distribution = "lightgbm"
    loader_template = "loader_lightgbm.tmpl"
    estimator_packages = ("lightgbm",)
    base_distributions = ("numpy", "pandas", "joblib")
    save_serializers = ("lightgbm", "joblib")
    onnx_serializer = "lightgbm_onnx"  # ADS's name: prepare(as_onnx=True)

    def serialization_format(self, estimator: Any) -> str:
        """``lightgbm`` (the native text model) for a Booster, ``joblib`` for the sklearn API, unless
        ``model_save_serializer`` says (``lightgbm`` on an sklearn-API model writes its booster)."""
        if self.save_format == "joblib" and _is_booster(estimator):
            raise ValueError("A LightGBM Booster is saved in LightGBM's own format; use "
                             "model_save_serializer='lightgbm' (joblib is for the sklearn API).")
        return self.save_format or ("lightgbm" if _is_booster(estimator) else "joblib")

    def model_file_name(self, estimator: Any) -> str:
        return "model.txt" if self.serialization_format(estimator) == "lightgbm" else "model.joblib"

    def serialize(self, estimator: Any, path: Path) -> None:
        if self.serialization_format(estimator) == "lightgbm":
            (estimator if _is_booster(estimator) else estimator.booster_).save_model(str(path))
            return
        import joblib

        joblib.dump(estimator, path)

    def load(self, path: Path, info: Any) -> Any:
        if info.serialization_format == "lightgbm":
            import lightgbm

            return lightgbm.Booster(model_file=str(path))
        import joblib

        return joblib.load(path)

    def requirement_distributions(self, estimator: Any) -> list[str]:
        names = super().requirement_distributions(estimator)
        return names if self.serialization_format(estimator) == "lightgbm" else names + ["scikit-learn"]

    def to_onnx(self, estimator: Any, initial_types: Any, sample: Any) -> Any:
        """onnxmltools' LightGBM converter, with ``initial_types`` (default: a float tensor of the input's width)."""
        from onnxmltools import convert_lightgbm
        from onnxmltools.convert.common.data_types import FloatTensorType

        from toolkit.model.frameworks.onnx import float_input_types

        return convert_lightgbm(estimator, initial_types=float_input_types(estimator, sample, initial_types, FloatTensorType),
                                zipmap=False)

    def hyperparameters(self, estimator: Any) -> dict | None:
        if _is_booster(estimator):
            from toolkit.model.flavor import json_safe

            return json_safe(dict(getattr(estimator, "params", {}) or {})) or None
        return super().hyperparameters(estimator)


class LightGBMModel(GenericModel):
    """A LightGBM model: sklearn API (LGBMClassifier...) or a Booster (ADS ``LightGBMModel``)."""

    flavor_class = LightGBMFlavor
