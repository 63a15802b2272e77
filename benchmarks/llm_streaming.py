"""LLM streaming benchmark: time to first token and tokens per second of the tiny GPT-2 served by the
CPU stand-in, through the deployment's endpoint (``<url>/predictWithResponseStream``, the ``route``
header, signed) vs the stand-in directly, in one run, alternating call by call; medians.

The deployment is ADS's offline TGI spec in the process runtime; calls stream TGI's
``/generate_stream`` with greedy decoding, so both sides generate exactly the same tokens.

Usage: python3 -m benchmarks.llm_streaming [--calls 10] [--tokens 64]
"""
from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.serving_throughput import _direct_url, _emulator  # noqa: E402 - after the path insert


def stream_once(url: str, tokens: int, auth: Any, session: requests.Session) -> tuple[float, float, int]:
    """One streamed generation: (seconds to the first token event, tokens/s over the stream, tokens)."""
    body = {"inputs": "The harbour", "parameters": {"max_new_tokens": tokens}}
    started = time.perf_counter()
    first, count = None, 0
    with session.post(url, json=body, headers={"route": "/generate_stream"}, auth=auth, stream=True,
                      timeout=120) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if line.startswith(b"data:") and json.loads(line[5:])["generated_text"] is None:
                first = first or time.perf_counter() - started
                count += 1
    return first or 0.0, count / (time.perf_counter() - started), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--tokens", type=int, default=64)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dockyard-bench-llm-"))
    atexit.register(shutil.rmtree, work, True)  # its emulator homes and logs: hundreds of MB
    with _emulator(work / "home", "off") as home:
        from toolkit.catalog.session import connect
        from toolkit.deployment import deploy_model
        from toolkit.llm import TGI_OFFLINE_ENV, save_zipped_model

        model_id = save_zipped_model(ROOT / "fixtures" / "llm" / "tiny-gpt2", "bench-tiny-llm")
        started = time.perf_counter()
        deployment = deploy_model(model_id, deployment_image="iad.ocir.io/dockyard/text-generation-inference:1.1.0",
                                  server_port=8080, environment_variables=TGI_OFFLINE_ENV, show_progress=False)
        deploy_s = time.perf_counter() - started
        direct = _direct_url(home, deployment.id).rsplit("/", 1)[0] + "/generate_stream"
        targets = {"direct": (direct, None), "gateway": (f"{deployment.url}/predictWithResponseStream",
                                                         connect().profile.signer)}
        sessions = {name: requests.Session() for name in targets}
        samples: dict[str, list[tuple[float, float, int]]] = {name: [] for name in targets}
        for name, (url, auth) in targets.items():  # warm both paths
            stream_once(url, 4, auth, sessions[name])
        for _ in range(args.calls):
            for name, (url, auth) in targets.items():
                samples[name].append(stream_once(url, args.tokens, auth, sessions[name]))
        deployment.delete(show_progress=False)
    result = {"machine": f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", "calls": args.calls,
              "tokens_per_call": args.tokens, "deploy_s": round(deploy_s, 1)}
    for name, rows in samples.items():
        result[name] = {"ttft_ms_p50": round(statistics.median(r[0] for r in rows) * 1000, 1),
                        "tokens_per_s_p50": round(statistics.median(r[1] for r in rows), 1),
                        "tokens": rows[0][2]}
    result["gateway_added_ttft_ms"] = round(result["gateway"]["ttft_ms_p50"] - result["direct"]["ttft_ms_p50"], 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
