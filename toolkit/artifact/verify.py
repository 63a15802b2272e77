"""verify(): run the artifact's score.py in a fresh Python subprocess, as a deployment would.

The subprocess is forked from a warm fork server (``emulator.runtimes.forkserver``) that has the
server contract, pandas, numpy and the artifact's frameworks imported already, so a verify() costs
its own work, not a new interpreter's imports; ``prepare()`` starts that server in the background.
The child is still a process of its own that never saw the caller's modules (the fork server runs
no user code), with the caller's environment; when the caller's import-time variables
(``OMP_NUM_THREADS``...) changed since the server started, a fresh interpreter runs instead.

Not in the caller's process: a score.py that only works because the notebook already imported
something must fail here. The request body is built by ``payload.to_request``, the very bytes a
deployment receives; the subprocess then runs the inference server's own score.py contract
(``emulator.inference.scoring`` and ``codec``: load_model() once, ``predict(data, model=...)``,
JSON or bytes), so verify() answers what a deployment would. A failing score.py gives the user
its own traceback and a hint for the stage that failed.
"""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from toolkit.artifact.errors import ArtifactNotFoundError, VerificationError
from toolkit.artifact.payload import from_response, to_request

DEFAULT_TIMEOUT = 600.0

_HINTS = {
    "import": "score.py failed while being imported, which also runs load_model() when it is predict's "
    "default argument. Fix the error above; score.py must define load_model() and predict(), and anything "
    "it uses must be imported in score.py itself and listed in the artifact's requirements.",
    "load_model": "load_model() failed: check the model file name in score.py and that the file loads.",
    "request": "The request body is not valid JSON for its content type; a deployment answers it with 400. "
    "Send JSON as application/json, anything else as bytes (application/octet-stream).",
    "predict": "predict() failed on the request body. Check that deserialize()/pre_inference() in "
    "score.py turn this input into what the model expects.",
    "serialize": "predict() returned something that is not JSON-serializable: return plain lists, "
    "numbers and strings (numpy arrays and tensors: .tolist()), or bytes.",
}


def runner_source() -> str:
    return resources.files("toolkit.artifact").joinpath("_runner.py").read_text(encoding="utf-8")


def run_job(artifact_dir: Path, job: dict[str, Any], *, body: bytes | None = None, timeout: float = DEFAULT_TIMEOUT) -> dict:
    """Run one job in a fresh interpreter with the artifact as working directory; returns its result."""
    artifact_dir = Path(artifact_dir).resolve()
    with tempfile.TemporaryDirectory(prefix="dockyard-verify-") as tmp:
        job = {**job, "artifact_dir": str(artifact_dir), "result_path": os.path.join(tmp, "result.json")}
        if body is not None:
            Path(tmp, "body").write_bytes(body)
            job["predict"] = {**job["predict"], "body_path": os.path.join(tmp, "body")}
        Path(tmp, "job.json").write_text(json.dumps(job), encoding="utf-8")
        try:
            returncode, stderr = _run_runner(artifact_dir, Path(tmp), timeout)
        except (subprocess.TimeoutExpired, TimeoutError):
            raise VerificationError(
                f"score.py did not finish within {timeout:.0f} s.",
                hint="Check for blocking work at import time, or pass a larger timeout.",
                stage="timeout",
            ) from None
        result_path = Path(job["result_path"])
        if not result_path.exists():
            raise VerificationError(
                f"The verify subprocess exited with code {returncode} before reporting a result.",
                hint="score.py (or a library it loads) ended the interpreter; see its output above.",
                traceback=stderr[-4000:],
                stage="crash",
            )
        return json.loads(result_path.read_text(encoding="utf-8"))


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}


def _imports(artifact_dir: Path) -> list[str]:
    """What the runner will import: the score.py contract, pandas, and the artifact's frameworks."""
    from emulator.contracts import runtime_yaml
    from emulator.runtimes import public as runtimes

    try:  # what the artifact lists itself; a pack it only names would take Object Storage to resolve
        requirements = runtime_yaml.requirements(artifact_dir)
    except (OSError, ValueError):  # a broken runtime.yaml or requirements.txt is introspection's to report
        requirements = []
    return [*_RUNNER_IMPORTS, *runtimes.import_names(requirements)]


_RUNNER_IMPORTS = ("emulator.inference.scoring", "emulator.inference.codec", "numpy", "pandas")


def warm_up(artifact_dir: Path | None = None) -> None:
    """Start the warm fork server in the background (``prepare()`` calls it), with the artifact's imports."""
    from emulator.runtimes import public as runtimes

    imports = _imports(Path(artifact_dir)) if artifact_dir else list(_RUNNER_IMPORTS)
    runtimes.server_for(sys.executable, imports, _env(), purpose="verify")


def _run_runner(artifact_dir: Path, tmp: Path, timeout: float) -> tuple[int | None, str]:
    """Run the runner on ``tmp/job.json`` in its own process: (exit code, its stderr)."""
    from emulator.runtimes import public as runtimes

    env = _env()
    server = runtimes.server_for(sys.executable, _RUNNER_IMPORTS, env, purpose="verify")
    if not runtimes.import_time_variables(env, server.env):
        try:
            pid = server.spawn([sys.executable, str(tmp / "job.json")], env, str(artifact_dir), code=runner_source(),
                               stdout=str(tmp / "stdout"), stderr=str(tmp / "stderr"),
                               preload=_imports(artifact_dir), timeout=timeout)
        except Exception:  # noqa: BLE001 - the fork server went away: a fresh interpreter always works
            pid = None
        if pid is not None:
            try:
                code = server.wait(pid, timeout)
            except TimeoutError:
                _kill(pid)
                raise
            stderr = tmp / "stderr"
            return code, stderr.read_text("utf-8", "replace") if stderr.exists() else ""
    # -P: the artifact directory (the working directory) must not shadow the runner's own imports.
    command = [sys.executable, "-P", "-c", runner_source(), str(tmp / "job.json")]
    done = subprocess.run(command, cwd=artifact_dir, env=env, capture_output=True, timeout=timeout)
    return done.returncode, done.stderr.decode("utf-8", "replace")


def _kill(pid: int) -> None:
    import signal

    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def verify(artifact_dir: Path, data: Any, *, serialize: bool = True, content_type: str | None = None,
           timeout: float = DEFAULT_TIMEOUT) -> Any:
    """What a deployment answers for ``data``: its JSON result (bytes for a bytes result), or
    VerificationError with the user's traceback.

    ``data`` becomes the request body as ``ModelDeployment.predict`` sends it; ``content_type``
    overrides the header as it does there.
    """
    body, default_type = to_request(data, serialize=serialize)
    return verify_request(artifact_dir, body, content_type or default_type, timeout=timeout)


def verify_request(artifact_dir: Path, body: bytes, content_type: str | None, *,
                   timeout: float = DEFAULT_TIMEOUT) -> Any:
    """verify() for a request body built by the caller (``content_type`` None: no such header)."""
    artifact_dir = Path(artifact_dir)
    if not (artifact_dir / "score.py").exists():
        raise ArtifactNotFoundError(f"{artifact_dir}/score.py does not exist.", hint="Run prepare() first.")
    result = run_job(artifact_dir, {"predict": {"content_type": content_type}}, body=body, timeout=timeout)
    return unwrap(result["predict"])


def unwrap(outcome: dict) -> Any:
    """The prediction of a predict outcome (decoded as a client decodes the response), or the
    VerificationError it stands for."""
    if outcome["ok"]:
        return from_response(base64.b64decode(outcome["body"]), outcome["content_type"])
    stage = outcome.get("stage", "")
    raise VerificationError(
        f"score.py failed during {stage}: {outcome['error']}",
        hint=_HINTS.get(stage, ""),
        traceback=outcome.get("traceback", ""),
        stage=stage,
    )
