"""Where a deployment's configuration keeps what: the SDK's three shapes read in one place.

A SINGLE_MODEL deployment (``SingleModelDeploymentConfigurationDetails``) names its model and its
infrastructure (shape, bandwidth, scaling policy) together in ``modelConfigurationDetails``; a
SINGLE_MODEL_FLEX one (``SingleModelDeploymentFlexConfigurationDetails``, what the oci CLI's
``create-model-deployment-single-model-deployment-flex-configuration-details`` sends) names its model
there and its infrastructure apart, in ``infrastructureConfigurationDetails``; a MODEL_GROUP deployment
(``ModelGroupDeploymentConfigurationDetails``) names its group in
``modelGroupConfigurationDetails`` and the infrastructure in ``infrastructureConfigurationDetails``
(``InstancePoolInfrastructureConfigurationDetails``). Readers of shape and scaling ask here.
"""
from __future__ import annotations

from typing import Any

from oci.data_science.models import ModelDeploymentConfigurationDetails as _Details

SINGLE_MODEL = _Details.DEPLOYMENT_TYPE_SINGLE_MODEL
MODEL_GROUP = _Details.DEPLOYMENT_TYPE_MODEL_GROUP
SINGLE_MODEL_FLEX = _Details.DEPLOYMENT_TYPE_SINGLE_MODEL_FLEX
MODEL_PART = "modelConfigurationDetails"
GROUP_PART = "modelGroupConfigurationDetails"
INFRASTRUCTURE_PART = "infrastructureConfigurationDetails"


def details(record: dict[str, Any]) -> dict[str, Any]:
    return record.get("modelDeploymentConfigurationDetails") or {}


def is_model_group(record: dict[str, Any]) -> bool:
    return details(record).get("deploymentType") == MODEL_GROUP


def has_separate_infrastructure(record: dict[str, Any]) -> bool:
    """MODEL_GROUP and SINGLE_MODEL_FLEX keep shape and scaling in ``infrastructureConfigurationDetails``."""
    return details(record).get("deploymentType") in (MODEL_GROUP, SINGLE_MODEL_FLEX)


def model_group_id(record: dict[str, Any]) -> str | None:
    """The model group a MODEL_GROUP deployment serves (None for a single model's)."""
    return (details(record).get(GROUP_PART) or {}).get("modelGroupId") if is_model_group(record) else None


def model_id(record: dict[str, Any]) -> str | None:
    """The model a SINGLE_MODEL deployment serves (None for a model group's)."""
    return (details(record).get(MODEL_PART) or {}).get("modelId")


def infrastructure(record: dict[str, Any]) -> dict[str, Any]:
    """The part holding ``instanceConfiguration``, ``bandwidthMbps`` and ``scalingPolicy``."""
    return details(record).get(INFRASTRUCTURE_PART if has_separate_infrastructure(record) else MODEL_PART) or {}
