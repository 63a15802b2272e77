"""Images made of a base Python image plus one venv and one server package: deployment environments
(``dockyard-env:<key>``) and the LLM stand-in (``dockyard/llm:cpu``).

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


def install_script(package_name: str) -> str:
    """What runs in the install container. Part of an environment's cache key: change it, and images rebuild."""
    return f"""\
set -e
python3 -m venv {VENV}
{VENV}/bin/python -m pip install --no-index --no-cache-dir --disable-pip-version-check \\
  --find-links {WHEELS_IN_BUILD} -r {WHEELS_IN_BUILD}/requirements.txt
{VENV}/bin/python -m pip uninstall -y -q pip setuptools
cp -r {PACKAGE_IN_BUILD} /opt/dockyard/{package_name}
"""


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


def build_venv_image(client: Any, base: str, wheels: Path, package: Path, repository: str, tag: str,
                     changes: list[str], log: Callable[[str], None], stop_signal: str | None = None) -> str:
    """Install ``wheels`` (a wheelhouse with its requirements.txt) and ``package`` on ``base``, stream the
    install's output to ``log``, and commit the result as ``repository:tag`` with the Dockerfile
    instructions ``changes`` (``docker commit --change``; STOPSIGNAL is not one, hence ``stop_signal``).
    Returns the image id. A failing install raises RuntimeFailure with its last lines and leaves no
    image and no container."""
    name = build_container_name(repository, tag)
    _remove_leftover(client, name)
    container = client.containers.create(
        base, ["/bin/sh", "-c", install_script(package.name)], name=name, network_mode="none",
        volumes={str(wheels.resolve()): {"bind": WHEELS_IN_BUILD, "mode": "ro"},
                 str(package.resolve()): {"bind": PACKAGE_IN_BUILD, "mode": "ro"}})
    try:
        container.start()
        tail: deque[str] = deque(maxlen=20)
        for line in log_lines(container.logs(stream=True, follow=True)):
            tail.append(line)
            log(line)
        status = container.wait().get("StatusCode", 1)
        if status != 0:
            raise RuntimeFailure(f"image build failed: installing the environment exited with {status}", list(tail))
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
