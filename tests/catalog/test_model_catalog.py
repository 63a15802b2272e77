"""Saving, loading, listing, updating, downloading and deleting models through the real oci SDK
against a real emulator (the ``CatalogModel`` contract seen from the catalog side, with a stub model)."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import oci
import pytest

from .stub_model import StubModel
from toolkit.catalog import model_catalog as mc
from toolkit.catalog.errors import CatalogError, IntrospectionFailedError, ModelInUseError
from toolkit.catalog.session import connect


def _saved(tmp_path: Path, project_id: str, name: str = "stub", **kwargs: object) -> tuple[StubModel, str]:
    model = StubModel.prepared(tmp_path / name)
    return model, mc.save_model(model, display_name=name, project_id=project_id, **kwargs)


def test_save_returns_the_ocid_and_stores_metadata_schema_and_provenance(tmp_path: Path, project_id: str) -> None:
    model, model_id = _saved(tmp_path, project_id, description="a stub", freeform_tags={"team": "ml"})
    assert model.model_id == model_id and model_id.startswith("ocid1.datasciencemodel.oc1.iad.")
    record = mc.get_model(model_id)
    assert (record.display_name, record.description, record.lifecycle_state) == ("stub", "a stub", "ACTIVE")
    assert record.project_id == project_id and record.freeform_tags == {"team": "ml"}
    assert {m.key: m.value for m in record.defined_metadata_list}["Framework"] == "other"
    assert record.custom_metadata_list[0].category == "Other"
    assert json.loads(record.input_schema)["version"] == "1.1"
    provenance = mc.get_provenance(connect(), model_id)
    assert provenance["gitCommit"] == "abc123" and provenance["trainingScript"] == "train.py"


def test_artifact_is_uploaded_as_a_zip_with_a_sha256_manifest(tmp_path: Path, project_id: str) -> None:
    _, model_id = _saved(tmp_path, project_id)
    zip_path = mc.download_artifact(model_id, tmp_path / "raw.zip", unzip=False)
    with zipfile.ZipFile(zip_path) as zf:
        manifest = json.loads(zf.read("model_artifact_manifest.json"))
        assert {"score.py", "runtime.yaml", "weights.bin"} <= set(zf.namelist())
    assert set(manifest["files"]) == {"score.py", "runtime.yaml", "weights.bin"}
    head = connect().ds.head_model_artifact(model_id)
    assert int(head.headers["content-length"]) == zip_path.stat().st_size


def test_save_refuses_an_artifact_that_fails_introspection(tmp_path: Path, project_id: str) -> None:
    model = StubModel.prepared(tmp_path / "broken", broken=True)
    with pytest.raises(IntrospectionFailedError, match=r"score_predict: predict is not defined.*hint: define"):
        mc.save_model(model, display_name="broken", project_id=project_id)
    assert model.model_id is None
    assert list(mc.list_models(project_id=project_id)) == []


def test_ignore_introspection_saves_anyway(tmp_path: Path, project_id: str) -> None:
    model = StubModel.prepared(tmp_path / "broken", broken=True)
    assert mc.save_model(model, project_id=project_id, ignore_introspection=True).startswith("ocid1.")


def test_unprepared_model_is_a_clear_error(tmp_path: Path, project_id: str) -> None:
    with pytest.raises(CatalogError, match="prepare"):
        mc.save_model(StubModel(tmp_path / "missing"), project_id=project_id)


def test_local_profile_creates_a_default_project_when_none_is_given(tmp_path: Path, catalog_env: Path) -> None:
    first = mc.save_model(StubModel.prepared(tmp_path / "a"))
    second = mc.save_model(StubModel.prepared(tmp_path / "b"))
    projects = {mc.get_model(first).project_id, mc.get_model(second).project_id}
    assert len(projects) == 1
    assert connect().ds.get_project(projects.pop()).data.display_name == "dockyard-default"


def test_load_from_catalog_restores_files_metadata_and_id(tmp_path: Path, project_id: str) -> None:
    original, model_id = _saved(tmp_path, project_id)
    loaded = mc.load_model_from_catalog(StubModel, model_id, artifact_dir=tmp_path / "loaded")
    assert loaded.model_id == model_id and Path(loaded.artifact_dir) == tmp_path / "loaded"
    for name in ("score.py", "runtime.yaml", "weights.bin"):
        assert (tmp_path / "loaded" / name).read_bytes() == (Path(original.artifact_dir) / name).read_bytes()
    assert loaded.record["id"] == model_id and loaded.record["displayName"] == "stub"
    assert loaded.record["definedMetadataList"][0]["key"] == "Framework"
    assert loaded.provenance["gitBranch"] == "main"


def test_load_refuses_a_non_empty_artifact_dir_unless_forced(tmp_path: Path, project_id: str) -> None:
    _, model_id = _saved(tmp_path, project_id)
    target = tmp_path / "busy"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        mc.load_model_from_catalog(StubModel, model_id, artifact_dir=target)
    assert (target / "keep.txt").exists()
    mc.load_model_from_catalog(StubModel, model_id, artifact_dir=target, force_overwrite=True)
    assert (target / "score.py").exists()


def test_list_follows_pages_and_filters(tmp_path: Path, project_id: str) -> None:
    ids = [_saved(tmp_path, project_id, name=f"m{i}")[1] for i in range(5)]
    listed = list(mc.list_models(project_id=project_id, page_size=2))
    assert sorted(m.id for m in listed) == sorted(ids)
    assert [m.display_name for m in mc.list_models(project_id=project_id, display_name="m3")] == ["m3"]
    assert len(list(mc.list_models(project_id=project_id, page_size=2, limit=3))) == 3


def test_update_changes_only_given_fields(tmp_path: Path, project_id: str) -> None:
    _, model_id = _saved(tmp_path, project_id, description="before")
    updated = mc.update_model(model_id, display_name="renamed",
                              custom_metadata_list=[{"key": "Owner", "value": "ana", "category": "Other"}])
    assert updated.display_name == "renamed" and updated.description == "before"
    assert [(m.key, m.value) for m in mc.get_model(model_id).custom_metadata_list] == [("Owner", "ana")]


def test_update_model_metadata_pushes_the_models_metadata(tmp_path: Path, project_id: str) -> None:
    model, model_id = _saved(tmp_path, project_id)
    mc.update_model(model_id, custom_metadata_list=[])
    mc.update_model_metadata(model, description="synced")
    record = mc.get_model(model_id)
    assert record.description == "synced" and record.custom_metadata_list[0].key == "ModelFileName"


def test_download_extracts_and_verifies(tmp_path: Path, project_id: str) -> None:
    original, model_id = _saved(tmp_path, project_id)
    out = mc.download_artifact(model_id, tmp_path / "dl")
    assert (out / "weights.bin").read_bytes() == (Path(original.artifact_dir) / "weights.bin").read_bytes()


def test_delete_removes_the_model_and_clears_model_id(tmp_path: Path, project_id: str) -> None:
    model, model_id = _saved(tmp_path, project_id)
    mc.delete_model(model)
    assert model.model_id is None
    try:
        state = mc.get_model(model_id).lifecycle_state
    except oci.exceptions.ServiceError as exc:
        assert exc.status == 404
    else:
        assert state == "DELETED"  # OCI keeps deleted records visible for a while


def test_delete_is_refused_while_a_deployment_uses_the_model(
    tmp_path: Path, project_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, model_id = _saved(tmp_path, project_id)
    monkeypatch.setattr(mc.records, "deployments_using", lambda session, mid: ["ocid1.datasciencemodeldeployment.oc1.iad.x"])
    with pytest.raises(ModelInUseError, match="used by model deployment"):
        mc.delete_model(model_id)
    assert mc.get_model(model_id).lifecycle_state == "ACTIVE"


def test_resource_search_finds_no_deployment_for_a_fresh_model(tmp_path: Path, project_id: str) -> None:
    _, model_id = _saved(tmp_path, project_id)
    assert mc.deployments_using(connect(), model_id) == []


def test_unknown_ocid_surfaces_ocis_error(catalog_env: Path) -> None:
    with pytest.raises(oci.exceptions.ServiceError) as err:
        mc.get_model("ocid1.datasciencemodel.oc1.iad.amaaaaaanotthere")
    assert err.value.status == 404 and err.value.code == "NotAuthorizedOrNotFound"


def test_cloud_profile_requires_compartment_and_project(tmp_path: Path, catalog_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from toolkit import profiles
    from toolkit.testing.credentials import fake_ocid

    key = profiles.resolve().config
    config = tmp_path / "oci-config"
    config.write_text(
        f"[PROD]\nuser={fake_ocid('user')}\nfingerprint={key['fingerprint']}\n"
        f"tenancy={fake_ocid('tenancy')}\nregion=us-phoenix-1\nkey_file={key['key_file']}\n"
    )
    monkeypatch.setenv("OCI_CONFIG_FILE", str(config))
    monkeypatch.delenv("NB_SESSION_COMPARTMENT_OCID", raising=False)
    monkeypatch.delenv("PROJECT_OCID", raising=False)
    model = StubModel.prepared(tmp_path / "a")
    with pytest.raises(CatalogError, match="compartment_id is required with profile 'PROD'"):
        mc.save_model(model, profile="PROD")
    with pytest.raises(CatalogError, match="project_id is required with profile 'PROD'"):
        mc.save_model(model, profile="PROD", compartment_id="ocid1.compartment.oc1..aaaaaaaaexample")


def test_save_and_load_against_an_emulator_that_enforces_signatures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The local profile's generated key really signs: an enforcing emulator accepts its own home's
    key (streamed artifact upload included) and rejects another home's key."""
    from emulator.config import EmulatorConfig
    from emulator.server import start_in_background

    home = tmp_path / "enforcing-home"
    with start_in_background(EmulatorConfig(home=home, port=0, auth_mode="enforce")) as running:
        monkeypatch.setenv("DOCKYARD_ENDPOINT", running.url)
        monkeypatch.setenv("DOCKYARD_HOME", str(home))
        monkeypatch.delenv("DOCKYARD_PROFILE", raising=False)
        model_id = mc.save_model(StubModel.prepared(tmp_path / "a"))
        loaded = mc.load_model_from_catalog(StubModel, model_id, artifact_dir=tmp_path / "b")
        assert (Path(loaded.artifact_dir) / "weights.bin").read_bytes() == (tmp_path / "a" / "weights.bin").read_bytes()
        monkeypatch.setenv("DOCKYARD_HOME", str(tmp_path / "stranger"))
        with pytest.raises(oci.exceptions.ServiceError) as err:
            mc.get_model(model_id)
        assert err.value.status == 401
