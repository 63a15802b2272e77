"""The ADS API the parity test measures: what ADS's "Register, Manage, and Deploy Models" pages use.

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

# Model classes (the seed's Frameworks section) and the methods its pages call on them.
MODEL_CLASSES = (
    "GenericModel", "SklearnModel", "XGBoostModel", "LightGBMModel", "PyTorchModel",
    "TensorFlowModel", "SparkPipelineModel", "HuggingFacePipelineModel", "EmbeddingONNXModel",
)
MODEL_METHODS = (
    "__init__", "prepare", "verify", "introspect", "summary_status", "save", "upload_artifact",
    "prepare_save_deploy", "deploy", "predict", "update_deployment", "restart_deployment",
    "delete_deployment", "delete", "update", "populate_schema", "set_model_input_serializer",
    "set_model_save_serializer", "from_model_artifact", "from_model_catalog", "from_id",
    "from_model_deployment",
)
MODEL_ATTRIBUTES = ("metadata_taxonomy", "metadata_custom", "metadata_provenance", "schema_input",
                    "schema_output", "model_id", "model_deployment_id")

VERSION_SET_METHODS = (
    "__init__", "with_name", "with_description", "with_compartment_id", "with_project_id",
    "with_freeform_tags", "with_defined_tags", "create", "update", "delete", "from_id", "from_name",
    "list", "models", "model_add",
)

DEPLOYMENT_METHODS = (
    "with_display_name", "with_description", "with_freeform_tags", "with_defined_tags",
    "with_infrastructure", "with_runtime", "deploy", "predict", "logs", "show_logs", "watch",
    "update", "activate", "deactivate", "delete", "sync", "from_id", "list", "from_yaml",
    "to_yaml", "from_dict", "to_dict",
)
DEPLOYMENT_ATTRIBUTES = ("url", "model_deployment_id", "state", "status", "lifecycle_state",
                         "lifecycle_details", "display_name", "infrastructure", "runtime")
INFRASTRUCTURE_METHODS = (
    "with_compartment_id", "with_project_id", "with_shape_name", "with_shape_config_details",
    "with_replica", "with_bandwidth_mbps", "with_web_concurrency", "with_access_log",
    "with_predict_log", "with_log_group_id", "with_log_id", "with_subnet_id",
    "with_private_endpoint_id", "from_yaml", "to_yaml", "from_dict", "to_dict",
)
RUNTIME_METHODS = (
    "with_env", "with_deployment_mode", "with_model_uri", "with_region", "with_auth",
    "with_overwrite_existing_artifact", "with_remove_existing_artifact", "with_timeout",
    "with_bucket_uri", "from_yaml", "to_yaml", "from_dict", "to_dict",
)
CONTAINER_RUNTIME_METHODS = RUNTIME_METHODS + (
    "with_image", "with_image_digest", "with_entrypoint", "with_cmd", "with_server_port",
    "with_health_check_port", "with_inference_server",
)

DATASCIENCE_MODEL_METHODS = (
    "with_compartment_id", "with_project_id", "with_display_name", "with_description",
    "with_freeform_tags", "with_defined_tags", "with_artifact", "with_model_version_set_id",
    "with_version_label", "with_custom_metadata_list", "with_defined_metadata_list",
    "with_provenance_metadata", "with_input_schema", "with_output_schema", "create", "update",
    "delete", "sync", "list", "from_id", "download_artifact",
)

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

_ADS_MODULES = {
    "ModelVersionSet": "ads.model", "experiment": "ads.model", "DataScienceModel": "ads.model",
    "ModelDeployment": "ads.model.deployment", "ModelDeploymentInfrastructure": "ads.model.deployment",
    "ModelDeploymentContainerRuntime": "ads.model.deployment",
    "ModelDeploymentCondaRuntime": "ads.model.deployment",
    "ConsolidatedLog": "ads.common.oci_logging",
}


def _ads_module(name: str) -> str:
    if name in MODEL_CLASSES:
        return "ads.model"
    if name in METADATA_METHODS or name in METADATA_ENUMS:
        return "ads.model.model_metadata"
    if name in SCHEMA_METHODS:
        return "ads.feature_engineering.schema"
    return _ADS_MODULES[name]


def entries() -> list[dict]:
    """Every compared object: ``{"name", "ads", "toolkit", "kind"}`` (``name`` is the report's key)."""
    out: list[dict] = []

    def add(owner: str, member: str | None, kind: str, toolkit_owner: str | None = None) -> None:
        name = f"{owner}.{member}" if member else owner
        toolkit_name = f"{toolkit_owner or owner}.{member}" if member else (toolkit_owner or owner)
        out.append({"name": name, "kind": kind, "ads": f"{_ads_module(owner)}:{name}",
                    "toolkit": f"toolkit:{toolkit_name}"})

    for cls in MODEL_CLASSES:
        for method in MODEL_METHODS:
            add(cls, method, "call")
        for attribute in MODEL_ATTRIBUTES:
            add(cls, attribute, "attribute")
    for method in VERSION_SET_METHODS:
        add("ModelVersionSet", method, "call")
    add("experiment", None, "call")
    for method in DEPLOYMENT_METHODS:
        add("ModelDeployment", method, "call")
    for attribute in DEPLOYMENT_ATTRIBUTES:
        add("ModelDeployment", attribute, "attribute")
    for method in INFRASTRUCTURE_METHODS:
        add("ModelDeploymentInfrastructure", method, "call")
    for method in CONTAINER_RUNTIME_METHODS:
        add("ModelDeploymentContainerRuntime", method, "call")
    for method in RUNTIME_METHODS:
        add("ModelDeploymentCondaRuntime", method, "call")
    for method in DATASCIENCE_MODEL_METHODS:
        add("DataScienceModel", method, "call")
    for cls, methods in {**METADATA_METHODS, **SCHEMA_METHODS}.items():
        for method in methods:
            add(cls, method, "call")
    for enum in METADATA_ENUMS:
        add(enum, None, "members")
    for method in LOG_METHODS:  # ModelDeployment.logs() returns this object in ADS; ours is DeploymentLogs
        add("ConsolidatedLog", method, "call", toolkit_owner="DeploymentLogs")
    return out
