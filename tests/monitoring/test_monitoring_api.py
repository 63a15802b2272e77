"""A deployment's metrics read the way teams read OCI's: the stock ``oci`` SDK's MonitoringClient
(ListMetrics, SummarizeMetricsData with MQL) after a burst of predict calls, OCI's shapes and 400s."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import oci
import pytest

from emulator.contracts.deployment_metrics import NAMESPACE
from tests.monitoring.conftest import CALLS, FAILURES, Burst

M = oci.monitoring.models


def _summarize(burst: Burst, query: str, **details) -> list:
    now = datetime.now(timezone.utc)
    body = M.SummarizeMetricsDataDetails(namespace=NAMESPACE, query=query, start_time=now - timedelta(minutes=10),
                                         end_time=now + timedelta(minutes=1), **details)
    return burst.monitoring().summarize_metrics_data(burst.compartment_id, body).data


def test_the_sdk_reads_the_latency_percentile_of_the_calls_just_made(burst):
    query = f'PredictLatency[5m]{{resourceId = "{burst.deployment_id}"}}.grouping().percentile(0.95)'
    data = _summarize(burst, query, resolution="1m")
    assert len(data) == 1 and isinstance(data[0], M.MetricData)
    metric = data[0]
    assert (metric.namespace, metric.name, metric.resolution) == (NAMESPACE, "PredictLatency", "1m")
    assert metric.metadata == {"unit": "ms", "displayName": "Predict Latency"}
    assert metric.compartment_id == burst.compartment_id
    assert metric.aggregated_datapoints and all(isinstance(p, M.AggregatedDatapoint) for p in metric.aggregated_datapoints)
    assert all(isinstance(p.timestamp, datetime) and 0 < p.value < 30_000 for p in metric.aggregated_datapoints)


def test_request_counts_and_responses_by_status_add_up_to_the_burst(burst):
    ident = burst.deployment_id
    total = _summarize(burst, f'PredictRequestCount[10m]{{resourceId = "{ident}"}}.grouping().sum()', resolution="10m")
    assert sum(p.value for m in total for p in m.aggregated_datapoints) == CALLS + FAILURES
    by_status = _summarize(burst, f'PredictResponse[1m]{{resourceId = "{ident}"}}.groupBy(statusCode).sum()')
    counts = {m.dimensions["statusCode"]: sum(p.value for p in m.aggregated_datapoints) for m in by_status}
    assert counts == {"200": CALLS, "500": FAILURES}
    failures = _summarize(burst, f'PredictResponse[1m]{{resourceId = "{ident}", statusFamily = "5XX"}}.grouping().sum()')
    assert sum(p.value for p in failures[0].aggregated_datapoints) == FAILURES


def test_finer_points_are_served_at_a_seconds_resolution(burst):
    """The emulator's one-second points: [10s] intervals at a 10s resolution (OCI's finest is 1m)."""
    data = _summarize(burst, f'PredictRequestCount[10s]{{resourceId = "{burst.deployment_id}"}}.grouping().sum()',
                      resolution="10s")
    stamps = [p.timestamp for p in data[0].aggregated_datapoints]
    assert data[0].resolution == "10s" and all(t.second % 10 == 0 for t in stamps)
    assert sum(p.value for p in data[0].aggregated_datapoints) == CALLS + FAILURES


def test_cpu_and_memory_are_per_instance(burst):
    data = _summarize(burst, f'MemoryUtilization[1m]{{resourceId = "{burst.deployment_id}"}}.max()')
    assert len(data) == 1 and set(data[0].dimensions) == {"resourceId", "instanceId"}
    assert all(0 < p.value < 100 for p in data[0].aggregated_datapoints)


def test_a_condition_keeps_only_the_points_that_meet_it(burst):
    query = f'PredictRequestCount[10m]{{resourceId = "{burst.deployment_id}"}}.grouping().sum()'
    assert _summarize(burst, query + " > 1000000", resolution="10m") == []
    assert _summarize(burst, query + " >= 1", resolution="10m")


def test_list_metrics_names_the_deployment_series(burst):
    client = burst.monitoring()
    listed = client.list_metrics(burst.compartment_id, M.ListMetricsDetails(
        namespace=NAMESPACE, dimension_filters={"resourceId": burst.deployment_id})).data
    names = {m.name for m in listed}
    assert {"PredictRequestCount", "PredictLatency", "PredictResponse", "MemoryUtilization", "InstanceCount"} <= names
    assert all(isinstance(m, M.Metric) and m.compartment_id == burst.compartment_id for m in listed)
    grouped = client.list_metrics(burst.compartment_id, M.ListMetricsDetails(
        namespace=NAMESPACE, name="PredictResponse", group_by=["statusCode"])).data
    assert sorted(m.dimensions["statusCode"] for m in grouped) == ["200", "500"]


def test_another_compartment_sees_no_data(burst):
    other = "ocid1.compartment.oc1..aaaaaaaaothercompartment"
    data = burst.monitoring().summarize_metrics_data(other, M.SummarizeMetricsDataDetails(
        namespace=NAMESPACE, query=f'PredictRequestCount[1m]{{resourceId = "{burst.deployment_id}"}}.sum()')).data
    assert data == []


@pytest.mark.parametrize("query, part", [
    ('PredictLatency[1m]{resourceId =~ "ocid1.*"}.mean()', 'resourceId =~ "ocid1.*"'),
    ("PredictLatency[1m].absent()", ".absent()"),
    ("PredictLatency[1m].mean() + 1", "+ 1"),
    ("PredictLatency[1m].percentile(95)", ".percentile(95)"),
    ("PredictLatency[1m].mean() > 1 && PredictLatency[1m].mean() < 9", "&& / ||"),
    ("PredictLatency.mean()", ".mean()"),
])
def test_an_unsupported_query_is_400_invalid_parameter_naming_the_part(burst, query, part):
    with pytest.raises(oci.exceptions.ServiceError) as raised:
        _summarize(burst, query)
    assert raised.value.status == 400 and raised.value.code == "InvalidParameter"
    assert repr(part) in raised.value.message and "docs/metrics.md" in raised.value.message


def test_a_resolution_above_the_interval_is_400(burst):
    with pytest.raises(oci.exceptions.ServiceError) as raised:
        _summarize(burst, "PredictLatency[1m].mean()", resolution="5m")
    assert raised.value.status == 400 and "resolution" in raised.value.message


def test_a_range_of_too_many_steps_is_400(burst):
    with pytest.raises(oci.exceptions.ServiceError) as raised:
        now = datetime.now(timezone.utc)
        burst.monitoring().summarize_metrics_data(burst.compartment_id, M.SummarizeMetricsDataDetails(
            namespace=NAMESPACE, query="PredictLatency[1s].mean()", resolution="1s",
            start_time=now - timedelta(days=7), end_time=now))
    assert raised.value.status == 400 and "steps" in raised.value.message
