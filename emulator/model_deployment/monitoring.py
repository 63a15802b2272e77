"""The monitor: once a second it checks every instance of every ACTIVE deployment and lets the
autoscaler and the metrics recorder take their samples. A dead instance is replaced (:meth:`Instances.mark_crashed`); a live one
that fails its health checks is ejected from the routing table until it answers again, except the
last healthy one, which is never ejected for being slow.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

import requests

from emulator.model_deployment.balancer import Instance, Route, Router, eject, restore
from emulator.model_deployment.instances import Instances
from emulator.model_deployment.provisioning import Provisioner
from emulator.model_deployment.work_log import operation_log
from emulator.state import EmulatorState

log = logging.getLogger(__name__)

HEALTH_EVERY = 2.0  # seconds between two health checks of an instance
HEALTH_FAILURES = 3  # consecutive failed health checks that eject an instance (never the last one)


class Monitor:
    """Watches the instances in the routing table on a thread of its own, started on first need."""

    def __init__(self, state: EmulatorState, router: Router, provisioner: Provisioner, instances: Instances,
                 *ticks: Callable[[], None]) -> None:
        self.state = state
        self.router = router
        self.provisioner = provisioner
        self.instances = instances
        self._ticks = ticks  # the autoscaler's and the metrics recorder's sampling, once per round
        self._health: dict[str, tuple[float, int]] = {}  # instance ref -> (next check, failures in a row)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def ensure_running(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._watch, name="deployment-monitor", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def instance_refused(self, deployment_id: str, instance: Instance, reason: str) -> None:
        """The gateway could not connect to an instance (and ejected it): a dead one is replaced."""
        operation_log(self.state, None, deployment_id)(f"{reason}: ejected")
        if not self.provisioner.is_alive(instance.handle):
            self.instances.mark_crashed(deployment_id, instance.handle)

    def _watch(self) -> None:
        while not self._stop.wait(1.0):
            for route in self.router.routes():
                for instance in route.instances:
                    try:
                        self._check(route.deployment_id, route, instance)
                    except Exception:  # noqa: BLE001 - the monitor must keep watching the others
                        log.exception("monitoring %s failed", route.deployment_id)
            for tick in self._ticks:
                try:
                    tick()
                except Exception:  # noqa: BLE001 - one sampler failing must not stop the others
                    log.exception("sampling %s failed", getattr(tick, "__qualname__", tick))

    def _check(self, deployment_id: str, route: Route, instance: Instance) -> None:
        """A dead instance is replaced; a live one is ejected after failed health checks and put back
        in rotation when it answers again (the last healthy one is never ejected for being slow)."""
        handle = instance.handle
        if not self.provisioner.runtime(handle.runtime).is_alive(handle):
            self.instances.mark_crashed(deployment_id, handle)
            return
        due, failures = self._health.get(handle.ref, (0.0, 0))
        if time.monotonic() < due:
            return
        try:
            healthy = requests.get(handle.health_url, timeout=1.0).status_code == 200
        except requests.RequestException:
            healthy = False
        failures = 0 if healthy else failures + 1
        self._health[handle.ref] = (time.monotonic() + HEALTH_EVERY, failures)
        sink = operation_log(self.state, None, deployment_id)
        if healthy and restore(instance):
            sink(f"instance {handle.ref} answers its health check again: back in rotation")
        elif failures >= HEALTH_FAILURES and len(route.healthy()) > 1 and eject(instance, "failed health checks"):
            sink(f"instance {handle.ref} failed {failures} health checks in a row: ejected until it answers")
