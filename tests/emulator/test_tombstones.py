"""Deleted resources stay readable in state DELETED, as in OCI, until the retention purges them.

ADS's ``delete()`` reads the model again right after the DELETE; lists show deleted resources
unless filtered by ``lifecycleState``; a deleted resource refuses writes (409) and frees its name.
"""
from __future__ import annotations

import oci

from emulator.wire import now

M = oci.data_science.models


def test_a_deleted_model_answers_get_in_state_deleted_and_refuses_writes(ds, compartment, make_model, service_error):
    model = make_model(display_name="gone")
    ds.create_model_artifact(model.id, b"zip")
    assert ds.delete_model(model.id).status == 204

    deleted = ds.get_model(model.id).data
    assert (deleted.id, deleted.display_name, deleted.lifecycle_state) == (model.id, "gone", "DELETED")
    assert [m.lifecycle_state for m in ds.list_models(compartment).data] == ["DELETED"]
    assert ds.list_models(compartment, lifecycle_state="ACTIVE").data == []
    assert [m.id for m in ds.list_models(compartment, lifecycle_state="DELETED").data] == [model.id]

    assert service_error(lambda: ds.head_model_artifact(model.id)).status == 404  # the bytes went
    assert service_error(lambda: ds.get_model_provenance(model.id)).status == 404  # ADS's sync() reads it
    for write in (lambda: ds.update_model(model.id, M.UpdateModelDetails(display_name="x")),
                  lambda: ds.delete_model(model.id), lambda: ds.activate_model(model.id),
                  lambda: ds.create_model_provenance(model.id, M.CreateModelProvenanceDetails(git_branch="b"))):
        error = service_error(write)
        assert (error.status, error.code) == (409, "IncorrectState") and "DELETED" in error.message


def test_a_deleted_project_stays_readable_and_takes_no_new_models(ds, compartment, project, service_error):
    ds.delete_project(project.id)
    assert ds.get_project(project.id).data.lifecycle_state == "DELETED"
    details = M.CreateModelDetails(compartment_id=compartment, project_id=project.id)
    assert service_error(lambda: ds.create_model(details)).status == 409


def test_a_project_whose_models_are_deleted_can_be_deleted(ds, project, make_model):
    ds.delete_model(make_model().id)
    assert ds.delete_project(project.id).status == 204


def test_a_deleted_version_set_frees_its_name_and_its_deleted_models_their_labels(ds, compartment, project):
    def create_set():
        return ds.create_model_version_set(M.CreateModelVersionSetDetails(
            compartment_id=compartment, project_id=project.id, name="churn")).data

    first = create_set()
    member = ds.create_model(M.CreateModelDetails(compartment_id=compartment, project_id=project.id,
                                                  model_version_set_id=first.id, version_label="v1")).data
    ds.delete_model_version_set(first.id, is_delete_related_models=True)
    assert ds.get_model_version_set(first.id).data.lifecycle_state == "DELETED"
    assert ds.get_model(member.id).data.lifecycle_state == "DELETED"

    second = create_set()
    assert second.id != first.id
    again = ds.create_model(M.CreateModelDetails(compartment_id=compartment, project_id=project.id,
                                                 model_version_set_id=second.id, version_label="v1")).data
    assert again.version_label == "v1"
    names = {s.id: s.lifecycle_state for s in ds.list_model_version_sets(compartment, name="churn").data}
    assert names == {first.id: "DELETED", second.id: "ACTIVE"}


def test_a_deleted_deployment_stays_readable_and_a_deleted_model_cannot_be_deployed(ds, emulator, make_model,
                                                                                     service_error):
    model = make_model()
    record = {"id": "ocid1.datasciencemodeldeployment.oc1.iad.tombstone", "compartmentId": model.compartment_id,
              "projectId": model.project_id, "displayName": "md", "lifecycleState": "INACTIVE", "timeCreated": now(),
              "modelDeploymentSystemData": {"systemInfraType": "INSTANCE_POOL", "currentInstanceCount": 0},
              "modelDeploymentConfigurationDetails": {"deploymentType": "SINGLE_MODEL",
                                                      "modelConfigurationDetails": {"modelId": model.id}}}
    emulator.state.db.insert("modeldeployment", record)
    work = ds.delete_model_deployment(record["id"]).headers["opc-work-request-id"]
    oci.wait_until(ds, ds.get_work_request(work), "status", "SUCCEEDED", max_wait_seconds=30, max_interval_seconds=1)
    assert ds.get_model_deployment(record["id"]).data.lifecycle_state == "DELETED"
    assert service_error(lambda: ds.delete_model_deployment(record["id"])).status == 409

    ds.delete_model(model.id)
    details = M.CreateModelDeploymentDetails(
        compartment_id=model.compartment_id, project_id=model.project_id,
        model_deployment_configuration_details=M.SingleModelDeploymentConfigurationDetails(
            model_configuration_details=M.ModelConfigurationDetails(
                model_id=model.id, instance_configuration=M.InstanceConfiguration(
                    instance_shape_name="VM.Standard.E4.Flex"))))
    error = service_error(lambda: ds.create_model_deployment(details))
    assert (error.status, error.code) == (409, "IncorrectState")


def test_tombstones_past_the_retention_are_purged(start_emulator, clients_for, compartment, service_error, tmp_path):
    home = tmp_path / "home"
    client = clients_for(start_emulator(home=home)).ds
    project = client.create_project(M.CreateProjectDetails(compartment_id=compartment)).data
    model = client.create_model(M.CreateModelDetails(compartment_id=compartment, project_id=project.id)).data
    client.delete_model(model.id)
    assert client.get_model(model.id).data.lifecycle_state == "DELETED"  # the default keeps it a day

    purging = clients_for(start_emulator(home=home, tombstone_retention=0)).ds  # same store, no retention
    assert service_error(lambda: purging.get_model(model.id)).status == 404
    assert purging.list_models(compartment).data == []
    assert purging.get_project(project.id).data.lifecycle_state == "ACTIVE"  # only tombstones go
