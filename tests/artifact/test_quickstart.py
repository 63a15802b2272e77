"""The quickstart trains, wraps, prepares, verifies and introspects a real model, offline."""
from __future__ import annotations

from toolkit import quickstart


def test_quickstart_runs_end_to_end(tmp_path, capsys):
    assert quickstart.main(["--artifact-dir", str(tmp_path / "qs")]) == 0
    assert (tmp_path / "qs" / "test_json_output.json").exists()
