"""The CPU LLM stand-in as a runtime: which bring-your-own-container images it stands in for, and
how it runs as a process.

An LLM deployment names a GPU image (TGI's, vLLM's, or Dockyard's own ``dockyard/llm`` built by
``dockyard llm image``). With the docker runtime that image runs as any BYOC image does; where it
cannot (the process runtime was asked for, no engine, or the image is not in the engine) the
stand-in (``emulator/llm_server``, copied as ``dockyard_llm``) runs in a subprocess instead, with
the deployment's ``PARAMS``, ``cmd`` and environment, and the artifact in place of
``/opt/ds/model/deployed_model``. So the same deployment record runs the real image on a GPU
machine and the stand-in here.
"""
from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

from emulator import private
from emulator.runtimes.base import RuntimeFailure, ServerSpec
from emulator.runtimes.server_package import LLM_PACKAGE_NAME, LLM_SOURCE, cached_copy

STANDIN_IMAGE = "dockyard/llm:cpu"
# Images whose servers the stand-in speaks for: TGI's, vLLM's (and AQUA's builds of them), Dockyard's.
_LLM_IMAGE = re.compile(r"(text-generation-inference|(^|[/_-])tgi([:_-]|$)|vllm|(^|/)dockyard/llm(:|$))", re.I)
NEEDS = ("torch", "transformers")


def stands_in_for(image: str | None) -> bool:
    """True when ``image`` is an LLM server image the stand-in can replace."""
    return bool(image) and bool(_LLM_IMAGE.search(image))


def missing_libraries() -> list[str]:
    """What this interpreter lacks to run the stand-in."""
    return [name for name in NEEDS if importlib.util.find_spec(name) is None]


def launch(spec: ServerSpec, env: dict[str, str], home: Path, server_log: Path) -> subprocess.Popen:
    """Start ``python -m dockyard_llm`` for ``spec`` (its ``cmd`` as arguments, ``PARAMS`` in ``env``)."""
    missing = missing_libraries()
    if missing:
        raise RuntimeFailure(f"the LLM stand-in needs {' and '.join(missing)} in the emulator's Python "
                             f"({sys.executable}); install them with pip install 'dockyard[llm]'")
    parent = cached_copy(home, LLM_SOURCE, LLM_PACKAGE_NAME)
    env = {**env, "PYTHONPATH": str(parent)}
    with private.open_file(server_log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", LLM_PACKAGE_NAME, *(spec.cmd or [])], env=env,
                                cwd=spec.artifact_dir, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


# ----------------------------------------------------------------------------------------- the image
DOCKERFILE = """\
# dockyard/llm: the CPU LLM stand-in as a bring-your-own-container image, built offline from a wheelhouse.
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE} AS build
LABEL dockyard.stage=llm-build
COPY wheels /tmp/dockyard/wheels
RUN python3 -m venv /opt/dockyard/venv \\
 && /opt/dockyard/venv/bin/python -m pip install --no-index --no-cache-dir --disable-pip-version-check \\
      --find-links /tmp/dockyard/wheels -r /tmp/dockyard/wheels/requirements.txt \\
 && /opt/dockyard/venv/bin/python -m pip uninstall -y -q pip setuptools

FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="dockyard/llm" \\
      org.opencontainers.image.description="CPU stand-in for TGI/vLLM: TGI, vLLM and OpenAI routes on port 8080"
COPY --from=build /opt/dockyard/venv /opt/dockyard/venv
COPY dockyard_llm /opt/dockyard/dockyard_llm
ENV PATH=/opt/dockyard/venv/bin:$PATH PYTHONPATH=/opt/dockyard PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 \\
    DOCKYARD_BIND_HOST=0.0.0.0 PORT=8080
EXPOSE 8080
# The deployment's cmd is added to these arguments; PARAMS is read from the environment.
ENTRYPOINT ["python", "-m", "dockyard_llm"]
"""


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
    from emulator.image import ImageBuildError, _docker_build, default_cache_dir
    from emulator.runtimes.base_image import resolve
    from emulator.runtimes.server_package import copy_to
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
    copy_to(context, LLM_SOURCE, LLM_PACKAGE_NAME)
    (context / "Dockerfile").write_text(DOCKERFILE)
    return _docker_build(client, context, tag, base_image, log)
