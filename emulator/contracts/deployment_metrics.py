"""The metrics a model deployment emits, named once for the emitter (``emulator.model_deployment.
metrics``), the Monitoring API (``emulator.monitoring``), the console's charts and ``dockyard
deployments metrics``: OCI's namespace, metric names, units and display names, and the dimensions."""
from __future__ import annotations

NAMESPACE = "oci_datascience_modeldeploy"

PREDICT_REQUEST_COUNT = "PredictRequestCount"
PREDICT_LATENCY = "PredictLatency"
PREDICT_RESPONSE = "PredictResponse"
CPU_UTILIZATION = "CpuUtilization"
MEMORY_UTILIZATION = "MemoryUtilization"
INSTANCE_COUNT = "InstanceCount"  # the emulator's: OCI shows the count in the deployment's details only

# name -> (unit, display name): the MetricData ``metadata`` the Monitoring API answers with
METRICS = {
    PREDICT_REQUEST_COUNT: ("count", "Predict Request Count"),
    PREDICT_LATENCY: ("ms", "Predict Latency"),
    PREDICT_RESPONSE: ("count", "Predict Response Status"),
    CPU_UTILIZATION: ("percent", "CPU Utilization"),
    MEMORY_UTILIZATION: ("percent", "Memory Utilization"),
    INSTANCE_COUNT: ("count", "Instance Count"),
}

# OCI's dimensions of these metrics
RESOURCE_ID = "resourceId"  # the deployment's OCID
INSTANCE_ID = "instanceId"  # CpuUtilization, MemoryUtilization
STATUS_CODE = "statusCode"  # PredictResponse
RESULT = "result"  # Success (2XX) or Failure (4XX, 5XX): PredictResponse, PredictLatency
STATUS_FAMILY = "statusFamily"  # 2XX, 4XX, 5XX: PredictResponse


def result_of(status: int) -> str:
    return "Failure" if status >= 400 else "Success"


def metadata(name: str) -> dict[str, str]:
    """The MetricData ``metadata`` of a metric: its unit and display name (empty for others)."""
    unit, display = METRICS.get(name, ("", ""))
    return {"unit": unit, "displayName": display} if unit else {}
