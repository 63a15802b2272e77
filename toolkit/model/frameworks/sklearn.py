"""scikit-learn flavor: joblib to ``model.joblib`` (or cloudpickle to ``model.pkl`` on request)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from toolkit.model.flavor import Flavor
from toolkit.model.generic import GenericModel


class SklearnFlavor(Flavor):
    name = "sklearn"
    framework = "scikit-learn"
    framework_distribution = "scikit-learn"
    loader_template = "loader_sklearn.tmpl"
    estimator_packages = ("sklearn",)
    base_distributions = ("numpy", "pandas", "joblib")
    save_serializers = ("joblib", "cloudpickle")
    onnx_serializer = "sklearn_onnx"  # ADS's name: prepare(as_onnx=True)

    def serialization_format(self, estimator: Any) -> str:
        return self.save_format or "joblib"

    def model_file_name(self, estimator: Any) -> str:
        return "model.pkl" if self.serialization_format(estimator) == "cloudpickle" else "model.joblib"

    def serialize(self, estimator: Any, path: Path) -> None:
        if self.serialization_format(estimator) == "cloudpickle":
            return super().serialize(estimator, path)
        import joblib

        joblib.dump(estimator, path)

    def load(self, path: Path, info: Any) -> Any:
        if info.serialization_format == "cloudpickle":
            return super().load(path, info)
        import joblib

        return joblib.load(path)

    def requirement_distributions(self, estimator: Any) -> list[str]:
        names = super().requirement_distributions(estimator)
        if self.serialization_format(estimator) == "cloudpickle":
            names.append("cloudpickle")
        return names

    def to_onnx(self, estimator: Any, initial_types: Any, sample: Any) -> Any:
        """skl2onnx, with ``initial_types`` (default: one float tensor as wide as the fitted input)."""
        from skl2onnx import convert_sklearn

        from toolkit.model.frameworks.onnx import float_input_types

        return convert_sklearn(estimator, initial_types=float_input_types(estimator, sample, initial_types))

    def algorithm(self, estimator: Any) -> str | None:
        steps = getattr(estimator, "steps", None)  # a Pipeline is named after its final estimator
        return type(steps[-1][1]).__name__ if steps else super().algorithm(estimator)


class SklearnModel(GenericModel):
    """A scikit-learn estimator or Pipeline (ADS ``SklearnModel``)."""

    flavor_class = SklearnFlavor
