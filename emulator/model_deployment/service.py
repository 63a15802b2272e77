"""The model deployment service: one per emulator app, the one object the routes, the gateways and
the console talk to. It wires the parts, each a module of its own job, and keeps their lifecycle:

- ``operations``: create, update, activate, deactivate, delete, each under its work request on a
  background thread, and what a restart finishes (``resume``);
- ``provisioning``: which runtime serves a deployment and why, its ``ServerSpec``, starting and
  stopping servers through the runtimes;
- ``instances``: how many servers run (scaling), where (kept in the record), a crashed one replaced;
- ``monitoring``: health checks of every instance, ejection and return, the autoscaler's and the
  metrics recorder's clock (``metrics``: the Monitoring service's datapoints);
- ``work_log``: what an operation says, in the deploy log and its work request's logs;
- ``balancer``: the routing table both gateway fronts read (``gateway_proxy``, ``gateway_flask``).

No HTTP here: routes parse and render, the service decides.
"""
from __future__ import annotations

import threading
from typing import Any, Callable
from urllib.parse import urlsplit

from flask import Flask, current_app

from emulator.contracts.states import ACTIVE
from emulator.errors import OCIError, incorrect_state, not_found
from emulator.model_deployment import access_log, autoscaling, files, metrics, records
from emulator.model_deployment.balancer import Instance, Router
from emulator.model_deployment.instances import Instances, runtime_of
from emulator.model_deployment.monitoring import Monitor
from emulator.model_deployment.operations import PAUSE_ENV, Operations
from emulator.model_deployment.provisioning import Provisioner, stored_handles
from emulator.model_deployment.work_log import OperationLog, operation_log
from emulator.monitoring.backend import open_metric_store
from emulator.ocid import is_valid_ocid
from emulator.runtimes import Runtime, ServerHandle
from emulator.state import EmulatorState

__all__ = ["EXTENSION", "KIND", "PAUSE_ENV", "DeploymentService", "attach", "current_service", "service_of"]

KIND = records.KIND
EXTENSION = "dockyard_deployments"  # the app.extensions key; reach it through service_of() / current_service()
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
        self.router = Router()
        self.endpoint: Any = None  # the gateway proxy (GatewayProxy) behind modelDeploymentUrl, when one is served
        self.endpoint_url: str | None = None
        self._lock = threading.Lock()
        self._operations: set[threading.Thread] = set()
        self.provisioner = Provisioner(state)
        self.scaler = autoscaling.Autoscaler(self)
        self.pool = Instances(state, self.router, self.provisioner, self.spawn, self.scaler.forget)
        self.recorder = metrics.Recorder(open_metric_store(state), self.usage, lambda ident: self.db.get(KIND, ident))
        self.monitor = Monitor(state, self.router, self.provisioner, self.pool, self.scaler.tick,
                               lambda: self.recorder.tick(self.router.routes()))
        self.operations = Operations(state, self.router, self.provisioner, self.pool, self.scaler,
                                     self.spawn, self.monitor.ensure_running)

    # ---------------------------------------------------------------- the API's operations
    def create(self, details: dict[str, Any], created_by: str) -> tuple[dict[str, Any], str]:
        return self.operations.create(details, created_by)

    def update(self, deployment_id: str, details: dict[str, Any]) -> str:
        return self.operations.update(deployment_id, details)

    def activate(self, deployment_id: str) -> str:
        return self.operations.activate(deployment_id)

    def deactivate(self, deployment_id: str) -> str:
        return self.operations.deactivate(deployment_id)

    def delete(self, deployment_id: str) -> str:
        return self.operations.delete(deployment_id)

    def get(self, deployment_id: str) -> dict[str, Any]:
        return records.get(self.state, deployment_id)

    def resume(self) -> None:
        """On emulator start: bring ACTIVE deployments back (re-attach or restart); finish interrupted ops."""
        self.operations.resume()

    def restored(self) -> None:
        """After a snapshot replaced the records: ACTIVE deployments get new servers, now when the
        emulator serves (waiting for them, so a restored fixture is ready), else at its next start."""
        self.operations.forget_servers()
        if self.state.url is None:
            return
        self.resume()
        with self._lock:
            running = list(self._operations)
        for thread in running:
            thread.join(timeout=_RESET_WAIT)

    # ---------------------------------------------------------------- what the autoscaler and metrics use
    def spawn(self, target: Callable[..., None], args: tuple, name: str) -> None:
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

    def scale_to(self, deployment_id: str, target: int, why: str, sink: OperationLog) -> tuple[int, int]:
        """Run ``target`` instances of an ACTIVE deployment; returns (before, after)."""
        return self.pool.scale_to(deployment_id, target, why, sink)

    def runtime(self, name: str) -> Runtime:
        """The runtime called ``name`` (docker, process) of this emulator's home."""
        return self.provisioner.runtime(name)

    def usage(self, handle: ServerHandle) -> tuple[float, int] | None:
        """(CPU seconds so far, resident bytes) of one instance; None when it cannot be read."""
        return self.provisioner.usage(handle)

    def log_of(self, wr_id: str | None, deployment_id: str) -> OperationLog:
        """The log an operation on the deployment writes (``wr_id`` None: the deploy log alone)."""
        return operation_log(self.state, wr_id, deployment_id)

    # ---------------------------------------------------------------- instances, for the gateways and tests
    def instance_refused(self, deployment_id: str, instance: Instance, reason: str) -> None:
        """The gateway could not connect to an instance (and ejected it): a dead one is replaced."""
        self.monitor.instance_refused(deployment_id, instance, reason)

    def mark_crashed(self, deployment_id: str, handle: ServerHandle) -> None:
        """A server died under an ACTIVE deployment: it leaves the table and a replacement starts."""
        self.pool.mark_crashed(deployment_id, handle)

    def server_alive(self, handle: ServerHandle) -> bool:
        return self.provisioner.is_alive(handle)

    def runtime_of(self, record: dict[str, Any]) -> str | None:
        """The runtime that serves (or last served) the deployment, docker or process; None before a start."""
        return runtime_of(record)

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

    # ---------------------------------------------------------------- the endpoint
    def serve_endpoint(self, host: str, port: int) -> str:
        """Serve ``modelDeploymentUrl`` from a gateway proxy of its own on ``host:port`` (from worker
        processes of their own with ``gateway_workers`` over 1)."""
        from emulator.model_deployment.gateway_proxy import GatewayProxy, authenticator
        from emulator.model_deployment.gateway_workers import GatewayWorkers

        config = self.state.config
        enforce = config.auth_mode == "enforce"
        if config.gateway_workers > 1:
            self.endpoint = GatewayWorkers(self.router, self.unroutable, self.instance_refused, config.max_payload_bytes,
                                           config.gateway_workers, host, port, config.home if enforce else None)
        else:
            self.endpoint = GatewayProxy(self.router, self.unroutable, authenticator(self.db, config.home) if enforce
                                         else None, self.instance_refused, config.max_payload_bytes, host, port)
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

    # ---------------------------------------------------------------- the emulator's start, stop and reset
    def prewarm(self) -> None:
        """When deployments will run as processes, start the warm fork server now (in the background)
        with the quickstart's frameworks imported, so the first deploy does not wait for imports."""
        from emulator.runtimes import docker_problem

        runtime = (self.state.config.runtime or "auto").lower()

        def warm() -> None:
            if runtime == "process" or (runtime == "auto" and docker_problem()):
                self.runtime("process").prewarm(["scikit-learn", "joblib", "cloudpickle"])

        if runtime in ("process", "auto"):
            threading.Thread(target=warm, name="prewarm", daemon=True).start()

    def shutdown(self) -> None:
        """On emulator stop: every model server stops, containers included (no port stays published
        by a stopped emulator). The records stay ACTIVE, so the next start brings them back."""
        self.monitor.stop()
        if self.endpoint is not None:
            self.endpoint.stop()
        running = [(route.deployment_id, i.handle) for route in self.router.routes() for i in route.instances]
        self.router.clear()
        stoppers = [threading.Thread(target=self._stop_for_shutdown, args=item, daemon=True) for item in running]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join(timeout=20)
        access_log.close_all()

    def _stop_for_shutdown(self, deployment_id: str, handle: ServerHandle) -> None:
        if self.provisioner.stop_quietly(handle):
            self.log_of(None, deployment_id)(f"the emulator stopped; stopped the model server ({handle.runtime}, "
                                             f"{handle.ref}); it starts again when the emulator starts")

    def reset(self) -> None:
        """Before the emulator empties its store: let running operations end, stop every server this
        home runs (processes and containers alike), and remove the deployments' files."""
        with self._lock:
            running = list(self._operations)
        for thread in running:
            thread.join(timeout=_RESET_WAIT)
        handles = {i.handle.ref: i.handle for route in self.router.routes() for i in route.instances}
        self.router.clear()
        self.scaler.forget_all()
        for record in self.db.list(KIND).items:
            for handle in stored_handles(record):
                handles.setdefault(handle.ref, handle)
        self.provisioner.stop_all(list(handles.values()))
        access_log.close_all()
        files.remove_all(self.state)
