"""``dockyard/llm:cpu``: the CPU LLM stand-in (``emulator/llm_server``, copied as ``dockyard_llm``) as a
container image, so an LLM deployment runs it with the docker runtime as it would run TGI or vLLM.

The image is a venv of the stand-in's libraries (at this host's versions) on the base Python image,
installed from a wheelhouse built on the host with no network in the build (as the emulator's image,
:mod:`emulator.image`, and the deployments' environment images are).
"""
from __future__ import annotations

import sys
from pathlib import Path

from emulator.runtimes.base import RuntimeFailure
from emulator.runtimes.llm_standin import NEEDS, missing_libraries
from emulator.runtimes.server_package import LLM_PACKAGE_NAME, LLM_SOURCE
from emulator.runtimes.venv_image import build_venv_image, venv_environment

STANDIN_IMAGE = "dockyard/llm:cpu"
LLM_IMAGE_DESCRIPTION = "CPU stand-in for TGI/vLLM: TGI, vLLM and OpenAI routes on port 8080"


def image_config(base_image: str) -> list[str]:
    """How the image runs: the deployment's cmd is added to the entrypoint's arguments; PARAMS is read
    from the environment."""
    return [*venv_environment(), "ENV HF_HUB_OFFLINE=1", "ENV PORT=8080", "EXPOSE 8080",
            f'ENTRYPOINT ["python", "-m", "{LLM_PACKAGE_NAME}"]', 'CMD []',
            f'LABEL org.opencontainers.image.title="dockyard/llm" '
            f'org.opencontainers.image.description="{LLM_IMAGE_DESCRIPTION}" dockyard.base="{base_image}"']


def image_requirements() -> list[str]:
    """What the image installs: the stand-in's libraries at this host's versions (torch: its CPU wheel)."""
    from importlib import metadata

    pins = []
    for name in (*NEEDS, "tokenizers", "safetensors"):
        version = metadata.version(name)
        pins.append(f"{name}=={version.split('+')[0]}" if name == "torch" else f"{name}=={version}")
    return pins


def build_image(tag: str = STANDIN_IMAGE, base_image: str | None = None, log=print, cache_dir: Path | None = None,
                client=None) -> str:
    """Build ``tag`` (default ``dockyard/llm:cpu``) from the base image (``$DOCKYARD_BASE_IMAGE``, else
    python:3.11-slim or dockyard/python:3.11-local, whichever the engine has) with no network in the build;
    returns the image id. The wheelhouse is built on the host and cached per requirement set."""
    import hashlib

    from emulator import settings
    from docker.utils import parse_repository_tag

    from emulator.image import ImageBuildError, default_cache_dir, engine_with
    from emulator.runtimes.base_image import BUILD_KEY_LABEL, built_from, resolve
    from emulator.runtimes.server_package import copy_to, source_hash
    from emulator.runtimes.wheelhouse import build_wheelhouse

    missing = missing_libraries()
    if missing:
        raise ImageBuildError(f"the LLM image is built from this Python's {' and '.join(missing)}; "
                              "pip install 'dockyard[llm]' first")
    base_image = resolve(base_image or settings.base_image())  # as the emulator image and deployments choose
    requirements = image_requirements()
    key = hashlib.sha256("\n".join([sys.version.split()[0], *requirements]).encode()).hexdigest()[:16]
    context = (cache_dir or default_cache_dir().with_name("llm-image")) / key
    try:
        build_wheelhouse(requirements, context / "wheels", log)
    except RuntimeFailure as exc:
        raise ImageBuildError("\n".join([str(exc), *exc.log_tail])) from None
    repository, image_tag = parse_repository_tag(tag)
    client = engine_with(base_image, client)
    recipe = "\n".join([key, source_hash(LLM_SOURCE), client.images.get(base_image).id, *image_config(base_image)])
    build_key = hashlib.sha256(recipe.encode()).hexdigest()[:16]
    cached = built_from(client, tag, build_key)
    if cached:
        log(f"{tag} is up to date (same base image, requirements and stand-in source); skipping the build")
        return cached
    package = copy_to(context, LLM_SOURCE, LLM_PACKAGE_NAME)
    log(f"building {tag} from {base_image} (offline: --no-index, no network)")
    try:
        return build_venv_image(client, base_image, context / "wheels", package, repository, image_tag or "latest",
                                [*image_config(base_image), f"LABEL {BUILD_KEY_LABEL}={build_key}"], log)
    except RuntimeFailure as exc:
        raise ImageBuildError("\n".join([str(exc), *exc.log_tail])) from None

