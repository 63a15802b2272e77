"""ModelVersionSet create/list/get/delete, and models saved into a set get version ids and labels."""
from __future__ import annotations

import uuid
from pathlib import Path

import oci
import pytest

from .stub_model import StubModel
from toolkit.catalog import model_catalog as mc
from toolkit.catalog.errors import CatalogError
from toolkit.catalog.version_set import ModelVersionSet


def _gone(state_of) -> bool:
    """Deleted: either 404 or still visible as DELETED (OCI keeps deleted records for a while)."""
    try:
        return state_of() == "DELETED"
    except oci.exceptions.ServiceError as exc:
        return exc.status == 404


def _name() -> str:
    return f"set-{uuid.uuid4().hex[:8]}"


def test_create_get_by_id_and_by_name(project_id: str) -> None:
    name = _name()
    created = ModelVersionSet(name=name, project_id=project_id, description="churn").create()
    assert created.id.startswith("ocid1.datasciencemodelversionset.") and created.lifecycle_state == "ACTIVE"
    by_id = ModelVersionSet.from_id(created.id)
    by_name = ModelVersionSet.from_name(name)
    assert (by_id.name, by_name.id, by_name.description) == (name, created.id, "churn")


def test_list_contains_created_sets(project_id: str) -> None:
    names = {_name(), _name()}
    for name in names:
        ModelVersionSet(name=name, project_id=project_id).create()
    assert names <= {s.name for s in ModelVersionSet.list(project_id=project_id)}


def test_models_saved_into_a_set_get_version_ids_and_labels(tmp_path: Path, project_id: str) -> None:
    mvs = ModelVersionSet(name=_name(), project_id=project_id).create()
    first = mc.save_model(StubModel.prepared(tmp_path / "a"), project_id=project_id, model_version_set=mvs, version_label="v1")
    second = mc.save_model(StubModel.prepared(tmp_path / "b"), project_id=project_id, model_version_set=mvs.name, version_label="v2")
    third = mc.save_model(StubModel.prepared(tmp_path / "c"), project_id=project_id, model_version_set=mvs.id)
    records = {m.id: m for m in mvs.models()}
    assert set(records) == {first, second, third}
    assert [records[i].version_id for i in (first, second, third)] == [1, 2, 3]
    assert (records[first].version_label, records[second].version_label) == ("v1", "v2")
    assert mc.get_model(second).model_version_set_name == mvs.name
    assert [m.id for m in mc.list_models(model_version_set_name=mvs.name, version_label="v2")] == [second]


def test_unknown_version_set_name_is_a_clear_error(tmp_path: Path, project_id: str) -> None:
    with pytest.raises(CatalogError, match="version-sets create"):
        mc.save_model(StubModel.prepared(tmp_path / "a"), project_id=project_id, model_version_set="no-such-set")


def test_delete_with_models_waits_for_the_work_request(tmp_path: Path, project_id: str) -> None:
    mvs = ModelVersionSet(name=_name(), project_id=project_id).create()
    model_id = mc.save_model(StubModel.prepared(tmp_path / "a"), project_id=project_id, model_version_set=mvs)
    mvs.delete(delete_model=True)
    assert _gone(lambda: ModelVersionSet.from_id(mvs.id).lifecycle_state)
    assert _gone(lambda: mc.get_model(model_id).lifecycle_state)
    with pytest.raises(CatalogError):
        ModelVersionSet.from_name(mvs.name)


def test_empty_set_delete(project_id: str) -> None:
    mvs = ModelVersionSet(name=_name(), project_id=project_id).create()
    mvs.delete()
    assert mvs.lifecycle_state == "DELETED"


def test_ads_builder_style_and_moving_a_model_into_a_set(tmp_path: Path, project_id: str) -> None:
    mvs = ModelVersionSet().with_name(_name()).with_project_id(project_id).with_description("built").create()
    assert ModelVersionSet.from_id(mvs.id).description == "built"
    model_id = mc.save_model(StubModel.prepared(tmp_path / "a"), project_id=project_id)
    mc.update_model(model_id, model_version_set=mvs.name, version_label="later")
    [member] = mvs.models()
    assert (member.id, member.version_label, member.version_id) == (model_id, "later", 1)


def test_experiment_finds_or_creates_the_set_and_save_uses_it_inside_the_block(project_id: str, tmp_path: Path) -> None:
    import os

    from toolkit.catalog.version_set import MVS_ID_ENV, ModelVersionSetNotExists, experiment

    name = _name()
    with pytest.raises(ModelVersionSetNotExists):
        with experiment(name=name, create_if_not_exists=False):
            pass
    ids = []
    for run in range(2):  # the second run finds the set the first one created: no 409
        with experiment(name=name, create_if_not_exists=True, project_id=project_id) as mvs:
            ids.append(mvs.id)
            model_id = mc.save_model(StubModel.prepared(tmp_path / f"a{run}"), project_id=project_id)
        assert mc.get_model(model_id).model_version_set_id == mvs.id
    assert ids[0] == ids[1]
    assert MVS_ID_ENV not in os.environ  # outside the block, save() is back to no version set
    assert sorted(m.version_id for m in ModelVersionSet.from_id(ids[0]).models()) == [1, 2]


def test_a_version_set_has_adss_state_names_and_status():
    from toolkit import ModelVersionSet

    assert (ModelVersionSet.LIFECYCLE_STATE_ACTIVE, ModelVersionSet.LIFECYCLE_STATE_DELETED) == ("ACTIVE", "DELETED")
    mvs = ModelVersionSet(name="states")
    mvs.lifecycle_state = "ACTIVE"
    assert mvs.status == "ACTIVE"
