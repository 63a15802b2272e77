"""The stock ``oci`` CLI, pointed at the emulator with ``--endpoint``, lists and gets models."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import oci
import pytest

M = oci.data_science.models

# `make test` links the CLI (kept in a venv of its own: it pins its own oci SDK) beside our interpreter.
# Without it the test skips here, and fails CI (DOCKYARD_NO_SKIPS=1, tests/skip_policy.py).
OCI_CLI = shutil.which("oci", path=str(Path(sys.executable).parent)) or shutil.which("oci")

pytestmark = pytest.mark.skipif(OCI_CLI is None, reason="the oci CLI is not installed (pip install oci-cli)")


def _cli(credentials, tmp_path, url: str, *args: str) -> dict:
    config = tmp_path / "oci-config"
    config.write_text("[DEFAULT]\n" + "".join(f"{k}={v}\n" for k, v in credentials.config.items()))
    config.chmod(0o600)
    env = {**os.environ, "SUPPRESS_LABEL_WARNING": "True", "OCI_CLI_SUPPRESS_FILE_PERMISSIONS_WARNING": "True"}
    result = subprocess.run([OCI_CLI, *args, "--endpoint", url, "--config-file", str(config), "--profile", "DEFAULT"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_cli_lists_and_gets_models(credentials, emulator, ds, compartment, make_model, tmp_path):
    first = make_model(display_name="cli-one")
    make_model(display_name="cli-two")

    listed = _cli(credentials, tmp_path, emulator.url, "data-science", "model", "list", "--compartment-id", compartment,
                  "--sort-by", "displayName", "--sort-order", "ASC", "--all")
    assert [m["display-name"] for m in listed["data"]] == ["cli-one", "cli-two"]

    got = _cli(credentials, tmp_path, emulator.url, "data-science", "model", "get", "--model-id", first.id)
    assert got["data"]["id"] == first.id and got["data"]["lifecycle-state"] == "ACTIVE"
    assert got["etag"] == ds.get_model(first.id).headers["etag"]
