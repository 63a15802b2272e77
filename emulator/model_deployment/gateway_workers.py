"""The deployments' endpoint served by several processes (``--gateway-workers N``), for machines whose
instances answer more calls than one event loop can relay (about 12k calls/s on one core).

The emulator opens the listening socket once and N worker processes inherit it; each runs the very
proxy of ``gateway_proxy`` on its own event loop, with its own copy of the routing table and its own
least-in-flight view of the instances. The kernel hands each new connection to one worker (libuv's
single accept keeps one worker from taking a whole burst), and a connection stays with its worker.

Between the emulator and each worker runs one channel (a Unix socket pair, one JSON document a line):

- emulator -> worker: the routing table (deployment -> compartment, log directory, instances with
  their address and ejection), sent whole when it changed (the table is polled every 20 ms: a few
  routes, compared, cost next to nothing) and to each worker that starts; the answer to a worker's
  question about a deployment its table lacks (the route, when the emulator's table was a moment
  ahead, else the 404/409/503 the emulator gives);
- worker -> emulator: each call's (latency, status), batched every 20 ms, which the emulator records
  on its own route (``Route.record_call``: the autoscaler and the Monitoring metrics read them there);
  an instance that refused a connection (the emulator ejects it and starts its health checks, as for
  its own proxy); the question above.

What a worker does by itself: the access log (one ``O_APPEND`` write a line, so lines of several
processes never mix, written before the answer's last byte as the in-process proxy does) and, under
``--auth enforce``, the signature check against the emulator's store (SQLite in WAL mode, read from
each process: the registered keys are the store's, never copied).

A worker that dies takes only the calls it was serving (and the records of those it answered in
its last 20 ms): the listening socket stays open in the emulator and the other workers, which keep
accepting, and the emulator starts a new worker.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from emulator.errors import OCIError
from emulator.model_deployment import access_log
from emulator.model_deployment.balancer import Instance, Route, Router, eject
from emulator.model_deployment.gateway_proxy import Authenticate, Explain, GatewayProxy, Refused, authenticator
from emulator.runtimes import ServerHandle

log = logging.getLogger(__name__)

TABLE_POLL_SECONDS = 0.02  # how often the emulator compares its routing table with what the workers have
CALLS_FLUSH_SECONDS = 0.02  # how often a worker sends the calls it answered
START_TIMEOUT = 60.0
QUESTION_TIMEOUT = 10.0
RESTART_PAUSE = 1.0  # a worker that died within this long of its start is restarted after this pause

Snapshot = dict[str, list[Any]]  # deployment -> [compartment, log dir, generation, [[ref, url, ejected, reason]...]]


def snapshot(router: Router) -> Snapshot:
    """The routing table as the workers get it."""
    return {route.deployment_id: _route_entry(route) for route in router.routes()}


def _route_entry(route: Route) -> list[Any]:
    return [route.compartment_id, route.log_dir, id(route),
            [[i.ref, i.handle.url, i.ejected, i.reason] for i in route.instances]]


class _Channel:
    """One end of the emulator <-> worker socket pair: JSON lines, sent whole under a lock."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._reader = sock.makefile("rb")
        self._lock = threading.Lock()

    def send(self, message: dict[str, Any]) -> bool:
        data = json.dumps(message, separators=(",", ":")).encode() + b"\n"
        try:
            with self._lock:
                self.sock.sendall(data)
            return True
        except OSError:
            return False

    def receive(self) -> dict[str, Any] | None:
        """The next message; None once the other end is gone."""
        try:
            line = self._reader.readline()
        except OSError:
            return None
        return json.loads(line) if line else None

    def close(self) -> None:
        # shut down first: it wakes a thread blocked reading, whose lock the reader's close() would wait for
        for closing in (lambda: self.sock.shutdown(socket.SHUT_RDWR), self._reader.close, self.sock.close):
            try:
                closing()
            except OSError:
                pass


# ====================================================================== the emulator's side
class GatewayWorkers:
    """Serves ``modelDeploymentUrl`` on ``host:port`` from ``count`` worker processes (the interface of
    :class:`GatewayProxy` the deployment service uses: ``start``, ``stop``, ``port``)."""

    def __init__(self, router: Router, explain: Explain, refused: Refused, max_payload_bytes: int, count: int,
                 host: str = "127.0.0.1", port: int = 0, auth_home: Path | None = None) -> None:
        self.router, self.explain, self.refused = router, explain, refused
        self.max_payload_bytes, self.count = max_payload_bytes, count
        self.host, self.port = host, port
        self.auth_home = auth_home  # the emulator's home when signatures are checked (--auth enforce)
        self.listener: socket.socket | None = None
        self.workers: list[_Worker] = []
        self.restarts = 0
        self._stopping = threading.Event()
        self._table: Snapshot = {}
        self._table_lock = threading.Lock()
        self._recording = threading.Lock()

    def start(self) -> str:
        if os.name != "posix":
            raise RuntimeError("gateway workers inherit the listening socket, which needs a POSIX system; "
                               "use --gateway-workers 1 here")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self.listener = socket.create_server((self.host, self.port), family=family, backlog=1024)
        self.port = self.listener.getsockname()[1]
        self._table = snapshot(self.router)
        self.workers = [_Worker(self, n) for n in range(self.count)]
        try:
            for worker in self.workers:
                worker.spawn()
            for worker in self.workers:
                worker.wait_ready()
        except BaseException:
            self.stop()
            raise
        threading.Thread(target=self._push_table, name="dockyard-gateway-table", daemon=True).start()
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self.port}"

    def stop(self) -> None:
        self._stopping.set()
        for worker in self.workers:
            worker.stop()
        if self.listener is not None:
            self.listener.close()

    def pids(self) -> list[int]:
        """The worker processes now serving (for tests and benchmarks)."""
        return [w.process.pid for w in self.workers if w.process is not None and w.process.poll() is None]

    # ------------------------------------------------------------------ emulator -> workers
    def _push_table(self) -> None:
        while not self._stopping.wait(TABLE_POLL_SECONDS):
            table = snapshot(self.router)
            with self._table_lock:
                if table == self._table:
                    continue
                self._table = table
            for worker in self.workers:
                worker.channel_send({"t": "table", "routes": table})

    def current_table(self) -> Snapshot:
        with self._table_lock:
            return self._table

    # ------------------------------------------------------------------ workers -> emulator
    def handle(self, worker: "_Worker", message: dict[str, Any]) -> None:
        kind = message.get("t")
        if kind == "calls":
            with self._recording:  # one thread per worker records; Route.record_call's sums are not atomic
                for deployment_id, calls in message["calls"].items():
                    route = self.router.get(deployment_id)
                    if route is not None:
                        for latency_ms, status in calls:
                            route.record_call(latency_ms, status)
        elif kind == "refused":
            self._refused(message["deployment"], message["ref"], message["reason"])
        elif kind == "route":
            worker.channel_send({"t": "answer", "id": message["id"], **self._answer(message["deployment"])})
        elif kind == "ready":
            worker.ready.set()

    def _refused(self, deployment_id: str, ref: str, reason: str) -> None:
        route = self.router.get(deployment_id)
        instance = next((i for i in route.instances if i.ref == ref), None) if route else None
        if instance is not None and eject(instance, reason):
            threading.Thread(target=self.refused, args=(deployment_id, instance, reason), daemon=True).start()

    def _answer(self, deployment_id: str) -> dict[str, Any]:
        route = self.router.get(deployment_id)
        if route is not None:
            return {"route": _route_entry(route)}
        error = self.explain(deployment_id)
        return {"error": [error.status, error.code, error.message]}


class _Worker:
    """One worker process as the emulator sees it: started, listened to, restarted when it dies."""

    def __init__(self, pool: GatewayWorkers, number: int) -> None:
        self.pool, self.number = pool, number
        self.process: subprocess.Popen | None = None
        self.channel: _Channel | None = None
        self.ready = threading.Event()
        self.started = 0.0

    def spawn(self) -> None:
        pool = self.pool
        ours, theirs = socket.socketpair()
        self.channel, self.ready, self.started = _Channel(ours), threading.Event(), time.monotonic()
        command = [sys.executable, "-m", __name__, "--listen-fd", str(pool.listener.fileno()),
                   "--channel-fd", str(theirs.fileno()), "--max-payload-bytes", str(pool.max_payload_bytes)]
        if pool.auth_home is not None:
            command += ["--auth-home", str(pool.auth_home)]
        try:
            self.process = subprocess.Popen(command, pass_fds=(pool.listener.fileno(), theirs.fileno()),
                                            stdin=subprocess.DEVNULL, env=_worker_env())
        finally:
            theirs.close()
        self.channel_send({"t": "table", "routes": pool.current_table()})
        threading.Thread(target=self._listen, args=(self.channel, self.process),
                         name=f"dockyard-gateway-worker-{self.number}", daemon=True).start()

    def wait_ready(self) -> None:
        if not self.ready.wait(START_TIMEOUT) or self.process.poll() is not None:
            raise RuntimeError(f"gateway worker {self.number} did not start (exit status {self.process.poll()})")

    def channel_send(self, message: dict[str, Any]) -> None:
        channel = self.channel
        if channel is not None:
            channel.send(message)

    def _listen(self, channel: _Channel, process: subprocess.Popen) -> None:
        while (message := channel.receive()) is not None:
            try:
                self.pool.handle(self, message)
            except Exception:  # noqa: BLE001 - one bad message must not deafen the emulator to this worker
                log.exception("gateway worker %s sent a message the emulator could not handle", self.number)
        channel.close()
        status = process.wait()
        if self.pool._stopping.is_set() or process is not self.process:
            return
        log.warning("gateway worker %s (pid %s) exited with status %s; starting another", self.number,
                    process.pid, status)
        if time.monotonic() - self.started < RESTART_PAUSE and self.pool._stopping.wait(RESTART_PAUSE):
            return
        self.pool.restarts += 1
        self.spawn()
        if self.pool._stopping.is_set():  # the emulator stopped while this one started
            self.stop()

    def stop(self) -> None:
        process, channel = self.process, self.channel
        if channel is not None:
            channel.close()  # the worker exits when its channel closes
        if process is None:
            return
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _worker_env() -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    # libuv accepts one connection per wake-up, so a burst of new connections spreads over the workers
    env["UV_TCP_SINGLE_ACCEPT"] = "1"
    return env


# ====================================================================== the worker's side
class WorkerProxy(GatewayProxy):
    """The gateway proxy in a worker process: its table comes from the emulator, and a deployment the
    table lacks is asked about there."""

    def __init__(self, channel: _Channel, max_payload_bytes: int, sock: socket.socket,
                 authenticate: Authenticate | None) -> None:
        super().__init__(Router(), _unreachable, authenticate, self._report_refused, max_payload_bytes, sock=sock)
        self.channel = channel
        self._questions: dict[int, asyncio.Future] = {}
        self._asked = 0
        self._generations: dict[str, int] = {}

    async def missing_route(self, deployment_id: str) -> Route:
        self._asked += 1
        question = self._asked
        answer = self._questions[question] = self.loop.create_future()
        self.channel.send({"t": "route", "id": question, "deployment": deployment_id})
        try:
            reply = await asyncio.wait_for(answer, QUESTION_TIMEOUT)
        except asyncio.TimeoutError:
            raise OCIError(503, "ServiceUnavailable", "the emulator did not answer the endpoint in time") from None
        finally:
            self._questions.pop(question, None)
        if "error" in reply:
            raise OCIError(*reply["error"])
        self._set_route(deployment_id, reply["route"])
        return self.router.get(deployment_id)

    # ------------------------------------------------------------------ from the emulator (on the loop)
    def apply_table(self, table: Snapshot) -> None:
        for deployment_id in [r.deployment_id for r in self.router.routes() if r.deployment_id not in table]:
            self.router.drop(deployment_id)
            self._log_files_changed()
        for deployment_id, entry in table.items():
            self._set_route(deployment_id, entry)

    def _set_route(self, deployment_id: str, entry: list[Any]) -> None:
        compartment, log_dir, generation, instances = entry
        if self._generations.get(deployment_id, generation) != generation:
            self._log_files_changed()  # the deployment was routed anew: its files may be new too
        self._generations[deployment_id] = generation
        handles = [ServerHandle("remote", url, url, ref) for ref, url, _, _ in instances]
        route = self.router.set(deployment_id, compartment, log_dir, handles)
        states = {ref: (ejected, reason) for ref, _, ejected, reason in instances}
        for instance in route.instances:
            instance.ejected, instance.reason = states[instance.ref]

    @staticmethod
    def _log_files_changed() -> None:
        access_log.close_all()  # reopened on the next write, so no line goes to a removed file

    def answer(self, message: dict[str, Any]) -> None:
        question = self._questions.get(message["id"])
        if question is not None and not question.done():
            question.set_result(message)

    # ------------------------------------------------------------------ to the emulator
    def _report_refused(self, deployment_id: str, instance: Instance, reason: str) -> None:
        self.channel.send({"t": "refused", "deployment": deployment_id, "ref": instance.ref, "reason": reason})

    def send_calls(self) -> None:
        """The calls answered since the last time, per deployment (drained from the routes' outcomes)."""
        calls: dict[str, list[tuple[float, int]]] = {}
        for route in self.router.routes():
            outcomes = route.outcomes
            while outcomes:
                latency_ms, status = outcomes.popleft()
                calls.setdefault(route.deployment_id, []).append((round(latency_ms, 3), status))
        if calls:
            self.channel.send({"t": "calls", "calls": calls})


def _unreachable(deployment_id: str) -> OCIError:  # a worker asks the emulator instead (missing_route)
    return OCIError(503, "ServiceUnavailable", f"model deployment {deployment_id} is not routed")


def _serve(listen_fd: int, channel_fd: int, max_payload_bytes: int, auth_home: str | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the emulator, which stops its workers
    channel = _Channel(socket.socket(fileno=channel_fd))
    authenticate = None
    if auth_home is not None:
        from emulator.store.db import Database

        authenticate = authenticator(Database(Path(auth_home) / "catalog.db"), Path(auth_home))
    proxy = WorkerProxy(channel, max_payload_bytes, socket.socket(fileno=listen_fd), authenticate)
    first = channel.receive()
    if first is None:
        return
    proxy.apply_table(first["routes"])
    proxy.start()
    stopped = threading.Event()

    def flush_calls() -> None:
        while not stopped.wait(CALLS_FLUSH_SECONDS):
            proxy.send_calls()

    threading.Thread(target=flush_calls, name="calls", daemon=True).start()
    channel.send({"t": "ready", "pid": os.getpid()})
    while (message := channel.receive()) is not None:
        if message["t"] == "table":
            proxy.loop.call_soon_threadsafe(proxy.apply_table, message["routes"])
        elif message["t"] == "answer":
            proxy.loop.call_soon_threadsafe(proxy.answer, message)
    stopped.set()
    proxy.send_calls()
    os._exit(0)  # the emulator is gone or stopping: nothing here outlives it


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A gateway worker of the Dockyard emulator (started by it).")
    parser.add_argument("--listen-fd", type=int, required=True)
    parser.add_argument("--channel-fd", type=int, required=True)
    parser.add_argument("--max-payload-bytes", type=int, required=True)
    parser.add_argument("--auth-home", default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="gateway worker %(process)d: %(message)s")
    _serve(args.listen_fd, args.channel_fd, args.max_payload_bytes, args.auth_home)


if __name__ == "__main__":
    main()
