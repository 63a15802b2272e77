"""Making an API key is client work: it must not load the emulator's server (Flask) or its store (SQLite)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from emulator.auth.keys import load_public_key
from emulator.contracts.key_fingerprint import fingerprint_of
from toolkit.api_keys import new_key_pair

REPO = Path(__file__).resolve().parents[2]
PROBE = """
import json, sys
import toolkit.api_keys
toolkit.api_keys.new_key_pair()
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'werkzeug', 'sqlite3', 'emulator'))))
"""


def test_importing_and_using_api_keys_loads_neither_flask_nor_the_store():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == ["emulator", "emulator.contracts", "emulator.contracts.key_fingerprint"]


def test_a_made_key_has_the_fingerprint_the_emulator_checks_keys_by():
    pair = new_key_pair()
    private = serialization.load_pem_private_key(pair.private_pem, password=None)
    assert pair.fingerprint == fingerprint_of(load_public_key(pair.public_pem)) == fingerprint_of(private.public_key())
