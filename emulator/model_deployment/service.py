"""Model deployment logic: records in the store, long operations on background threads through work
requests, servers through the runtimes, a monitor for crashed servers, resume after restart.

No HTTP here: routes parse and render, this module decides. Honest states: a deployment is ACTIVE
only once its servers answered /health; a failed start is FAILED with the server's last log lines
in the work request errors.

Instances: a deployment runs as many servers as its scaling policy asks (``instanceCount`` of
FIXED_SIZE, the initial count of AUTOSCALING), all behind its one URL through the routing table
(``balancer.Router``) both gateway fronts read. The monitor checks every instance: a dead one is
ejected from the table at once and replaced, a live one that fails its health checks is ejected
until it answers again; when the last instance dies the deployment turns NEEDS_ATTENTION.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import requests

from flask import Flask, current_app

from emulator.contracts.deployments import BASE_IMAGE_TAG, DEFAULT_SERVER_PORT, RUNTIME_TAG
from emulator.contracts.states import (ACTIVE, BUSY_DEPLOYMENT_STATES, CREATING, DELETED, DELETING, FAILED, INACTIVE,
                                       NEEDS_ATTENTION, UPDATING)
from emulator.data_science import work_requests as wr
from emulator.errors import OCIError, incorrect_state, invalid, not_found
from emulator.model_deployment import access_log, autoscaling, configuration, files, model_group_artifacts
from emulator.model_deployment.balancer import Instance, Router, eject, restore
from emulator.object_storage import conda_packs
from emulator.ocid import is_valid_ocid, new_ocid
from emulator.runtimes import RuntimeFailure, ServerHandle, ServerSpec, byoc_runtime, choose, docker_problem, make
from emulator.runtimes import base_image as images
from emulator.runtimes.requirements import artifact_requirements, environment_source
from emulator.settings import RUNTIME_ENV, SettingError, check_runtime
from emulator.state import EmulatorState
from emulator.store import kinds
from emulator.wire import new_etag, now

log = logging.getLogger(__name__)

KIND = kinds.MODEL_DEPLOYMENT
EXTENSION = "dockyard_deployments"  # the app.extensions key; reach it through service_of() / current_service()
_WR_LOG_LIMIT = 400  # work request log lines kept; the full output stays in deploy.jsonl
_FINAL_DETAILS = {ACTIVE: "", INACTIVE: "Deactivated", DELETED: "Deleted"}
_RESET_WAIT = 300.0  # seconds reset() lets a running operation (an image build) finish
_HEALTH_EVERY = 2.0  # seconds between two health checks of an instance
_HEALTH_FAILURES = 3  # consecutive failed health checks that eject an instance (never the last one)
_DRAIN_SECONDS = 30.0  # how long an instance taken out of rotation may finish its calls in flight
# Test-only: "<window>:<flag file>" holds this process inside a deployment operation's crash window,
# after writing <flag file>, so a test can kill -9 it there. Windows: "started" (the new servers answer
# /health but no record names them yet) and "stopping" (the servers left the routing table, still run).
PAUSE_ENV = "DOCKYARD_TEST_PAUSE_IN_DEPLOYMENT_WINDOW"


def attach(app: Flask, service: "DeploymentService") -> None:
    app.extensions[EXTENSION] = service


def service_of(app: Flask) -> "DeploymentService":
    """The deployment service of an emulator app."""
    return app.extensions[EXTENSION]


def current_service() -> "DeploymentService":
    """The deployment service of the app handling the current request."""
    return service_of(current_app)


class DeploymentService:
    """One per emulator app; owns the running servers of its home."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.db = state.db
        self.router = Router()
        self.endpoint: Any = None  # the EndpointServer behind modelDeploymentUrl, when one is served
        self.endpoint_url: str | None = None
        self.scaler = autoscaling.Autoscaler(self)
        self._deployment_locks: dict[str, threading.RLock] = {}
        self._health: dict[str, tuple[float, int]] = {}  # instance ref -> (next check, failures in a row)
        self._runtimes: dict[str, Any] = {}
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._monitor: threading.Thread | None = None
        self._operations: set[threading.Thread] = set()

    # ---------------------------------------------------------------- operations from the API
    def create(self, details: dict[str, Any], created_by: str) -> tuple[dict[str, Any], str]:
        """Store a CREATING deployment and start bringing it up on a background thread.

        ``created_by`` is the caller's user OCID (``emulator.wire.caller``), as for every resource.
        A docker deployment that cannot start here (no engine, no base image) is refused at once
        with the fix, so no FAILED deployment is left behind."""
        self._preflight(details)
        region = self.state.config.region
        record = {
            "id": new_ocid("datasciencemodeldeployment", region),
            "timeCreated": now(),
            "displayName": details.get("displayName") or f"modeldeployment{int(time.time())}",
            "description": details.get("description"),
            "projectId": details["projectId"],
            "compartmentId": details["compartmentId"],
            "createdBy": created_by,
            "modelDeploymentConfigurationDetails": details["modelDeploymentConfigurationDetails"],
            "categoryLogDetails": details.get("categoryLogDetails"),
            "modelDeploymentSystemData": {"systemInfraType": "INSTANCE_POOL", "currentInstanceCount": 0},
            "lifecycleState": CREATING,
            "lifecycleDetails": "Creating the model deployment",
            "freeformTags": details.get("freeformTags") or {},
            "definedTags": details.get("definedTags") or {},
            "_etag": new_etag(),
        }
        self.db.insert(KIND, record)
        work = self._work_request("MODEL_DEPLOYMENT_CREATE", record, "CREATED")
        self._background(work["id"], record["id"], self._bring_up, ACTIVE)
        return record, work["id"]

    def update(self, deployment_id: str, details: dict[str, Any]) -> str:
        """Apply changes; a changed configuration of an ACTIVE deployment restarts its server."""
        record = self._require_not_busy(deployment_id)
        restart = record["lifecycleState"] == ACTIVE and details.get("modelDeploymentConfigurationDetails")
        for key in ("displayName", "description", "freeformTags", "definedTags", "categoryLogDetails"):
            if details.get(key) is not None:
                record[key] = details[key]
        if details.get("modelDeploymentConfigurationDetails"):
            record["modelDeploymentConfigurationDetails"] = _merge(
                record["modelDeploymentConfigurationDetails"], details["modelDeploymentConfigurationDetails"])
        work = self._work_request("MODEL_DEPLOYMENT_UPDATE", record, "UPDATED")
        if restart:
            self._set(record, UPDATING, "Updating the model deployment")
            self._background(work["id"], deployment_id, self._restart, ACTIVE)
        else:
            self._save(record)
            wr.succeed(self.db, work["id"], "model deployment updated")
        return work["id"]

    def activate(self, deployment_id: str) -> str:
        self._preflight(self.get(deployment_id))
        record = self._claim(deployment_id, (INACTIVE, NEEDS_ATTENTION, FAILED), "activated",
                             "Activating the model deployment")
        work = self._work_request("MODEL_DEPLOYMENT_ACTIVATE", record, "UPDATED")
        self._background(work["id"], deployment_id, self._bring_up, ACTIVE)
        return work["id"]

    def deactivate(self, deployment_id: str) -> str:
        record = self._claim(deployment_id, (ACTIVE, NEEDS_ATTENTION), "deactivated",
                             "Deactivating the model deployment")
        work = self._work_request("MODEL_DEPLOYMENT_DEACTIVATE", record, "UPDATED")
        self._background(work["id"], deployment_id, self._bring_down, INACTIVE)
        return work["id"]

    def delete(self, deployment_id: str) -> str:
        record = self._claim(deployment_id, (ACTIVE, INACTIVE, FAILED, NEEDS_ATTENTION), "deleted",
                             "Deleting the model deployment", busy_state=DELETING)
        work = self._work_request("MODEL_DEPLOYMENT_DELETE", record, "DELETED")
        self._background(work["id"], deployment_id, self._bring_down, DELETED)
        return work["id"]

    def _claim(self, deployment_id: str, allowed: tuple[str, ...], verb: str, details: str,
               busy_state: str = UPDATING) -> dict[str, Any]:
        """Check the state and move to ``busy_state`` atomically, so two calls cannot both start work."""
        with self._lock:
            record = self.get(deployment_id)
            if record["lifecycleState"] not in allowed:
                raise incorrect_state(f"model deployment {deployment_id} is {record['lifecycleState']}; only "
                                      f"{', '.join(allowed)} deployments can be {verb}.")
            self._set(record, busy_state, details)
            return record

    def get(self, deployment_id: str) -> dict[str, Any]:
        record = self.db.get(KIND, deployment_id)
        if record is None:
            raise not_found("model deployment", deployment_id)
        return record

    # ---------------------------------------------------------------- background work
    def _background(self, wr_id: str, deployment_id: str, step: Callable[[dict, "_Sink"], None],
                    final_state: str) -> None:
        self._spawn(self._run_operation, (wr_id, deployment_id, step, final_state), f"deploy-{deployment_id[-8:]}")

    def _spawn(self, target: Callable[..., None], args: tuple, name: str) -> None:
        """Run ``target`` on a thread that ``reset()`` can wait for."""

        def run() -> None:
            try:
                target(*args)
            finally:
                with self._lock:
                    self._operations.discard(thread)

        thread = threading.Thread(target=run, name=name, daemon=True)
        with self._lock:
            self._operations.add(thread)
        thread.start()

    def _run_operation(self, wr_id: str, deployment_id: str, step: Callable, final_state: str) -> None:
        """Run one long operation, ending its work request and the deployment in an honest final state."""
        sink = self._sink(wr_id, deployment_id)
        wr.start(self.db, wr_id, f"{self.get(deployment_id)['lifecycleState'].lower()} {deployment_id}")
        try:
            step(self.get(deployment_id), sink)
        except Exception as exc:  # noqa: BLE001 - every failure must end the work request
            tail = getattr(exc, "log_tail", None) or []
            if not isinstance(exc, (RuntimeFailure, OCIError)):
                log.exception("deployment operation failed")
                tail = tail or traceback.format_exc().splitlines()[-8:]
            message = str(getattr(exc, "message", None) or exc)
            title = getattr(exc, "log_title", None) or "last log lines"
            logs = f"its logs: dockyard deployments logs {deployment_id}"
            detail = (message + (f"\n{title}:\n" + "\n".join(tail) if tail else "")
                      + f"\nmodel deployment {deployment_id} is FAILED; {logs}")
            sink.to_file(detail)  # the work request logs it with its error: once is enough there
            record = self.get(deployment_id)
            record.setdefault("modelDeploymentSystemData", {})["currentInstanceCount"] = 0
            self._set(record, FAILED, f"{message[:420]}; {logs}")
            wr.fail(self.db, wr_id, "ModelDeploymentFailed", detail)
            return
        record = self.get(deployment_id)
        count = len(self.router.handles(deployment_id)) if final_state == ACTIVE else 0
        record.setdefault("modelDeploymentSystemData", {})["currentInstanceCount"] = count
        details = (record.get("_runtimeReason") or "") if final_state == ACTIVE else _FINAL_DETAILS[final_state]
        self._set(record, final_state, details)
        if final_state == ACTIVE:
            self.scaler.track(record)
        wr.succeed(self.db, wr_id, f"model deployment is {final_state}")

    def _bring_up(self, record: dict[str, Any], sink: "_Sink") -> None:
        deployment_id = record["id"]
        served = configuration.model_group_id(record) or configuration.model_id(record)
        artifact_dir = model_group_artifacts.unpack(self.state, record)
        sink.progress(10, f"artifact of {served} unpacked at {artifact_dir}")
        if not _is_byoc(record):
            sink(f"environment: {environment_source(artifact_dir)}")
        name, reason = self._runtime_name(record)
        sink(reason)
        runtime = self._runtime(name)
        count = autoscaling.initial_count(record)
        sink.progress(20, f"starting {count} instance(s) of the model server ({name} runtime)")
        spec = self._spec(record, artifact_dir)
        with self._deployment_lock(deployment_id):
            handles = self._start_instances(runtime, spec, list(range(count)), sink, fresh=True)
            _pause_if_asked("started")
            sink.progress(95, "model server healthy at " + ", ".join(h.url for h in handles))
            self.router.set(deployment_id, record["compartmentId"], str(spec.log_dir), handles)
            record = self.get(deployment_id)
            record["_runtime"] = name
            record["_runtimeReason"] = f"Serving with the {name} runtime ({reason})"
            self._store_instances(record, handles)
        self._ensure_monitor()

    def _start_instances(self, runtime: Any, spec: ServerSpec, indexes: list[int], sink: "_Sink",
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
                self._stop_quietly(handle)
            raise failures[0]
        return handles

    def _bring_down(self, record: dict[str, Any], sink: "_Sink") -> None:
        deployment_id = record["id"]
        with self._deployment_lock(deployment_id):
            self.scaler.forget(deployment_id)
            route = self.router.drop(deployment_id)
            handles = [i.handle for i in route.instances] if route else _stored_handles(record)
            _pause_if_asked("stopping")
            for handle in handles:
                sink(f"stopping the model server ({handle.runtime}, {handle.ref})")
            self._stop_all(handles)
            record = self.get(deployment_id)
            record.pop("_handle", None)
            record.pop("_instances", None)
            self._save(record)

    def _stop_all(self, handles: list[ServerHandle]) -> None:
        threads = [threading.Thread(target=self._stop_quietly, args=(h,), daemon=True) for h in handles]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _stop_quietly(self, handle: ServerHandle) -> None:
        try:
            self._runtime(handle.runtime).stop(handle)
        except Exception:  # noqa: BLE001 - stop the others
            log.exception("could not stop %s", handle.ref)

    def _restart(self, record: dict[str, Any], sink: "_Sink") -> None:
        self._bring_down(record, sink)
        files.deployment_dir(self.state, record["id"]).joinpath("artifact", ".unpacked").unlink(missing_ok=True)
        self._bring_up(self.get(record["id"]), sink)

    # ---------------------------------------------------------------- scaling
    def scale_to(self, deployment_id: str, target: int, why: str, sink: "_Sink") -> tuple[int, int]:
        """Run ``target`` instances: start the missing ones, or take the newest out of rotation, let
        their calls finish and stop them. Returns (before, after). Only while ACTIVE."""
        with self._deployment_lock(deployment_id):
            route = self.router.get(deployment_id)
            record = self.db.get(KIND, deployment_id)
            if route is None or record is None or record["lifecycleState"] != ACTIVE:
                raise incorrect_state(f"model deployment {deployment_id} is not ACTIVE; it cannot be scaled")
            before = len(route.instances)
            if target > before:
                self._scale_out(record, route, target - before, why, sink)
            elif target < before:
                self._scale_in(record, route, before - target, why, sink)
            after = len(route.instances)
            record = self.get(deployment_id)
            self._store_instances(record, [i.handle for i in route.instances])
            return before, after

    def _scale_out(self, record: dict[str, Any], route: Any, count: int, why: str, sink: "_Sink") -> None:
        used = {int(i.handle.details.get("instance", 0)) for i in route.instances}
        indexes = [n for n in range(len(used) + count + 1) if n not in used][:count]
        sink(f"scaling out by {count} instance(s) ({why})")
        name = self.runtime_of(record) or self._runtime_name(record)[0]
        artifact_dir = model_group_artifacts.unpack(self.state, record)
        handles = self._start_instances(self._runtime(name), self._spec(record, artifact_dir), indexes, sink)
        for handle in handles:
            self.router.add(record["id"], handle)
            sink(f"instance {handle.ref} is in rotation at {handle.url}")

    def _scale_in(self, record: dict[str, Any], route: Any, count: int, why: str, sink: "_Sink") -> None:
        sink(f"scaling in by {count} instance(s) ({why})")
        leaving = sorted(route.instances, key=lambda i: int(i.handle.details.get("instance", 0)))[-count:]
        for instance in leaving:
            self.router.remove(record["id"], instance.ref)
        deadline = time.monotonic() + _DRAIN_SECONDS
        while any(i.inflight > 0 for i in leaving) and time.monotonic() < deadline:
            time.sleep(0.05)
        self._stop_all([i.handle for i in leaving])
        for instance in leaving:
            sink(f"instance {instance.ref} left rotation and stopped")

    def _store_instances(self, record: dict[str, Any], handles: list[ServerHandle]) -> None:
        """Keep where the instances run (to re-attach after a restart) and how many run, in the record."""
        record["_instances"] = [h.to_dict() for h in handles]
        record["_handle"] = handles[0].to_dict() if handles else None
        if record["lifecycleState"] == ACTIVE:
            record.setdefault("modelDeploymentSystemData", {})["currentInstanceCount"] = len(handles)
        self._save(record)

    # ---------------------------------------------------------------- start, stop, monitor
    def resume(self) -> None:
        """On emulator start: bring ACTIVE deployments back (re-attach or restart); finish interrupted ops."""
        for record in self.db.list(KIND, {"lifecycleState": [ACTIVE, *BUSY_DEPLOYMENT_STATES]}).items:
            self._spawn(self._resume_one, (record,), f"resume-{record['id'][-8:]}")

    def _resume_one(self, record: dict[str, Any]) -> None:
        deployment_id = record["id"]
        work = self._unfinished_work(deployment_id) if record["lifecycleState"] in BUSY_DEPLOYMENT_STATES else None
        if work is not None and work["operationType"] in self._resumable():
            self._finish_interrupted(work, deployment_id)
            return
        if record["lifecycleState"] == DELETING:
            self._bring_down(record, self._sink(None, deployment_id))
            self._set(self.get(deployment_id), DELETED, "Deleted")
            return
        stored = _stored_handles(record)
        if record["lifecycleState"] != ACTIVE or not stored:
            self._set(record, FAILED, "the emulator stopped during this operation; activate it again")
            return
        sink = self._sink(None, deployment_id)
        try:
            artifact_dir = model_group_artifacts.unpack(self.state, record)
            spec = self._spec(record, artifact_dir)
            handles = [self._runtime(h.runtime).reattach(h, replace(spec, instance=int(h.details.get("instance", n)), fresh=False),
                                                          sink) for n, h in enumerate(stored)]
        except Exception as exc:  # noqa: BLE001
            tail = getattr(exc, "log_tail", []) or []
            sink(f"could not bring the deployment back: {exc}\n" + "\n".join(tail))
            self._set(self.get(deployment_id), NEEDS_ATTENTION, f"could not bring the server back: {exc}"[:500])
            return
        for n, handle in enumerate(handles):
            handle.details.setdefault("instance", n)
        self.router.set(deployment_id, record["compartmentId"], str(spec.log_dir), handles)
        record = self.get(deployment_id)
        self._store_instances(record, handles)
        self.scaler.track(record)
        self._ensure_monitor()

    def _resumable(self) -> dict[str, tuple[Callable[[dict, "_Sink"], None], str]]:
        """What an operation the emulator was killed in does again at the next start, and its final state.
        Going up restarts: the servers a record names are stopped (a runtime clears unnamed leftovers
        of a fresh start), then the deployment comes up with the configuration it was asked for."""
        return {"MODEL_DEPLOYMENT_CREATE": (self._restart, ACTIVE), "MODEL_DEPLOYMENT_ACTIVATE": (self._restart, ACTIVE),
                "MODEL_DEPLOYMENT_UPDATE": (self._restart, ACTIVE),
                "MODEL_DEPLOYMENT_DEACTIVATE": (self._bring_down, INACTIVE),
                "MODEL_DEPLOYMENT_DELETE": (self._bring_down, DELETED)}

    def _unfinished_work(self, deployment_id: str) -> dict[str, Any] | None:
        """The work request of the deployment that never ended (ACCEPTED or IN_PROGRESS), if any."""
        pending = self.db.list(wr.KIND, {"status": ["ACCEPTED", "IN_PROGRESS"]}).items
        return next((w for w in pending if any(r.get("identifier") == deployment_id for r in w["resources"])), None)

    def _finish_interrupted(self, work: dict[str, Any], deployment_id: str) -> None:
        """Run an operation killed half-way again under its own work request, as OCI's control plane
        finishes the work it accepted: the work request ends and the deployment leaves its busy state."""
        step, final_state = self._resumable()[work["operationType"]]
        self._sink(work["id"], deployment_id)("the emulator stopped during this operation; running it again")
        self._run_operation(work["id"], deployment_id, step, final_state)

    def shutdown(self) -> None:
        """On emulator stop: every model server stops, containers included (no port stays published
        by a stopped emulator). The records stay ACTIVE, so the next start brings them back."""
        self._stop.set()
        if self.endpoint is not None:
            self.endpoint.stop()
        running = [(route.deployment_id, i.handle) for route in list(self.router._routes.values())
                   for i in route.instances]
        self.router.clear()
        stoppers = [threading.Thread(target=self._stop_for_shutdown, args=item, daemon=True) for item in running]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join(timeout=20)
        access_log.close_all()

    def _stop_for_shutdown(self, deployment_id: str, handle: ServerHandle) -> None:
        try:
            self._runtime(handle.runtime).stop(handle)
        except Exception:  # noqa: BLE001 - the others must still stop
            log.exception("could not stop %s", handle.ref)
            return
        self._sink(None, deployment_id)(f"the emulator stopped; stopped the model server ({handle.runtime}, "
                                        f"{handle.ref}); it starts again when the emulator starts")

    def reset(self) -> None:
        """Before the emulator empties its store: let running operations end, stop every server this
        home runs (processes and containers alike), and remove the deployments' files."""
        with self._lock:
            running = list(self._operations)
        for thread in running:
            thread.join(timeout=_RESET_WAIT)
        handles = {h.ref: h for route in list(self.router._routes.values()) for h in (i.handle for i in route.instances)}
        self.router.clear()
        self.scaler.forget_all()
        for record in self.db.list(KIND).items:
            for handle in _stored_handles(record):
                handles.setdefault(handle.ref, handle)
        self._stop_all(list(handles.values()))
        access_log.close_all()
        files.remove_all(self.state)

    def _ensure_monitor(self) -> None:
        with self._lock:
            if self._monitor is None or not self._monitor.is_alive():
                self._monitor = threading.Thread(target=self._watch, name="deployment-monitor", daemon=True)
                self._monitor.start()

    def _watch(self) -> None:
        while not self._stop.wait(1.0):
            for deployment_id, route in list(self.router._routes.items()):
                for instance in route.instances:
                    try:
                        self._check(deployment_id, route, instance)
                    except Exception:  # noqa: BLE001 - the monitor must keep watching the others
                        log.exception("monitoring %s failed", deployment_id)
            try:
                self.scaler.tick()
            except Exception:  # noqa: BLE001
                log.exception("autoscaling failed")

    def _check(self, deployment_id: str, route: Any, instance: Instance) -> None:
        """A dead instance is replaced; a live one is ejected after failed health checks and put back
        in rotation when it answers again (the last healthy one is never ejected for being slow)."""
        handle = instance.handle
        if not self._runtime(handle.runtime).is_alive(handle):
            self.mark_crashed(deployment_id, handle)
            return
        due, failures = self._health.get(handle.ref, (0.0, 0))
        if time.monotonic() < due:
            return
        try:
            healthy = requests.get(handle.health_url, timeout=1.0).status_code == 200
        except requests.RequestException:
            healthy = False
        failures = 0 if healthy else failures + 1
        self._health[handle.ref] = (time.monotonic() + _HEALTH_EVERY, failures)
        sink = self._sink(None, deployment_id)
        if healthy and restore(instance):
            sink(f"instance {handle.ref} answers its health check again: back in rotation")
        elif failures >= _HEALTH_FAILURES and len(route.healthy()) > 1 and eject(instance, "failed health checks"):
            sink(f"instance {handle.ref} failed {failures} health checks in a row: ejected until it answers")

    def instance_refused(self, deployment_id: str, instance: Instance, reason: str) -> None:
        """The gateway could not connect to an instance (and ejected it): a dead one is replaced."""
        self._sink(None, deployment_id)(f"{reason}: ejected")
        if not self.server_alive(instance.handle):
            self.mark_crashed(deployment_id, instance.handle)

    def mark_crashed(self, deployment_id: str, handle: ServerHandle) -> None:
        """A server that died under an ACTIVE deployment leaves the routing table at once, its last
        output goes to the predict log, and a replacement starts; with no instance left the
        deployment turns NEEDS_ATTENTION instead."""
        with self._deployment_lock(deployment_id):
            if self.router.remove(deployment_id, handle.ref) is None:
                return  # already handled
            route = self.router.get(deployment_id)
            remaining = len(route.instances) if route else 0
            if not remaining:
                self.router.drop(deployment_id)
                self.scaler.forget(deployment_id)
        record = self.db.get(KIND, deployment_id)
        if record is None or record["lifecycleState"] != ACTIVE:
            return
        runtime = self._runtime(handle.runtime)
        tail = runtime.log_tail(handle, 30)
        if handle.runtime == "docker":
            runtime.stop(handle)  # keeps its logs in server.log, frees the name
        note = "the model server stopped unexpectedly; its last output:\n" + "\n".join(tail)
        sink = self._sink(None, deployment_id)
        sink(note)
        files.predict_log_note(self.state, deployment_id, note)
        last = next((line for line in reversed(tail) if line.strip()), "no output")
        if remaining:
            self._store_instances(record, self.router.handles(deployment_id))
            sink(f"instance {handle.ref} ejected; {remaining} instance(s) serve while a replacement starts")
            self._spawn(self._replace, (deployment_id, remaining + 1), f"replace-{deployment_id[-8:]}")
            return
        record["modelDeploymentSystemData"]["currentInstanceCount"] = 0
        record["_instances"], record["_handle"] = [], None
        self._set(record, NEEDS_ATTENTION, f"the model server stopped unexpectedly: {last.strip()[:300]}")

    def _replace(self, deployment_id: str, target: int) -> None:
        sink = self._sink(None, deployment_id)
        try:
            self.scale_to(deployment_id, target, "replacing an instance that stopped", sink)
        except Exception as exc:  # noqa: BLE001 - the others keep serving; say why in the deploy log
            sink(f"could not start a replacement instance: {getattr(exc, 'message', exc)}")

    def server_alive(self, handle: ServerHandle) -> bool:
        try:
            return self._runtime(handle.runtime).is_alive(handle)
        except Exception:  # noqa: BLE001 - an engine that stopped answering counts as dead
            return False

    def runtime_of(self, record: dict[str, Any]) -> str | None:
        """The runtime that serves (or last served) the deployment, docker or process; None before a start."""
        return record.get("_runtime") or (record.get("_handle") or {}).get("runtime")

    def upstream(self, deployment_id: str) -> ServerHandle | None:
        """The first running instance of a deployment (None when it has none)."""
        handles = self.router.handles(deployment_id)
        return handles[0] if handles else None

    def instances(self, deployment_id: str) -> list[ServerHandle]:
        """Every running instance of a deployment, in rotation or ejected."""
        return self.router.handles(deployment_id)

    def unroutable(self, deployment_id: str) -> OCIError:
        """Why a predict for ``deployment_id`` has nowhere to go: 404 unknown, 409 not ACTIVE, 503 no server."""
        if not is_valid_ocid(deployment_id):
            return not_found("model deployment", deployment_id)
        record = self.db.get(KIND, deployment_id)
        if record is None:
            return not_found("model deployment", deployment_id)
        if record["lifecycleState"] != ACTIVE:
            return incorrect_state(f"model deployment {deployment_id} is {record['lifecycleState']}, not ACTIVE; "
                                   "activate it before predicting")
        return OCIError(503, "ServiceUnavailable", f"model deployment {deployment_id} has no running server "
                        f"({record['lifecycleState']}); see its logs")

    def prewarm(self) -> None:
        """When deployments will run as processes, start the warm fork server now (in the background)
        with the quickstart's frameworks imported, so the first deploy does not wait for imports."""
        from emulator.runtimes import docker_problem

        runtime = (self.state.config.runtime or "auto").lower()

        def warm() -> None:
            if runtime == "process" or (runtime == "auto" and docker_problem()):
                self._runtime("process").prewarm(["scikit-learn", "joblib", "cloudpickle"])

        if runtime in ("process", "auto"):
            threading.Thread(target=warm, name="prewarm", daemon=True).start()

    # ---------------------------------------------------------------- the endpoint
    def serve_endpoint(self, host: str, port: int) -> str:
        """Serve ``modelDeploymentUrl`` from an endpoint server of its own on ``host:port``."""
        from emulator.model_deployment.gateway_proxy import EndpointServer

        config = self.state.config
        authenticate = self._authenticate_call if config.auth_mode == "enforce" else None
        self.endpoint = EndpointServer(self.router, self.unroutable, authenticate, self.instance_refused,
                                       config.max_payload_bytes, host, port)
        self.endpoint_url = self.endpoint.start()
        return self.endpoint_url

    def deployment_url(self, host_url: str, deployment_id: str) -> str:
        """``modelDeploymentUrl``: the endpoint's port on the host name the caller used for the API (so it
        is reachable wherever the API was), or the API's own URL when no endpoint is served."""
        if self.endpoint is None:
            return f"{host_url.rstrip('/')}/{deployment_id}"
        parts = urlsplit(host_url)
        host = parts.hostname or "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        return f"{parts.scheme or 'http'}://{host}:{self.endpoint.port}/{deployment_id}"

    def _authenticate_call(self, exchange: Any, deployment_id: str, route: Any) -> None:
        from emulator.auth.enforce import authenticate_call

        body = exchange.body_bytes()
        authenticate_call(self.db, self.state.config.home, exchange.method.decode("latin-1"),
                          exchange.url.decode("latin-1"), exchange.header,
                          lambda: (hashlib.sha256(body).digest(), len(body)), deployment_id,
                          route.compartment_id if route else None)

    def _deployment_lock(self, deployment_id: str) -> threading.RLock:
        """Serializes what changes a deployment's instances (start, stop, scale, replace)."""
        with self._lock:
            return self._deployment_locks.setdefault(deployment_id, threading.RLock())

    # ---------------------------------------------------------------- helpers
    def _work_request(self, operation: str, record: dict[str, Any], action: str) -> dict[str, Any]:
        resource = wr.resource("modelDeployment", record["id"], action, f"/modelDeployments/{record['id']}")
        return wr.create(self.db, operation, record["compartmentId"], [resource], self.state.config.region)

    def _sink(self, wr_id: str | None, deployment_id: str) -> "_Sink":
        return _Sink(self.db, wr_id, files.log_dir(self.state, deployment_id) / "deploy.jsonl")

    def _runtime_name(self, record: dict[str, Any]) -> tuple[str, str]:
        """The concrete runtime for this deployment and why (auto's choice is never silent)."""
        requested, base_image = self._settings(record)
        if _is_byoc(record):
            return byoc_runtime(_env_config(record).get("image"), requested)
        return choose(requested, images.resolve(base_image) if requested == "auto" else None)

    def _settings(self, record: dict[str, Any]) -> tuple[str, str | None]:
        """(runtime, explicit base image) of a deployment: the caller's tags win over this emulator's
        settings, so a DOCKYARD_RUNTIME / DOCKYARD_BASE_IMAGE changed after it started still counts."""
        tags = record.get("freeformTags") or {}
        try:
            requested = check_runtime(tags.get(RUNTIME_TAG) or self.state.config.runtime, source=RUNTIME_TAG)
        except SettingError as exc:
            raise invalid(f"freeform tag {exc}") from None
        return requested, tags.get(BASE_IMAGE_TAG) or self.state.config.base_image

    def _preflight(self, record: dict[str, Any]) -> None:
        """Refuse (400, before any record or work request) a docker deployment that cannot start here."""
        if _is_byoc(record):
            return
        requested, base_image = self._settings(record)
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

    def _runtime(self, name: str) -> Any:
        with self._lock:
            if name not in self._runtimes:
                config = self.state.config
                self._runtimes[name] = make(name, config.home, config.base_image, config.java_base_image)
            return self._runtimes[name]

    def _spec(self, record: dict[str, Any], artifact_dir: Any) -> ServerSpec:
        env_cfg = _env_config(record)
        env = {str(k): str(v) for k, v in (env_cfg.get("environmentVariables") or {}).items()}
        spec = ServerSpec(deployment_id=record["id"], artifact_dir=artifact_dir,
                          log_dir=files.log_dir(self.state, record["id"]), env=env,
                          max_payload_bytes=self.state.config.max_payload_bytes,
                          base_image=self._settings(record)[1])
        if not _is_byoc(record):  # BYOC brings its own environment
            spec.requirements = artifact_requirements(artifact_dir, conda_packs.lookup(self.state))
            return spec
        spec.image = env_cfg.get("image")
        spec.entrypoint = env_cfg.get("entrypoint") or None
        spec.cmd = env_cfg.get("cmd") or None
        spec.server_port = int(env_cfg.get("serverPort") or DEFAULT_SERVER_PORT)
        spec.health_check_port = int(env_cfg.get("healthCheckPort") or spec.server_port)
        return spec

    def _require_not_busy(self, deployment_id: str) -> dict[str, Any]:
        record = self.get(deployment_id)
        if record["lifecycleState"] in (*BUSY_DEPLOYMENT_STATES, DELETED):
            raise incorrect_state(f"model deployment {deployment_id} is {record['lifecycleState']}.")
        return record

    def _set(self, record: dict[str, Any], lifecycle: str, details: str) -> None:
        """Move to ``lifecycle``; DELETED makes the record a tombstone, readable until the retention purges it."""
        record["lifecycleDetails"] = details
        if lifecycle == DELETED:
            self.state.tombstones.bury(KIND, record, new_etag())
            return
        record["lifecycleState"] = lifecycle
        self._save(record)

    def _save(self, record: dict[str, Any]) -> None:
        record["_etag"] = new_etag()
        self.db.update(KIND, record["id"], record)


def _pause_if_asked(window: str) -> None:
    """Test-only (PAUSE_ENV): hold this process in ``window`` until the test kills it; no-op when unset."""
    asked, _, flag = os.environ.get(PAUSE_ENV, "").partition(":")
    if asked != window:
        return
    Path(flag).write_text(str(os.getpid()))
    while True:
        time.sleep(60)


class _Sink:
    """Where an operation's output goes: the deployment's deploy log, and its work request's logs.

    Callable with one line (the runtimes' LogSink); ``progress`` also moves percentComplete."""

    def __init__(self, db: Any, wr_id: str | None, path: Any) -> None:
        self.db, self.wr_id, self.path, self.count = db, wr_id, path, 0

    def __call__(self, line: str) -> None:
        self.to_file(line)
        if self.wr_id and self.count < _WR_LOG_LIMIT:
            self.count += 1
            wr.log(self.db, self.wr_id, line)

    def to_file(self, line: str) -> None:
        """Only to the deployment's deploy log."""
        files.append_json_line(self.path, {"time": now(), "message": line})

    def progress(self, percent: float, message: str) -> None:
        self.to_file(message)
        if self.wr_id:
            wr.progress(self.db, self.wr_id, percent, message)


def _env_config(record: dict[str, Any]) -> dict[str, Any]:
    return record["modelDeploymentConfigurationDetails"].get("environmentConfigurationDetails") or {}


def _is_byoc(record: dict[str, Any]) -> bool:
    return _env_config(record).get("environmentConfigurationType") == "OCIR_CONTAINER"


def _merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Update details replace the parts they name and keep the rest (as OCI's update does)."""
    merged = dict(old)
    for key, value in new.items():
        if value is None:
            continue
        merged[key] = _merge(old[key], value) if isinstance(value, dict) and isinstance(old.get(key), dict) else value
    return merged


def _stored_handles(record: dict[str, Any]) -> list[ServerHandle]:
    """The instances a record says run (``_instances``; ``_handle`` alone in records of older versions)."""
    stored = record.get("_instances")
    if stored is None and record.get("_handle"):
        stored = [record["_handle"]]
    return [ServerHandle.from_dict(h) for h in stored or []]
