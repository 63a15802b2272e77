"""Names and defaults of model deployments that the client and the emulator share.

- ``RUNTIME_TAG``: the freeform tag a client sets to pick the emulator's runtime for one
  deployment (``docker``, ``process``, ``auto``); OCI keeps it as any other tag.
- ``BASE_IMAGE_TAG``: likewise the base image of that deployment's docker image (the caller's
  ``DOCKYARD_BASE_IMAGE``, see ``emulator.settings``).
- The two log categories of a deployment and the ``type`` OCI Logging gives their records.
- The deployment defaults ADS uses when the caller names none (shape, OCPUs, memory, bandwidth,
  one instance, BYOC port), so a deployment made by ``deploy()`` and one ``promote`` makes from
  nothing look alike.
"""
from __future__ import annotations

RUNTIME_TAG = "dockyard-runtime"
BASE_IMAGE_TAG = "dockyard-base-image"

ACCESS_LOG = "access"
PREDICT_LOG = "predict"
LOG_TYPES = (ACCESS_LOG, PREDICT_LOG)
_LOG_TYPE_PREFIX = "com.oraclecloud.datascience.modeldeployment."

DEFAULT_SHAPE = "VM.Standard.E4.Flex"
DEFAULT_OCPUS = 1
DEFAULT_MEMORY_GBS = 16
DEFAULT_BANDWIDTH_MBPS = 10
DEFAULT_INSTANCE_COUNT = 1
DEFAULT_SERVER_PORT = 8080  # BYOC: the container's server and health-check port unless given


def log_type_name(log_type: str) -> str:
    """The ``type`` of a log record of this category in OCI Logging (``...modeldeployment.access``)."""
    return _LOG_TYPE_PREFIX + log_type


def log_type_of(type_name: str) -> str:
    """The category (``access``/``predict``) of an OCI Logging record ``type``."""
    return str(type_name).rsplit(".", 1)[-1]
