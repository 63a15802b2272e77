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


def base_image_problem(base_image: str) -> str | None:
    """Why ``base_image`` cannot be had (not local and the pull failed), or None when it can.

    Pulling here, before any deployment work starts, lets ``auto`` fall back to the process runtime
    on a machine whose engine runs but reaches no registry, instead of failing the deployment.
    """
    try:
        import docker

        client = docker.from_env(timeout=30)
        try:
            client.images.get(base_image)
        except docker.errors.ImageNotFound:
            client.images.pull(base_image)
        finally:
            client.close()
    except Exception as exc:  # not local and not pullable, for whatever reason
        return f"base image {base_image} is not local and could not be pulled ({type(exc).__name__})"
    return None


def choose(name: str, base_image: str | None = None) -> tuple[str, str]:
    """Resolve ``auto``/``docker``/``process`` to a concrete runtime name and the reason for it.

    ``auto`` takes docker only when an engine answers and, if ``base_image`` is given, that image
    can be had; otherwise the process runtime, with the reason.
    """
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
    image_problem = base_image_problem(base_image) if base_image else None
    if image_problem:
        return "process", (f"auto: {image_problem}, so the process runtime "
                            "(for Docker, set DOCKYARD_BASE_IMAGE to a local image and restart the emulator)")
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
