"""LLM quickstart (``python -m toolkit.quickstart_llm`` / ``make quickstart-llm``): ADS's offline LLM
method, end to end on a CPU.

Trains the tiny language model (a 2-layer GPT-2 with a tokenizer trained here, no model hub), saves
its weights zipped as the model artifact, deploys them as ADS's LLM page does (a TGI container image,
``MODEL_DEPLOY_PREDICT_ENDPOINT=/generate``, ``PARAMS="--model /opt/ds/model/deployed_model"``; here
the CPU stand-in serves it), predicts with TGI's body, then streams a chat completion through the
deployment's endpoint with the ``openai`` package, token by token, and reports time to first token.
The deployment is deleted at the end unless ``--keep-deployment``.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console

from toolkit.quickstart import keep_or_delete

DEFAULT_DIR = Path("artifacts") / "quickstart-llm"
IMAGE = "iad.ocir.io/dockyard/text-generation-inference:1.1.0"  # ADS's page names its TGI image in OCIR

console = Console()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="where the trained weights are written")
    parser.add_argument("--image", default=IMAGE, help="the container image the deployment names "
                        "(dockyard/llm:cpu after `make llm-image` runs in Docker)")
    parser.add_argument("--keep-deployment", action="store_true", help="leave the deployment running")
    args = parser.parse_args(argv)

    from toolkit.deployment import deploy_model
    from toolkit.llm import TGI_OFFLINE_ENV, openai_client, save_zipped_model
    from toolkit.tiny_llm import build

    started = time.perf_counter()
    weights = build(args.dir / "model", log=lambda line: None)
    size = sum(p.stat().st_size for p in weights.iterdir()) / 1e6
    console.print(f"[bold]Trained[/] a 2-layer GPT-2 and its tokenizer in {time.perf_counter() - started:.1f} s "
                  f"({size:.2f} MB at {weights})")
    model_id = save_zipped_model(weights, "quickstart-tiny-llm")
    console.print(f"[bold]Saved[/] the zipped weights as the model artifact: {model_id}")
    started = time.perf_counter()
    deployment = deploy_model(model_id, display_name="quickstart-tiny-llm", deployment_image=args.image,
                              server_port=8080, health_check_port=8080, environment_variables=TGI_OFFLINE_ENV)
    console.print(f"[bold]Deployed[/] {args.image} in {time.perf_counter() - started:.1f} s: {deployment.url}")
    try:
        answer = deployment.predict(json_input={"inputs": "The harbour", "parameters": {"max_new_tokens": 20}})
        console.print(f"[bold]TGI /generate[/] {answer}")
        client = openai_client(deployment)
        console.print("[bold]Streaming a chat completion[/] (openai package, signed, through the gateway):")
        started, first, tokens = time.perf_counter(), None, 0
        for chunk in client.chat.completions.create(
                model="odsc-llm", messages=[{"role": "user", "content": "Tell me about the harbour"}],
                max_tokens=40, stream=True):
            text = chunk.choices[0].delta.content if chunk.choices else None
            if text:
                first = first or time.perf_counter() - started
                tokens += 1
                console.print(text, end="", markup=False, highlight=False)
        elapsed = time.perf_counter() - started
        console.print(f"\n[bold]{tokens} tokens[/], first after {first * 1000:.0f} ms, "
                      f"{tokens / elapsed:.0f} tokens/s")
        if not answer.get("generated_text") or tokens == 0:
            console.print("[red]The deployment answered no text[/]")
            return 1
    finally:
        keep_or_delete(deployment, args.keep_deployment)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
