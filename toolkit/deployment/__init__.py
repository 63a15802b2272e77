"""Model deployments through the official ``oci`` SDK, as ADS's ``ads.model.deployment`` offers them.

- ``spec``: the builders (``ModelDeploymentInfrastructure``, ``ModelDeploymentCondaRuntime``,
  ``ModelDeploymentContainerRuntime``) and their YAML; the deployment defaults are applied there, once.
- ``translate``: the one translation between the builders and the SDK's models
  (``CreateModelDeploymentDetails``...), used by deploy, update, YAML and promotion.
- ``create``: the one path that creates a deployment and waits for it.
- ``handle``: ``ModelDeployment``, builder and handle on a deployment of the catalog (lifecycle,
  update, predict).
- ``logs``: a deployment's logs (``DeploymentLogs``, OCI Logging Search).
- ``deploy``: ``deploy_model``, ADS's keyword API that ``GenericModel.deploy`` forwards to.
- ``errors``: ``DeploymentError``, ``PredictError``.

Names load lazily, so that importing the builders or ``deploy_model``'s signature does not import
the ``oci`` SDK.
"""
from __future__ import annotations

import importlib
from typing import Any

from emulator.contracts.deployments import DEFAULT_SHAPE  # noqa: F401  (this module's name since the first release)

_EXPORTS = {
    "ModelDeployment": "toolkit.deployment.handle",
    "LOG_INTERVAL": "toolkit.deployment.handle",
    "deploy_model": "toolkit.deployment.deploy",
    "load_model_from_deployment": "toolkit.deployment.deploy",
    "predict_with_model": "toolkit.deployment.deploy",
    "DeploymentError": "toolkit.deployment.errors",
    "PredictError": "toolkit.deployment.errors",
    "DeploymentLogs": "toolkit.deployment.logs",
    "LogEntry": "toolkit.deployment.logs",
    "ModelDeploymentInfrastructure": "toolkit.deployment.spec",
    "ModelDeploymentRuntime": "toolkit.deployment.spec",
    "ModelDeploymentCondaRuntime": "toolkit.deployment.spec",
    "ModelDeploymentContainerRuntime": "toolkit.deployment.spec",
    "SpecError": "toolkit.deployment.spec",
    "DEFAULT_WAIT": "toolkit.deployment.spec",
    "DEFAULT_POLL": "toolkit.deployment.spec",
}

__all__ = ["DeploymentError", "LogEntry", "ModelDeployment", "PredictError", "deploy_model"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'toolkit.deployment' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
