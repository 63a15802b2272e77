"""Resource Search: the structured queries ADS runs before deleting a model."""
from __future__ import annotations

import oci

from emulator.wire import now

Structured = oci.resource_search.models.StructuredSearchDetails


def test_finds_deployments_of_a_model(clients, emulator, make_model):
    model = make_model(display_name="served")
    deployment_id = "ocid1.datasciencemodeldeployment.oc1.iad.searchtest"
    emulator.state.db.insert("modeldeployment", {
        "id": deployment_id, "compartmentId": model.compartment_id, "displayName": "md", "lifecycleState": "ACTIVE",
        "timeCreated": now(),
        "modelDeploymentConfigurationDetails": {"modelConfigurationDetails": {"modelId": model.id}}})
    query = f"query datasciencemodeldeployment resources where ModelId = '{model.id}'"
    items = clients.search.search_resources(Structured(type="Structured", query=query)).data.items
    assert [(i.identifier, i.resource_type, i.lifecycle_state) for i in items] == [
        (deployment_id, "DataScienceModelDeployment", "ACTIVE")]

    other = make_model()
    query = f"query datasciencemodeldeployment resources where ModelId = '{other.id}'"
    assert clients.search.search_resources(Structured(type="Structured", query=query)).data.items == []


def test_finds_models_by_field_and_compound_condition(clients, make_model):
    model = make_model(display_name="needle")
    query = (f"query datasciencemodel resources where displayName = 'needle' "
             f"&& compartmentId = '{model.compartment_id}'")
    items = clients.search.search_resources(Structured(type="Structured", query=query)).data.items
    assert [i.identifier for i in items] == [model.id]


def test_bad_query_is_400(clients, service_error):
    error = service_error(lambda: clients.search.search_resources(Structured(type="Structured", query="find stuff")))
    assert (error.status, error.code) == (400, "InvalidParameter")
