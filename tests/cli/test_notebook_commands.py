"""``dockyard notebook env``: the variables of an OCI notebook session as shell ``export`` lines (what
``eval "$(dockyard notebook env)"`` runs) or JSON, for one emulated session reused across runs."""
from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

from click.testing import CliRunner

from emulator.config import EmulatorConfig
from emulator.server import start_in_background
from toolkit.cli import cli

SITE_HOOKS = Path(__file__).resolve().parents[2] / "toolkit" / "site_hooks"

NAMES = {"NB_SESSION_OCID", "NB_SESSION_COMPARTMENT_OCID", "PROJECT_OCID", "NB_REGION",
         "OCI_RESOURCE_PRINCIPAL_VERSION", "OCI_RESOURCE_PRINCIPAL_RPST", "OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM",
         "OCI_RESOURCE_PRINCIPAL_REGION", "OCI_ODSC_SERVICE_ENDPOINT", "DOCKYARD_ENDPOINT", "DOCKYARD_HOME",
         "DOCKYARD_CONNECT_ADS", "PYTHONPATH"}


def _exports(output: str) -> dict[str, str]:
    variables = {}
    for line in output.splitlines():
        word, assignment = shlex.split(line)
        assert word == "export"
        name, _, value = assignment.partition("=")
        variables[name] = value
    return variables


def test_notebook_env_prints_export_lines_and_json_for_one_session(tmp_path):
    home = tmp_path / "home with space"
    with start_in_background(EmulatorConfig(home=home)) as running:
        args = ["notebook", "env", "--home", str(home), "--endpoint", running.url]
        printed = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert printed.exit_code == 0, printed.output
        exported = _exports(printed.output)
        assert set(exported) == NAMES
        assert exported["OCI_RESOURCE_PRINCIPAL_VERSION"] == "2.2" and exported["DOCKYARD_ENDPOINT"] == running.url
        assert exported["DOCKYARD_HOME"] == str(home.resolve())
        # a kernel started from that shell connects ADS when the notebook imports it (toolkit/site_hooks)
        assert exported["DOCKYARD_CONNECT_ADS"] == "session"
        first, *rest = exported["PYTHONPATH"].split(":")
        assert first == str(SITE_HOOKS)
        assert rest == [p for p in os.environ.get("PYTHONPATH", "").split(":") if p and p != first]  # kept, once

        as_json = CliRunner().invoke(cli, [*args, "--json"], catch_exceptions=False)
        assert as_json.exit_code == 0, as_json.output
        again = json.loads(as_json.output)
        assert again["NB_SESSION_OCID"] == exported["NB_SESSION_OCID"]  # the same session, reused

    shell = subprocess.run(["bash", "-c", f'eval "$(cat)"; echo "$OCI_RESOURCE_PRINCIPAL_RPST"'],
                           input=printed.output, capture_output=True, text=True, timeout=30, check=True)
    assert shell.stdout.strip() == exported["OCI_RESOURCE_PRINCIPAL_RPST"]
