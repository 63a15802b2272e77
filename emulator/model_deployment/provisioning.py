"""Bringing a deployment's servers up and down through the runtimes: which runtime serves it (and why),
the ``ServerSpec`` its record asks for, and starting or stopping several instances side by side.

A docker deployment that cannot start here (no engine, no base image) is refused before anything is
stored (:meth:`Provisioner.preflight`), with the fix. Nothing here knows of work requests, the
routing table or lifecycle states: the operations decide, this module starts and stops.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from emulator.contracts.deployments import BASE_IMAGE_TAG, DEFAULT_SERVER_PORT, RUNTIME_TAG
from emulator.errors import invalid
from emulator.model_deployment import files
from emulator.object_storage import conda_packs
from emulator.runtimes import Runtime, ServerHandle, ServerSpec, byoc_runtime, choose, docker_problem, make
from emulator.runtimes import base_image as images
from emulator.runtimes.base import LogSink
from emulator.runtimes.requirements import artifact_requirements
from emulator.settings import RUNTIME_ENV, SettingError, check_runtime
from emulator.state import EmulatorState

log = logging.getLogger(__name__)


class Provisioner:
    """The runtimes of one emulator home (made once each, on first use) and what starts servers on them."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self._runtimes: dict[str, Runtime] = {}
        self._lock = threading.Lock()

    def runtime(self, name: str) -> Runtime:
        """The runtime called ``name`` (docker, process) of this home."""
        with self._lock:
            if name not in self._runtimes:
                config = self.state.config
                self._runtimes[name] = make(name, config.home, config.base_image, config.java_base_image)
            return self._runtimes[name]

    def runtime_name(self, record: dict[str, Any]) -> tuple[str, str]:
        """The concrete runtime for this deployment and why (auto's choice is never silent)."""
        requested, base_image = self.settings(record)
        if is_byoc(record):
            return byoc_runtime(env_config(record).get("image"), requested)
        return choose(requested, images.resolve(base_image) if requested == "auto" else None)

    def settings(self, record: dict[str, Any]) -> tuple[str, str | None]:
        """(runtime, explicit base image) of a deployment: the caller's tags win over this emulator's
        settings, so a DOCKYARD_RUNTIME / DOCKYARD_BASE_IMAGE changed after it started still counts."""
        tags = record.get("freeformTags") or {}
        try:
            requested = check_runtime(tags.get(RUNTIME_TAG) or self.state.config.runtime, source=RUNTIME_TAG)
        except SettingError as exc:
            raise invalid(f"freeform tag {exc}") from None
        return requested, tags.get(BASE_IMAGE_TAG) or self.state.config.base_image

    def preflight(self, record: dict[str, Any]) -> None:
        """Refuse (400, before any record or work request) a docker deployment that cannot start here."""
        if is_byoc(record):
            return
        requested, base_image = self.settings(record)
        if requested != "docker":
            return
        engine = docker_problem()
        if engine:
            raise invalid(f"runtime 'docker' requested but no Docker engine answers ({engine}); start one, "
                          f"or use the process runtime ({RUNTIME_ENV}=process).")
        image = images.resolve(base_image)
        problem = images.problem(image)
        if problem:
            raise invalid(images.unavailable_message(problem, explicit=bool(base_image)))

    def spec(self, record: dict[str, Any], artifact_dir: Path) -> ServerSpec:
        """What a server of this deployment runs: its artifact and environment, or the user's container."""
        env_cfg = env_config(record)
        env = {str(k): str(v) for k, v in (env_cfg.get("environmentVariables") or {}).items()}
        spec = ServerSpec(deployment_id=record["id"], artifact_dir=artifact_dir,
                          log_dir=files.log_dir(self.state, record["id"]), env=env,
                          max_payload_bytes=self.state.config.max_payload_bytes,
                          base_image=self.settings(record)[1])
        if not is_byoc(record):  # BYOC brings its own environment
            spec.requirements = artifact_requirements(artifact_dir, conda_packs.lookup(self.state))
            return spec
        spec.image = env_cfg.get("image")
        spec.entrypoint = env_cfg.get("entrypoint") or None
        spec.cmd = env_cfg.get("cmd") or None
        spec.server_port = int(env_cfg.get("serverPort") or DEFAULT_SERVER_PORT)
        spec.health_check_port = int(env_cfg.get("healthCheckPort") or spec.server_port)
        return spec

    def start_instances(self, runtime: Runtime, spec: ServerSpec, indexes: list[int], sink: LogSink,
                        fresh: bool = False) -> list[ServerHandle]:
        """Start one server per index, side by side; if one fails the others are stopped and the first
        failure raised. ``fresh``: the deployment starts from nothing (a runtime may clear leftovers)."""
        results: dict[int, Any] = {}

        def start(index: int) -> None:
            try:
                handle = runtime.start(replace(spec, instance=index, fresh=fresh and index == indexes[0]), sink)
                handle.details["instance"] = index
                results[index] = handle
            except Exception as exc:  # noqa: BLE001 - reported below, after the others ended
                results[index] = exc

        start(indexes[0])  # the first alone: it may build the image the others then reuse
        threads = [threading.Thread(target=start, args=(i,), daemon=True) for i in indexes[1:]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        handles = [results[i] for i in indexes if isinstance(results[i], ServerHandle)]
        failures = [results[i] for i in indexes if not isinstance(results[i], ServerHandle)]
        if failures:
            for handle in handles:
                self.stop_quietly(handle)
            raise failures[0]
        return handles

    def stop_all(self, handles: list[ServerHandle], timeout: float | None = None) -> None:
        """Stop the servers side by side (``timeout``: how long to wait for each, None: until stopped)."""
        threads = [threading.Thread(target=self.stop_quietly, args=(h,), daemon=True) for h in handles]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout)

    def stop_quietly(self, handle: ServerHandle) -> bool:
        """Stop one server; a failure is logged (the others must still stop). True when it stopped."""
        try:
            self.runtime(handle.runtime).stop(handle)
            return True
        except Exception:  # noqa: BLE001 - stop the others
            log.exception("could not stop %s", handle.ref)
            return False

    def is_alive(self, handle: ServerHandle) -> bool:
        """Whether the server still runs; an engine that stopped answering counts as dead."""
        try:
            return self.runtime(handle.runtime).is_alive(handle)
        except Exception:  # noqa: BLE001
            return False

    def usage(self, handle: ServerHandle) -> tuple[float, int] | None:
        """(CPU seconds used so far, resident bytes) of one server; None when it cannot be read."""
        try:
            return self.runtime(handle.runtime).usage(handle)
        except Exception:  # noqa: BLE001 - a server going away has no usage
            return None


def env_config(record: dict[str, Any]) -> dict[str, Any]:
    return record["modelDeploymentConfigurationDetails"].get("environmentConfigurationDetails") or {}


def is_byoc(record: dict[str, Any]) -> bool:
    return env_config(record).get("environmentConfigurationType") == "OCIR_CONTAINER"


def stored_handles(record: dict[str, Any]) -> list[ServerHandle]:
    """The instances a record says run (``_instances``; ``_handle`` alone in records of older versions)."""
    stored = record.get("_instances")
    if stored is None and record.get("_handle"):
        stored = [record["_handle"]]
    return [ServerHandle.from_dict(h) for h in stored or []]
