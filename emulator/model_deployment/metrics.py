"""The metrics OCI emits for a model deployment (namespace ``oci_datascience_modeldeploy``), measured
here for what autoscaling reads: ``CpuUtilization`` and ``MemoryUtilization`` of the instances (mean,
percent), ``PredictRequestCount`` and ``PredictLatency`` of the calls through the gateway.

An instance's utilization is relative to what its shape gives it: CPU time over wall time and the
instance's vCPUs (two per OCPU, at most this machine's cores), resident memory over the shape's
memory. What an instance used so far is its runtime's to say (``Runtime.usage``: a process group read
from ``/proc``, a container from the Docker engine's stats).
"""
from __future__ import annotations

import os
import time
from typing import Any, Callable

from emulator.contracts.deployments import DEFAULT_MEMORY_GBS, DEFAULT_OCPUS
from emulator.model_deployment import configuration
from emulator.model_deployment.balancer import Route
from emulator.runtimes import ServerHandle

Usage = Callable[[ServerHandle], "tuple[float, int] | None"]  # (CPU seconds so far, resident bytes) of an instance


class Meter:
    """Turns cumulative counters (CPU seconds, calls) into per-interval values, per instance."""

    def __init__(self) -> None:
        self._cpu: dict[str, tuple[float, float]] = {}  # instance ref -> (wall time, cpu seconds)
        self._calls: dict[str, tuple[int, float]] = {}  # deployment -> (calls, latency ms total)

    def sample(self, record: dict[str, Any], route: Route, usage_of: Usage) -> dict[str, float | None]:
        """One sample of the deployment ``record`` served by ``route``; ``usage_of`` reads an instance."""
        vcpus, memory = _shape(record)
        cpu, mem = [], []
        for instance in route.instances:
            usage = usage_of(instance.handle)
            if usage is None:
                continue
            cpu_seconds, rss = usage
            now = time.monotonic()
            last = self._cpu.get(instance.ref)
            self._cpu[instance.ref] = (now, cpu_seconds)
            if last is not None and now > last[0]:
                cpu.append(100.0 * (cpu_seconds - last[1]) / ((now - last[0]) * vcpus))
            mem.append(100.0 * rss / memory)
        calls, latency = route.calls, route.latency_ms
        before = self._calls.get(route.deployment_id, (calls, latency))
        self._calls[route.deployment_id] = (calls, latency)
        new_calls = calls - before[0]
        return {"CpuUtilization": _mean(cpu), "MemoryUtilization": _mean(mem), "PredictRequestCount": float(new_calls),
                "PredictLatency": (latency - before[1]) / new_calls if new_calls else None}


def _shape(record: dict[str, Any]) -> tuple[float, float]:
    """(vCPUs, memory bytes) of an instance of the deployment's shape."""
    shape = (configuration.infrastructure(record).get("instanceConfiguration") or {}).get("modelDeploymentInstanceShapeConfigDetails") or {}
    ocpus = float(shape.get("ocpus") or DEFAULT_OCPUS)
    memory = float(shape.get("memoryInGBs") or DEFAULT_MEMORY_GBS)
    return min(2 * ocpus, float(os.cpu_count() or 1)), memory * 1024 ** 3


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
