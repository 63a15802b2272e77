"""Dockyard toolkit: the OCI Data Science model workflow (ADS-style), offline or in the cloud.

Public names load lazily so that ``import toolkit`` never imports torch, xgboost, lightgbm,
TensorFlow, transformers, pyspark or onnxruntime; a framework is imported only when its model
class is first used (and, within it, only when a model of that kind is serialized or loaded).
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_METADATA = ("UseCaseType", "Framework", "FrameWork", "MetadataCustomCategory", "MetadataTaxonomyKeys",
             "MetadataCustomKeys", "ModelCustomMetadata", "ModelTaxonomyMetadata", "ModelCustomMetadataItem",
             "ModelTaxonomyMetadataItem", "ModelProvenanceMetadata")
_EXPORTS = {
    "GenericModel": "toolkit.model.generic",
    "ModelProperties": "toolkit.model.generic",
    "SklearnModel": "toolkit.model.frameworks.sklearn",
    "XGBoostModel": "toolkit.model.frameworks.xgboost",
    "LightGBMModel": "toolkit.model.frameworks.lightgbm",
    "PyTorchModel": "toolkit.model.frameworks.pytorch",
    "TensorFlowModel": "toolkit.model.frameworks.tensorflow",
    "HuggingFacePipelineModel": "toolkit.model.frameworks.huggingface",
    "SparkPipelineModel": "toolkit.model.frameworks.spark",
    "EmbeddingONNXModel": "toolkit.model.frameworks.embedding_onnx",
    "ModelDeployment": "toolkit.deployment",
    "ModelDeploymentInfrastructure": "toolkit.deployment.spec",
    "ModelDeploymentContainerRuntime": "toolkit.deployment.spec",
    "ModelDeploymentCondaRuntime": "toolkit.deployment.spec",
    "DeploymentLogs": "toolkit.deployment.logs",
    "ModelVersionSet": "toolkit.catalog.version_set",
    "experiment": "toolkit.catalog.version_set",
    "DataScienceModel": "toolkit.catalog.datascience_model",
    "DataScienceModelGroup": "toolkit.catalog.model_group",
    "Schema": "toolkit.artifact.schema",
    "Attribute": "toolkit.artifact.schema",
    "Domain": "toolkit.artifact.schema",
    "Expression": "toolkit.artifact.expression",
    "mock_datascience": "toolkit.testing.mock",
    "connect_ads": "toolkit.ads_connect",
    "pull": "toolkit.promote",
    **{name: "toolkit.model.metadata" for name in _METADATA},
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'toolkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
