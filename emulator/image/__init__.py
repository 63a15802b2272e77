"""``dockyard/emulator``: the emulator as a container image, for CI service containers (as
LocalStack and moto's server mode are used).

The image is the base Python image (``DOCKYARD_BASE_IMAGE``) plus a venv with Dockyard, installed
from a wheelhouse built here on the host, so the Docker build needs no network (the same approach
as the deployment images, :mod:`emulator.runtimes.docker`). Dockyard itself is built as a wheel
from the source checkout this module belongs to; its dependencies' wheels are cached per
dependency set under ``~/.cache/dockyard/emulator-image``.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sys
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

from emulator import settings
from emulator.runtimes.base import RuntimeFailure
from emulator.runtimes.venv_image import host_build_lock
from emulator.runtimes.wheelhouse import build_wheelhouse, run_streaming

IMAGE = "dockyard/emulator"
PORT = 8765
DATA_DIR = "/data"
DOCKERFILE = Path(__file__).with_name("Dockerfile")
BUILD_STAGE_LABEL = "dockyard.stage=emulator-build"
_SOURCES = ("pyproject.toml", "README.md", "toolkit", "emulator")  # what the wheel is built from

Log = Callable[[str], None]


class ImageBuildError(RuntimeError):
    """The image could not be built; the message says why and the last output lines follow."""


def build_image(tag: str = IMAGE, base_image: str | None = None, log: Log = print,
                cache_dir: Path | None = None, client: Any = None) -> str:
    """Build ``tag`` from ``base_image`` (default ``$DOCKYARD_BASE_IMAGE``, else python:3.11-slim or the
    offline dockyard/python:3.11-local, whichever the engine has, as deployments choose); returns the image id."""
    from emulator.runtimes.base_image import resolve

    base_image = resolve(base_image or settings.base_image())
    source = source_root()
    requirements = runtime_requirements()
    key = hashlib.sha256("\n".join([sys.version.split()[0], *requirements]).encode()).hexdigest()[:16]
    context = (cache_dir or default_cache_dir()) / key
    # One build of a context at a time on this machine: a second caller would empty dist/ and the
    # wheel's source copy under the first one's pip (seen with two pytest workers).
    with host_build_lock(f"emulator-image-{key}"):
        try:
            build_wheelhouse(requirements, context / "wheels", log)
            build_dockyard_wheel(source, context / "dist", log)
        except RuntimeFailure as exc:
            raise ImageBuildError("\n".join([str(exc), *exc.log_tail])) from None
        shutil.copyfile(DOCKERFILE, context / "Dockerfile")
        (context / ".dockerignore").write_text("source\n")
        return _docker_build(client, context, tag, base_image, log)


def source_root() -> Path:
    """The checkout Dockyard runs from (where its pyproject.toml is): the image installs that code."""
    root = Path(__file__).resolve().parents[2]
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file() or 'name = "dockyard"' not in pyproject.read_text():
        raise ImageBuildError(f"the emulator image is built from a Dockyard source checkout; {root} is not one "
                              "(clone the repository and run `make image` there)")
    return root


def runtime_requirements() -> list[str]:
    """Dockyard's own dependencies, without extras (what ``pip install dockyard`` installs)."""
    requires = metadata.requires("dockyard") or []
    return sorted(r.split(";")[0].strip() for r in requires if "extra ==" not in r)


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dockyard" / "emulator-image"


def build_dockyard_wheel(source: Path, dist: Path, log: Log) -> None:
    """Build Dockyard's wheel from the checkout ``source`` into ``dist`` (the image installs it; the plugin's
    wheel test installs it in a fresh venv). From a clean copy of the package sources: an in-tree build
    would leave ``build/`` in the checkout, and stale modules there would end up in the wheel."""
    staging = dist.with_name("source")
    for path in (dist, staging):
        shutil.rmtree(path, ignore_errors=True)
    dist.mkdir(parents=True)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in _SOURCES:
        if (source / name).is_dir():
            shutil.copytree(source / name, staging / name, ignore=skip)
        else:
            staging.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, staging / name)
    log(f"building the Dockyard wheel from {source}")
    run_streaming([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-q",
                   "-w", str(dist), str(staging)], log, "pip wheel (Dockyard)")


def engine_with(base_image: str, client: Any = None) -> Any:
    """The Docker client (``client``, else one from the environment), once the engine is known to have
    ``base_image``: an offline build cannot pull it, so its absence is the error, with the fix."""
    import docker
    import docker.errors

    client = client or docker.from_env(timeout=600)
    try:
        client.images.get(base_image)
    except docker.errors.ImageNotFound:
        raise ImageBuildError(f"the base image {base_image} is not on this Docker engine; set DOCKYARD_BASE_IMAGE "
                              "to a local Python image (`make docker` builds dockyard/python:3.11-local offline)") from None
    return client


def _docker_build(client: Any, context: Path, tag: str, base_image: str, log: Log) -> str:
    client = engine_with(base_image, client)
    log(f"building {tag} from {base_image} (offline: --no-index)")
    lines: list[str] = []
    image_id = None
    for chunk in client.api.build(path=str(context), tag=tag, rm=True, forcerm=True, decode=True,
                                  buildargs={"BASE_IMAGE": base_image}, labels={"dockyard.base": base_image}):
        if "error" in chunk:
            raise ImageBuildError("\n".join([f"the image build failed: {chunk['error'].strip()}", *lines[-20:]]))
        image_id = (chunk.get("aux") or {}).get("ID", image_id)
        for line in str(chunk.get("stream", "")).splitlines():
            if line.strip():
                lines.append(line)
                log(line)
    # The build stage (wheelhouse + venv) stays behind as an untagged image labelled BUILD_STAGE_LABEL: it is
    # the cache that makes the next build install only Dockyard's own wheel (`docker image prune --filter
    # label=dockyard.stage=emulator-build` frees it).
    return image_id or client.images.get(tag).id
