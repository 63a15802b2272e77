"""Runtime selection and the environment an artifact asks for."""
from __future__ import annotations

from importlib import metadata

import pytest

from emulator.contracts.conda_packs import PackLookup
from emulator.runtimes import RuntimeFailure, choose, docker_problem
from emulator.runtimes.requirements import artifact_requirements, environment_key, satisfied_here, with_server_packages
from tests.deployment.helpers import runtime_yaml

NO_PACKS = PackLookup(lambda namespace, bucket, name: None)  # these artifacts list their own requirements


def test_requirements_come_from_runtime_yaml(tmp_path):
    (tmp_path / "runtime.yaml").write_text(runtime_yaml(["numpy==1.0", "scikit-learn==1.9.1"]))
    assert artifact_requirements(tmp_path, NO_PACKS) == ["numpy==1.0", "scikit-learn==1.9.1"]


def test_requirements_fall_back_to_requirements_txt(tmp_path):
    (tmp_path / "requirements.txt").write_text("# pins\njoblib==1.6.0\n\n")
    assert artifact_requirements(tmp_path, NO_PACKS) == ["joblib==1.6.0"]


def test_the_server_packages_are_added_pinned_to_this_host():
    flask, gunicorn = (f"{name}=={metadata.version(name)}" for name in ("flask", "gunicorn"))
    assert with_server_packages(["joblib==1.6.0"]) == ["joblib==1.6.0", flask, gunicorn]
    assert with_server_packages(["Flask>=2"]) == ["Flask>=2", gunicorn]  # the artifact's own pin wins


def test_satisfied_here_lists_exactly_the_requirements_this_interpreter_lacks():
    installed = metadata.version("pyyaml")
    major = int(installed.split(".")[0])
    met = [f"PyYAML=={installed}", f"pyyaml>={major}", "pyyaml"]
    unmet = [f"pyyaml<{major}", "pyyaml==0.0.1", "surely-not-installed-package==1", "not a requirement line"]
    assert satisfied_here(met) == []
    assert satisfied_here(met + unmet) == unmet


def test_environment_key_ignores_requirement_order():
    assert environment_key("base", ["a==1", "b==2"]) == environment_key("base", ["b==2", "a==1"])
    assert environment_key("base", ["a==1"]) != environment_key("other", ["a==1"])


def test_auto_says_which_runtime_it_chose():
    name, reason = choose("auto")
    assert name == ("process" if docker_problem() else "docker")
    assert reason.startswith("auto:") and name in reason
    assert choose("process") == ("process", "runtime 'process' requested")
    with pytest.raises(ValueError, match="unknown runtime"):
        choose("kubernetes")


def test_auto_falls_back_to_process_when_the_base_image_cannot_be_had(monkeypatch):
    monkeypatch.setattr("emulator.runtimes.docker_problem", lambda: None)
    monkeypatch.setattr("emulator.runtimes.base_image_problem", lambda image: f"base image {image} is not local")
    name, reason = choose("auto", "python:3.11-slim")
    assert name == "process"
    assert "python:3.11-slim" in reason and "DOCKYARD_BASE_IMAGE" in reason


def test_docker_requested_without_an_engine_is_a_clear_failure(monkeypatch):
    monkeypatch.setattr("emulator.runtimes.docker_problem", lambda: "no socket")
    with pytest.raises(RuntimeFailure, match="no Docker engine answers"):
        choose("docker")


VENV_SCORE = '''
import tomli_w

def load_model():
    return None

def predict(data, model=None):
    return {"prediction": tomli_w.dumps({"answer": 42})}
'''


@pytest.mark.slow
def test_process_runtime_builds_a_venv_when_this_interpreter_lacks_a_requirement(tmp_path):
    import requests

    from emulator.runtimes import ServerSpec, make
    from tests.deployment.artifacts import write_artifact

    artifact = write_artifact(tmp_path / "artifact", VENV_SCORE, requirements=["tomli-w"])
    runtime = make("process", tmp_path / "home", "unused")
    lines: list[str] = []
    handle = runtime.start(ServerSpec("ocid1.datasciencemodeldeployment.oc1.iad.venvtest", artifact, tmp_path / "logs",
                                      requirements=artifact_requirements(artifact, NO_PACKS)), lines.append)
    try:
        assert "/runtime/venvs/" in handle.details["python"]
        assert any("lacks tomli-w" in line for line in lines)
        assert requests.post(handle.url, json=[1]).json() == {"prediction": "answer = 42\n"}
    finally:
        runtime.stop(handle)


@pytest.mark.parametrize("launch", ["fork server", "fresh interpreter"])
def test_a_process_deployment_holds_its_port_from_the_moment_it_is_chosen(tmp_path, monkeypatch, launch):
    """Another process (a second deployment, a client's ephemeral port) cannot take the port between
    the runtime's choice and gunicorn's bind: the runtime binds it and hands gunicorn the socket. With
    a port chosen and released, the deployment's health check once reached another server (CI flake)."""
    import socket

    import requests

    from emulator.runtimes import ServerSpec, make, process
    from tests.deployment.artifacts import ECHO_SCORE, write_artifact

    taken: list[OSError] = []

    def try_to_take(port: str) -> None:
        with socket.socket() as thief:
            try:
                thief.bind(("127.0.0.1", int(port)))
            except OSError as exc:
                taken.append(exc)

    if launch == "fork server":
        real_spawn = process.forkserver.ForkServer.spawn

        def spawn(self, argv, env, cwd, **kwargs):
            try_to_take(env["PORT"])
            return real_spawn(self, argv, env, cwd, **kwargs)

        monkeypatch.setattr(process.forkserver.ForkServer, "spawn", spawn)
    else:
        real_popen = process.subprocess.Popen

        def popen(args, **kwargs):
            try_to_take(kwargs["env"]["PORT"])
            return real_popen(args, **kwargs)

        monkeypatch.setattr(process.forkserver, "import_time_variables", lambda env: ["OMP_NUM_THREADS"])
        monkeypatch.setattr(process.subprocess, "Popen", popen)
    artifact = write_artifact(tmp_path / "artifact", ECHO_SCORE)
    runtime = make("process", tmp_path / "home", "unused")
    handle = runtime.start(ServerSpec("ocid1.datasciencemodeldeployment.oc1.iad.porttest", artifact,
                                      tmp_path / "logs"), lambda line: None)
    try:
        assert len(taken) == 1, "the port was free for another process to bind before the server started"
        assert requests.post(handle.url, json=[7], timeout=30).json() == {"prediction": [14]}
        assert handle.url.startswith(f"http://127.0.0.1:{handle.details['port']}/")
    finally:
        runtime.stop(handle)


def test_the_first_deployments_of_a_home_copy_the_server_package_once_between_them(tmp_path):
    """Deployments start on threads of their own: the first ones of a fresh home all ask for the server's
    copy at once. Each gets the same complete copy, and no thread's copy is emptied under it (CI: a
    deployment of the score contract failed with FileNotFoundError in the middle of copy2)."""
    import threading

    from emulator.runtimes.server_package import PACKAGE_NAME, SOURCE, cached_copy

    for attempt in range(10):  # a race: ten fresh homes, so that the old code's failure shows every run
        home = tmp_path / f"home-{attempt}"
        start, results, errors = threading.Barrier(16), [], []

        def first_deployment() -> None:
            start.wait()
            try:
                results.append(cached_copy(home))
            except Exception as exc:  # noqa: BLE001 - the test reports every thread's failure
                errors.append(exc)

        threads = [threading.Thread(target=first_deployment) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == [] and len(set(results)) == 1
        copied = results[0] / PACKAGE_NAME
        assert sorted(p.name for p in copied.iterdir()) == sorted(p.name for p in SOURCE.glob("*.py"))
        assert [p.name for p in (home / "runtime").iterdir()] == [results[0].name]  # no leftovers
