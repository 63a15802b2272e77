"""Issue 5: ``--help`` on every command with an example, and ``dockyard --help`` stays fast.

The tree is walked from ``toolkit.cli.cli`` itself, so a command added later without an
example fails here without anyone having to list it.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from toolkit.cli import cli

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("oci", "flask", "docker", "torch", "sklearn", "xgboost", "lightgbm", "rich", "emulator", "tensorflow",
         "keras", "transformers", "tokenizers", "pyspark", "onnx", "onnxruntime", "skl2onnx", "onnxmltools")


def _walk(group: click.Group, path: tuple[str, ...] = ()):
    """Every (path, command) below ``group``, groups included."""
    for name, command in sorted(group.commands.items()):
        yield path + (name,), command
        if isinstance(command, click.Group):
            yield from _walk(command, path + (name,))


ALL = list(_walk(cli))
LEAVES = [path for path, command in ALL if not isinstance(command, click.Group)]
GROUPS = [()] + [path for path, command in ALL if isinstance(command, click.Group)]


def test_the_tree_has_every_command_module() -> None:
    """A module whose register() failed silently would make the walk below vacuous."""
    top = {path[0] for path, _ in ALL}
    assert {"prepare", "verify", "introspect", "save", "models", "version-sets", "emulator", "promote",
            "deploy", "deployments", "predict"} <= top
    assert ("emulator", "add-key") in LEAVES and ("deployments", "delete") in LEAVES


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_every_command_help_has_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output, f"`dockyard {' '.join(path)} --help` has no Example: section"
    assert f"dockyard {' '.join(path)}" in result.output.split("Example:", 1)[1], "the example runs another command"


@pytest.mark.parametrize("path", GROUPS, ids=lambda p: " ".join(p) or "dockyard")
def test_every_group_help_has_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"], catch_exceptions=False)
    assert result.exit_code == 0 and "Example:" in result.output, result.output


# Invokes the group in a fresh interpreter and reports which heavy packages got imported. The
# emulator's contracts (stdlib-only names and limits the CLI shares) are light and allowed.
PROBE = """
import json, sys
from toolkit.cli import cli
for args in %r:
    cli.main(args, prog_name="dockyard", standalone_mode=False)
loaded = [m for m in sys.modules if m != "emulator" and not m.startswith("emulator.contracts")]
print(json.dumps(sorted({m.split('.')[0] for m in loaded} & set(%r))))
"""


@pytest.mark.parametrize("args", [["--help"], ["deployments", "--help"], ["models", "list", "--help"],
                                  ["emulator", "start", "--help"], ["promote", "--help"]], ids=" ".join)
def test_help_imports_no_sdk_server_or_framework(args: list[str]) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE % ([args], HEAVY)], cwd=REPO, capture_output=True,
                          text=True, timeout=60, check=True)
    assert "Usage: dockyard" in done.stdout
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_usage_errors_exit_2_and_failures_exit_1(tmp_path: Path) -> None:
    """The exit codes every module keeps: 2 for usage (click), 1 for an expected failure (cli.common)."""
    runner = CliRunner()
    assert runner.invoke(cli, ["deployments", "get"]).exit_code == 2
    assert runner.invoke(cli, ["deploy", "x", "--env", "NOEQUALS"]).exit_code == 2
    assert runner.invoke(cli, ["no-such-command"]).exit_code == 2
    key = tmp_path / "key.pem"
    key.write_text("not a key")
    bad = runner.invoke(cli, ["emulator", "add-key", "--tenancy", "t", "--user", "u", "--public-key-file", str(key),
                              "--home", str(tmp_path / "home")])
    assert bad.exit_code == 1 and isinstance(bad.exception, SystemExit) and bad.output.startswith("Error: ")


def test_resource_groups_answer_to_their_singular_too():
    from click.testing import CliRunner

    from toolkit.cli import cli

    for singular, plural in (("deployment", "deployments"), ("model", "models"), ("version-set", "version-sets")):
        result = CliRunner().invoke(cli, [singular, "--help"])
        assert result.exit_code == 0, result.output
        assert result.output == CliRunner().invoke(cli, [plural, "--help"]).output.replace(plural, singular, 1)
    listed = CliRunner().invoke(cli, ["--help"]).output
    assert " deployments " in listed and " deployment " not in listed
