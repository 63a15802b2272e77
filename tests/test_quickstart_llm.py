"""`make quickstart-llm` trains the tiny GPT-2, saves its zipped weights, deploys them as ADS's
offline TGI spec, predicts, streams a chat completion and deletes its deployment."""
from __future__ import annotations

import pytest

from toolkit import quickstart_llm
from toolkit.catalog.model_catalog import list_models
from toolkit.deployment import ModelDeployment


@pytest.mark.slow  # trains the tiny GPT-2, deploys it and streams: 25 s and more
def test_quickstart_llm_trains_saves_deploys_streams_and_deletes_its_deployment(tmp_path, dockyard_emulator,
                                                                               monkeypatch):
    monkeypatch.setenv("DOCKYARD_RUNTIME", "process")

    assert quickstart_llm.main(["--dir", str(tmp_path / "qs")]) == 0

    assert (tmp_path / "qs" / "model" / "model.safetensors").stat().st_size < 1_000_000
    [model] = list_models(display_name="quickstart-tiny-llm")
    [deployment] = [d for d in ModelDeployment.list() if d.model_id == model.id]
    assert deployment.lifecycle_state == "DELETED"
    served = [e.message for e in ModelDeployment.from_id(deployment.id).logs(log_type="access")]
    assert any(m.startswith("POST /predictWithResponseStream 200") for m in served)
