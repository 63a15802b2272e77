"""Pull: a model or a deployment from the "cloud" stand-in (another region, signing enforced, its own
OCI config profile) into an emulator on the laptop, never writing to the cloud side."""
from __future__ import annotations

import json

import pytest

from toolkit.promote import PROMOTION_KEY, PULL_KEY, PullError, pull

from .conftest import CLOUD_PROFILE, READER_PROFILE

MARKERS = (PROMOTION_KEY, PULL_KEY)


def _pull(ocid, cloud, laptop, **kwargs):
    steps = []
    result = pull(ocid, READER_PROFILE, endpoint=cloud.url, target_endpoint=laptop.url,
                  progress=lambda step, msg: steps.append((step, msg)), **kwargs)
    return result, steps


def _laptop_session(laptop):
    from toolkit.catalog.session import connect
    from toolkit.profiles import local_profile

    return connect(local_profile(endpoint=laptop.url))


def _laptop_client(laptop):
    return _laptop_session(laptop).ds


def _comparable(client, model_id):
    """What a copy must keep of a model: record fields, metadata (less the hop markers), schemas,
    provenance, version set name and label, and the artifact's SHA-256."""
    record = client.get_model(model_id).data
    provenance = client.get_model_provenance(model_id).data
    return {
        "display_name": record.display_name, "description": record.description,
        "freeform_tags": record.freeform_tags, "version_set": record.model_version_set_name,
        "version_label": record.version_label,
        "defined_metadata": sorted((m.key, m.value) for m in record.defined_metadata_list or []),
        "custom_metadata": sorted((m.key, m.value, m.category, m.description)
                                  for m in record.custom_metadata_list or [] if m.key not in MARKERS),
        "input_schema": json.loads(record.input_schema), "output_schema": record.output_schema,
        "provenance": (provenance.repository_url, provenance.git_branch, provenance.git_commit,
                       provenance.training_script),
        "sha256": client.head_model_artifact(model_id).headers["opc-content-sha256"],
    }


def test_round_trip_promote_then_pull_keeps_record_metadata_and_artifact(promoted, cloud_env, laptop, cloud_requests):
    from toolkit.catalog.session import connect

    local_model, promotion = promoted
    cloud_requests.entries.clear()  # only the pull's requests count from here
    result, steps = _pull(promotion.target_model_id, cloud_env, laptop)

    original = _comparable(connect().ds, local_model.model_id)
    in_cloud = _comparable(cloud_env.client(), promotion.target_model_id)
    pulled = _comparable(_laptop_client(laptop), result.target_model_id)
    assert original == in_cloud == pulled
    assert pulled["sha256"] == result.artifact_sha256 == promotion.artifact_sha256
    record = _laptop_client(laptop).get_model(result.target_model_id).data
    custom = {m.key: m.value for m in record.custom_metadata_list}
    assert json.loads(custom[PULL_KEY]) == {"sourceModelId": promotion.target_model_id,
                                            "artifactSha256": promotion.artifact_sha256}
    assert PROMOTION_KEY not in custom  # a copy carries its own hop's marker only
    assert [s for s, _ in steps] == ["fetch", "find", "version-set", "model", "provenance", "artifact", "digest"]
    assert cloud_requests.entries and cloud_requests.writes() == []


def test_pulling_again_reuses_the_copy(promoted, cloud_env, laptop, cloud_requests):
    _, promotion = promoted
    first, _ = _pull(promotion.target_model_id, cloud_env, laptop)
    second, _ = _pull(promotion.target_model_id, cloud_env, laptop)

    assert second.reused and second.target_model_id == first.target_model_id
    actions = {s.name: s.action for s in second.steps}
    assert actions["version-set"] == "reuse" and actions["artifact"] == "exists" and actions["digest"] == "match"
    client = _laptop_client(laptop)
    name = client.get_model(first.target_model_id).data.display_name
    compartment = client.get_model(first.target_model_id).data.compartment_id
    assert len(client.list_models(compartment, display_name=name).data) == 1
    assert cloud_requests.writes() == []


def test_dry_run_prints_the_plan_and_writes_nowhere(promoted, cloud_env, laptop, cloud_requests):
    local_model, promotion = promoted
    result, _ = _pull(promotion.target_model_id, cloud_env, laptop, dry_run=True)

    actions = {s.name: s.action for s in result.steps}
    assert actions["model"] == "would create" and actions["artifact"] == "would upload"
    assert actions["version-set"] == "would create" and result.target_model_id is None
    laptop_session = _laptop_session(laptop)
    vs = laptop_session.ds.list_model_version_sets(laptop_session.compartment(None),
                                                   name=local_model.version_set_name).data
    assert vs == []
    assert cloud_requests.writes() == []


def test_the_source_side_refuses_a_write_before_it_is_sent(cloud_env, cloud_requests):
    import oci

    from toolkit.catalog.errors import CatalogError
    from toolkit.promote.pulling import read_only
    from toolkit.promote.transfer import session_for

    source = read_only(session_for(READER_PROFILE, cloud_env.url, None))
    with pytest.raises(CatalogError, match="pull never writes to the source profile 'CLOUD_READER'"):
        source.ds.create_project(oci.data_science.models.CreateProjectDetails(
            compartment_id=cloud_env.compartment_id, display_name="must-not-exist"))
    assert source.ds.get_project(cloud_env.project_id).data.id == cloud_env.project_id  # reads still pass
    assert cloud_requests.writes() == [] and cloud_requests.entries


def test_the_cloud_stand_in_refuses_any_write_signed_by_the_pulling_profile(cloud_env, cloud_requests):
    """Behind the client-side guard, the key pulls sign with is registered read-only: a write that got
    past the guard would fail loudly (404, as OCI answers a user whose policies grant only reads)."""
    import oci

    from toolkit.promote.transfer import session_for

    unguarded = session_for(READER_PROFILE, cloud_env.url, None)
    with pytest.raises(oci.exceptions.ServiceError) as refused:
        unguarded.ds.create_project(oci.data_science.models.CreateProjectDetails(
            compartment_id=cloud_env.compartment_id, display_name="must-not-exist"))
    assert (refused.value.status, refused.value.code) == (404, "NotAuthorizedOrNotFound")
    assert cloud_requests.writes() == [("POST", "/20190101/projects")]  # sent, logged, refused
    names = [p.display_name for p in cloud_env.client().list_projects(cloud_env.compartment_id).data]
    assert "must-not-exist" not in names


def test_large_artifacts_report_download_progress(promoted, cloud_env, laptop, monkeypatch):
    import toolkit.promote.transfer as transfer

    _, promotion = promoted
    monkeypatch.setattr(transfer, "LARGE_ARTIFACT_BYTES", 1)  # every artifact counts as large
    _, steps = _pull(promotion.target_model_id, cloud_env, laptop, dry_run=True)
    progress = [message for step, message in steps if step == "fetch" and message.startswith("downloaded")]
    assert len(progress) == 10 and progress[-1].endswith("(100%)")


def test_a_model_ocid_with_deploy_is_refused_before_reading(promoted, cloud_env, laptop, cloud_requests):
    _, promotion = promoted
    with pytest.raises(PullError, match="deploy needs a deployment OCID") as info:
        _pull(promotion.target_model_id, cloud_env, laptop, deploy=True)
    assert "Nothing is duplicated" not in str(info.value)


def test_cli_pull_dry_run_prints_the_plan_as_json(promoted, cloud_env, laptop, monkeypatch):
    from click.testing import CliRunner

    from toolkit.cli import cli

    _, promotion = promoted
    monkeypatch.setenv("DOCKYARD_ENDPOINT", laptop.url)
    result = CliRunner().invoke(cli, ["pull", promotion.target_model_id, "--from", READER_PROFILE,
                                      "--endpoint", cloud_env.url, "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert plan["dry_run"] and plan["source_profile"] == READER_PROFILE
    assert {s["name"]: s["action"] for s in plan["steps"]}["model"] == "would create"


def test_cli_pull_of_an_unknown_ocid_fails_with_exit_1(cloud_env, laptop, monkeypatch):
    from click.testing import CliRunner

    from toolkit.cli import cli

    monkeypatch.setenv("DOCKYARD_ENDPOINT", laptop.url)
    result = CliRunner().invoke(cli, ["pull", "ocid1.datasciencemodel.oc1.phx.amaaaaaanothere", "--from",
                                      READER_PROFILE, "--endpoint", cloud_env.url])
    assert result.exit_code == 1
    assert "pull failed at step 'fetch'" in result.output and "NotAuthorizedOrNotFound" in result.output


def test_cli_pull_prints_each_step_and_the_copy(promoted, cloud_env, laptop, monkeypatch):
    from click.testing import CliRunner

    from toolkit.cli import cli

    _, promotion = promoted
    monkeypatch.setenv("DOCKYARD_ENDPOINT", laptop.url)
    result = CliRunner().invoke(cli, ["pull", promotion.target_model_id, "--from", READER_PROFILE,
                                      "--endpoint", cloud_env.url])
    assert result.exit_code == 0, result.output
    assert "digest       match: sha256" in result.output
    assert f"{promotion.target_model_id} ({READER_PROFILE}) pulled -> ocid1.datasciencemodel." in result.output


def test_pulling_a_promoted_model_back_to_where_it_came_from_finds_the_original(promoted, cloud_env, cloud_requests):
    from toolkit.catalog.session import connect

    local_model, promotion = promoted
    result = pull(promotion.target_model_id, READER_PROFILE, endpoint=cloud_env.url)  # into the plugin's emulator

    assert result.reused and result.target_model_id == local_model.model_id
    assert {s.name: s.action for s in result.steps}["find"] == "reuse"
    local = connect()
    name = local.ds.get_model(local_model.model_id).data.display_name
    assert len(local.ds.list_models(local.compartment(None), display_name=name).data) == 1
    assert cloud_requests.writes() == []


def test_a_version_label_taken_locally_names_the_way_out(promoted, cloud_env, laptop):
    import oci

    local_model, promotion = promoted
    session = _laptop_session(laptop)
    compartment = session.compartment(None)
    project = session.project(None, compartment)
    taken = session.ds.create_model_version_set(oci.data_science.models.CreateModelVersionSetDetails(
        compartment_id=compartment, project_id=project, name=local_model.version_set_name)).data
    session.ds.create_model(oci.data_science.models.CreateModelDetails(
        compartment_id=compartment, project_id=project, display_name="someone-else", model_version_set_id=taken.id,
        version_label="v1"))

    with pytest.raises(PullError, match="(?s)step 'model'.*'v1'.*--model-version-set"):
        _pull(promotion.target_model_id, cloud_env, laptop)
    result, _ = _pull(promotion.target_model_id, cloud_env, laptop, model_version_set=f"{local_model.version_set_name}-prod")
    record = session.ds.get_model(result.target_model_id).data
    assert record.model_version_set_name == f"{local_model.version_set_name}-prod" and record.version_label == "v1"


def test_promoting_an_unchanged_pulled_copy_finds_the_cloud_model_it_came_from(promoted, cloud_env, laptop):
    from toolkit.profiles import local_profile
    from toolkit.promote import promote_model

    _, promotion = promoted
    pulled, _ = _pull(promotion.target_model_id, cloud_env, laptop)
    back = promote_model(pulled.target_model_id, CLOUD_PROFILE, source=local_profile(endpoint=laptop.url),
                         endpoint=cloud_env.url, compartment_id=cloud_env.compartment_id,
                         project_id=cloud_env.project_id)
    assert back.reused and back.target_model_id == promotion.target_model_id
    name = cloud_env.client().get_model(promotion.target_model_id).data.display_name
    assert len(cloud_env.client().list_models(cloud_env.compartment_id, display_name=name).data) == 1


def test_an_artifact_over_the_direct_upload_limit_is_staged_in_the_local_object_storage(promoted, cloud_env, laptop,
                                                                                       monkeypatch):
    import toolkit.promote.transfer as transfer
    from toolkit.promote.pulling import STAGING_BUCKET

    _, promotion = promoted
    monkeypatch.setattr(transfer, "DIRECT_UPLOAD_BYTES", 10)  # every artifact counts as over 2 GiB
    result, _ = _pull(promotion.target_model_id, cloud_env, laptop)

    assert {s.name: s.detail for s in result.steps}["artifact"].endswith("(object storage)")
    assert {s.name: s.action for s in result.steps}["digest"] == "match"
    storage = _laptop_session(laptop).clients.object_storage
    objects = storage.list_objects(storage.get_namespace().data, STAGING_BUCKET).data.objects
    assert [o.name for o in objects] == []  # the staged object is gone once the catalog holds the artifact
