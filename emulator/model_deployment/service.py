"""Model deployment logic: records in the store, long operations on background threads through work
requests, servers through the runtimes, a monitor for crashed servers, resume after restart.

No HTTP here: routes parse and render, this module decides. Honest states: a deployment is ACTIVE
only once its server answered /health; a failed start is FAILED with the server's last log lines
in the work request errors; a server that dies later turns the deployment NEEDS_ATTENTION.
"""
from __future__ import annotations

import logging
import threading
import time
import traceback
from typing import Any, Callable

from flask import Flask, current_app

from emulator.contracts.deployments import BASE_IMAGE_TAG, DEFAULT_SERVER_PORT, RUNTIME_TAG
from emulator.contracts.states import (ACTIVE, BUSY_DEPLOYMENT_STATES, CREATING, DELETED, DELETING, FAILED, INACTIVE,
                                       NEEDS_ATTENTION, UPDATING)
from emulator.data_science import work_requests as wr
from emulator.errors import OCIError, incorrect_state, invalid, not_found
from emulator.model_deployment import files
from emulator.ocid import new_ocid
from emulator.runtimes import RuntimeFailure, ServerHandle, ServerSpec, choose, docker_problem, make
from emulator.runtimes import base_image as images
from emulator.runtimes.requirements import artifact_requirements
from emulator.settings import RUNTIME_ENV, SettingError, check_runtime
from emulator.state import EmulatorState
from emulator.wire import new_etag, now

log = logging.getLogger(__name__)

KIND = "modeldeployment"
EXTENSION = "dockyard_deployments"  # the app.extensions key; reach it through service_of() / current_service()
_WR_LOG_LIMIT = 400  # work request log lines kept; the full output stays in deploy.jsonl
_FINAL_DETAILS = {ACTIVE: "", INACTIVE: "Deactivated", DELETED: "Deleted"}
_RESET_WAIT = 300.0  # seconds reset() lets a running operation (an image build) finish


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
        self.handles: dict[str, ServerHandle] = {}
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
        count = 1 if final_state == ACTIVE else 0
        record.setdefault("modelDeploymentSystemData", {})["currentInstanceCount"] = count
        self._set(record, final_state, _final_details(record, final_state))
        wr.succeed(self.db, wr_id, f"model deployment is {final_state}")

    def _bring_up(self, record: dict[str, Any], sink: "_Sink") -> None:
        deployment_id = record["id"]
        model_id = _model_config(record)["modelId"]
        artifact_dir = files.unpack_model_artifact(self.state, model_id, deployment_id)
        sink.progress(10, f"artifact of {model_id} unpacked at {artifact_dir}")
        name, reason = self._runtime_name(record)
        sink(reason)
        runtime = self._runtime(name)
        sink.progress(20, f"starting the model server ({name} runtime)")
        handle = runtime.start(self._spec(record, artifact_dir), sink)
        sink.progress(95, f"model server healthy at {handle.url}")
        with self._lock:
            self.handles[deployment_id] = handle
        record = self.get(deployment_id)
        record["_runtime"], record["_handle"] = name, handle.to_dict()
        record["_runtimeReason"] = f"Serving with the {name} runtime ({reason})"
        self._save(record)
        self._ensure_monitor()

    def _bring_down(self, record: dict[str, Any], sink: "_Sink") -> None:
        with self._lock:
            handle = self.handles.pop(record["id"], None)
        if handle is None and record.get("_handle"):
            handle = ServerHandle.from_dict(record["_handle"])
        if handle is not None:
            sink(f"stopping the model server ({handle.runtime}, {handle.ref})")
            self._runtime(handle.runtime).stop(handle)
        record = self.get(record["id"])
        record.pop("_handle", None)
        self._save(record)

    def _restart(self, record: dict[str, Any], sink: "_Sink") -> None:
        self._bring_down(record, sink)
        files.deployment_dir(self.state, record["id"]).joinpath("artifact", ".unpacked").unlink(missing_ok=True)
        self._bring_up(self.get(record["id"]), sink)

    # ---------------------------------------------------------------- start, stop, monitor
    def resume(self) -> None:
        """On emulator start: bring ACTIVE deployments back (re-attach or restart); finish interrupted ops."""
        for record in self.db.list(KIND, {"lifecycleState": [ACTIVE, *BUSY_DEPLOYMENT_STATES]}).items:
            self._spawn(self._resume_one, (record,), f"resume-{record['id'][-8:]}")

    def _resume_one(self, record: dict[str, Any]) -> None:
        deployment_id = record["id"]
        if record["lifecycleState"] == DELETING:
            self._bring_down(record, self._sink(None, deployment_id))
            self._set(self.get(deployment_id), DELETED, "Deleted")
            return
        if record["lifecycleState"] != ACTIVE or not record.get("_handle"):
            self._set(record, FAILED, "the emulator stopped during this operation; activate it again")
            return
        handle = ServerHandle.from_dict(record["_handle"])
        sink = self._sink(None, deployment_id)
        try:
            artifact_dir = files.unpack_model_artifact(self.state, _model_config(record)["modelId"], deployment_id)
            handle = self._runtime(handle.runtime).reattach(handle, self._spec(record, artifact_dir), sink)
        except Exception as exc:  # noqa: BLE001
            tail = getattr(exc, "log_tail", []) or []
            sink(f"could not bring the deployment back: {exc}\n" + "\n".join(tail))
            self._set(self.get(deployment_id), NEEDS_ATTENTION, f"could not bring the server back: {exc}"[:500])
            return
        with self._lock:
            self.handles[deployment_id] = handle
        record = self.get(deployment_id)
        record["_handle"] = handle.to_dict()
        self._save(record)
        self._ensure_monitor()

    def shutdown(self) -> None:
        """On emulator stop: every model server stops, containers included (no port stays published
        by a stopped emulator). The records stay ACTIVE, so the next start brings them back."""
        self._stop.set()
        with self._lock:
            handles = list(self.handles.items())
            self.handles.clear()
        stoppers = [threading.Thread(target=self._stop_for_shutdown, args=item, daemon=True) for item in handles]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join(timeout=20)

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
        with self._lock:
            handles = dict(self.handles)
            self.handles.clear()
        for record in self.db.list(KIND).items:
            if record["id"] not in handles and record.get("_handle"):
                handles[record["id"]] = ServerHandle.from_dict(record["_handle"])
        for deployment_id, handle in handles.items():
            try:
                self._runtime(handle.runtime).stop(handle)
            except Exception:  # noqa: BLE001 - stop the others; the store is emptied regardless
                log.exception("could not stop the server of %s", deployment_id)
        files.remove_all(self.state)

    def _ensure_monitor(self) -> None:
        with self._lock:
            if self._monitor is None or not self._monitor.is_alive():
                self._monitor = threading.Thread(target=self._watch, name="deployment-monitor", daemon=True)
                self._monitor.start()

    def _watch(self) -> None:
        while not self._stop.wait(1.0):
            for deployment_id, handle in list(self.handles.items()):
                try:
                    if not self._runtime(handle.runtime).is_alive(handle):
                        self.mark_crashed(deployment_id, handle)
                except Exception:  # noqa: BLE001 - the monitor must keep watching the others
                    log.exception("monitoring %s failed", deployment_id)

    def mark_crashed(self, deployment_id: str, handle: ServerHandle) -> None:
        """A server that died under an ACTIVE deployment: NEEDS_ATTENTION, its last output in the predict log."""
        with self._lock:
            if self.handles.get(deployment_id) is not handle:
                return
            self.handles.pop(deployment_id, None)
        record = self.db.get(KIND, deployment_id)
        if record is None or record["lifecycleState"] != ACTIVE:
            return
        runtime = self._runtime(handle.runtime)
        tail = runtime.log_tail(handle, 30)
        if handle.runtime == "docker":
            runtime.stop(handle)  # keeps its logs in server.log, frees the name
        note = "the model server stopped unexpectedly; its last output:\n" + "\n".join(tail)
        self._sink(None, deployment_id)(note)
        files.predict_log_note(self.state, deployment_id, note)
        record["modelDeploymentSystemData"]["currentInstanceCount"] = 0
        last = next((line for line in reversed(tail) if line.strip()), "no output")
        self._set(record, NEEDS_ATTENTION, f"the model server stopped unexpectedly: {last.strip()[:300]}")

    def server_alive(self, handle: ServerHandle) -> bool:
        try:
            return self._runtime(handle.runtime).is_alive(handle)
        except Exception:  # noqa: BLE001 - an engine that stopped answering counts as dead
            return False

    def runtime_of(self, record: dict[str, Any]) -> str | None:
        """The runtime that serves (or last served) the deployment, docker or process; None before a start."""
        return record.get("_runtime") or (record.get("_handle") or {}).get("runtime")

    def upstream(self, deployment_id: str) -> ServerHandle | None:
        with self._lock:
            return self.handles.get(deployment_id)

    # ---------------------------------------------------------------- helpers
    def _work_request(self, operation: str, record: dict[str, Any], action: str) -> dict[str, Any]:
        resource = wr.resource("modelDeployment", record["id"], action, f"/modelDeployments/{record['id']}")
        return wr.create(self.db, operation, record["compartmentId"], [resource], self.state.config.region)

    def _sink(self, wr_id: str | None, deployment_id: str) -> "_Sink":
        return _Sink(self.db, wr_id, files.log_dir(self.state, deployment_id) / "deploy.jsonl")

    def _runtime_name(self, record: dict[str, Any]) -> tuple[str, str]:
        """The concrete runtime for this deployment and why (auto's choice is never silent)."""
        if _is_byoc(record):
            return choose("docker")[0], "bring-your-own-container: the docker runtime"
        requested, base_image = self._settings(record)
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
                self._runtimes[name] = make(name, self.state.config.home, self.state.config.base_image)
            return self._runtimes[name]

    def _spec(self, record: dict[str, Any], artifact_dir: Any) -> ServerSpec:
        env_cfg = _env_config(record)
        env = {str(k): str(v) for k, v in (env_cfg.get("environmentVariables") or {}).items()}
        spec = ServerSpec(deployment_id=record["id"], artifact_dir=artifact_dir,
                          log_dir=files.log_dir(self.state, record["id"]),
                          requirements=artifact_requirements(artifact_dir), env=env,
                          max_payload_bytes=self.state.config.max_payload_bytes,
                          base_image=self._settings(record)[1])
        if _is_byoc(record):
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
        record["lifecycleState"] = lifecycle
        record["lifecycleDetails"] = details
        self._save(record)

    def _save(self, record: dict[str, Any]) -> None:
        record["_etag"] = new_etag()
        self.db.update(KIND, record["id"], record)


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


def _final_details(record: dict[str, Any], final_state: str) -> str:
    """lifecycleDetails at the end of an operation; an ACTIVE deployment asking for more instances than
    the one server the emulator runs says so (the record keeps the instanceCount asked for)."""
    details = (record.get("_runtimeReason") or "") if final_state == ACTIVE else _FINAL_DETAILS[final_state]
    wanted = int((_model_config(record).get("scalingPolicy") or {}).get("instanceCount") or 1)
    if final_state == ACTIVE and wanted > 1:
        note = (f"1 of {wanted} instances running: the emulator runs one model server per deployment "
                f"(instanceCount {wanted} recorded)")
        details = f"{details}; {note}" if details else note
    return details


def _model_config(record: dict[str, Any]) -> dict[str, Any]:
    return record["modelDeploymentConfigurationDetails"].get("modelConfigurationDetails") or {}


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
