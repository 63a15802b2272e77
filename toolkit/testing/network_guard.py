"""The network guard: a connection that would leave this machine fails, naming the host and the stack.

Dockyard's promise is that nothing leaves the laptop on the local profile. A test cannot prove that
by what it sees (an SDK that reached the cloud and failed retries for a minute and a half, then
raises an error about a host nobody asked for), so the guard watches the process instead: a PEP 578
audit hook sees every ``socket.getaddrinfo``, ``socket.connect`` and ``socket.sendto``, lets through
the loopback range, Unix sockets and this machine's own name, and refuses anything else by raising
:class:`NetworkGuardViolation` at the call site (not an ``OSError``, so no client retries it or falls
back silently) after recording it.

Child processes are guarded through ``child_env()``: it puts ``toolkit/site_hooks/`` (a ``sitecustomize``)
on ``PYTHONPATH``, so every Python started with that environment arms the guard at start-up and
appends its violations to one log file (JSON lines) that the parent reads. pip is exempt: fetching
packages to build a wheelhouse is an install step, not a call to OCI.

This module imports only the standard library: ``site_hooks/sitecustomize.py`` loads it by path in
interpreters that have no Dockyard installed (the oci CLI's venv, a deployment's environment).
"""
from __future__ import annotations

import ipaddress
import json
import os
import socket
import sys
import threading
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable

ENV_FLAG = "DOCKYARD_NETWORK_GUARD"  # "1": site_hooks' sitecustomize arms the guard in the process
ENV_LOG = "DOCKYARD_NETWORK_GUARD_LOG"  # the file violations are appended to, one JSON object a line
SITE_DIR = Path(__file__).resolve().parents[1] / "site_hooks"  # its sitecustomize arms the guard
_EVENTS = frozenset({"socket.getaddrinfo", "socket.connect", "socket.sendto"})
_LOCAL_NAMES = frozenset({"", "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback",
                          "0.0.0.0", "::"})  # the wildcard addresses: a server binding, never a remote peer
_STACK_FRAMES = 30


class NetworkGuardViolation(RuntimeError):
    """A connection to a host off this machine was attempted while the network guard was armed."""


@dataclass(frozen=True)
class Violation:
    """One refused attempt: which host, which audit event, the process and the stack that made it."""

    host: str
    port: int | None
    event: str
    pid: int
    argv: list[str]
    stack: str

    def describe(self) -> str:
        where = f"{self.host}:{self.port}" if self.port is not None else self.host
        return (f"network guard: {self.event} to {where} (pid {self.pid}: {' '.join(self.argv)[:200]})\n"
                f"{self.stack}")


def is_local(host: str | None) -> bool:
    """True for the loopback range, the wildcard addresses, ``*.localhost`` and this machine's name."""
    name = (host or "").strip("[]").lower().rstrip(".")
    if name in _LOCAL_NAMES or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:  # a name: only this machine's own is local (asked last: every connect comes here)
        return name == socket.gethostname().lower()
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or address.is_unspecified or bool(mapped and mapped.is_loopback)


class NetworkGuard:
    """Refuses and records off-machine connections while ``armed``; one per process (audit hooks stay)."""

    def __init__(self, log_path: str | os.PathLike[str] | None = None) -> None:
        self.log_path = Path(log_path) if log_path else None
        self.violations: list[Violation] = []
        self.armed = True
        self._lock = threading.Lock()

    def audit(self, event: str, args: tuple[Any, ...]) -> None:
        """The audit hook: cheap for every other event, since it runs for all of them."""
        if event not in _EVENTS or not self.armed:
            return
        target = _target(event, args)
        if target is None or is_local(target[0]):
            return
        violation = Violation(target[0], target[1], event, os.getpid(), list(sys.orig_argv),
                              "".join(traceback.format_stack(limit=_STACK_FRAMES)[:-1]))  # less audit() itself
        self._record(violation)
        raise NetworkGuardViolation(violation.describe())

    def _record(self, violation: Violation) -> None:
        with self._lock:
            self.violations.append(violation)
            if self.log_path is not None:
                with open(self.log_path, "a", encoding="utf-8") as log:
                    log.write(json.dumps(asdict(violation)) + "\n")
        print(violation.describe(), file=sys.stderr, flush=True)


def _target(event: str, args: tuple[Any, ...]) -> tuple[str, int | None] | None:
    """(host, port) the event reaches, or None where it names no internet peer (Unix, netlink sockets)."""
    if event == "socket.getaddrinfo":
        host, port = args[0], args[1]
        host = host.decode("idna") if isinstance(host, bytes) else host
        return (str(host) if host is not None else "", port if isinstance(port, int) else None)
    address = args[1] if len(args) > 1 else None
    if isinstance(address, tuple) and address and isinstance(address[0], (str, bytes)):
        host = address[0].decode() if isinstance(address[0], bytes) else address[0]
        port = address[1] if len(address) > 1 and isinstance(address[1], int) else None
        return host, port
    return None


_guard: NetworkGuard | None = None
_install_lock = threading.Lock()


def install(log_path: str | os.PathLike[str] | None = None) -> NetworkGuard:
    """Arm the guard in this process (the hook is added once: an audit hook cannot be removed; setting
    the guard's ``armed`` to False pauses it)."""
    global _guard
    with _install_lock:
        if _guard is None:
            _guard = NetworkGuard(log_path)
            sys.addaudithook(_guard.audit)
        else:
            _guard.armed = True
            if log_path:
                _guard.log_path = Path(log_path)
        return _guard


def current() -> NetworkGuard | None:
    """The guard installed in this process, if any."""
    return _guard


def is_pip(argv: Iterable[str]) -> bool:
    """Whether this interpreter runs pip, which may fetch packages: ``-m pip``, a ``pip``/``pip3`` script,
    or a script of pip's own package (``pip/__pip-runner__.py``, how pip installs build dependencies)."""
    args = list(argv)[1:]
    if len(args) >= 2 and args[0] == "-m" and args[1].split(".")[0] == "pip":
        return True
    script = Path(args[0]) if args else None
    return script is not None and (script.name.startswith("pip") or "pip" in script.parts[:-1])


def child_env(env: dict[str, str], log_path: str | os.PathLike[str]) -> dict[str, str]:
    """``env`` for a child process whose Python interpreters arm the guard and log to ``log_path``."""
    path = [str(SITE_DIR), *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]]
    return {**env, ENV_FLAG: "1", ENV_LOG: str(log_path), "PYTHONPATH": os.pathsep.join(path)}


def read_log(log_path: str | os.PathLike[str], start: int = 0) -> tuple[list[Violation], int]:
    """The violations children logged from byte ``start`` on, and the offset to read from next time."""
    path = Path(log_path)
    if not path.is_file():
        return [], start
    with open(path, "rb") as log:
        log.seek(start)
        data = log.read()
    lines = [line for line in data.decode("utf-8", "replace").splitlines() if line.strip()]
    return [Violation(**json.loads(line)) for line in lines], start + len(data)


def arm_from_environment() -> NetworkGuard | None:
    """What ``site_hooks/sitecustomize.py`` runs: arm when ``DOCKYARD_NETWORK_GUARD=1``, except in pip."""
    if os.environ.get(ENV_FLAG) != "1" or is_pip(sys.orig_argv):
        return None
    return install(os.environ.get(ENV_LOG) or None)
