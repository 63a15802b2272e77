"""Deployment runtimes: where a deployment's inference server actually runs.

``docker`` (a container per deployment, image per environment), ``process`` (a gunicorn
subprocess) and ``auto`` (docker when an engine answers, else process). ``choose`` says which
one it picked and why, so the choice is never silent.
"""
from __future__ import annotations

from pathlib import Path

from emulator.runtimes.base import RuntimeFailure, ServerHandle, ServerSpec

RUNTIMES = ("auto", "docker", "process")

__all__ = ["RUNTIMES", "RuntimeFailure", "ServerHandle", "ServerSpec", "choose", "docker_problem", "make"]


def docker_problem() -> str | None:
    """Why the Docker engine cannot be used, or None when it answers a ping."""
    try:
        import docker

        client = docker.from_env(timeout=5)
        client.ping()
        client.close()
    except Exception as exc:  # any failure means "no engine here"
        return f"{type(exc).__name__}: {exc}"
    return None


def choose(name: str) -> tuple[str, str]:
    """Resolve ``auto``/``docker``/``process`` to a concrete runtime name and the reason for it."""
    name = (name or "auto").lower()
    if name not in RUNTIMES:
        raise ValueError(f"unknown runtime {name!r}; use one of {', '.join(RUNTIMES)}")
    if name == "process":
        return "process", "runtime 'process' requested"
    problem = docker_problem()
    if name == "docker":
        if problem:
            raise RuntimeFailure(f"runtime 'docker' requested but no Docker engine answers ({problem})")
        return "docker", "runtime 'docker' requested"
    if problem:
        return "process", f"auto: no Docker engine answers ({problem}), so the process runtime"
    return "docker", "auto: a Docker engine answers, so the docker runtime"


def make(name: str, home: Path, base_image: str):
    """Build the runtime object for a concrete name."""
    if name == "docker":
        from emulator.runtimes.container import DockerRuntime

        return DockerRuntime(home, base_image)
    if name == "process":
        from emulator.runtimes.process import ProcessRuntime

        return ProcessRuntime(home)
    raise ValueError(f"not a concrete runtime: {name!r}")
