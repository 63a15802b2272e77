"""`make quickstart` runs the whole workflow: train, prepare, verify, introspect, save, deploy, predict.

Checked by what it leaves behind, not by what it prints: an artifact that passed introspection, the
model in the catalog, a deployment that answered a predict call and was then deleted.
"""
from __future__ import annotations

import json

from toolkit import quickstart
from toolkit.catalog.model_catalog import list_models
from toolkit.deployment import ModelDeployment


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
