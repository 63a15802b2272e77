"""The toolkit's DataScienceModelGroup (ADS's names) against a real emulator: create waits for its
work request, update, deactivate/activate (refused in the wrong state, as ADS does), list, from_id,
delete, a stacked group, a homogeneous group's own artifact, and the builder's dict form."""
from __future__ import annotations

from pathlib import Path

import pytest
from oci.data_science.models import CreateModelDetails

from toolkit import DataScienceModelGroup, ModelCustomMetadata
from toolkit.catalog.errors import CatalogError
from toolkit.catalog.session import connect


def _models(project_id: str, *names: str) -> list[str]:
    session = connect()
    compartment = session.compartment(None)
    return [session.ds.create_model(CreateModelDetails(compartment_id=compartment, project_id=project_id,
                                                       display_name=name)).data.id for name in names]


def _group(project_id: str, adder: str, classifier: str) -> DataScienceModelGroup:
    metadata = ModelCustomMetadata()
    metadata.add("owner", "group-team", "who answers", "Other")
    return (DataScienceModelGroup()
            .with_project_id(project_id)
            .with_display_name("two-models")
            .with_description("an adder and a classifier")
            .with_freeform_tags(team="ml")
            .with_custom_metadata_list(metadata)
            .with_member_models([{"model_id": adder, "inference_key": "adder"},
                                 {"model_id": classifier, "inference_key": "classifier"}]))


def test_create_reads_the_group_back_with_its_members_and_metadata(project_id: str) -> None:
    adder, classifier = _models(project_id, "adder", "classifier")
    group = _group(project_id, adder, classifier).create(poll_interval=1)
    assert group.id.startswith("ocid1.datasciencemodelgroup.") and group.lifecycle_state == "ACTIVE"
    assert (group.display_name, group.description, group.freeform_tags) == (
        "two-models", "an adder and a classifier", {"team": "ml"})
    assert group.member_models == [{"inference_key": "adder", "model_id": adder},
                                   {"inference_key": "classifier", "model_id": classifier}]
    assert group.custom_metadata_list.get("owner").value == "group-team"
    assert group.base_model_id is None and group.compartment_id == connect().compartment(None)


def test_update_list_and_from_id(project_id: str) -> None:
    group = _group(project_id, *_models(project_id, "a", "b")).create(poll_interval=1)
    group.with_display_name("renamed").with_description("new words").update(poll_interval=1)
    loaded = DataScienceModelGroup.from_id(group.id)
    assert (loaded.display_name, loaded.description, loaded.lifecycle_state) == ("renamed", "new words", "ACTIVE")
    assert loaded.member_models == group.member_models
    listed = {g.id: g for g in DataScienceModelGroup.list(project_id=project_id)}
    assert listed[group.id].display_name == "renamed"
    assert group.id in {g.id for g in DataScienceModelGroup.list(status="ACTIVE", project_id=project_id)}
    with pytest.raises(ValueError, match="Allowed `status` values"):
        DataScienceModelGroup.list(status="SLEEPING")


def test_deactivate_activate_and_delete_follow_ads_state_rules(project_id: str) -> None:
    group = _group(project_id, *_models(project_id, "a", "b")).create(poll_interval=1)
    with pytest.raises(CatalogError, match="already in active state"):
        group.activate()
    assert group.deactivate(poll_interval=1).lifecycle_state == "INACTIVE"
    assert DataScienceModelGroup.from_id(group.id).lifecycle_state == "INACTIVE"
    with pytest.raises(CatalogError, match="already in inactive state"):
        group.deactivate()
    assert group.activate(poll_interval=1).lifecycle_state == "ACTIVE"
    assert group.delete(poll_interval=1).lifecycle_state == "DELETED"
    assert group.id not in {g.id for g in DataScienceModelGroup.list(status="ACTIVE", project_id=project_id)}
    with pytest.raises(CatalogError, match="deleted or being deleted"):
        group.delete()


def test_a_base_model_makes_a_stacked_group(project_id: str) -> None:
    base, head = _models(project_id, "base", "head")
    group = (DataScienceModelGroup().with_project_id(project_id).with_display_name("stacked")
             .with_member_models([{"model_id": base}, {"model_id": head}]).with_base_model_id(base)
             .create(poll_interval=1))
    assert DataScienceModelGroup.from_id(group.id).base_model_id == base
    assert group.record.model_group_details.type == "STACKED"


def test_a_homogeneous_group_uploads_its_own_artifact(project_id: str, tmp_path: Path) -> None:
    (tmp_path / "score.py").write_text("def load_model():\n    return None\n")
    (tmp_path / "runtime.yaml").write_text("MODEL_ARTIFACT_VERSION: '3.0'\n")
    group = (_group(project_id, *_models(project_id, "a", "b")).with_artifact(str(tmp_path))
             .create(poll_interval=1))
    head = connect().ds.head_model_group_artifact(group.id)
    assert int(head.headers["content-length"]) > 0
    with pytest.raises(CatalogError, match="runtime.yaml"):
        (tmp_path / "runtime.yaml").unlink()
        group.upload_artifact()


def test_the_builder_round_trips_through_its_dict_and_yaml() -> None:
    group = (DataScienceModelGroup(display_name="g", compartment_id="ocid1.compartment.oc1..x")
             .with_member_models([{"model_id": "ocid1.datasciencemodel.oc1..m", "inference_key": "m"}])
             .with_version_label("v1").with_custom_metadata_list({"data": [{"key": "k", "value": "v"}]}))
    again = DataScienceModelGroup.from_yaml(group.to_yaml())
    assert again.to_dict() == group.to_dict() and again.kind == "datascienceModelGroup"
    assert (again.display_name, again.version_label, again.custom_metadata_list.get("k").value) == ("g", "v1", "v")
    with pytest.raises(ValueError, match="Invalid create type"):
        group.with_create_type("COPY")
