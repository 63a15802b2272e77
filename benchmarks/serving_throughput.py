"""Serving benchmark: one sklearn model, one machine, one run.

Measures requests/s and p50/p99 latency of ``POST /predict`` for
  1. the emulator's gateway (``<emulator>/<deployment-ocid>/predict``, what ``model.predict`` uses),
  2. our inference server directly (gunicorn, the same process the gateway forwards to),
  3. ``mlflow models serve`` of the same fitted model (mlflow installed in its own venv under
     /tmp, created here; skipped with a message when it cannot be installed),
and the time from ``deploy()`` to the first successful predict for the process runtime and for
the docker runtime with a cached image.

Usage: python3 -m benchmarks.serving_throughput [--seconds 8] [--concurrency 8] [--workers 2]
                                                 [--no-docker] [--no-mlflow]
The same client (threads with keep-alive sessions, unsigned requests) drives every target.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MLFLOW_VENV = Path(tempfile.gettempdir()) / "dockyard-bench-mlflow"
ROW = [5.1, 3.5, 1.4, 0.2]


def main() -> None:
    args = _parse()
    work = Path(tempfile.mkdtemp(prefix="dockyard-bench-"))
    home = work / "home"
    os.environ.update(DOCKYARD_HOME=str(home), DOCKYARD_PROFILE="local")
    os.environ.pop("DOCKYARD_RUNTIME", None)
    url = _start_emulator(home, args)
    os.environ["DOCKYARD_ENDPOINT"] = url
    results: dict[str, Any] = {"machine": f"{os.cpu_count()} CPUs", "seconds": args.seconds,
                               "concurrency": args.concurrency, "workers": args.workers}
    try:
        model = _saved_model(work)
        deployment, results["deploy_to_first_predict_process_s"] = _deploy_and_first_predict(model, "process", args)
        upstream = _direct_url(home, deployment.id)
        body = json.dumps({"data": [ROW], "data_type": "<class 'list'>"}).encode()
        results["gateway"] = load(f"{deployment.url}/predict", body, args)
        results["direct"] = load(upstream, body, args)
        results["mlflow"] = _mlflow(model, work, args) if not args.no_mlflow else "skipped (--no-mlflow)"
        deployment.delete()
        if not args.no_docker:
            results.update(_docker_times(model, args))
    finally:
        from emulator import daemon

        daemon.stop(home)
        _cleanup_containers(home)
    print(json.dumps(results, indent=2))


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="load duration per target")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (ours and mlflow's)")
    parser.add_argument("--no-docker", action="store_true")
    parser.add_argument("--no-mlflow", action="store_true")
    return parser.parse_args()


def _start_emulator(home: Path, args: argparse.Namespace) -> str:
    """A detached emulator (its own process, so the gateway does not share this client's GIL)."""
    from emulator.config import EmulatorConfig
    from emulator.daemon import start_detached
    from toolkit import settings

    return start_detached(EmulatorConfig(home=home, runtime="process", base_image=settings.base_image()))


def _saved_model(work: Path) -> Any:
    """Iris logistic regression, prepared and saved with the toolkit (as a user would)."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    from toolkit import SklearnModel

    X, y = load_iris(return_X_y=True)
    model = SklearnModel(estimator=LogisticRegression(max_iter=500).fit(X, y), artifact_dir=str(work / "artifact"))
    model.prepare(X_sample=X[:20], y_sample=y[:20], use_case_type="multinomial_classification")
    model.save(display_name="bench-iris")
    return model


def _deploy_and_first_predict(model: Any, runtime: str, args: argparse.Namespace) -> tuple[Any, float]:
    """Seconds from deploy() to the first successful predict."""
    started = time.perf_counter()
    deployment = model.deploy(display_name=f"bench-{runtime}", runtime=runtime, show_progress=False,
                              environment_variables={"WEB_CONCURRENCY": str(args.workers)})
    deployment.predict([ROW])
    return deployment, round(time.perf_counter() - started, 2)


def _direct_url(home: Path, deployment_id: str) -> str:
    """Where the gateway forwards to (from the emulator's own store: not part of the OCI API)."""
    from emulator.store import Database

    db = Database(home / "catalog.db")
    try:
        return db.get("modeldeployment", deployment_id)["_handle"]["url"]
    finally:
        db.close()


def load(url: str, body: bytes, args: argparse.Namespace) -> dict[str, Any]:
    """Closed-loop load: ``concurrency`` threads post back to back for ``seconds``; errors counted."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + args.seconds

    def worker() -> None:
        session = requests.Session()
        mine, bad = [], 0
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            response = session.post(url, data=body, headers={"content-type": "application/json"}, timeout=30)
            if response.status_code == 200:
                mine.append(time.perf_counter() - t0)
            else:
                bad += 1
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    _warm(url, body)
    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if not latencies:
        return {"error": f"no successful request ({errors[0]} failed)"}
    latencies.sort()
    return {"requests": len(latencies), "errors": errors[0], "rps": round(len(latencies) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 2),
            "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2)}


def _warm(url: str, body: bytes) -> None:
    for _ in range(20):
        requests.post(url, data=body, headers={"content-type": "application/json"}, timeout=30)


# ---------------------------------------------------------------------- mlflow peer
def _mlflow(model: Any, work: Path, args: argparse.Namespace) -> Any:
    python = _mlflow_venv()
    if isinstance(python, str) and python.startswith("skipped"):
        print(python, file=sys.stderr)
        return python
    model_path = work / "mlflow-model"
    joblib_file = Path(model.artifact_dir) / "model.joblib"
    subprocess.run([str(python), "-c", "import joblib, sys, mlflow.sklearn; "
                    "mlflow.sklearn.save_model(joblib.load(sys.argv[1]), sys.argv[2])",
                    str(joblib_file), str(model_path)], check=True, capture_output=True)
    from emulator.runtimes.process import free_port

    port = free_port()
    env = dict(os.environ, MLFLOW_TRACKING_URI=str(work / "mlruns"),
               PATH=f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}")  # mlflow execs uvicorn by name
    server = subprocess.Popen([str(python.parent / "mlflow"), "models", "serve", "-m", str(model_path),
                               "--env-manager", "local", "-h", "127.0.0.1", "-p", str(port),
                               "--workers", str(args.workers)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/invocations"
        body = json.dumps({"inputs": [ROW]}).encode()
        if not _wait_for(lambda: requests.post(url, data=body, headers={"content-type": "application/json"},
                                               timeout=5).status_code == 200, 120):
            return "skipped: mlflow models serve did not answer within 120 s"
        return load(url, body, args)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


def _mlflow_venv() -> Path | str:
    """mlflow + this scikit-learn version in a venv of its own (made once, reused)."""
    from importlib import metadata

    python = MLFLOW_VENV / "bin" / "python"
    marker = MLFLOW_VENV / ".complete"
    if marker.is_file():
        return python
    shutil.rmtree(MLFLOW_VENV, ignore_errors=True)
    steps = [[sys.executable, "-m", "venv", str(MLFLOW_VENV)],
             [str(python), "-m", "pip", "install", "-q", "mlflow", f"scikit-learn=={metadata.version('scikit-learn')}",
              f"joblib=={metadata.version('joblib')}"]]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            return f"skipped: could not install mlflow ({done.stderr.strip().splitlines()[-1:]})"
    marker.write_text("ok\n")
    return python


# ---------------------------------------------------------------------- docker
def _docker_times(model: Any, args: argparse.Namespace) -> dict[str, Any]:
    from emulator.runtimes import docker_problem

    problem = docker_problem()
    if problem:
        return {"docker": f"skipped: no Docker engine ({problem})"}
    import docker

    def env_images() -> int:
        return len(docker.from_env().images.list(filters={"label": "dockyard.env-key"}))

    before = env_images()
    first, first_s = _deploy_and_first_predict(model, "docker", args)  # builds the image unless cached
    first.delete()
    cached, cached_s = _deploy_and_first_predict(model, "docker", args)
    cached.delete()
    return {"deploy_to_first_predict_docker_first_s": first_s,
            "docker_first_deploy_built_the_image": env_images() > before,
            "deploy_to_first_predict_docker_cached_s": cached_s}


def _cleanup_containers(home: Path) -> None:
    try:
        from emulator.runtimes import docker_problem

        if docker_problem() is None:
            from emulator.runtimes.container import DockerRuntime

            DockerRuntime(home, "unused").remove_all()
    except Exception:  # noqa: BLE001 - best effort at the end of a benchmark
        pass


def _wait_for(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except requests.RequestException:
            pass
        time.sleep(0.5)
    return False


if __name__ == "__main__":
    main()
