"""ADS's model groups (issue 21, item 2), unmodified ADS code on the process runtime against an emulator
that checks every request's signature: the DataScienceModelGroup workflow, and a two-model group
deployment predicted member by member through ModelDeployment.predict(model_name=, model_version=)."""
from __future__ import annotations


def test_the_model_group_workflow_and_a_group_deployment_predicted_by_member(ads_process):
    (ads_process.workdir / "group-members").mkdir()
    result = ads_process.run("model_group.py", str(ads_process.workdir / "group-members"))
    assert result["created_state"] == "ACTIVE"
    assert result["group_id"] in result["listed"]
    assert result["loaded_name"] == "two-members-renamed"
    assert result["loaded_members"] == ["doubler", "negator"]
    assert result["deployment_group"] == result["group_id"]
    assert result["doubled"] == {"prediction": [2, 4]}
    assert result["negated"] == {"prediction": [-1, -2]}
    assert "tripler" in str(result["unknown"])
    assert (result["deactivated"], result["activated"], result["deleted"]) == ("INACTIVE", "ACTIVE", "DELETED")
