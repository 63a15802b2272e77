"""Images made of a base Python image plus one venv and one server package: deployment environments
(``dockyard-env:<key>``) and the LLM stand-in (``dockyard/llm:cpu``).

A deployment environment is two layers: the venv (``dockyard-env:<venv key>``, named by the base image
and the requirements alone) and, on it, the inference server's package (``dockyard-env:<venv key>-server-
<hash>``). A new version of the server adds a new thin top layer in a second or two; the venv, 80 s
and more for TensorFlow, is built once per requirement set. The LLM stand-in is one layer, venv and package.

They are not built from a Dockerfile. The install runs in a container of the base image with the
host's wheelhouse and the package mounted read-only and no network, and that container is committed
as the image. The result is one layer with no wheels in it. A two-stage Dockerfile gave the same
image only by copying the whole venv a second time: a TensorFlow environment took 208 s that way and
takes 82 s this way, on the same machine.
"""
from __future__ import annotations

import fcntl
import tempfile
from collections import deque
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from emulator.runtimes.base import RuntimeFailure

VENV = "/opt/dockyard/venv"
WHEELS_IN_BUILD = "/tmp/dockyard/wheels"
PACKAGE_IN_BUILD = "/tmp/dockyard/package"


def install_script(package_name: str | None) -> str:
    """What runs in the install container (and copies the package ``package_name``, when given). Part of
    an environment's cache key: change it, and images rebuild."""
    script = f"""\
set -e
python3 -m venv {VENV}
{VENV}/bin/python -m pip install --no-index --no-cache-dir --disable-pip-version-check \\
  --find-links {WHEELS_IN_BUILD} -r {WHEELS_IN_BUILD}/requirements.txt
{VENV}/bin/python -m pip uninstall -y -q pip setuptools
"""
    return script + (package_script(package_name) if package_name else "")


def package_script(package_name: str) -> str:
    """What puts the server's package in place: the whole of an environment's top layer."""
    return f"cp -r {PACKAGE_IN_BUILD} /opt/dockyard/{package_name}\n"


@contextmanager
def host_build_lock(key: str) -> Iterator[None]:
    """Held while one image is looked for and built. The Docker engine is shared by every emulator on
    the machine (two homes, two pytest workers): without it, two of them building the same tag at once
    each remove the other's build container as a leftover, and both builds fail."""
    folder = Path(tempfile.gettempdir()) / "dockyard-image-builds"
    folder.mkdir(mode=0o777, exist_ok=True)
    with open(folder / f"{key}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def venv_environment() -> list[str]:
    """The ENV instructions every such image has: the venv first on PATH, the package importable."""
    return [f"ENV PATH={VENV}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "ENV PYTHONPATH=/opt/dockyard", "ENV PYTHONUNBUFFERED=1", "ENV DOCKYARD_BIND_HOST=0.0.0.0"]


def build_venv_image(client: Any, base: str, wheels: Path, package: Path | None, repository: str, tag: str,
                     changes: list[str], log: Callable[[str], None], stop_signal: str | None = None) -> str:
    """Install ``wheels`` (a wheelhouse with its requirements.txt) and ``package`` (unless None) on ``base``,
    stream the install's output to ``log``, and commit the result as ``repository:tag`` with the Dockerfile
    instructions ``changes`` (``docker commit --change``; STOPSIGNAL is not one, hence ``stop_signal``).
    Returns the image id. A failing install raises RuntimeFailure with its last lines and leaves no
    image and no container."""
    volumes = {str(wheels.resolve()): {"bind": WHEELS_IN_BUILD, "mode": "ro"}}
    if package is not None:
        volumes[str(package.resolve())] = {"bind": PACKAGE_IN_BUILD, "mode": "ro"}
    return _commit_run(client, base, install_script(package.name if package else None), volumes, repository, tag,
                       changes, log, stop_signal, "installing the environment")


def add_package_layer(client: Any, image: str, package: Path, repository: str, tag: str, changes: list[str],
                      log: Callable[[str], None], stop_signal: str | None = None) -> str:
    """Commit ``package`` copied onto ``image`` as ``repository:tag`` (one thin layer); the image id."""
    volumes = {str(package.resolve()): {"bind": PACKAGE_IN_BUILD, "mode": "ro"}}
    return _commit_run(client, image, package_script(package.name), volumes, repository, tag, changes, log,
                       stop_signal, "adding the server package")


def _commit_run(client: Any, image: str, script: str, volumes: dict[str, Any], repository: str, tag: str,
                changes: list[str], log: Callable[[str], None], stop_signal: str | None, what: str) -> str:
    """Run ``script`` in a container of ``image`` with no network, and commit it as ``repository:tag``."""
    name = build_container_name(repository, tag)
    _remove_leftover(client, name)
    container = client.containers.create(image, ["/bin/sh", "-c", script], name=name, network_mode="none",
                                         volumes=volumes)
    try:
        container.start()
        tail: deque[str] = deque(maxlen=20)
        for line in log_lines(container.logs(stream=True, follow=True)):
            tail.append(line)
            log(line)
        status = container.wait().get("StatusCode", 1)
        if status != 0:
            raise RuntimeFailure(f"image build failed: {what} exited with {status}", list(tail))
        conf = {"StopSignal": stop_signal} if stop_signal else None
        image = container.commit(repository, tag, changes=changes, conf=conf)
        return image.id
    finally:
        container.remove(force=True)


def build_container_name(repository: str, tag: str) -> str:
    """The install container's name: one per image, so a build killed half-way is found and replaced."""
    return "dockyard-build-" + "".join(c if c.isalnum() or c in "_.-" else "-" for c in f"{repository}-{tag}")


def _remove_leftover(client: Any, name: str) -> None:
    import docker.errors

    try:
        client.containers.get(name).remove(force=True)
    except docker.errors.NotFound:
        pass


def log_lines(stream: Any) -> Iterator[str]:
    """The text lines of a container's log stream, whose chunks may split a line (or a UTF-8 character)."""
    pending = b""
    for chunk in stream:
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for line in complete:
            if line.strip():
                yield line.decode("utf-8", "replace").rstrip("\r")
    if pending.strip():
        yield pending.decode("utf-8", "replace")
