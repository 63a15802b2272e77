"""The catalog and emulator commands as a user runs them: tables, --json, exit codes 0/1/2."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from toolkit.catalog import model_catalog as mc
from toolkit.cli import cli

from .stub_model import StubModel
from tests.conftest import guarded  # children under the suite's network guard


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))


@pytest.mark.parametrize("path", [p for p, _ in _commands(cli) if p[0] in ("save", "models", "version-sets", "emulator")
                                  and p != ("emulator", "add-key")], ids=" ".join)
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = run(*path, "--help")
    assert result.exit_code == 0 and "Example:" in result.output


def test_usage_errors_exit_with_2(catalog_env: Path) -> None:
    assert run("models", "get").exit_code == 2
    assert run("models", "list", "--limit", "0").exit_code == 2


def test_models_list_table_and_json(tmp_path: Path, project_id: str) -> None:
    model_id = mc.save_model(StubModel.prepared(tmp_path / "a"), display_name="listed-model", project_id=project_id)
    table = run("models", "list", "--project-id", project_id)
    assert table.exit_code == 0 and "listed-model" in table.output and model_id in table.output
    as_json = run("models", "list", "--project-id", project_id, "--json")
    assert [m["id"] for m in json.loads(as_json.output)] == [model_id]
    assert json.loads(as_json.output)[0]["displayName"] == "listed-model"


def test_models_get_download_delete(tmp_path: Path, project_id: str) -> None:
    model_id = mc.save_model(StubModel.prepared(tmp_path / "a"), display_name="cli-model", project_id=project_id)
    got = json.loads(run("models", "get", model_id, "--json").output)
    assert got["id"] == model_id and got["provenance"]["gitCommit"] == "abc123"
    assert "Framework" in run("models", "get", model_id).output
    out = tmp_path / "dl"
    assert run("models", "download", model_id, str(out)).exit_code == 0
    assert (out / "score.py").is_file()
    assert run("models", "download", model_id, str(out)).exit_code == 1  # not empty, no --force
    updated = run("models", "update", model_id, "--description", "new", "--tag", "stage=prod", "--metadata", "Owner=ana", "--json")
    assert updated.exit_code == 0, updated.output
    record = json.loads(updated.output)
    assert record["description"] == "new" and record["freeformTags"] == {"stage": "prod"}
    assert [(m["key"], m["value"]) for m in record["customMetadataList"]] == [("ModelFileName", "weights.bin"),
                                                                             ("Owner", "ana")]  # merged in
    assert run("models", "delete", model_id, input="n\n").exit_code == 1  # declined
    assert run("models", "delete", model_id, "--yes").exit_code == 0


def test_oci_errors_print_code_and_message_and_exit_1(catalog_env: Path) -> None:
    result = CliRunner().invoke(cli, ["models", "get", "ocid1.datasciencemodel.oc1.iad.amaaaaaanothere"])
    assert result.exit_code == 1
    assert "Error: NotAuthorizedOrNotFound:" in result.output and "opc-request-id" in result.output


def test_unknown_profile_is_an_error_not_a_traceback(catalog_env: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("OCI_CONFIG_FILE", str(tmp_path / "nope"))
    result = CliRunner().invoke(cli, ["models", "list", "--profile", "PROD"])
    assert result.exit_code == 1 and "oci setup config" in result.output


def test_version_sets_commands(tmp_path: Path, project_id: str) -> None:
    created = run("version-sets", "create", "cli-set", "--project-id", project_id, "--description", "from cli")
    set_id = created.output.strip()
    assert created.exit_code == 0 and set_id.startswith("ocid1.datasciencemodelversionset.")
    mc.save_model(StubModel.prepared(tmp_path / "a"), project_id=project_id, model_version_set="cli-set", version_label="v1")
    listed = json.loads(run("version-sets", "list", "--project-id", project_id, "--json").output)
    assert [s["name"] for s in listed] == ["cli-set"]
    shown = json.loads(run("version-sets", "get", "cli-set", "--json").output)
    assert shown["id"] == set_id and shown["models"][0]["versionLabel"] == "v1"
    assert shown["lifecycleState"] == "ACTIVE" and shown["projectId"] == project_id and "project_id" not in shown
    assert "v1" in run("version-sets", "get", set_id).output
    assert run("version-sets", "delete", "cli-set", "--delete-models", "--yes").exit_code == 0
    assert run("version-sets", "get", "cli-set").exit_code == 1


def _dockyard() -> list[str]:
    exe = shutil.which("dockyard")
    return [exe] if exe else [sys.executable, "-c", "from toolkit.cli import main; main()"]


def test_emulator_detach_status_stop_cycle_in_a_real_subprocess(tmp_path: Path) -> None:
    home = tmp_path / "daemon-home"
    env = guarded({**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    env.pop("DOCKYARD_ENDPOINT", None)

    def dockyard(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(_dockyard() + list(args), env=env, capture_output=True, text=True, timeout=60)

    started = dockyard("emulator", "start", "--detach", "--home", str(home))
    try:
        assert started.returncode == 0, started.stderr
        status = dockyard("emulator", "status", "--home", str(home), "--json")
        data = json.loads(status.stdout)
        assert status.returncode == 0 and data["running"] and data["url"].startswith("http://127.0.0.1:")
        assert data["url"] in started.stdout
    finally:
        stopped = dockyard("emulator", "stop", "--home", str(home))
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    after = dockyard("emulator", "status", "--home", str(home))
    assert after.returncode == 1 and "not running" in after.stdout


def test_unreachable_emulator_says_how_to_start_one(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DOCKYARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DOCKYARD_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.delenv("DOCKYARD_PROFILE", raising=False)
    result = CliRunner().invoke(cli, ["models", "list"])
    assert result.exit_code == 1
    assert "cannot reach the emulator at http://127.0.0.1:9" in result.output and "Connection refused" in result.output
