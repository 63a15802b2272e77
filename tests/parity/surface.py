"""The ADS API the parity test measures.

Two parts: the model, catalog and deployment classes in ``DISCOVERED_CLASSES``, whose every public
member (and constructor) ADS's own venv lists (``dump_signatures.discovered_entries``), and a
hand-listed part (metadata and schema classes, their enums, logs, ``experiment``: what ADS's
"Register, Manage, and Deploy Models" pages use of them).

Each entry names an object in ``oracle-ads`` (``module:Qualified.name``) and says what to compare:

- ``call``: a function, method or constructor; every parameter ADS declares, plus the keyword
  arguments its docstring documents under ``kwargs``, must be a named parameter of the toolkit's
  counterpart (``inspect.signature``; swallowing it in ``**kwargs`` does not count).
- ``members``: an enum-like class; every member name ADS defines must exist.
- ``attribute``: a property or attribute; it must exist on the toolkit's class (a property, a class
  attribute, or an instance attribute the class declares with an annotation).

The toolkit's counterpart of ``ads.x:Name.attr`` is ``toolkit:Name.attr`` (the public API is
importable from the top of the package). Standard library only: ``dump_signatures.py`` imports this
file in ADS's own venv too.
"""
from __future__ import annotations

# Classes whose whole public surface is measured: every public name ADS's class has (its own and
# inherited: methods, ``with_*`` builders, properties, class attributes) and its constructor, listed
# by ``dump_signatures.py`` in ADS's venv. Names Dockyard leaves out on purpose are excluded in
# differences.yaml, with the reason.
DISCOVERED_CLASSES = {
    "GenericModel": "ads.model", "SklearnModel": "ads.model", "XGBoostModel": "ads.model",
    "LightGBMModel": "ads.model", "PyTorchModel": "ads.model", "TensorFlowModel": "ads.model",
    "SparkPipelineModel": "ads.model", "HuggingFacePipelineModel": "ads.model", "EmbeddingONNXModel": "ads.model",
    "DataScienceModel": "ads.model", "DataScienceModelGroup": "ads.model.datascience_model_group",
    "ModelVersionSet": "ads.model",
    "ModelDeployment": "ads.model.deployment", "ModelDeploymentInfrastructure": "ads.model.deployment",
    "ModelDeploymentContainerRuntime": "ads.model.deployment", "ModelDeploymentCondaRuntime": "ads.model.deployment",
}

METADATA_METHODS = {
    "ModelCustomMetadata": ("add", "get", "remove", "keys", "to_dataframe", "to_dict", "to_json_file",
                            "set_training_data", "set_validation_data"),
    "ModelTaxonomyMetadata": ("get", "keys", "to_dataframe", "to_dict", "to_json_file"),
    "ModelCustomMetadataItem": ("__init__", "update", "to_dict", "to_json_file"),
    "ModelTaxonomyMetadataItem": ("__init__", "update", "to_dict", "to_json_file"),
}
METADATA_ENUMS = ("UseCaseType", "Framework", "MetadataCustomCategory", "MetadataTaxonomyKeys",
                  "MetadataCustomKeys")

SCHEMA_METHODS = {
    "Schema": ("__getitem__", "keys", "add", "from_file", "from_json", "from_dict", "to_dict", "to_json",
               "to_yaml", "to_json_file"),
    "Expression": ("__init__", "evaluate"),
    "Attribute": ("__init__",),
    "Domain": ("__init__",),
}

LOG_METHODS = ("head", "tail")

_ADS_MODULES = {"experiment": "ads.model", "ConsolidatedLog": "ads.common.oci_logging", **DISCOVERED_CLASSES}


def _ads_module(name: str) -> str:
    if name in METADATA_METHODS or name in METADATA_ENUMS:
        return "ads.model.model_metadata"
    if name in SCHEMA_METHODS:
        return "ads.feature_engineering.schema"
    return _ADS_MODULES[name]


def entry(owner: str, member: str | None, kind: str, toolkit_owner: str | None = None) -> dict:
    """One compared object: ``{"name", "ads", "toolkit", "kind"}`` (``name`` is the report's key)."""
    name = f"{owner}.{member}" if member else owner
    toolkit_name = f"{toolkit_owner or owner}.{member}" if member else (toolkit_owner or owner)
    return {"name": name, "kind": kind, "ads": f"{_ads_module(owner)}:{name}", "toolkit": f"toolkit:{toolkit_name}"}


def listed_entries() -> list[dict]:
    """The hand-listed part of the surface: the metadata and schema classes, their enums, logs and
    ``experiment`` (the classes in ``DISCOVERED_CLASSES`` are listed from ADS itself)."""
    out = [entry("experiment", None, "call")]
    for cls, methods in {**METADATA_METHODS, **SCHEMA_METHODS}.items():
        out += [entry(cls, method, "call") for method in methods]
    out += [entry(enum, None, "members") for enum in METADATA_ENUMS]
    # ModelDeployment.logs() returns this object in ADS; ours is DeploymentLogs
    out += [entry("ConsolidatedLog", method, "call", toolkit_owner="DeploymentLogs") for method in LOG_METHODS]
    return out
