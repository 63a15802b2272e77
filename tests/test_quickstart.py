"""`make quickstart` runs the whole workflow: train, prepare, verify, introspect, save, deploy, predict."""
from __future__ import annotations

from toolkit import quickstart


def test_quickstart_runs_end_to_end(tmp_path, dockyard_emulator, monkeypatch, capsys):
    monkeypatch.setenv("DOCKYARD_RUNTIME", "process")  # Docker deployments have their own tests

    assert quickstart.main(["--artifact-dir", str(tmp_path / "qs")]) == 0

    out = capsys.readouterr().out
    assert (tmp_path / "qs" / "test_json_output.json").exists()
    for step in ("Prepared", "Verified", "Saved", "Deployed", "Predicted", "Deleted"):
        assert step in out
