"""The ``process`` runtime: the inference server under gunicorn in a local subprocess.

The fastest inner loop and the fallback without a Docker engine. The server runs with this
interpreter when it already satisfies the environment's requirements (the artifact's, or its
conda pack's), else in a venv built once per environment under ``<home>/runtime/venvs``, from the
same host-built wheelhouse the docker runtime's images use. It listens on a free port of 127.0.0.1.

Servers are forked from a warm fork server of that interpreter (``forkserver``: flask, gunicorn,
numpy, pandas and the artifact's frameworks already imported), so a deployment answers in a
fraction of a second instead of waiting for a new interpreter's imports; each server is still a
process (and process group) of its own. A deployment whose environment sets variables that
libraries read at import time gets a fresh interpreter instead.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from emulator import private
from emulator.runtimes.base import LogSink, RuntimeFailure, ServerHandle, ServerSpec, tail_file, wait_healthy
from emulator.runtimes.requirements import environment_key, needs_java, satisfied_here, with_server_packages
from emulator.runtimes.server_package import cached_copy, gunicorn_args
from emulator.pids import pid_running
from emulator.runtimes import forkserver, llm_standin
from emulator.runtimes.wheelhouse import for_requirements, run_streaming

SERVER_LOG = "server.log"
# The variable that tells gunicorn (gunicorn_conf.py) the number of the socket it is handed.
BIND_FD = "DOCKYARD_BIND_FD"
# What every model server imports: the fork server has them loaded before the first deployment.
SERVER_IMPORTS = ("flask", "werkzeug", "gunicorn.app.wsgiapp", "gunicorn.workers.gthread", "numpy", "pandas")


class ProcessRuntime:
    """Runs one gunicorn subprocess per deployment."""

    name = "process"

    def __init__(self, home: Path) -> None:
        self.home = Path(home)
        self._procs: dict[int, subprocess.Popen] = {}
        self._venv_lock = threading.Lock()

    def start(self, spec: ServerSpec, log: LogSink) -> ServerHandle:
        """Start the server and return once /health answers 200 (or raise RuntimeFailure with its log)."""
        if spec.is_byoc and not llm_standin.stands_in_for(spec.image):
            raise RuntimeFailure("bring-your-own-container deployments need the docker runtime")
        private.make_dir(spec.log_dir)
        if spec.is_byoc:
            python = sys.executable
            port = free_port()
            pid = self._launch_llm(spec, port, log)
        else:
            _check_java(spec.requirements)
            python = self._interpreter(spec.requirements, log)
            package_parent = cached_copy(self.home)
            with bound_socket() as listener:  # held from here on: no other process can take the port
                port = listener.getsockname()[1]
                env = _server_env(spec, port, package_parent)
                pid = self._launch(python, spec, env, package_parent, listener, log)
        url = f"http://127.0.0.1:{port}"
        handle = ServerHandle("process", url + spec.predict_path, url + spec.health_path, str(pid),
                              {"port": port, "python": python, "log_dir": str(spec.log_dir)})
        try:
            wait_healthy(handle.health_url, spec.startup_timeout, lambda: self.is_alive(handle),
                         lambda: self.log_tail(handle))
        except RuntimeFailure:
            self.stop(handle)
            raise
        return handle

    def _launch(self, python: str, spec: ServerSpec, env: dict[str, str], package_parent: Path,
                listener: socket.socket, log: LogSink) -> int:
        """Fork gunicorn from the warm fork server, or start a fresh interpreter when the deployment's
        environment sets variables read at import time (or the fork server cannot be had). Either way
        gunicorn listens on ``listener``, the socket bound here (``DOCKYARD_BIND_FD``)."""
        argv = ["gunicorn", *gunicorn_args(package_parent)]
        port = listener.getsockname()[1]
        server_log = spec.log_dir / SERVER_LOG
        private.create_file(server_log)
        fresh = forkserver.import_time_variables(spec.env)
        if not fresh:
            try:
                server = forkserver.server_for(python, SERVER_IMPORTS, _base_env(), purpose="model-server")
                pid = server.spawn(argv, env, str(spec.artifact_dir), module="gunicorn", path=[str(package_parent)],
                                   stdout=str(server_log), session=True,
                                   preload=forkserver.import_names(spec.requirements),
                                   pass_fd=(listener.fileno(), BIND_FD))
                log(f"started gunicorn (pid {pid}) forked from the warm {python} on 127.0.0.1:{port}")
                return pid
            except Exception as exc:  # noqa: BLE001 - a fresh interpreter always works
                log(f"the warm fork server is not available ({exc}); starting a fresh interpreter")
        else:
            log(f"{', '.join(fresh)} must be set before imports: starting a fresh interpreter")
        log(f"starting gunicorn with {python} on 127.0.0.1:{port}")
        with private.open_file(server_log, "ab") as out:
            proc = subprocess.Popen([python, "-m", "gunicorn", *argv[1:]], cwd=spec.artifact_dir,
                                    env={**env, BIND_FD: str(listener.fileno())}, pass_fds=[listener.fileno()],
                                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self._procs[proc.pid] = proc
        return proc.pid

    def _launch_llm(self, spec: ServerSpec, port: int, log: LogSink) -> int:
        """The CPU LLM stand-in in place of the deployment's image (a fresh interpreter: torch)."""
        server_log = spec.log_dir / SERVER_LOG
        private.create_file(server_log)
        env = {k: v for k, v in _server_env(spec, port, self.home).items() if k != "PYTHONPATH"}
        proc = llm_standin.launch(spec, env, self.home, server_log)
        self._procs[proc.pid] = proc
        log(f"{spec.image} runs as Dockyard's CPU LLM stand-in (pid {proc.pid}) on 127.0.0.1:{port}")
        return proc.pid

    def prewarm(self, requirements: list[str]) -> None:
        """Start this interpreter's fork server now, in the background, with the server's imports and
        those of ``requirements`` (the emulator calls it at start, so the first deploy finds it warm)."""
        imports = [*SERVER_IMPORTS, *forkserver.import_names(requirements)]
        forkserver.server_for(sys.executable, imports, _base_env(), purpose="model-server")

    def stop(self, handle: ServerHandle) -> None:
        """SIGQUIT (gunicorn's quick shutdown) the server's process group, SIGKILL it if still there after 5 s."""
        pid = int(handle.ref)
        for sig, grace in ((signal.SIGQUIT, 5.0), (signal.SIGKILL, 2.0)):
            try:
                os.killpg(pid, sig)
            except (ProcessLookupError, PermissionError):
                break
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline and self.is_alive(handle):
                time.sleep(0.05)
            if not self.is_alive(handle):
                break
        proc = self._procs.pop(pid, None)
        if proc is not None:
            proc.poll()

    @classmethod
    def create(cls, home: Path, base_image: str | None = None, java_base_image: str | None = None) -> "ProcessRuntime":
        """The runtime of an emulator home (``make``'s constructor; images are the docker runtime's)."""
        return cls(home)

    def release_crashed(self, handle: ServerHandle) -> None:
        """A process that died holds nothing: its port and pid are free already."""

    def usage(self, handle: ServerHandle) -> tuple[float, int] | None:
        """CPU seconds and resident bytes of the server's process group (gunicorn and its workers)."""
        return process_group_usage(int(handle.ref))

    def is_alive(self, handle: ServerHandle) -> bool:
        pid = int(handle.ref)
        proc = self._procs.get(pid)
        if proc is not None:
            return proc.poll() is None
        return pid_running(pid)

    def reattach(self, handle: ServerHandle, spec: ServerSpec, log: LogSink) -> ServerHandle:
        """Keep a server that outlived the emulator when it still answers, else start a fresh one."""
        if self.is_alive(handle):
            try:
                wait_healthy(handle.health_url, 5, lambda: self.is_alive(handle), lambda: [])
                log(f"re-attached to server pid {handle.ref} at {handle.url}")
                return handle
            except RuntimeFailure:
                self.stop(handle)
        log("server is gone; starting it again")
        return self.start(spec, log)

    def log_tail(self, handle: ServerHandle, lines: int = 30) -> list[str]:
        return tail_file(Path(handle.details.get("log_dir", "")) / SERVER_LOG, lines)

    def _interpreter(self, requirements: list[str], log: LogSink) -> str:
        """This interpreter when it has everything; else a venv made from the requirements."""
        needed = with_server_packages(requirements)
        unmet = satisfied_here(needed)
        if not unmet:
            log(f"using this interpreter ({sys.executable}): it satisfies all {len(needed)} requirement(s)")
            return sys.executable
        log(f"this interpreter lacks {', '.join(unmet)}; using a venv built from the wheelhouse")
        with self._venv_lock:
            return str(self._venv(needed, log))

    def _venv(self, requirements: list[str], log: LogSink) -> Path:
        venv = self.home / "runtime" / "venvs" / environment_key(sys.executable, requirements)
        python = venv / "bin" / "python"
        if (venv / ".complete").is_file():
            log(f"venv cached at {venv}")
            return python
        wheels = for_requirements(self.home, requirements, log)
        run_streaming([sys.executable, "-m", "venv", "--clear", str(venv)], log, "python -m venv")
        run_streaming([str(python), "-m", "pip", "install", "--no-index", "--disable-pip-version-check",
                       "--find-links", str(wheels), "-r", str(wheels / "requirements.txt")], log, "pip install")
        (venv / ".complete").write_text("ok\n")
        return python


def _check_java(requirements: list[str]) -> None:
    """A pyspark model needs ``java`` where it runs: say so before starting a server that cannot load it."""
    import shutil

    java_home = os.environ.get("JAVA_HOME")
    if needs_java(requirements) and not shutil.which("java") and not (
            java_home and Path(java_home, "bin", "java").is_file()):
        raise RuntimeFailure("this artifact needs a Java runtime (pyspark) and no `java` is on PATH or in "
                             "JAVA_HOME; install one (Debian: apt-get install openjdk-17-jre-headless)")


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def process_group_usage(pgid: int) -> tuple[float, int] | None:
    """CPU seconds (user + system) and resident bytes of every process in a process group, from /proc."""
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


def bound_socket() -> socket.socket:
    """A TCP socket bound to a free port of 127.0.0.1, not yet listening: the server it is handed to
    listens on it. A port chosen with :func:`free_port` and bound later by the server can be taken in
    between (another deployment's pick, a client's ephemeral port), and then the deployment's health
    check reaches someone else's server."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1 (never a fixed one: many deployments run at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "DOCKYARD_", "GUNICORN"))}


def _server_env(spec: ServerSpec, port: int, package_parent: Path) -> dict[str, str]:
    env = _base_env()
    env.update(spec.env)
    env.update({
        "PYTHONPATH": str(package_parent),
        "PYTHONUNBUFFERED": "1",
        "PORT": str(port),
        "DOCKYARD_BIND_HOST": "127.0.0.1",
        "DOCKYARD_MODEL_DIR": str(spec.artifact_dir),
        "DOCKYARD_LOG_DIR": str(spec.log_dir),
        "DOCKYARD_MAX_PAYLOAD_BYTES": str(spec.max_payload_bytes),
    })
    return env
