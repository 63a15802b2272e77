"""`dockyard emulator add-key` stores a key the enforcing emulator then accepts."""
from __future__ import annotations

import json

from click.testing import CliRunner

from emulator.auth.keys import KIND
from emulator.config import EmulatorConfig
from emulator.store import Database
from toolkit.cli import cli
from toolkit.testing.credentials import make_api_key


def test_add_key_writes_the_key_into_the_emulator_home(tmp_path):
    key = make_api_key(tmp_path / "key")
    home = tmp_path / "home"
    result = CliRunner().invoke(cli, [
        "emulator", "add-key", "--tenancy", key.tenancy, "--user", key.user,
        "--public-key-file", str(key.key_file), "--fingerprint", key.fingerprint,
        "--compartment", "ocid1.compartment.oc1..aaaaaaaaone", "--home", str(home), "--json",
    ])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["id"] == key.key_id and shown["compartments"] == ["ocid1.compartment.oc1..aaaaaaaaone"]
    db = Database(EmulatorConfig(home=home).db_path)
    assert db.get(KIND, key.key_id)["publicKey"].startswith("-----BEGIN PUBLIC KEY-----")


def test_add_key_with_a_wrong_fingerprint_fails_with_exit_code_1(tmp_path):
    key = make_api_key(tmp_path / "key")
    result = CliRunner().invoke(cli, [
        "emulator", "add-key", "--tenancy", key.tenancy, "--user", key.user,
        "--public-key-file", str(key.key_file), "--fingerprint", "00:11", "--home", str(tmp_path / "h"),
    ])
    assert result.exit_code == 1
    assert "does not match" in result.output


def test_add_key_read_only_stores_a_key_that_may_only_read(tmp_path):
    key = make_api_key(tmp_path / "key")
    home = tmp_path / "home"
    result = CliRunner().invoke(cli, [
        "emulator", "add-key", "--tenancy", key.tenancy, "--user", key.user,
        "--public-key-file", str(key.key_file), "--read-only", "--home", str(home),
    ])
    assert result.exit_code == 0, result.output
    assert "(all compartments, read-only)" in result.output
    assert Database(EmulatorConfig(home=home).db_path).get(KIND, key.key_id)["readOnly"] is True
