"""The metrics OCI emits for a model deployment (namespace ``oci_datascience_modeldeploy``), measured
here for what autoscaling reads: ``CpuUtilization`` and ``MemoryUtilization`` of the instances (mean,
percent), ``PredictRequestCount`` and ``PredictLatency`` of the calls through the gateway.

An instance's utilization is relative to what its shape gives it: CPU time over wall time and the
instance's vCPUs (two per OCPU, at most this machine's cores), resident memory over the shape's
memory. A process-runtime instance is its process group (gunicorn and its workers), read from
``/proc``; a container is read from the Docker engine's stats.
"""
from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from emulator.contracts.deployments import DEFAULT_MEMORY_GBS, DEFAULT_OCPUS
from emulator.model_deployment import configuration
from emulator.runtimes import ServerHandle
from emulator.store import kinds

if TYPE_CHECKING:
    from emulator.model_deployment.balancer import Route
    from emulator.model_deployment.service import DeploymentService

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class Meter:
    """Turns cumulative counters (CPU seconds, calls) into per-interval values, per instance."""

    def __init__(self) -> None:
        self._cpu: dict[str, tuple[float, float]] = {}  # instance ref -> (wall time, cpu seconds)
        self._calls: dict[str, tuple[int, float]] = {}  # deployment -> (calls, latency ms total)

    def sample(self, service: "DeploymentService", route: "Route") -> dict[str, float | None]:
        record = service.db.get(kinds.MODEL_DEPLOYMENT, route.deployment_id) or {}
        vcpus, memory = _shape(record)
        cpu, mem = [], []
        for instance in route.instances:
            usage = usage_of(instance.handle, service)
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


def usage_of(handle: ServerHandle, service: "DeploymentService") -> tuple[float, int] | None:
    """(CPU seconds used so far, resident bytes) of one instance; None when it cannot be read."""
    if handle.runtime == "process":
        return process_group_usage(int(handle.ref))
    try:
        container = service._runtime("docker").client.containers.get(handle.ref)
        stats = container.stats(stream=False, one_shot=True)
        return stats["cpu_stats"]["cpu_usage"]["total_usage"] / 1e9, int(stats["memory_stats"].get("usage", 0))
    except Exception:  # noqa: BLE001 - a container going away has no usage
        return None


def process_group_usage(pgid: int) -> tuple[float, int] | None:
    """CPU seconds (user + system) and resident bytes of every process in a process group."""
    cpu, rss, found = 0.0, 0, False
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) != pgid:  # fields after the command: state, ppid, pgrp, ...
            continue
        found = True
        cpu += (int(fields[11]) + int(fields[12])) / _TICK
        rss += int(fields[21]) * _PAGE
    return (cpu, rss) if found else None


def _shape(record: dict[str, Any]) -> tuple[float, float]:
    """(vCPUs, memory bytes) of an instance of the deployment's shape."""
    shape = (configuration.infrastructure(record).get("instanceConfiguration") or {}).get("modelDeploymentInstanceShapeConfigDetails") or {}
    ocpus = float(shape.get("ocpus") or DEFAULT_OCPUS)
    memory = float(shape.get("memoryInGBs") or DEFAULT_MEMORY_GBS)
    return min(2 * ocpus, float(os.cpu_count() or 1)), memory * 1024 ** 3


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
