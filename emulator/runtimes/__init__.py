"""Deployment runtimes: where a deployment's inference server actually runs.

``docker`` (a container per deployment, image per environment), ``process`` (a gunicorn
subprocess) and ``auto`` (docker when an engine answers, else process). ``choose`` says which
one it picked and why, so the choice is never silent.
"""
from __future__ import annotations

from pathlib import Path

import importlib

from emulator.runtimes.base import Runtime, RuntimeFailure, ServerHandle, ServerSpec
from emulator.settings import BASE_IMAGE_ENV, RUNTIMES, check_runtime

__all__ = ["RUNTIMES", "RUNTIME_CLASSES", "Runtime", "RuntimeFailure", "ServerHandle", "ServerSpec", "byoc_runtime",
           "choose", "docker_problem", "make"]

# The concrete runtimes by name: the module and class implementing ``Runtime`` (imported on first use,
# so choosing the process runtime never imports the docker SDK).
RUNTIME_CLASSES = {"docker": "emulator.runtimes.docker:DockerRuntime",
                   "process": "emulator.runtimes.process:ProcessRuntime"}


def docker_problem() -> str | None:
    """Why the Docker engine cannot be used, or None when it answers a ping (the one ping of Dockyard:
    runtime choice, the daemon's clean-up, the pytest plugin's docker marker)."""
    try:
        import docker

        client = docker.from_env(timeout=5)
        client.ping()
        client.close()
    except Exception as exc:  # any failure means "no engine here"
        return f"{type(exc).__name__}: {exc}"
    return None


def base_image_problem(base_image: str) -> str | None:
    """Why ``base_image`` cannot be had (not local and the pull failed), or None when it can."""
    from emulator.runtimes import base_image as images

    return images.problem(base_image)


def choose(name: str, base_image: str | None = None) -> tuple[str, str]:
    """Resolve ``auto``/``docker``/``process`` to a concrete runtime name and the reason for it.

    ``auto`` takes docker only when an engine answers and, if ``base_image`` is given, that image
    can be had; otherwise the process runtime, with the reason.
    """
    try:
        name = check_runtime(name or "auto")
    except ValueError:
        raise ValueError(f"unknown runtime {name!r}; use one of {', '.join(RUNTIMES)}") from None
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
        from emulator.runtimes.base_image import build_command

        return "process", (f"auto: base image {image_problem}, so the process runtime (for Docker: "
                           f"`{build_command()}` builds an offline base image, or set {BASE_IMAGE_ENV} to a "
                           "local Python image; either takes effect on the next deploy)")
    having = f" and has the base image {base_image}" if base_image else ""
    return "docker", f"auto: a Docker engine answers{having}, so the docker runtime"


def byoc_runtime(image: str | None, requested: str) -> tuple[str, str]:
    """The runtime of a bring-your-own-container deployment, and why: docker, except for an LLM server
    image (TGI, vLLM, ``dockyard/llm``) that cannot run here, which the CPU LLM stand-in replaces as
    a process (runtime ``process`` asked for, no engine, or the image not in the engine under ``auto``)."""
    from emulator.runtimes.llm_standin import stands_in_for

    requested = (requested or "auto").lower()
    if not stands_in_for(image) or requested == "docker":
        return choose("docker")[0], "bring-your-own-container: the docker runtime"
    standin = f"{image} runs as Dockyard's CPU LLM stand-in in the process runtime"
    if requested == "process":
        return "process", f"{standin} (runtime 'process' requested)"
    problem = docker_problem()
    if problem:
        return "process", f"{standin} (no Docker engine answers: {problem})"
    if not _image_local(image or ""):
        return "process", f"{standin} (the image is not in the Docker engine)"
    return "docker", "bring-your-own-container: the docker runtime"


def _image_local(image: str) -> bool:
    try:
        import docker

        client = docker.from_env(timeout=10)
        try:
            client.images.get(image)
            return True
        finally:
            client.close()
    except Exception:  # not there, or not askable: either way not runnable here
        return False


def make(name: str, home: Path, base_image: str | None = None, java_base_image: str | None = None) -> Runtime:
    """Build the runtime object for a concrete name (``base_image``: the docker runtime's default;
    ``java_base_image``: its base for environments that run a JVM)."""
    if name not in RUNTIME_CLASSES:
        raise ValueError(f"not a concrete runtime: {name!r}")
    module, _, cls = RUNTIME_CLASSES[name].partition(":")
    return getattr(importlib.import_module(module), cls).create(home, base_image=base_image,
                                                                java_base_image=java_base_image)
