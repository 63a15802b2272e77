"""A model moved to a compartment a key cannot see disappears for that key (get, list, Resource
Search), and appears for a key of the new compartment, under ``--auth enforce``."""
from __future__ import annotations

import oci
import pytest
from oci.data_science.models import ChangeModelCompartmentDetails, CreateModelDetails, CreateProjectDetails
from oci.resource_search.models import StructuredSearchDetails

from emulator.auth import add_key
from toolkit.testing.credentials import make_api_key

MINE = "ocid1.compartment.oc1..aaaaaaaamovesmine"
THEIRS = "ocid1.compartment.oc1..aaaaaaaamovestheirs"


def _clients(enforced, tmp_path, name, compartment):
    key = make_api_key(tmp_path / name, tenancy="ocid1.tenancy.oc1..aaaaaaaamoves")
    add_key(enforced.state.db, key.tenancy, key.user, key.public_key_pem, compartments=[compartment])
    kwargs = {"signer": key.signer(), "service_endpoint": enforced.url}
    return (oci.data_science.DataScienceClient(key.config(), **kwargs),
            oci.resource_search.ResourceSearchClient(key.config(), **kwargs))


def _found(search, model_id):
    query = StructuredSearchDetails(query=f"query datasciencemodel resources where identifier = '{model_id}'")
    return [item.identifier for item in search.search_resources(query).data.items]


def test_a_moved_model_disappears_for_the_key_that_cannot_see_its_new_compartment(enforced, tmp_path):
    mine, my_search = _clients(enforced, tmp_path, "mine", MINE)
    theirs, their_search = _clients(enforced, tmp_path, "theirs", THEIRS)
    project = mine.create_project(CreateProjectDetails(compartment_id=MINE)).data
    model = mine.create_model(CreateModelDetails(compartment_id=MINE, project_id=project.id)).data
    assert _found(my_search, model.id) == [model.id]

    with pytest.raises(oci.exceptions.ServiceError) as refused:  # a key may not move it where it cannot see
        mine.change_model_compartment(model.id, ChangeModelCompartmentDetails(compartment_id=THEIRS))
    assert refused.value.status == 404
    # the move itself, by a key of every compartment
    admin = make_api_key(tmp_path / "admin", tenancy="ocid1.tenancy.oc1..aaaaaaaamoves")
    add_key(enforced.state.db, admin.tenancy, admin.user, admin.public_key_pem)
    oci.data_science.DataScienceClient(admin.config(), signer=admin.signer(), service_endpoint=enforced.url
                                       ).change_model_compartment(model.id, ChangeModelCompartmentDetails(compartment_id=THEIRS))

    with pytest.raises(oci.exceptions.ServiceError) as gone:
        mine.get_model(model.id)
    assert (gone.value.status, gone.value.code) == (404, "NotAuthorizedOrNotFound")
    assert [m.id for m in mine.list_models(MINE).data] == []
    assert _found(my_search, model.id) == []
    assert theirs.get_model(model.id).data.compartment_id == THEIRS
    assert [m.id for m in theirs.list_models(THEIRS).data] == [model.id]
    assert _found(their_search, model.id) == [model.id]
