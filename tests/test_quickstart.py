"""`make quickstart` runs the whole workflow: train, prepare, verify, introspect, save, deploy, predict.

Checked by what it leaves behind, not by what it prints: an artifact that passed introspection, the
model in the catalog, a deployment that answered a predict call and was then deleted. And what it
prints last is checked by running it: the next commands must work as printed in a new shell, where
the venv is not on PATH; it says which runtime served the deployment and why.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from emulator import daemon
from tests.conftest import guarded
from toolkit import quickstart
from toolkit.catalog.model_catalog import list_models
from toolkit.deployment import ModelDeployment
from toolkit.quickstart import NEXT_HEADER

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow  # trains, saves, deploys and predicts: the whole first hour, 15 s and more
def test_quickstart_saves_deploys_predicts_and_deletes_its_deployment(tmp_path, dockyard_emulator, monkeypatch):
    monkeypatch.setenv("DOCKYARD_RUNTIME", "process")  # Docker deployments have their own tests

    assert quickstart.main(["--artifact-dir", str(tmp_path / "qs")]) == 0  # 1 if served != verified

    checks = json.loads((tmp_path / "qs" / "test_json_output.json").read_text())
    assert checks and all(check["success"] is not False for check in checks.values())
    [model] = [m for m in list_models(display_name="quickstart-iris")]
    assert model.lifecycle_state == "ACTIVE"
    [deployment] = [d for d in ModelDeployment.list() if d.model_id == model.id]
    assert deployment.lifecycle_state == "DELETED"
    served = [e.message for e in ModelDeployment.from_id(deployment.id).logs(log_type="access")]
    assert any(message.startswith("POST /predict 200") for message in served)


def _fresh_shell_env(home: Path) -> dict[str, str]:
    """A new terminal: no Dockyard settings, and this interpreter's bin directory not on PATH (under the
    suite's network guard, as every child of a test)."""
    bin_dir = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != bin_dir)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKYARD_") and k not in ("VIRTUAL_ENV",)}
    env["PATH"] = path or "/usr/bin:/bin"
    return guarded(env)


@pytest.mark.slow  # the quickstart in a subprocess, then its closing commands: 30 s and more
def test_quickstart_runs_and_its_closing_commands_work_in_a_new_shell(tmp_path):
    home = tmp_path / "home"
    env = {**_fresh_shell_env(home), "DOCKYARD_HOME": str(home), "DOCKYARD_RUNTIME": "process"}
    try:
        run = subprocess.run([sys.executable, "-m", "toolkit.quickstart", "--artifact-dir", str(tmp_path / "qs"),
                              "--keep-deployment"], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stdout + run.stderr
        out = run.stdout
        assert "Serving with the process runtime (runtime 'process' requested)" in out
        assert "Started the Dockyard emulator in the background" in run.stderr
        deployment_id = re.search(r"^Deployed in [\d.]+ s: (ocid1\.datasciencemodeldeployment\.\S+)$", out, re.M).group(1)

        commands = [line.strip() for line in out.split(NEXT_HEADER, 1)[1].splitlines() if line.startswith("  ")]
        assert commands[-1] == "dockyard emulator stop"
        assert any(deployment_id in command for command in commands)  # whole, not wrapped at 80 columns
        shell = subprocess.run(["bash", "-c", "set -e\n" + "\n".join(commands)], cwd=REPO, env=_fresh_shell_env(home),
                               capture_output=True, text=True, timeout=300)

        assert shell.returncode == 0, shell.stdout + shell.stderr
        assert "quickstart-iris" in shell.stdout and '"prediction"' in shell.stdout
        assert "stopped the emulator" in shell.stdout
        assert daemon.status(home) is None
    finally:
        daemon.stop(home)
