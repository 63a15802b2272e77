"""The CPU LLM stand-in started as its own process on 127.0.0.1, serving the committed tiny model."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
TINY_MODEL = ROOT / "fixtures" / "llm" / "tiny-gpt2"


def start_standin(log_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """``python -m emulator.llm_server`` on a free port; returns the process and its URL once healthy."""
    from emulator.runtimes.process import free_port

    port = free_port()
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "emulator.llm_server", "--port", str(port), *args],
                                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the stand-in exited: {log_path.read_text()[-2000:]}")
        try:
            if requests.get(url + "/health", timeout=1).status_code == 200:
                return proc, url
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("the stand-in never became healthy")


@pytest.fixture(scope="session")
def standin_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("llm") / "standin.log"


@pytest.fixture(scope="session")
def standin(standin_log: Path) -> Iterator[str]:
    proc, url = start_standin(standin_log, "--model", str(TINY_MODEL), "--served-model-name", "tiny-gpt2")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
