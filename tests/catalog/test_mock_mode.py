"""The catalog functions work unchanged inside ``mock_datascience()`` (no sockets at all)."""
from __future__ import annotations

from pathlib import Path

from toolkit.catalog import model_catalog as mc
from toolkit.catalog.version_set import ModelVersionSet

from .stub_model import StubModel


def test_save_load_and_version_sets_in_mock_mode(tmp_path: Path, monkeypatch) -> None:
    from toolkit import mock_datascience

    monkeypatch.delenv("DOCKYARD_PROFILE", raising=False)
    with mock_datascience():
        mvs = ModelVersionSet(name="mocked").create()
        model_id = mc.save_model(StubModel.prepared(tmp_path / "a"), model_version_set="mocked", version_label="v1")
        loaded = mc.load_model_from_catalog(StubModel, model_id, artifact_dir=tmp_path / "b")
        assert (tmp_path / "b" / "weights.bin").read_bytes() == (tmp_path / "a" / "weights.bin").read_bytes()
        assert loaded.record["versionLabel"] == "v1" and [m.id for m in mvs.models()] == [model_id]
        mvs.delete(delete_model=True)
        assert list(mc.list_models(lifecycle_state="ACTIVE")) == []
