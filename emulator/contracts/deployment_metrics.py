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


# The charts of a deployment (the console's deployment page, ``dockyard deployments metrics``): a title,
# a unit and one MQL query per line, with ``{interval}`` and ``{id}`` (the deployment's OCID) to fill.
# A line labelled "" takes its labels from the dimensions the query groups by (one line per instance).
CHARTS = (
    ("requests", "Requests per second", "calls/s",
     (("requests/s", 'PredictRequestCount[{interval}]{{resourceId = "{id}"}}.grouping().rate()'),)),
    ("latency", "Latency", "ms",
     (("p50", 'PredictLatency[{interval}]{{resourceId = "{id}"}}.grouping().percentile(0.5)'),
      ("p95", 'PredictLatency[{interval}]{{resourceId = "{id}"}}.grouping().percentile(0.95)'))),
    ("errors", "Errors (4XX and 5XX answers)", "calls",
     (("errors", 'PredictResponse[{interval}]{{resourceId = "{id}", result = "Failure"}}.grouping().sum()'),)),
    ("cpu", "CPU per instance", "%",
     (("", 'CpuUtilization[{interval}]{{resourceId = "{id}"}}.groupBy(instanceId).mean()'),)),
    ("memory", "Memory per instance", "%",
     (("", 'MemoryUtilization[{interval}]{{resourceId = "{id}"}}.groupBy(instanceId).mean()'),)),
    ("instances", "Instances", "count",
     (("instances", 'InstanceCount[{interval}]{{resourceId = "{id}"}}.grouping().max()'),)),
)


def chart_query(template: str, deployment_id: str, interval: str) -> str:
    """A chart line's MQL query for one deployment, ``interval`` such as ``10s`` or ``1m``."""
    return template.format(interval=interval, id=deployment_id)
