"""The emulator as a detached background process, found again through ``<home>/emulator.json``.

``ensure_running(home)`` is what the toolkit's local profile calls: reuse the emulator that
already serves this home when it answers, else start one. A lock file makes concurrent callers
(parallel test workers, two notebooks) share one emulator instead of racing to start two.
"""
from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from emulator import private
from emulator.config import EmulatorConfig
from emulator.pids import pid_running
from emulator.server import STATE_FILE

START_TIMEOUT = 30.0
HEALTH_PATH = "/_dockyard/health"


def _answers(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url + HEALTH_PATH, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def _is_emulator(pid: int) -> bool:
    """Guard against pid reuse: only signal a process started as ``python -m emulator`` or
    ``dockyard emulator start``."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return pid_running(pid)  # no /proc (macOS): trust the state file
    return any(b"emulator" in arg for arg in argv)


def _read_state(home: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((Path(home) / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "pid" in data and "url" in data else None


def status(home: Path) -> dict[str, Any] | None:
    """``{"pid", "url", "home"}`` of the emulator serving ``home`` when it is up and answers, else None."""
    data = _read_state(home)
    if data and pid_running(int(data["pid"])) and _answers(data["url"]):
        return data
    return None


@contextmanager
def _home_lock(home: Path) -> Iterator[None]:
    private.make_dir(home)
    with private.open_file(home / "emulator.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _command(config: EmulatorConfig) -> list[str]:
    command = [
        sys.executable, "-m", "emulator",
        "--home", str(config.home), "--host", config.host, "--port", str(config.port),
        "--region", config.region, "--max-artifact-bytes", str(config.max_artifact_bytes),
        "--max-payload-bytes", str(config.max_payload_bytes), "--auth-mode", config.auth_mode,
        "--runtime", config.runtime, "--java-base-image", config.java_base_image,
    ]
    if config.base_image:
        command += ["--base-image", config.base_image]
    if config.max_unzipped_bytes:
        command += ["--max-unzipped-bytes", str(config.max_unzipped_bytes)]
    if config.max_zip_ratio:
        command += ["--max-zip-ratio", str(config.max_zip_ratio)]
    if config.console_write:
        command.append("--console-write")
    command += ["--endpoint-port", "off" if config.endpoint_port is None else str(config.endpoint_port),
                "--autoscaling-time-scale", str(config.autoscaling_time_scale),
                "--retention-time-scale", str(config.retention_time_scale),
                "--gateway-workers", str(config.gateway_workers)]
    return command


def _spawn(config: EmulatorConfig) -> subprocess.Popen:
    env = dict(os.environ)
    env["DOCKYARD_HOME"] = str(config.home)
    if config.console_token:  # by environment, not argv: other users can read a process's argv
        env["DOCKYARD_CONSOLE_TOKEN"] = config.console_token
    # Waitress spills request bodies to temp files; keep them on the home's disk, not a small /tmp.
    spill = private.make_dir(config.home / "spool")
    env["TMPDIR"] = str(spill)
    # Few malloc arenas: waitress threads otherwise each keep their own, and RSS creeps up with uploads.
    env.setdefault("MALLOC_ARENA_MAX", "2")
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    log = private.open_file(config.home / "emulator.log", "ab")
    try:
        return subprocess.Popen(_command(config), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                env=env, start_new_session=True, close_fds=True)
    finally:
        log.close()


def start_detached(config: EmulatorConfig) -> str:
    """Start ``python -m emulator`` in its own session and return its URL once it answers."""
    private.make_dir(config.home)
    process = _spawn(config)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        data = _read_state(config.home)
        if data and data.get("pid") == process.pid and _answers(data["url"]):
            return data["url"]
        if process.poll() is not None:
            raise RuntimeError(f"the emulator exited with status {process.returncode}; "
                               f"see {config.home / 'emulator.log'}")
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"the emulator did not answer within {START_TIMEOUT:.0f} s; "
                       f"see {config.home / 'emulator.log'}")


def stop(home: Path, timeout: float = 30.0) -> bool:
    """Stop the detached emulator serving ``home``; True when one was running.

    A clean stop stops its deployments' servers itself (containers included). Containers an
    emulator left behind (it was killed, or crashed) are removed here too, so no port stays
    published for a catalog nobody serves.
    """
    home = Path(home)
    data = _read_state(home)
    if not data or not pid_running(int(data["pid"])) or not _is_emulator(int(data["pid"])):
        (home / STATE_FILE).unlink(missing_ok=True)
        remove_leftover_containers(home)
        return False
    pid = int(data["pid"])
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while pid_running(pid) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.1)
    if pid_running(pid):
        os.kill(pid, signal.SIGKILL)
        _reap(pid)
    (home / STATE_FILE).unlink(missing_ok=True)
    remove_leftover_containers(home)
    return True


def remove_leftover_containers(home: Path) -> int:
    """Remove the deployment containers of ``home`` still there once no emulator serves it; how many."""
    from emulator.runtimes import docker_problem

    if docker_problem() is not None:
        return 0
    from emulator.runtimes.docker import DockerRuntime

    return DockerRuntime(home).remove_all()


def _reap(pid: int) -> None:
    """Collect the exit status when the emulator is our own child, so it does not linger as a zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def ensure_running(home: Path | None = None, config: EmulatorConfig | None = None,
                   on_start: Callable[[str, int], None] | None = None) -> str:
    """URL of an emulator serving ``home``: the running one when it answers, else a new detached one
    (then ``on_start(url, pid)`` is called, so the caller can say a daemon now runs)."""
    config = config or EmulatorConfig(**({"home": Path(home)} if home is not None else {}))
    with _home_lock(config.home):
        data = status(config.home)
        if data:
            return data["url"]
        url = start_detached(config)
        if on_start is not None:
            on_start(url, int((_read_state(config.home) or {}).get("pid", 0)))
        return url
