"""The metadata a model gets without being told: taxonomy from its estimator and flavor, ADS's custom
keys from its runtime.yaml. Filled in by prepare() and again when a model is loaded from an artifact,
checked against the catalog's limits (``validate_size``) before anything is sent.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

from emulator.contracts.limits import METADATA_VALUE_CHARS
from toolkit.artifact import runtime as runtime_yaml
from toolkit.model.metadata import validate_size


def populate_metadata(model: Any, use_case_type: str | None) -> None:
    """Taxonomy from the estimator, the ADS custom keys from runtime.yaml; limits checked."""
    estimator, flavor, info = model.estimator, model.flavor, model.runtime_info
    hyperparameters = flavor.hyperparameters(estimator)
    if hyperparameters is not None and len(json.dumps(hyperparameters)) > METADATA_VALUE_CHARS:
        warnings.warn("Hyperparameters exceed the catalog's metadata limit and are not recorded.", stacklevel=4)
        hyperparameters = None
    taxonomy = model.metadata_taxonomy
    taxonomy.set("UseCaseType", use_case_type or taxonomy["UseCaseType"].value or flavor.use_case(estimator))
    taxonomy.set("Framework", flavor.framework)
    taxonomy.set("FrameworkVersion", flavor.framework_version())
    taxonomy.set("Algorithm", flavor.algorithm(estimator))
    taxonomy.set("Hyperparameters", hyperparameters)
    if info is not None:
        _populate_custom(model, info)
    validate_size(taxonomy, model.metadata_custom)


def _populate_custom(model: Any, info: runtime_yaml.RuntimeInfo) -> None:
    env = info.inference_env
    root = Path(model.artifact_dir)
    files = sorted(p.name for p in root.iterdir()) if root.is_dir() else []
    entries = [
        ("SlugName", env.slug, "The slug name of the inference conda environment", "Training Environment"),
        ("CondaEnvironment", env.slug, "The inference conda environment", "Training Environment"),
        ("CondaEnvironmentPath", env.path, "The oci:// path of the inference conda environment", "Training Environment"),
        ("EnvironmentType", env.type, "The inference conda environment type", "Training Environment"),
        ("ModelSerializationFormat", info.serialization_format, "How the model file is serialized", "Training Environment"),
        ("ClientLibrary", "Dockyard", "The client library that prepared the artifact", "Other"),
        ("ModelFileName", info.model_file, "The model file in the artifact", "Other"),
        ("ModelArtifacts", ", ".join(files), "The files of the model artifact", "Training Environment"),
    ]
    for key, value, description, category in entries:
        if value:
            model.metadata_custom.add(key, value, description, category, replace=True)
