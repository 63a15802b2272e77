"""What the stand-in is told to serve: the command line, ``PARAMS`` and the deployment's variables.

A deployment of a real TGI or vLLM image passes its server flags in ``PARAMS`` (``--model
/opt/ds/model/deployed_model``, TGI's ``--model-id``, ``--max-batch-prefill-tokens``,
``--quantize``...); the stand-in reads the ones that mean something on a CPU and ignores the rest,
so the same record runs the real image unchanged.
"""
from __future__ import annotations

import argparse
import os
import shlex
from dataclasses import dataclass

MODEL_DIR = "/opt/ds/model/deployed_model"  # where OCI puts a deployment's model artifact


@dataclass
class Options:
    model: str
    served_model_name: str
    host: str
    port: int
    max_total_tokens: int


def parse(argv: list[str] | None = None, env: dict[str, str] | None = None) -> Options:
    """Options from ``argv`` (the container's command) followed by ``PARAMS``, as TGI's and vLLM's
    launchers read them; unknown flags are accepted and ignored."""
    env = dict(os.environ if env is None else env)
    parser = argparse.ArgumentParser(prog="python -m dockyard_llm", add_help=True)
    parser.add_argument("--model", "--model-id", dest="model", default=None)
    parser.add_argument("--served-model-name", dest="served_model_name", default=None)
    parser.add_argument("--host", "--hostname", dest="host", default=None)
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--max-total-tokens", "--max-model-len", dest="max_total_tokens", type=int, default=None)
    words = list(argv or []) + shlex.split(env.get("PARAMS", ""))
    known, _ = parser.parse_known_args(words)
    model = known.model or MODEL_DIR
    local = env.get("DOCKYARD_MODEL_DIR")  # a process deployment: the artifact is here, not at OCI's path
    if local and (model == MODEL_DIR or model.startswith(MODEL_DIR + "/")):
        model = local + model[len(MODEL_DIR):]
    return Options(
        model=model,
        served_model_name=known.served_model_name or env.get("SERVED_MODEL_NAME") or "odsc-llm",
        host=known.host or env.get("DOCKYARD_BIND_HOST") or "127.0.0.1",
        port=known.port or int(env.get("PORT") or 8080),
        max_total_tokens=known.max_total_tokens or int(env.get("MAX_TOTAL_TOKENS") or 1024),
    )
