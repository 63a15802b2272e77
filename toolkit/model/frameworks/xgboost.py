"""XGBoost flavor: the model's own JSON format (``model.json``), for the sklearn API and Boosters."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from toolkit.model.flavor import Flavor
from toolkit.model.generic import GenericModel


class XGBoostFlavor(Flavor):
    name = "xgboost"
    framework = "xgboost"
    framework_distribution = "xgboost"
    loader_template = "loader_xgboost.tmpl"
    estimator_packages = ("xgboost",)
    base_distributions = ("numpy", "pandas", "scikit-learn")  # xgboost's sklearn API needs scikit-learn
    save_serializers = ("xgboost",)
    onnx_serializer = "xgboost_onnx"  # ADS's name: prepare(as_onnx=True)

    def serialization_format(self, estimator: Any) -> str:
        return "xgboost"

    def model_file_name(self, estimator: Any) -> str:
        return "model.json"

    def serialize(self, estimator: Any, path: Path) -> None:
        estimator.save_model(str(path))

    def template_values(self, estimator: Any) -> dict[str, str]:
        """The xgboost class to rebuild on load: the estimator's own, if xgboost defines it."""
        import xgboost

        name = type(estimator).__name__
        return {"model_class": name if getattr(xgboost, name, None) is type(estimator) else "Booster"}

    def load(self, path: Path, info: Any) -> Any:
        import xgboost

        model = getattr(xgboost, info.loader_values.get("model_class") or "Booster")()
        model.load_model(str(path))
        return model

    def local_predict(self, estimator: Any, X: Any) -> Any:
        import xgboost

        if isinstance(estimator, xgboost.Booster):
            return estimator.predict(xgboost.DMatrix(X))
        return estimator.predict(X)

    def to_onnx(self, estimator: Any, initial_types: Any, sample: Any) -> Any:
        """onnxmltools' XGBoost converter, with ``initial_types`` (default: a float tensor of the input's width)."""
        from onnxmltools import convert_xgboost
        from onnxmltools.convert.common.data_types import FloatTensorType

        from toolkit.model.frameworks.onnx import float_input_types

        return convert_xgboost(estimator, initial_types=float_input_types(estimator, sample, initial_types, FloatTensorType))

    def hyperparameters(self, estimator: Any) -> dict | None:
        """The parameters set on an sklearn-API model; a Booster's full config is too large to record."""
        params = super().hyperparameters(estimator)
        return {k: v for k, v in params.items() if v is not None} if params else None


class XGBoostModel(GenericModel):
    """An XGBoost model: sklearn API (XGBClassifier, XGBRegressor...) or a Booster (ADS ``XGBoostModel``)."""

    flavor_class = XGBoostFlavor
