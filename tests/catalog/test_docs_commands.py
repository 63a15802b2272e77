"""Commands exactly as the docs spell them: `dockyard save ... --model-version-set S --version-label L`,
the quick start's script run twice as a user runs it (docs/quick-start.md), and the emulator page's
first block (docs/emulator.md: start, then the stock `oci` tools with `$DOCKYARD_HOME/oci/config`)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from toolkit.catalog import model_catalog as mc
from toolkit.cli import cli
from tests.conftest import guarded  # children under the suite's network guard


def test_save_takes_the_documented_spelling_model_version_set(tmp_path: Path, project_id: str) -> None:
    from sklearn.linear_model import LinearRegression

    from toolkit import SklearnModel

    X = [[0.0], [1.0], [2.0]]
    model = SklearnModel(estimator=LinearRegression().fit(X, [1.0, 3.0, 5.0]), artifact_dir=str(tmp_path / "art"))
    model.prepare(inference_python_version="3.11", ignore_conda_error=True)
    created = CliRunner().invoke(cli, ["version-sets", "create", "readme-set", "--project-id", project_id])
    assert created.exit_code == 0, created.output
    result = CliRunner().invoke(cli, ["save", model.artifact_dir, "--display-name", "readme", "--project-id", project_id,
                                      "--model-version-set", "readme-set", "--version-label", "v1",
                                      "--ignore-introspection"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    record = mc.get_model(result.output.strip())
    assert record.model_version_set_id == created.output.strip() and record.version_label == "v1"


def test_emulator_start_writes_the_oci_config_other_oci_tools_use(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = guarded({**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    env.pop("DOCKYARD_ENDPOINT", None)

    def dockyard(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "toolkit.cli", *args], env=env, capture_output=True, text=True,
                              timeout=60)

    started = dockyard("emulator", "start", "--detach", "--home", str(home))
    try:
        assert started.returncode == 0, started.stderr
        config_file = home / "oci" / "config"
        assert config_file.is_file() and str(config_file) in started.stdout
        import oci

        config = oci.config.from_file(str(config_file))
        url = started.stdout.split("export DOCKYARD_ENDPOINT=", 1)[1].split()[0]
        client = oci.data_science.DataScienceClient(config, service_endpoint=url)
        assert client.list_models(compartment_id=config["tenancy"]).data == []
        assert config["tenancy"] in started.stdout
    finally:
        dockyard("emulator", "stop", "--home", str(home))


DOCS = Path(__file__).resolve().parents[2] / "docs"


def _docs_block(page: str, language: str) -> str:
    """The first ``language`` code block of the docs page ``page``."""
    text = (DOCS / page).read_text()
    return text.split(f"```{language}\n", 1)[1].split("```", 1)[0]


def _user_env(home: Path) -> dict[str, str]:
    """A user's shell with the venv active (its bin first on PATH) and a Dockyard home of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKYARD_")}
    env.update(DOCKYARD_HOME=str(home), PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
               DOCKYARD_RUNTIME="process", SUPPRESS_LABEL_WARNING="True",
               OCI_CLI_SUPPRESS_FILE_PERMISSIONS_WARNING="True")
    return env


@pytest.mark.slow  # the quick start script run twice in subprocesses: 30 s and more
def test_the_quick_start_script_runs_twice(tmp_path: Path) -> None:
    from emulator import daemon

    (tmp_path / "iris.py").write_text(_docs_block("quick-start.md", "python"))
    env = _user_env(tmp_path / "home")
    try:
        for run in (1, 2):
            done = subprocess.run([sys.executable, "iris.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                                  timeout=600)
            assert done.returncode == 0, f"run {run}:\n{done.stdout}\n{done.stderr}"
            assert "'prediction': [0, 0, 0]" in done.stdout
        listed = subprocess.run([sys.executable, "-m", "toolkit.cli", "version-sets", "get", "iris", "--json"],
                                env=env, capture_output=True, text=True, timeout=120)
        assert sorted(m["versionId"] for m in json.loads(listed.stdout)["models"]) == [1, 2]
    finally:
        daemon.stop(tmp_path / "home")


# Without the oci CLI this skips here, and fails CI (DOCKYARD_NO_SKIPS=1, tests/skip_policy.py).
@pytest.mark.slow  # the quickstart first, then the page's shell block with the oci CLI: 5 s and more
@pytest.mark.skipif(shutil.which("oci", path=str(Path(sys.executable).parent)) is None,
                    reason="the oci CLI is not installed (make test installs it)")
def test_the_emulator_page_block_runs_as_written_after_the_quickstart(tmp_path: Path, monkeypatch) -> None:
    from oci.data_science.models import CreateModelDetails

    from emulator import daemon
    from toolkit.catalog.session import connect

    home = tmp_path / "home"
    env = _user_env(home)
    monkeypatch.setenv("DOCKYARD_HOME", str(home))
    monkeypatch.delenv("DOCKYARD_ENDPOINT", raising=False)
    monkeypatch.setenv("DOCKYARD_PROFILE", "local")
    session = connect()  # starts the emulator the quickstart leaves running, and saves a model there
    already = daemon.status(home)["url"]
    compartment = session.compartment(None)
    model = session.ds.create_model(CreateModelDetails(compartment_id=compartment, display_name="listed",
                                                       project_id=session.project(None, compartment))).data
    port = _free_port()
    block = _docs_block("emulator.md", "bash").replace("8765", str(port))  # 8765 may be taken here
    try:
        done = subprocess.run(["bash", "-e", "-c", block], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        assert [m["id"] for m in json.loads(done.stdout[done.stdout.index("{"):])["data"]] == [model.id]
        assert daemon.status(home)["url"] == f"http://127.0.0.1:{port}" != already
    finally:
        daemon.stop(home)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
