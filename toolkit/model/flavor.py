"""The flavor contract: what a framework must say about its models, and the generic (cloudpickle) one.

A flavor answers, for one framework: how the estimator is written to and read from the model file,
which score.py loader snippet serves it, which pip distributions the deployment needs, and the
taxonomy defaults (Framework, FrameworkVersion, Algorithm, Hyperparameters, UseCaseType).
``GenericModel`` runs the workflow once and asks its flavor for these answers, so adding a
framework is adding one module under ``toolkit/model/frameworks/``.
"""
from __future__ import annotations

import importlib
import importlib.metadata
import json
from pathlib import Path
from typing import Any

# Flavor name (as written to runtime.yaml) -> module that defines its model class.
FLAVOR_MODULES = {
    "generic": "toolkit.model.generic",
    "sklearn": "toolkit.model.frameworks.sklearn",
    "xgboost": "toolkit.model.frameworks.xgboost",
    "lightgbm": "toolkit.model.frameworks.lightgbm",
    "pytorch": "toolkit.model.frameworks.pytorch",
    "tensorflow": "toolkit.model.frameworks.tensorflow",
    "huggingface": "toolkit.model.frameworks.huggingface",
    "spark": "toolkit.model.frameworks.spark",
    "embedding_onnx": "toolkit.model.frameworks.embedding_onnx",
}
MODEL_CLASS_NAMES = {
    "generic": "GenericModel",
    "sklearn": "SklearnModel",
    "xgboost": "XGBoostModel",
    "lightgbm": "LightGBMModel",
    "pytorch": "PyTorchModel",
    "tensorflow": "TensorFlowModel",
    "huggingface": "HuggingFacePipelineModel",
    "spark": "SparkPipelineModel",
    "embedding_onnx": "EmbeddingONNXModel",
}
ONNX = "onnx"  # the serialization format of prepare(as_onnx=True), whatever the flavor
ONNX_NATIVE_FLAVORS = {"embedding_onnx"}  # flavors whose own model file is ONNX: their loader is their own


def loader_template_for(flavor_name: str, serialization_format: str) -> str:
    """The score.py loader snippet of an artifact: ONNX files share one, else the flavor's own."""
    exported = serialization_format == ONNX and flavor_name not in ONNX_NATIVE_FLAVORS
    return "loader_onnx.tmpl" if exported else f"loader_{flavor_name}.tmpl"


def flavors_supporting(estimator: Any) -> list[str]:
    """The framework flavors (not ``generic``, which takes anything) whose model class takes ``estimator``."""
    return [name for name in FLAVOR_MODULES
            if name != "generic" and model_class_for(name).flavor_class().supports(estimator)]


def model_class_for(flavor_name: str) -> type:
    """The model class of a flavor, imported only now (keeps frameworks lazy)."""
    if flavor_name not in FLAVOR_MODULES:
        known = ", ".join(sorted(FLAVOR_MODULES))
        raise ValueError(f"Unknown model flavor {flavor_name!r}; known flavors: {known}.")
    module = importlib.import_module(FLAVOR_MODULES[flavor_name])
    return getattr(module, MODEL_CLASS_NAMES[flavor_name])


class Flavor:
    """Generic flavor: any object with ``.predict()``, serialized with cloudpickle to ``model.pkl``."""

    name = "generic"
    framework = "other"  # ADS taxonomy Framework value
    framework_distribution: str | None = None  # pip distribution whose version is FrameworkVersion
    loader_template = "loader_generic.tmpl"
    score_template = "score.tmpl"  # the skeleton around the loader: tabular requests -> {'prediction': ...}
    base_distributions: tuple[str, ...] = ("numpy", "pandas", "cloudpickle")
    # Top-level packages a supported estimator's class (or one of its bases) comes from; empty: any.
    estimator_packages: tuple[str, ...] = ()
    save_serializers: tuple[str, ...] = ("cloudpickle",)  # ADS's model_save_serializer names this flavor writes
    prepare_options: tuple[str, ...] = ()  # framework keywords prepare() takes (PyTorchModel's use_torch_script)
    serves_user_files = False  # serialize=False still means this flavor's loader (the user's files are its format)
    onnx_serializer: str | None = None  # ADS's ONNX model_save_serializer name, for flavors with a converter

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.save_format: str | None = None  # a model_save_serializer name chosen by the user

    def supports(self, estimator: Any) -> bool:
        """Whether this flavor can write ``estimator`` (ADS refuses a model of another framework too)."""
        if estimator is None or not self.estimator_packages:
            return True
        return any(cls.__module__.split(".")[0] in self.estimator_packages for cls in type(estimator).__mro__)

    # -- serialization -------------------------------------------------------------------------
    def serialization_format(self, estimator: Any) -> str:
        return self.save_format or "cloudpickle"

    def model_file_name(self, estimator: Any) -> str:
        return "model.pkl"

    def name_model_file(self, model_file_name: str | None) -> None:
        """The ``model_file_name`` given to prepare() (None: the default), before anything is written;
        a flavor whose format follows the name (TensorFlow's) keeps it."""

    def serialize(self, estimator: Any, path: Path) -> None:
        """Write ``estimator`` to ``path`` (the flavor's model file)."""
        import cloudpickle

        with open(path, "wb") as f:
            cloudpickle.dump(estimator, f)

    def load(self, path: Path, info: Any) -> Any:
        """Read the model file back in this process (``from_model_artifact``); ``info`` is the RuntimeInfo."""
        import cloudpickle

        with open(path, "rb") as f:
            return cloudpickle.load(f)

    def local_predict(self, estimator: Any, X: Any) -> Any:
        """Predict in this process (for the output schema when no y_sample is given)."""
        return estimator.predict(X)

    def extra_files(self, estimator: Any) -> dict[str, Any]:
        """Files beside the model file the loader needs (name -> writer); none by default."""
        return {}

    def template_values(self, estimator: Any) -> dict[str, str]:
        """Extra ``$name`` substitutions for this flavor's loader snippet."""
        return {}

    # -- ONNX ----------------------------------------------------------------------------------
    def to_onnx(self, estimator: Any, initial_types: Any, sample: Any) -> Any:
        """The estimator converted to an ``onnx.ModelProto``; flavors with a converter override this."""
        raise NotImplementedError(
            f"{self.name} models have no ONNX converter in Dockyard; prepare the native model (as_onnx=False).")

    def for_format(self, serialization_format: str | None, **options: Any) -> "Flavor":
        """The flavor that writes and reads ``serialization_format``: this one, or its ONNX export
        (``prepare(as_onnx=True)``, or an artifact whose runtime.yaml says ``onnx``)."""
        if serialization_format != ONNX or self.name in ONNX_NATIVE_FLAVORS:
            return self
        return OnnxExport(self, **options)

    def native(self) -> "Flavor":
        """The framework's own flavor (an ONNX export answers the flavor it exports)."""
        return self

    # -- environment -----------------------------------------------------------------------------
    def requirement_distributions(self, estimator: Any) -> list[str]:
        """Distributions the deployment image needs: ours plus the package the estimator comes from."""
        names = list(self.base_distributions)
        if self.framework_distribution:
            names.append(self.framework_distribution)
        names.extend(distributions_of(estimator))
        return names

    # -- taxonomy ------------------------------------------------------------------------------
    def framework_version(self) -> str | None:
        if not self.framework_distribution:
            return None
        try:
            return importlib.metadata.version(self.framework_distribution)
        except importlib.metadata.PackageNotFoundError:
            return None

    def algorithm(self, estimator: Any) -> str | None:
        return None if estimator is None else type(estimator).__name__

    def hyperparameters(self, estimator: Any) -> dict | None:
        get_params = getattr(estimator, "get_params", None)
        if not callable(get_params):
            return None
        try:
            return json_safe(get_params(deep=False))
        except Exception:  # a foreign get_params signature is not worth failing prepare for
            return None

    def use_case(self, estimator: Any) -> str | None:
        """Best guess of the ADS UseCaseType; None when the model does not tell."""
        classes = getattr(estimator, "classes_", None)
        if classes is not None:
            return "binary_classification" if len(classes) == 2 else "multinomial_classification"
        if getattr(estimator, "_estimator_type", None) == "regressor":
            return "regression"
        return None


def distributions_of(obj: Any) -> list[str]:
    """pip distributions providing the top-level package an object's class comes from."""
    if obj is None:
        return []
    root = type(obj).__module__.split(".")[0]
    if root in ("builtins", "__main__", "toolkit"):
        return []
    return list(importlib.metadata.packages_distributions().get(root, []))


def json_safe(value: Any) -> Any:
    """Round-trip through JSON, rendering what JSON cannot hold (objects, NaN types) as text."""
    return json.loads(json.dumps(value, default=repr))


# -- the ONNX export of any flavor -------------------------------------------------------------------
# prepare(as_onnx=True) writes model.onnx, served by onnxruntime. ``OnnxExport`` wraps the framework's
# own flavor: the taxonomy (Framework, Algorithm, Hyperparameters...) stays the framework's, while the
# model file, its loader and the deployment's requirements become ONNX's, so an sklearn model exported
# to ONNX deploys without scikit-learn. Loading and predicting here execute the very loader snippet
# score.py serves (``loader_onnx.tmpl``), so a local prediction is the deployment's. It lives beside
# ``Flavor`` because ``Flavor.for_format`` makes it: one module, no import circle.

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


def _is_session(estimator: Any) -> bool:
    return type(estimator).__name__ == "InferenceSession" and type(estimator).__module__.startswith("onnxruntime")


def _is_proto(estimator: Any) -> bool:
    return type(estimator).__name__ == "ModelProto" and type(estimator).__module__.startswith("onnx")
