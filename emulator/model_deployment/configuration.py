"""Where a deployment's configuration keeps what: the SDK's two shapes read in one place.

A SINGLE_MODEL deployment (``SingleModelDeploymentConfigurationDetails``) names its model and its
infrastructure (shape, bandwidth, scaling policy) together in ``modelConfigurationDetails``; a
MODEL_GROUP deployment (``ModelGroupDeploymentConfigurationDetails``) names its group in
``modelGroupConfigurationDetails`` and the infrastructure in ``infrastructureConfigurationDetails``
(``InstancePoolInfrastructureConfigurationDetails``). Readers of shape and scaling ask here.
"""
from __future__ import annotations

from typing import Any

from oci.data_science.models import ModelDeploymentConfigurationDetails as _Details

SINGLE_MODEL = _Details.DEPLOYMENT_TYPE_SINGLE_MODEL
MODEL_GROUP = _Details.DEPLOYMENT_TYPE_MODEL_GROUP
MODEL_PART = "modelConfigurationDetails"
GROUP_PART = "modelGroupConfigurationDetails"
INFRASTRUCTURE_PART = "infrastructureConfigurationDetails"


def details(record: dict[str, Any]) -> dict[str, Any]:
    return record.get("modelDeploymentConfigurationDetails") or {}


def is_model_group(record: dict[str, Any]) -> bool:
    return details(record).get("deploymentType") == MODEL_GROUP


def model_group_id(record: dict[str, Any]) -> str | None:
    """The model group a MODEL_GROUP deployment serves (None for a single model's)."""
    return (details(record).get(GROUP_PART) or {}).get("modelGroupId") if is_model_group(record) else None


def model_id(record: dict[str, Any]) -> str | None:
    """The model a SINGLE_MODEL deployment serves (None for a model group's)."""
    return (details(record).get(MODEL_PART) or {}).get("modelId")


def infrastructure(record: dict[str, Any]) -> dict[str, Any]:
    """The part holding ``instanceConfiguration``, ``bandwidthMbps`` and ``scalingPolicy``."""
    return details(record).get(INFRASTRUCTURE_PART if is_model_group(record) else MODEL_PART) or {}
