"""A running deployment's instances: how many run (scaling out and in, for ``instanceCount`` changes and
the autoscaler), where they run (kept in the record, to re-attach after a restart), and what happens
when one dies (it leaves the routing table at once and a replacement starts; with none left the
deployment turns NEEDS_ATTENTION).
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

from emulator.contracts.states import ACTIVE, NEEDS_ATTENTION
from emulator.errors import incorrect_state
from emulator.model_deployment import files, model_group_artifacts, records
from emulator.model_deployment.balancer import Route, Router
from emulator.model_deployment.provisioning import Provisioner
from emulator.model_deployment.work_log import OperationLog, operation_log
from emulator.runtimes import ServerHandle
from emulator.state import EmulatorState

DRAIN_SECONDS = 30.0  # how long an instance taken out of rotation may finish its calls in flight


class Instances:
    """Changes to the instances of ACTIVE deployments, one deployment at a time (:meth:`lock`)."""

    def __init__(self, state: EmulatorState, router: Router, provisioner: Provisioner,
                 spawn: Callable[[Callable[..., None], tuple, str], None],
                 stopped_serving: Callable[[str], None]) -> None:
        self.state = state
        self.router = router
        self.provisioner = provisioner
        self._spawn = spawn  # runs a function on a thread the service's reset waits for
        self._stopped_serving = stopped_serving  # a deployment has no instance left (the autoscaler forgets it)
        self._locks: dict[str, threading.RLock] = {}
        self._lock = threading.Lock()

    def lock(self, deployment_id: str) -> threading.RLock:
        """Serializes what changes a deployment's instances (start, stop, scale, replace)."""
        with self._lock:
            return self._locks.setdefault(deployment_id, threading.RLock())

    def store(self, record: dict[str, Any], handles: list[ServerHandle]) -> None:
        """Keep where the instances run (to re-attach after a restart) and how many run, in the record."""
        record["_instances"] = [h.to_dict() for h in handles]
        record["_handle"] = handles[0].to_dict() if handles else None
        if record["lifecycleState"] == ACTIVE:
            record.setdefault("modelDeploymentSystemData", {})["currentInstanceCount"] = len(handles)
        records.save(self.state, record)

    def scale_to(self, deployment_id: str, target: int, why: str, sink: OperationLog) -> tuple[int, int]:
        """Run ``target`` instances: start the missing ones, or take the newest out of rotation, let
        their calls finish and stop them. Returns (before, after). Only while ACTIVE."""
        with self.lock(deployment_id):
            route = self.router.get(deployment_id)
            record = self.state.db.get(records.KIND, deployment_id)
            if route is None or record is None or record["lifecycleState"] != ACTIVE:
                raise incorrect_state(f"model deployment {deployment_id} is not ACTIVE; it cannot be scaled")
            before = len(route.instances)
            if target > before:
                self._scale_out(record, route, target - before, why, sink)
            elif target < before:
                self._scale_in(record, route, before - target, why, sink)
            after = len(route.instances)
            self.store(records.get(self.state, deployment_id), [i.handle for i in route.instances])
            return before, after

    def _scale_out(self, record: dict[str, Any], route: Route, count: int, why: str, sink: OperationLog) -> None:
        used = {int(i.handle.details.get("instance", 0)) for i in route.instances}
        indexes = [n for n in range(len(used) + count + 1) if n not in used][:count]
        sink(f"scaling out by {count} instance(s) ({why})")
        name = runtime_of(record) or self.provisioner.runtime_name(record)[0]
        artifact_dir = model_group_artifacts.unpack(self.state, record)
        handles = self.provisioner.start_instances(self.provisioner.runtime(name),
                                                   self.provisioner.spec(record, artifact_dir), indexes, sink)
        for handle in handles:
            self.router.add(record["id"], handle)
            sink(f"instance {handle.ref} is in rotation at {handle.url}")

    def _scale_in(self, record: dict[str, Any], route: Route, count: int, why: str, sink: OperationLog) -> None:
        sink(f"scaling in by {count} instance(s) ({why})")
        leaving = sorted(route.instances, key=lambda i: int(i.handle.details.get("instance", 0)))[-count:]
        for instance in leaving:
            self.router.remove(record["id"], instance.ref)
        deadline = time.monotonic() + DRAIN_SECONDS
        while any(i.inflight > 0 for i in leaving) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.provisioner.stop_all([i.handle for i in leaving])
        for instance in leaving:
            sink(f"instance {instance.ref} left rotation and stopped")

    def mark_crashed(self, deployment_id: str, handle: ServerHandle) -> None:
        """A server that died under an ACTIVE deployment leaves the routing table at once, its last
        output goes to the predict log, and a replacement starts; with no instance left the
        deployment turns NEEDS_ATTENTION instead."""
        with self.lock(deployment_id):
            if self.router.remove(deployment_id, handle.ref) is None:
                return  # already handled
            route = self.router.get(deployment_id)
            remaining = len(route.instances) if route else 0
            if not remaining:
                self.router.drop(deployment_id)
                self._stopped_serving(deployment_id)
        record = self.state.db.get(records.KIND, deployment_id)
        if record is None or record["lifecycleState"] != ACTIVE:
            return
        runtime = self.provisioner.runtime(handle.runtime)
        tail = runtime.log_tail(handle, 30)
        runtime.release_crashed(handle)
        note = "the model server stopped unexpectedly; its last output:\n" + "\n".join(tail)
        sink = operation_log(self.state, None, deployment_id)
        sink(note)
        files.predict_log_note(self.state, deployment_id, note)
        last = next((line for line in reversed(tail) if line.strip()), "no output")
        if remaining:
            self.store(record, self.router.handles(deployment_id))
            sink(f"instance {handle.ref} ejected; {remaining} instance(s) serve while a replacement starts")
            self._spawn(self._replace, (deployment_id, remaining + 1), f"replace-{deployment_id[-8:]}")
            return
        record["modelDeploymentSystemData"]["currentInstanceCount"] = 0
        record["_instances"], record["_handle"] = [], None
        records.set_state(self.state, record, NEEDS_ATTENTION,
                          f"the model server stopped unexpectedly: {last.strip()[:300]}")

    def _replace(self, deployment_id: str, target: int) -> None:
        sink = operation_log(self.state, None, deployment_id)
        try:
            self.scale_to(deployment_id, target, "replacing an instance that stopped", sink)
        except Exception as exc:  # noqa: BLE001 - the others keep serving; say why in the deploy log
            sink(f"could not start a replacement instance: {getattr(exc, 'message', exc)}")


def runtime_of(record: dict[str, Any]) -> str | None:
    """The runtime that serves (or last served) the deployment, docker or process; None before a start."""
    return record.get("_runtime") or (record.get("_handle") or {}).get("runtime")
