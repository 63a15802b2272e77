"""A warm fork server: a Python process that imports the heavy modules once (flask, gunicorn, numpy,
pandas, the model's framework) and forks a fresh child for each job.

Starting a model server or a verify() run means a new interpreter importing pandas and scikit-learn,
a second or more of the time it takes. A child forked from this server starts with those modules
already imported, and is still a process of its own: it has never seen the caller's modules or
state (the server imports nothing else, runs no user code, and each child exits when its job is
done), and it gets exactly the environment, working directory and ``argv`` the job names.

The protocol is JSON lines over a socket pair: ``spawn`` requests (``module`` to run as ``__main__``,
or ``code``; ``argv``, ``env``, ``cwd``, ``path``, ``stdout``/``stderr`` files, ``session`` for a
process group of its own) are answered with the child's pid; the server reaps its children and
reports each exit code. A job may carry one file descriptor (a bound socket), sent beside its line
(``SCM_RIGHTS``): the child has it open, its number in the variable the job names. It also
learns: a child that exits tells it which libraries it imported
(modules from the interpreter's own directories, never the job's), and the server imports them
before the next fork, so the second verify() of a scikit-learn model finds its estimator's modules
loaded too. The server exits when the socket closes (its owner went away), leaving the children it
started running.

What a library reads only when it is imported (``OMP_NUM_THREADS`` and the like) comes from the
server's environment, not the job's: callers give jobs that set such variables a fresh interpreter
instead (:func:`import_time_variables`).
"""
from __future__ import annotations

import functools
import json
import os
import socket
import subprocess
import threading
from concurrent.futures import Future
from typing import Any, Iterable

# Variables libraries read at import time: a job that sets one needs its own interpreter.
_IMPORT_TIME_PREFIXES = ("PYTHON", "OMP_", "OPENBLAS_", "MKL_", "NUMEXPR_", "GOTO_", "VECLIB_", "KMP_",
                         "CUDA_", "TORCH", "LD_", "MALLOC_")

_BOOTSTRAP = r'''
import importlib, io, json, os, runpy, select, signal, socket, sys, traceback

LIBRARIES = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix})

def preload(names):
    for name in names:
        if name not in sys.modules:
            try:
                importlib.import_module(name)
            except BaseException:
                pass

def main():
    sock = socket.socket(fileno=int(sys.argv[1]))
    preload(json.loads(sys.argv[2]))
    children, learning, buf, passed = set(), {}, b"", []
    signal.signal(signal.SIGCHLD, lambda *_: None)

    def send(message):
        sock.sendall(json.dumps(message).encode() + b"\n")

    send({"ready": True})
    while True:
        readable, _, _ = select.select([sock, *learning], [], [], 0.05)
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if not pid:
                break
            children.discard(pid)
            send({"exited": pid, "code": os.waitstatus_to_exitcode(status)})
        for fd in [fd for fd in readable if fd in learning]:
            chunk = os.read(fd, 1 << 16)
            if chunk:
                learning[fd] += chunk
                continue
            os.close(fd)
            try:
                preload(json.loads(learning.pop(fd) or b"[]"))
            except ValueError:
                pass
        if sock not in readable:
            continue
        data, fds, _, _ = socket.recv_fds(sock, 1 << 20, 8)
        if not data:
            return
        buf += data
        passed += fds
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            job = json.loads(line)
            preload(job.get("preload") or ())
            fd = passed.pop(0) if job.get("fd_env") else None
            report, tell = os.pipe()
            pid = os.fork()
            if pid == 0:
                sock.close()
                os.close(report)
                for other in passed:  # later jobs' descriptors: never held open by this child
                    os.close(other)
                if fd is not None:
                    job["env"][job["fd_env"]] = str(fd)
                run(job, tell)
            os.close(tell)
            if fd is not None:
                os.close(fd)
            learning[report] = b""
            children.add(pid)
            send({"id": job["id"], "pid": pid})

def learned(known):
    # The libraries this child imported that the server had not: the server imports them for the
    # next child (it learns what the framework's models need). Never the job's own modules.
    names = []
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None) or ""
        if name not in known and path.startswith(LIBRARIES):
            names.append(name)
    return names

def run(job, tell):
    code, known = 1, set(sys.modules)
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        if job.get("session"):
            os.setsid()
        os.environ.clear()
        os.environ.update(job["env"])
        os.chdir(job["cwd"])
        for entry in reversed(job.get("path") or []):
            sys.path.insert(0, entry)
        for fd, name in ((1, job.get("stdout")), (2, job.get("stderr") or job.get("stdout"))):
            if name:
                target = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                os.dup2(target, fd)
                os.close(target)
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), line_buffering=True)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), line_buffering=True)
        sys.argv = list(job["argv"])
        if job.get("code") is not None:
            exec(compile(job["code"], "<string>", "exec"), {"__name__": "__main__"})
        else:
            runpy.run_module(job["module"], run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            os.write(tell, json.dumps(learned(known)).encode())
        finally:
            os._exit(code)

main()
'''


def import_time_variables(env: dict[str, str], server_env: dict[str, str] | None = None) -> list[str]:
    """The job's variables that a library reads when it is imported (see the module docstring); with
    ``server_env``, only those whose value differs from the fork server's (or that it lacks)."""
    base = server_env or {}
    names = set(env) | (set(base) if server_env is not None else set())
    return sorted(name for name in names if name.upper().startswith(_IMPORT_TIME_PREFIXES)
                  and (server_env is None or env.get(name) != base.get(name)))


class ForkServer:
    """The client side: starts the server process and asks it for children."""

    def __init__(self, python: str, preload: Iterable[str], env: dict[str, str] | None = None) -> None:
        ours, theirs = socket.socketpair()
        self.python, self.preload = python, tuple(preload)
        self.env = dict(os.environ if env is None else env)
        self.process = subprocess.Popen(
            [python, "-P", "-c", _BOOTSTRAP, str(theirs.fileno()), json.dumps(list(self.preload))],
            pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        theirs.close()
        self._sock = ours
        self._lock = threading.Lock()
        self._ids = iter(range(1, 1 << 62))
        self._pending: dict[int, Future] = {}
        self._exits: dict[int, Future] = {}
        self.ready: Future = Future()
        threading.Thread(target=self._read, name=f"forkserver-{self.process.pid}", daemon=True).start()

    def alive(self) -> bool:
        return self.process.poll() is None and not (self.ready.done() and self.ready.exception())

    def spawn(self, argv: list[str], env: dict[str, str], cwd: str, *, module: str | None = None,
              code: str | None = None, path: Iterable[str] = (), stdout: str | None = None,
              stderr: str | None = None, session: bool = False, preload: Iterable[str] = (),
              pass_fd: tuple[int, str] | None = None, timeout: float = 120.0) -> int:
        """Fork a child that runs ``module`` (as ``python -m``) or ``code`` (as ``python -c``); its pid.
        ``preload``: modules the server imports first, once (a framework the job will need).
        ``pass_fd``: (a descriptor of the caller's, a variable name): the child has it open and finds
        its number in that variable (a socket the caller bound, so no other process can take its port)."""
        self.ready.result(timeout)
        request_id = next(self._ids)
        answer: Future = Future()
        job = {"id": request_id, "argv": argv, "env": dict(env), "cwd": cwd, "module": module, "code": code,
               "path": list(path), "stdout": stdout, "stderr": stderr, "session": session,
               "preload": list(preload), "fd_env": pass_fd[1] if pass_fd else None}
        line = json.dumps(job).encode() + b"\n"
        with self._lock:
            self._pending[request_id] = answer
            if pass_fd:
                sent = socket.send_fds(self._sock, [line], [pass_fd[0]])
                self._sock.sendall(line[sent:])
            else:
                self._sock.sendall(line)
        pid = answer.result(timeout)
        with self._lock:
            self._exits.setdefault(pid, Future())
        return pid

    def wait(self, pid: int, timeout: float | None = None) -> int:
        """The exit code of a child this server started (TimeoutError if it runs longer)."""
        with self._lock:
            exited = self._exits.setdefault(pid, Future())
        try:
            return exited.result(timeout)
        finally:
            if exited.done():
                with self._lock:
                    self._exits.pop(pid, None)

    def close(self) -> None:
        try:
            self._sock.close()
        finally:
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def _read(self) -> None:
        buffer = b""
        try:
            while True:
                data = self._sock.recv(65536)
                if not data:
                    break
                buffer += data
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    self._dispatch(json.loads(line))
        except OSError:
            pass
        failure = RuntimeError(f"the fork server ({self.python}) stopped")
        for future in [self.ready, *self._pending.values(), *self._exits.values()]:
            if not future.done():
                future.set_exception(failure)

    def _dispatch(self, message: dict[str, Any]) -> None:
        if message.get("ready"):
            self.ready.set_result(True)
        elif "exited" in message:
            with self._lock:
                future = self._exits.setdefault(message["exited"], Future())
            if not future.done():
                future.set_result(message["code"])
        else:
            with self._lock:
                future = self._pending.pop(message["id"], None)
            if future is not None:
                future.set_result(message["pid"])


_servers: dict[tuple[str, str], ForkServer] = {}
_servers_lock = threading.Lock()


def server_for(python: str, preload: Iterable[str] = (), env: dict[str, str] | None = None,
               purpose: str = "") -> ForkServer:
    """The fork server of ``python`` (one per interpreter and purpose), started on first use with
    ``preload`` imported; later jobs may name more modules to import (``spawn(preload=...)``)."""
    key = (python, purpose)
    with _servers_lock:
        server = _servers.get(key)
        if server is None or not server.alive():
            server = _servers[key] = ForkServer(python, preload, env)
        return server


def import_names(requirements: Iterable[str]) -> list[str]:
    """The modules to import for requirement names (``scikit-learn`` -> ``sklearn``): from the installed
    distributions' file lists when this interpreter has them, else the name itself."""
    by_distribution = _top_level_names()
    names = []
    for requirement in requirements:
        name = requirement.split(";")[0].strip()
        for sep in ("==", ">=", "<=", "~=", "!=", ">", "<", "[", " ", "@"):
            name = name.split(sep)[0]
        if name:
            key = _normal(name)
            modules = by_distribution.get(key) or [key.replace("-", "_")]
            names += modules + [extra for module in modules for extra in _MODEL_MODULES.get(module, ())]
    return names


# What loading a typical model of a framework imports beyond the package itself (a model server's
# workers are forked by gunicorn, not by the fork server, so it cannot learn these from them).
_MODEL_MODULES = {
    "sklearn": ("sklearn.linear_model", "sklearn.ensemble", "sklearn.tree", "sklearn.pipeline",
                "sklearn.preprocessing"),
    "xgboost": ("xgboost.sklearn",),
    "lightgbm": ("lightgbm.sklearn",),
}


@functools.lru_cache(maxsize=1)
def _top_level_names() -> dict[str, list[str]]:
    from importlib import metadata

    found: dict[str, list[str]] = {}
    for module, distributions in metadata.packages_distributions().items():
        if module.startswith("_") or not module.isidentifier():
            continue
        for distribution in distributions:
            found.setdefault(_normal(distribution), []).append(module)
    return found


def _normal(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")
