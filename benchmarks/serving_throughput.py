"""Serving benchmark: one sklearn model, one machine, one run; every figure beside its peer.

Measures, for ``POST /predict`` of one iris row (the same client, threads with keep-alive
``requests`` sessions, drives every target; targets alternate round by round and medians are kept,
since a shared machine is noisy):

1. gateway overhead, auth off: the deployments' endpoint (``modelDeploymentUrl``) and the API
   port's Flask route vs the inference server directly: requests/s at ``--concurrency`` and p50 at
   concurrency 1 (the added latency);
2. the same with ``--auth enforce``: every call signed by the client (for the direct peer too, so
   the client's signing cost is on both sides) and checked by the endpoint (signature, body digest,
   access);
3. instances: requests/s through the endpoint with ``instanceCount`` 1, 2 and 4 (one gunicorn worker
   per instance, as one small VM each);
4. deploy -> first predict: process runtime, and docker with a cached image;
5. optionally ``mlflow models serve`` of the same model (``--mlflow``; installs mlflow in a venv
   under /tmp once).

``--deploy-only`` measures item 4 alone: deploy -> first predict, process and docker (cached image)
side by side, three runs each, alternating.

Usage: python3 -m benchmarks.serving_throughput [--seconds 5] [--rounds 3] [--concurrency 8]
                                                 [--workers 2] [--no-docker] [--mlflow] [--deploy-only]
"""
from __future__ import annotations

import argparse
import atexit
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
BODY = json.dumps({"data": [ROW], "data_type": "<class 'list'>"}).encode()


def main() -> None:
    args = _parse()
    work = Path(tempfile.mkdtemp(prefix="dockyard-bench-"))
    atexit.register(shutil.rmtree, work, True)  # its emulator homes and logs: hundreds of MB
    results: dict[str, Any] = {"machine": f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}",
                               "seconds": args.seconds, "rounds": args.rounds, "concurrency": args.concurrency,
                               "workers": args.workers}
    if args.deploy_only:
        with _emulator(work / "home", "off"):
            results.update(_deploy_times(_saved_model(work), args))
        print(json.dumps(results, indent=2))
        return
    with _emulator(work / "home", "off") as home:
        model = _saved_model(work)
        deployment, results["deploy_to_first_predict_process_s"] = _deploy_and_first_predict(model, "process", args)
        direct = _direct_url(home, deployment.id)
        targets = {"direct": direct, "endpoint": f"{deployment.url}/predict",
                   "api_port_gateway": f"{os.environ['DOCKYARD_ENDPOINT']}/{deployment.id}/predict"}
        results["auth_off"] = compare(targets, args, cpu=_cpu_probe(home, deployment.id))
        results["deploy_to_first_predict_process_s"] = _median_deploy(model, args, results)
        deployment.delete()
        results["instances"] = _instances(model, args)
        if args.mlflow:
            results["mlflow"] = _mlflow(model, work, args)
        if not args.no_docker:
            results.update(_docker_times(model, args))
    with _emulator(work / "home-enforce", "enforce") as home:
        model = _saved_model(work / "enforce")
        deployment, _ = _deploy_and_first_predict(model, "process", args)
        from toolkit.catalog.session import connect

        signer = connect().profile.signer
        targets = {"direct": _direct_url(home, deployment.id), "endpoint": f"{deployment.url}/predict"}
        results["auth_enforce"] = compare(targets, args, auth=signer, cpu=_cpu_probe(home, deployment.id))
        deployment.delete()
    results["summary"] = _summary(results)
    print(json.dumps(results, indent=2))


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="load duration per target and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; targets alternate within each")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of the single-instance deployment")
    parser.add_argument("--latency-requests", type=int, default=300, help="sequential calls per target and round")
    parser.add_argument("--no-docker", action="store_true")
    parser.add_argument("--mlflow", action="store_true", help="also measure `mlflow models serve`")
    parser.add_argument("--deploy-only", action="store_true", help="only deploy -> first predict, process and docker")
    return parser.parse_args()


class _emulator:
    """A detached emulator (its own process, so the gateway does not share the client's GIL)."""

    def __init__(self, home: Path, auth: str) -> None:
        self.home, self.auth = home, auth

    def __enter__(self) -> Path:
        from emulator.config import EmulatorConfig
        from emulator.daemon import start_detached
        from toolkit import settings

        os.environ.update(DOCKYARD_HOME=str(self.home), DOCKYARD_PROFILE="local")
        os.environ.pop("DOCKYARD_RUNTIME", None)
        os.environ["DOCKYARD_ENDPOINT"] = start_detached(EmulatorConfig(
            home=self.home, runtime="process", base_image=settings.base_image(), auth_mode=self.auth))
        return self.home

    def __exit__(self, *exc: object) -> None:
        from emulator import daemon

        daemon.stop(self.home)
        _cleanup_containers(self.home)


def _saved_model(work: Path) -> Any:
    """Iris logistic regression, prepared and saved with the toolkit (as a user would)."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    from toolkit import SklearnModel

    X, y = load_iris(return_X_y=True)
    model = SklearnModel(estimator=LogisticRegression(max_iter=500).fit(X, y), artifact_dir=str(work / "artifact"))
    model.prepare(X_sample=X[:20], y_sample=y[:20], use_case_type="multinomial_classification", force_overwrite=True)
    model.save(display_name="bench-iris")
    return model


def _deploy_and_first_predict(model: Any, runtime: str, args: argparse.Namespace, instances: int = 1,
                              workers: int | None = None, env: dict[str, str] | None = None) -> tuple[Any, float]:
    """Seconds from deploy() to the first successful predict."""
    started = time.perf_counter()
    deployment = model.deploy(display_name=f"bench-{runtime}", runtime=runtime, show_progress=False,
                              deployment_instance_count=instances,
                              environment_variables={"WEB_CONCURRENCY": str(workers or args.workers), **(env or {})})
    deployment.predict([ROW])
    return deployment, round(time.perf_counter() - started, 2)


def _median_deploy(model: Any, args: argparse.Namespace, results: dict[str, Any]) -> float:
    """Median of three deploy -> first predict times (the first one measured before included)."""
    times = [results["deploy_to_first_predict_process_s"]]
    for _ in range(2):
        deployment, seconds = _deploy_and_first_predict(model, "process", args)
        times.append(seconds)
        deployment.delete()
    results["deploy_to_first_predict_process_runs_s"] = times
    return statistics.median(times)


def _direct_url(home: Path, deployment_id: str) -> str:
    """Where the gateway forwards to (from the emulator's own store: not part of the OCI API)."""
    from emulator.store import Database

    db = Database(home / "catalog.db")
    try:
        return db.get("modeldeployment", deployment_id)["_instances"][0]["url"]
    finally:
        db.close()


# ---------------------------------------------------------------------- measuring
def compare(targets: dict[str, str], args: argparse.Namespace, auth: Any = None,
            cpu: Callable[[], dict[str, float]] | None = None) -> dict[str, Any]:
    """Throughput, sequential latency and CPU time per call of every target, alternating round by
    round; medians. CPU time per call is the figure a busy shared machine changes least: the
    emulator's (where the gateway runs), the model server's and this client's."""
    for url in targets.values():
        _warm(url, auth)
    rps: dict[str, list[float]] = {name: [] for name in targets}
    p50: dict[str, list[float]] = {name: [] for name in targets}
    cpu_us: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
    for _ in range(args.rounds):
        for name, url in targets.items():
            before = cpu() if cpu else {}
            result = load(url, args.concurrency, args.seconds, auth)
            after = cpu() if cpu else {}
            rps[name].append(result["rps"])
            calls = max(result["requests"], 1)
            cpu_us[name].append({k: (after[k] - before[k]) * 1e6 / calls for k in after})
        for name, url in targets.items():
            p50[name].append(sequential_p50(url, args.latency_requests, auth))
    out: dict[str, Any] = {}
    for name in targets:
        out[name] = {"rps": statistics.median(rps[name]), "rps_runs": rps[name],
                     "p50_ms_at_1": round(statistics.median(p50[name]), 3), "p50_runs": p50[name]}
        if cpu:
            out[name]["cpu_us_per_call"] = {k: round(statistics.median(run[k] for run in cpu_us[name]))
                                            for k in cpu_us[name][0]}
    for name in targets:
        if name != "direct":
            out[name]["ratio_to_direct"] = round(out[name]["rps"] / out["direct"]["rps"], 3)
            out[name]["added_p50_ms"] = round(out[name]["p50_ms_at_1"] - out["direct"]["p50_ms_at_1"], 3)
            if cpu:
                out[name]["cpu_bound_ratio"] = _cpu_bound_ratio(out["direct"]["cpu_us_per_call"],
                                                                out[name]["cpu_us_per_call"])
    return out


def _cpu_bound_ratio(direct: dict[str, float], through: dict[str, float]) -> float:
    """What the throughput ratio is when CPU is the limit (the machine has no other load): the CPU
    time a call costs directly over what it costs through the gateway, everything counted."""
    return round(sum(direct.values()) / max(sum(through.values()), 1e-9), 3)


def _cpu_probe(home: Path, deployment_id: str) -> Callable[[], dict[str, float]]:
    """CPU seconds so far of the emulator process, the deployment's server (its process group) and
    this client process."""
    from emulator.runtimes.process import process_group_usage

    emulator_pid = json.loads((home / "emulator.json").read_text())["pid"]
    from emulator.store import Database

    db = Database(home / "catalog.db")
    try:
        server_pgid = int(db.get("modeldeployment", deployment_id)["_instances"][0]["ref"])
    finally:
        db.close()

    def probe() -> dict[str, float]:
        own = os.times()
        return {"gateway_emulator": (process_group_usage(emulator_pid) or (0.0, 0))[0],
                "model_server": (process_group_usage(server_pgid) or (0.0, 0))[0],
                "client": own.user + own.system}
    return probe


def load(url: str, concurrency: int, seconds: float, auth: Any = None) -> dict[str, Any]:
    """Closed-loop load: ``concurrency`` threads post back to back for ``seconds``; errors counted."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        session = requests.Session()
        session.auth = auth
        mine, bad = [], 0
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            response = session.post(url, data=BODY, headers={"content-type": "application/json"}, timeout=30)
            if response.status_code == 200:
                mine.append(time.perf_counter() - t0)
            else:
                bad += 1
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors[0] or not latencies:
        print(f"warning: {errors[0]} failed calls to {url}", file=sys.stderr)
    latencies.sort()
    return {"requests": len(latencies), "errors": errors[0], "rps": round(len(latencies) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None}


def sequential_p50(url: str, count: int, auth: Any = None) -> float:
    """p50 of ``count`` calls one after the other on one keep-alive connection (milliseconds)."""
    session = requests.Session()
    session.auth = auth
    times = []
    for _ in range(count):
        t0 = time.perf_counter()
        session.post(url, data=BODY, headers={"content-type": "application/json"}, timeout=30)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def _warm(url: str, auth: Any = None) -> None:
    session = requests.Session()
    session.auth = auth
    for _ in range(30):
        response = session.post(url, data=BODY, headers={"content-type": "application/json"}, timeout=30)
        response.raise_for_status()


def _instances(model: Any, args: argparse.Namespace) -> dict[str, Any]:
    """Requests/s through the endpoint at 1, 2 and 4 instances of one worker each, alternating."""
    deployments = {n: _deploy_and_first_predict(model, "process", args, instances=n, workers=1)[0] for n in (1, 2, 4)}
    for deployment in deployments.values():
        _warm(f"{deployment.url}/predict")
    runs: dict[int, list[float]] = {n: [] for n in deployments}
    for _ in range(args.rounds):
        for n, deployment in deployments.items():
            runs[n].append(load(f"{deployment.url}/predict", args.concurrency, args.seconds)["rps"])
    for deployment in deployments.values():
        deployment.delete()
    base = statistics.median(runs[1])
    return {f"{n}_instances": {"rps": statistics.median(r), "rps_runs": r,
                               "ratio_to_1": round(statistics.median(r) / base, 2)} for n, r in runs.items()}


def _summary(results: dict[str, Any]) -> dict[str, Any]:
    off, on = results["auth_off"]["endpoint"], results["auth_enforce"]["endpoint"]
    return {
        "endpoint_rps_ratio_auth_off (goal >= 0.9)": off["ratio_to_direct"],
        "endpoint_rps_ratio_auth_enforce (goal >= 0.9)": on["ratio_to_direct"],
        "endpoint_cpu_bound_ratio_auth_off": off.get("cpu_bound_ratio"),
        "endpoint_cpu_bound_ratio_auth_enforce": on.get("cpu_bound_ratio"),
        "gateway_cpu_us_per_call_auth_off": off.get("cpu_us_per_call", {}).get("gateway_emulator"),
        "gateway_cpu_us_per_call_auth_enforce": on.get("cpu_us_per_call", {}).get("gateway_emulator"),
        "api_port_gateway_rps_ratio": results["auth_off"]["api_port_gateway"]["ratio_to_direct"],
        "endpoint_added_p50_ms_auth_off (goal < 1)": off["added_p50_ms"],
        "endpoint_added_p50_ms_auth_enforce (goal < 1)": on["added_p50_ms"],
        "instances_rps_ratio_2_to_1": results["instances"]["2_instances"]["ratio_to_1"],
        "instances_rps_ratio_4_to_1": results["instances"]["4_instances"]["ratio_to_1"],
        "deploy_to_first_predict_process_s (goal < 1.5)": results["deploy_to_first_predict_process_s"],
        "deploy_to_first_predict_docker_cached_s (goal < 3)": results.get("deploy_to_first_predict_docker_cached_s"),
    }


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
        return load(url, args.concurrency, args.seconds)
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
    cached = []
    for _ in range(3):
        deployment, seconds = _deploy_and_first_predict(model, "docker", args)
        deployment.delete()
        cached.append(seconds)
    return {"deploy_to_first_predict_docker_first_s": first_s,
            "docker_first_deploy_built_the_image": env_images() > before,
            "deploy_to_first_predict_docker_cached_runs_s": cached,
            "deploy_to_first_predict_docker_cached_s": statistics.median(cached)}


# How the server loads the model: once in gunicorn's master before the workers fork (the default), or in
# each worker after the fork (DOCKYARD_PRELOAD=0, how it was before: the peer).
_LOADING = {"preload": {}, "per_worker_import": {"DOCKYARD_PRELOAD": "0"}}


def _deploy_times(model: Any, args: argparse.Namespace) -> dict[str, Any]:
    """Deploy -> first predict for the process runtime and docker with a cached image, each with the
    model preloaded and loaded per worker, alternating, three runs each (the first docker deploy, which
    may build the image, is not counted), and the CPU seconds a container used until its first answer
    (what a busy machine changes least)."""
    from emulator.runtimes import docker_problem

    runtimes = ["process"] if args.no_docker or docker_problem() else ["process", "docker"]
    if "docker" in runtimes:
        _deploy_and_first_predict(model, "docker", args)[0].delete()  # builds the image unless cached
    runs: dict[str, list[float]] = {f"{r}_{how}": [] for r in runtimes for how in _LOADING}
    cpu: dict[str, list[float]] = {name: [] for name in runs if name.startswith("docker")}
    for _ in range(3):
        for runtime in runtimes:
            for how, env in _LOADING.items():
                deployment, seconds = _deploy_and_first_predict(model, runtime, args, env=env)
                runs[f"{runtime}_{how}"].append(seconds)
                if runtime == "docker":
                    cpu[f"{runtime}_{how}"].append(_container_cpu_s(deployment.id))
                deployment.delete()
    out: dict[str, Any] = {"workers": args.workers, "load_average_at_end": round(os.getloadavg()[0], 1)}
    for name, times in runs.items():
        out[f"deploy_to_first_predict_{name}_runs_s"] = times
        out[f"deploy_to_first_predict_{name}_s"] = statistics.median(times)
    for name, seconds in cpu.items():
        out[f"container_cpu_to_first_predict_{name}_s"] = round(statistics.median(seconds), 2)
    return out


def _container_cpu_s(deployment_id: str) -> float:
    """CPU seconds the deployment's container has used so far (its cgroup's count)."""
    import docker

    from emulator.store import Database

    db = Database(Path(os.environ["DOCKYARD_HOME"]) / "catalog.db")
    try:
        container_id = db.get("modeldeployment", deployment_id)["_instances"][0]["ref"]
    finally:
        db.close()
    stats = docker.from_env().containers.get(container_id).stats(stream=False)
    return stats["cpu_stats"]["cpu_usage"]["total_usage"] / 1e9


def _cleanup_containers(home: Path) -> None:
    try:
        from emulator.runtimes import docker_problem

        if docker_problem() is None:
            from emulator.runtimes.docker import DockerRuntime

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
