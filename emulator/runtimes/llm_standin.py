"""How the process runtime runs the CPU LLM stand-in: which bring-your-own-container images it stands
in for, and its launch as a subprocess (its image, ``dockyard/llm:cpu``, is built by
:mod:`emulator.image.llm`).

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
