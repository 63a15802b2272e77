"""The long operations on a deployment (create, update, activate, deactivate, delete), each under its
work request on a background thread, and their resumption after the emulator was stopped or killed.

Honest states: a deployment is ACTIVE only once its servers answered /health; a failed start is FAILED
with the server's last log lines in the work request's errors. An operation the emulator was killed in
runs again at the next start under its own work request, as OCI's control plane finishes the work it
accepted.
"""
from __future__ import annotations

import logging
import os
import threading
import time
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from emulator.contracts.states import (ACTIVE, BUSY_DEPLOYMENT_STATES, CREATING, DELETED, DELETING, FAILED, INACTIVE,
                                       NEEDS_ATTENTION, UPDATING)
from emulator.data_science import work_requests as wr
from emulator.errors import OCIError, incorrect_state
from emulator.model_deployment import autoscaling, configuration, files, model_group_artifacts, records
from emulator.model_deployment.balancer import Router
from emulator.model_deployment.instances import Instances
from emulator.model_deployment.provisioning import Provisioner, is_byoc, stored_handles
from emulator.model_deployment.work_log import OperationLog, open_work_request, operation_log
from emulator.ocid import new_ocid
from emulator.runtimes import RuntimeFailure
from emulator.runtimes.requirements import environment_source
from emulator.state import EmulatorState
from emulator.wire import new_etag, now

log = logging.getLogger(__name__)

_FINAL_DETAILS = {ACTIVE: "", INACTIVE: "Deactivated", DELETED: "Deleted"}
# Test-only: "<window>:<flag file>" holds this process inside a deployment operation's crash window,
# after writing <flag file>, so a test can kill -9 it there. Windows: "started" (the new servers answer
# /health but no record names them yet) and "stopping" (the servers left the routing table, still run).
PAUSE_ENV = "DOCKYARD_TEST_PAUSE_IN_DEPLOYMENT_WINDOW"
Step = Callable[[dict, OperationLog], None]


class Operations:
    """What the API's deployment calls do, and what a restart finishes."""

    def __init__(self, state: EmulatorState, router: Router, provisioner: Provisioner, instances: Instances,
                 scaler: autoscaling.Autoscaler, spawn: Callable[[Callable[..., None], tuple, str], None],
                 watch: Callable[[], None]) -> None:
        self.state = state
        self.router = router
        self.provisioner = provisioner
        self.instances = instances
        self.scaler = scaler
        self._spawn = spawn  # runs a function on a thread the service's reset waits for
        self._watch = watch  # makes sure the monitor runs
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- the API's calls
    def create(self, details: dict[str, Any], created_by: str) -> tuple[dict[str, Any], str]:
        """Store a CREATING deployment and start bringing it up on a background thread.

        ``created_by`` is the caller's user OCID (``emulator.wire.caller``), as for every resource.
        A docker deployment that cannot start here (no engine, no base image) is refused at once
        with the fix, so no FAILED deployment is left behind."""
        self.provisioner.preflight(details)
        record = {
            "id": new_ocid("datasciencemodeldeployment", self.state.config.region),
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
        self.state.db.insert(records.KIND, record)
        work = open_work_request(self.state, "MODEL_DEPLOYMENT_CREATE", record, "CREATED")
        self._background(work["id"], record["id"], self.bring_up, ACTIVE)
        return record, work["id"]

    def update(self, deployment_id: str, details: dict[str, Any]) -> str:
        """Apply changes; a changed configuration of an ACTIVE deployment restarts its server."""
        record = self._require_not_busy(deployment_id)
        restart = record["lifecycleState"] == ACTIVE and details.get("modelDeploymentConfigurationDetails")
        for key in ("displayName", "description", "freeformTags", "definedTags", "categoryLogDetails"):
            if details.get(key) is not None:
                record[key] = details[key]
        if details.get("modelDeploymentConfigurationDetails"):
            record["modelDeploymentConfigurationDetails"] = merge(
                record["modelDeploymentConfigurationDetails"], details["modelDeploymentConfigurationDetails"])
        work = open_work_request(self.state, "MODEL_DEPLOYMENT_UPDATE", record, "UPDATED")
        if restart:
            records.set_state(self.state, record, UPDATING, "Updating the model deployment")
            self._background(work["id"], deployment_id, self.restart, ACTIVE)
        else:
            records.save(self.state, record)
            wr.succeed(self.state.db, work["id"], "model deployment updated")
        return work["id"]

    def activate(self, deployment_id: str) -> str:
        self.provisioner.preflight(records.get(self.state, deployment_id))
        record = self._claim(deployment_id, (INACTIVE, NEEDS_ATTENTION, FAILED), "activated",
                             "Activating the model deployment")
        work = open_work_request(self.state, "MODEL_DEPLOYMENT_ACTIVATE", record, "UPDATED")
        self._background(work["id"], deployment_id, self.bring_up, ACTIVE)
        return work["id"]

    def deactivate(self, deployment_id: str) -> str:
        record = self._claim(deployment_id, (ACTIVE, NEEDS_ATTENTION), "deactivated",
                             "Deactivating the model deployment")
        work = open_work_request(self.state, "MODEL_DEPLOYMENT_DEACTIVATE", record, "UPDATED")
        self._background(work["id"], deployment_id, self.bring_down, INACTIVE)
        return work["id"]

    def delete(self, deployment_id: str) -> str:
        record = self._claim(deployment_id, (ACTIVE, INACTIVE, FAILED, NEEDS_ATTENTION), "deleted",
                             "Deleting the model deployment", busy_state=DELETING)
        work = open_work_request(self.state, "MODEL_DEPLOYMENT_DELETE", record, "DELETED")
        self._background(work["id"], deployment_id, self.bring_down, DELETED)
        return work["id"]

    def _claim(self, deployment_id: str, allowed: tuple[str, ...], verb: str, details: str,
               busy_state: str = UPDATING) -> dict[str, Any]:
        """Check the state and move to ``busy_state`` atomically, so two calls cannot both start work."""
        with self._lock:
            record = records.get(self.state, deployment_id)
            if record["lifecycleState"] not in allowed:
                raise incorrect_state(f"model deployment {deployment_id} is {record['lifecycleState']}; only "
                                      f"{', '.join(allowed)} deployments can be {verb}.")
            records.set_state(self.state, record, busy_state, details)
            return record

    def _require_not_busy(self, deployment_id: str) -> dict[str, Any]:
        record = records.get(self.state, deployment_id)
        if record["lifecycleState"] in (*BUSY_DEPLOYMENT_STATES, DELETED):
            raise incorrect_state(f"model deployment {deployment_id} is {record['lifecycleState']}.")
        return record

    # ---------------------------------------------------------------- one operation, start to end
    def _background(self, wr_id: str, deployment_id: str, step: Step, final_state: str) -> None:
        self._spawn(self.run, (wr_id, deployment_id, step, final_state), f"deploy-{deployment_id[-8:]}")

    def run(self, wr_id: str, deployment_id: str, step: Step, final_state: str) -> None:
        """Run one long operation, ending its work request and the deployment in an honest final state."""
        sink = operation_log(self.state, wr_id, deployment_id)
        db = self.state.db
        wr.start(db, wr_id, f"{records.get(self.state, deployment_id)['lifecycleState'].lower()} {deployment_id}")
        try:
            step(records.get(self.state, deployment_id), sink)
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
            record = records.get(self.state, deployment_id)
            record.setdefault("modelDeploymentSystemData", {})["currentInstanceCount"] = 0
            records.set_state(self.state, record, FAILED, f"{message[:420]}; {logs}")
            wr.fail(db, wr_id, "ModelDeploymentFailed", detail)
            return
        record = records.get(self.state, deployment_id)
        count = len(self.router.handles(deployment_id)) if final_state == ACTIVE else 0
        record.setdefault("modelDeploymentSystemData", {})["currentInstanceCount"] = count
        details = (record.get("_runtimeReason") or "") if final_state == ACTIVE else _FINAL_DETAILS[final_state]
        records.set_state(self.state, record, final_state, details)
        if final_state == ACTIVE:
            self.scaler.track(record)
        wr.succeed(db, wr_id, f"model deployment is {final_state}")

    def bring_up(self, record: dict[str, Any], sink: OperationLog) -> None:
        deployment_id = record["id"]
        served = configuration.model_group_id(record) or configuration.model_id(record)
        artifact_dir = model_group_artifacts.unpack(self.state, record)
        sink.progress(10, f"artifact of {served} unpacked at {artifact_dir}")
        if not is_byoc(record):
            sink(f"environment: {environment_source(artifact_dir)}")
        name, reason = self.provisioner.runtime_name(record)
        sink(reason)
        runtime = self.provisioner.runtime(name)
        count = autoscaling.initial_count(record)
        sink.progress(20, f"starting {count} instance(s) of the model server ({name} runtime)")
        spec = self.provisioner.spec(record, artifact_dir)
        with self.instances.lock(deployment_id):
            handles = self.provisioner.start_instances(runtime, spec, list(range(count)), sink, fresh=True)
            _pause_if_asked("started")
            sink.progress(95, "model server healthy at " + ", ".join(h.url for h in handles))
            self.router.set(deployment_id, record["compartmentId"], str(spec.log_dir), handles)
            record = records.get(self.state, deployment_id)
            record["_runtime"] = name
            record["_runtimeReason"] = f"Serving with the {name} runtime ({reason})"
            self.instances.store(record, handles)
        self._watch()

    def bring_down(self, record: dict[str, Any], sink: OperationLog) -> None:
        deployment_id = record["id"]
        with self.instances.lock(deployment_id):
            self.scaler.forget(deployment_id)
            route = self.router.drop(deployment_id)
            handles = [i.handle for i in route.instances] if route else stored_handles(record)
            _pause_if_asked("stopping")
            for handle in handles:
                sink(f"stopping the model server ({handle.runtime}, {handle.ref})")
            self.provisioner.stop_all(handles)
            record = records.get(self.state, deployment_id)
            record.pop("_handle", None)
            record.pop("_instances", None)
            records.save(self.state, record)

    def restart(self, record: dict[str, Any], sink: OperationLog) -> None:
        self.bring_down(record, sink)
        files.deployment_dir(self.state, record["id"]).joinpath("artifact", ".unpacked").unlink(missing_ok=True)
        self.bring_up(records.get(self.state, record["id"]), sink)

    # ---------------------------------------------------------------- after a restart
    def resume(self) -> None:
        """On emulator start: bring ACTIVE deployments back (re-attach or restart); finish interrupted ops."""
        for record in self.state.db.list(records.KIND, {"lifecycleState": [ACTIVE, *BUSY_DEPLOYMENT_STATES]}).items:
            self._spawn(self._resume_one, (record,), f"resume-{record['id'][-8:]}")

    def forget_servers(self) -> None:
        """After a snapshot replaced the records: the servers they name are another emulator's (or
        stopped), so no handle is kept; ACTIVE deployments are marked to start anew at resume."""
        for record in self.state.db.list(records.KIND).items:
            if not stored_handles(record) and record["lifecycleState"] != ACTIVE:
                continue
            record.pop("_instances", None)
            record.pop("_handle", None)
            if record["lifecycleState"] == ACTIVE:
                record[records.RESTORED] = True
            self.state.db.update(records.KIND, record["id"], record)

    def _resume_one(self, record: dict[str, Any]) -> None:
        deployment_id = record["id"]
        if record.get(records.RESTORED) and record["lifecycleState"] == ACTIVE:
            self._start_restored(record)
            return
        work = self._unfinished_work(deployment_id) if record["lifecycleState"] in BUSY_DEPLOYMENT_STATES else None
        if work is not None and work["operationType"] in self._resumable():
            self._finish_interrupted(work, deployment_id)
            return
        if record["lifecycleState"] == DELETING:
            self.bring_down(record, operation_log(self.state, None, deployment_id))
            records.set_state(self.state, records.get(self.state, deployment_id), DELETED, "Deleted")
            return
        stored = stored_handles(record)
        if record["lifecycleState"] != ACTIVE or not stored:
            records.set_state(self.state, record, FAILED, "the emulator stopped during this operation; activate it again")
            return
        sink = operation_log(self.state, None, deployment_id)
        try:
            artifact_dir = model_group_artifacts.unpack(self.state, record)
            spec = self.provisioner.spec(record, artifact_dir)
            handles = [self.provisioner.runtime(h.runtime).reattach(
                h, replace(spec, instance=int(h.details.get("instance", n)), fresh=False), sink)
                for n, h in enumerate(stored)]
        except Exception as exc:  # noqa: BLE001
            self._needs_attention(deployment_id, sink, exc, "bring the deployment back", "bring the server back")
            return
        for n, handle in enumerate(handles):
            handle.details.setdefault("instance", n)
        self.router.set(deployment_id, record["compartmentId"], str(spec.log_dir), handles)
        record = records.get(self.state, deployment_id)
        self.instances.store(record, handles)
        self.scaler.track(record)
        self._watch()

    def _start_restored(self, record: dict[str, Any]) -> None:
        """Bring up a deployment a snapshot restored as ACTIVE, with new servers."""
        deployment_id = record["id"]
        sink = operation_log(self.state, None, deployment_id)
        sink("restored from a snapshot; starting its model server(s)")
        try:
            self.bring_up(record, sink)
        except Exception as exc:  # noqa: BLE001
            self._needs_attention(deployment_id, sink, exc, "bring the restored deployment up",
                                  "start the restored deployment")
            return
        record = records.get(self.state, deployment_id)
        record.pop(records.RESTORED, None)
        records.save(self.state, record)
        self.scaler.track(record)

    def _needs_attention(self, deployment_id: str, sink: OperationLog, exc: Exception, logged: str,
                         details: str) -> None:
        """A deployment the emulator could not bring back: its log says why, with the server's last lines."""
        tail = getattr(exc, "log_tail", []) or []
        sink(f"could not {logged}: {exc}\n" + "\n".join(tail))
        records.set_state(self.state, records.get(self.state, deployment_id), NEEDS_ATTENTION,
                          f"could not {details}: {exc}"[:500])

    def _resumable(self) -> dict[str, tuple[Step, str]]:
        """What an operation the emulator was killed in does again at the next start, and its final state.
        Going up restarts: the servers a record names are stopped (a runtime clears unnamed leftovers
        of a fresh start), then the deployment comes up with the configuration it was asked for."""
        return {"MODEL_DEPLOYMENT_CREATE": (self.restart, ACTIVE), "MODEL_DEPLOYMENT_ACTIVATE": (self.restart, ACTIVE),
                "MODEL_DEPLOYMENT_UPDATE": (self.restart, ACTIVE),
                "MODEL_DEPLOYMENT_DEACTIVATE": (self.bring_down, INACTIVE),
                "MODEL_DEPLOYMENT_DELETE": (self.bring_down, DELETED)}

    def _unfinished_work(self, deployment_id: str) -> dict[str, Any] | None:
        """The work request of the deployment that never ended (ACCEPTED or IN_PROGRESS), if any."""
        pending = self.state.db.list(wr.KIND, {"status": ["ACCEPTED", "IN_PROGRESS"]}).items
        return next((w for w in pending if any(r.get("identifier") == deployment_id for r in w["resources"])), None)

    def _finish_interrupted(self, work: dict[str, Any], deployment_id: str) -> None:
        """Run an operation killed half-way again under its own work request: the work request ends and
        the deployment leaves its busy state."""
        step, final_state = self._resumable()[work["operationType"]]
        operation_log(self.state, work["id"], deployment_id)("the emulator stopped during this operation; running it again")
        self.run(work["id"], deployment_id, step, final_state)


def merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Update details replace the parts they name and keep the rest (as OCI's update does)."""
    merged = dict(old)
    for key, value in new.items():
        if value is None:
            continue
        merged[key] = merge(old[key], value) if isinstance(value, dict) and isinstance(old.get(key), dict) else value
    return merged


def _pause_if_asked(window: str) -> None:
    """Test-only (PAUSE_ENV): hold this process in ``window`` until the test kills it; no-op when unset."""
    asked, _, flag = os.environ.get(PAUSE_ENV, "").partition(":")
    if asked != window:
        return
    Path(flag).write_text(str(os.getpid()))
    while True:
        time.sleep(60)
