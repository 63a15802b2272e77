"""The metrics OCI emits for a model deployment (namespace ``oci_datascience_modeldeploy``), measured
for two readers: the autoscaler (:class:`Meter`: ``CpuUtilization`` and ``MemoryUtilization`` of the
instances, mean percent, ``PredictRequestCount`` and ``PredictLatency`` of the calls through the
gateway) and the Monitoring store (:class:`Recorder`: every metric, each second, per deployment and
instance, with OCI's dimensions ``resourceId``, ``instanceId``, ``statusCode``, ``result``,
``statusFamily``), which the Monitoring API and the console's charts read.

An instance's utilization is relative to what its shape gives it: CPU time over wall time and the
instance's vCPUs (two per OCPU, at most this machine's cores), resident memory over the shape's
memory. What an instance used so far is its runtime's to say (``Runtime.usage``: a process group read
from ``/proc``, a container from the Docker engine's stats).
"""
from __future__ import annotations

import os
import time
from typing import Any, Callable

from emulator.contracts import deployment_metrics as dm
from emulator.contracts.deployments import DEFAULT_MEMORY_GBS, DEFAULT_OCPUS
from emulator.model_deployment import configuration
from emulator.model_deployment.balancer import Route
from emulator.monitoring.mql import Summary
from emulator.monitoring.store import MetricStore, Point, dimensions_of
from emulator.runtimes import ServerHandle


Usage = Callable[[ServerHandle], "tuple[float, int] | None"]  # (CPU seconds so far, resident bytes) of an instance


class Meter:
    """Turns cumulative counters (CPU seconds, calls) into per-interval values, per instance."""

    def __init__(self) -> None:
        self._cpu: dict[str, tuple[float, float]] = {}  # instance ref -> (wall time, cpu seconds)
        self._calls: dict[str, tuple[int, float]] = {}  # deployment -> (calls, latency ms total)

    def sample(self, record: dict[str, Any], route: Route, usage_of: Usage) -> dict[str, float | None]:
        """One sample of the deployment ``record`` served by ``route``; ``usage_of`` reads an instance."""
        used = self.utilization(record, route, usage_of).values()
        cpu = [c for c, _ in used if c is not None]
        mem = [m for _, m in used]
        calls, latency = route.calls, route.latency_ms
        before = self._calls.get(route.deployment_id, (calls, latency))
        self._calls[route.deployment_id] = (calls, latency)
        new_calls = calls - before[0]
        return {"CpuUtilization": _mean(cpu), "MemoryUtilization": _mean(mem), "PredictRequestCount": float(new_calls),
                "PredictLatency": (latency - before[1]) / new_calls if new_calls else None}


    def utilization(self, record: dict[str, Any], route: Route, usage_of: Usage) -> dict[str, tuple[float | None, float]]:
        """Instance ref -> (CPU percent since the last reading, None at the first; memory percent)."""
        vcpus, memory = _shape(record)
        used: dict[str, tuple[float | None, float]] = {}
        for instance in route.instances:
            usage = usage_of(instance.handle)
            if usage is None:
                continue
            cpu_seconds, rss = usage
            now = time.monotonic()
            last = self._cpu.get(instance.ref)
            self._cpu[instance.ref] = (now, cpu_seconds)
            cpu = 100.0 * (cpu_seconds - last[1]) / ((now - last[0]) * vcpus) if last and now > last[0] else None
            used[instance.ref] = (cpu, 100.0 * rss / memory)
        return used


class Recorder:
    """Once a second (the deployment monitor's round): what each route answered since the last round
    and how busy each instance was, as datapoints in the Monitoring store."""

    def __init__(self, store: MetricStore, usage_of: Usage, record_of: Callable[[str], dict[str, Any] | None]) -> None:
        self.store = store
        self._usage_of = usage_of
        self._record_of = record_of  # deployment OCID -> its record (the shape sizes utilization)
        self._meter = Meter()
        self._calls: dict[str, int] = {}  # deployment -> calls counted so far
        self._last_second = 0

    def tick(self, routes: list[Route], now: float | None = None) -> None:
        now = time.time() if now is None else now
        second = max(int(now), self._last_second + 1)  # two rounds never share a second's row
        self._last_second = second
        points: list[Point] = []
        for route in routes:
            points += self._calls_of(route, second)
            points += self._instances_of(route, second)
        self.store.add(points, now)

    def _calls_of(self, route: Route, second: int) -> list[Point]:
        """PredictRequestCount (every second, 0 included), PredictLatency by result, PredictResponse
        by status code."""
        before = self._calls.get(route.deployment_id, 0)
        self._calls[route.deployment_id] = route.calls
        outcomes = _drain(route)
        point = _point_maker(route, second)
        points = [point(dm.PREDICT_REQUEST_COUNT, {}, [float(max(route.calls - before, 0))])]
        by_result: dict[str, list[float]] = {}
        by_status: dict[int, int] = {}
        for latency, status in outcomes:
            by_result.setdefault(dm.result_of(status), []).append(latency)
            by_status[status] = by_status.get(status, 0) + 1
        points += [point(dm.PREDICT_LATENCY, {dm.RESULT: result}, values) for result, values in by_result.items()]
        points += [point(dm.PREDICT_RESPONSE, {dm.STATUS_CODE: str(status), dm.RESULT: dm.result_of(status),
                                             dm.STATUS_FAMILY: f"{status // 100}XX"}, [float(count)])
                   for status, count in by_status.items()]
        return points

    def _instances_of(self, route: Route, second: int) -> list[Point]:
        """CpuUtilization and MemoryUtilization per instance, and how many instances serve."""
        point = _point_maker(route, second)
        record = self._record_of(route.deployment_id) or {}
        points = [point(dm.INSTANCE_COUNT, {}, [float(len(route.instances))])]
        for ref, (cpu, memory) in self._meter.utilization(record, route, self._usage_of).items():
            if cpu is not None:
                points.append(point(dm.CPU_UTILIZATION, {dm.INSTANCE_ID: ref}, [cpu]))
            points.append(point(dm.MEMORY_UTILIZATION, {dm.INSTANCE_ID: ref}, [memory]))
        return points


def _point_maker(route: Route, second: int) -> Callable[[str, dict[str, str], list[float]], Point]:
    def point(name: str, dimensions: dict[str, str], values: list[float]) -> Point:
        return Point(dm.NAMESPACE, name, route.compartment_id,
                     dimensions_of({dm.RESOURCE_ID: route.deployment_id, **dimensions}), second, Summary.of(values))
    return point


def _drain(route: Route) -> list[tuple[float, int]]:
    """The calls the route recorded since the last round (the gateways append while this pops)."""
    drained = []
    while True:
        try:
            drained.append(route.outcomes.popleft())
        except IndexError:
            return drained


def _shape(record: dict[str, Any]) -> tuple[float, float]:
    """(vCPUs, memory bytes) of an instance of the deployment's shape."""
    shape = (configuration.infrastructure(record).get("instanceConfiguration") or {}).get("modelDeploymentInstanceShapeConfigDetails") or {}
    ocpus = float(shape.get("ocpus") or DEFAULT_OCPUS)
    memory = float(shape.get("memoryInGBs") or DEFAULT_MEMORY_GBS)
    return min(2 * ocpus, float(os.cpu_count() or 1)), memory * 1024 ** 3


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
