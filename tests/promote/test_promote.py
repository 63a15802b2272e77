"""Promotion from the local emulator to a "cloud" emulator (another region, signing enforced,
its own OCI config profile), as a user would run it before switching to real OCI."""
from __future__ import annotations

import json

import oci
import pytest

from toolkit.promote import PROMOTION_KEY, PromotionError, promote_model

from .conftest import CLOUD_PROFILE, LinearModel


def _promote(model_id, cloud, **kwargs):
    steps = []
    result = promote_model(model_id, CLOUD_PROFILE, endpoint=cloud.url, compartment_id=cloud.compartment_id,
                           project_id=cloud.project_id, progress=lambda step, msg: steps.append((step, msg)), **kwargs)
    return result, steps


def _far_models(cloud, name):
    return cloud.client().list_models(cloud.compartment_id, display_name=name).data


def test_promote_copies_record_metadata_version_set_and_artifact(cloud_env, saved_model):
    cloud = cloud_env
    result, steps = _promote(saved_model.model_id, cloud)

    far = cloud.client().get_model(result.target_model_id).data
    assert ".phx." in far.id and far.project_id == cloud.project_id
    assert far.model_version_set_name == saved_model.version_set_name and far.version_label == "v1"
    assert {m.key: m.value for m in far.defined_metadata_list}["Framework"] == "other"
    custom = {m.key: m.value for m in far.custom_metadata_list}
    assert custom["ModelFileName"] == "model.json"
    assert json.loads(custom[PROMOTION_KEY]) == {"sourceModelId": saved_model.model_id,
                                                 "artifactSha256": result.artifact_sha256}
    assert json.loads(far.input_schema)["schema"][0]["name"] == "x"
    provenance = cloud.client().get_model_provenance(far.id).data
    assert provenance.git_commit == "abc123" and provenance.repository_url == "https://example.com/repo.git"
    head = cloud.client().head_model_artifact(far.id).headers
    assert head["opc-content-sha256"] == result.artifact_sha256
    assert [s for s, _ in steps] == ["fetch", "verify", "find", "version-set", "model", "provenance", "artifact", "digest"]


def test_promoting_the_same_artifact_again_reuses_the_copy(cloud_env, saved_model):
    first, _ = _promote(saved_model.model_id, cloud_env)
    second, _ = _promote(saved_model.model_id, cloud_env)
    assert second.reused and second.target_model_id == first.target_model_id
    name = cloud_env.client().get_model(first.target_model_id).data.display_name
    assert len(_far_models(cloud_env, name)) == 1
    assert {s.name: s.action for s in second.steps}["artifact"] == "exists"


def test_dry_run_reads_only_and_prints_the_plan(cloud_env, saved_model):
    result, _ = _promote(saved_model.model_id, cloud_env, dry_run=True)
    actions = {s.name: s.action for s in result.steps}
    assert actions["model"] == "would create" and actions["artifact"] == "would upload"
    assert actions["version-set"] == "would create"
    assert result.target_model_id is None
    vs = cloud_env.client().list_model_version_sets(cloud_env.compartment_id, name=saved_model.version_set_name).data
    assert vs == []


def test_a_failing_artifact_is_refused_with_its_reasons(cloud_env, dockyard_emulator, tmp_path):
    from toolkit.catalog.model_catalog import save_model

    broken = LinearModel(tmp_path / "broken", broken=True)
    save_model(broken, display_name="broken-model", ignore_introspection=True)
    with pytest.raises(PromotionError, match="verify") as info:
        _promote(broken.model_id, cloud_env)
    assert "score_syntax" in str(info.value)
    assert _far_models(cloud_env, "broken-model") == []


def test_a_run_that_failed_midway_completes_when_run_again(cloud_env, saved_model, monkeypatch):
    import toolkit.catalog.transfer as transfer

    real_upload = transfer.upload_artifact

    def broken_upload(*args, **kwargs):
        raise OSError("connection reset by peer")

    monkeypatch.setattr(transfer, "upload_artifact", broken_upload)
    with pytest.raises(PromotionError, match="(?s)step 'artifact'.*connection reset.*running the same promotion again"):
        _promote(saved_model.model_id, cloud_env)
    monkeypatch.setattr(transfer, "upload_artifact", real_upload)
    result, _ = _promote(saved_model.model_id, cloud_env)
    assert result.reused
    assert {s.name: s.action for s in result.steps}["artifact"] == "upload"
    assert {s.name: s.action for s in result.steps}["digest"] == "match"


def test_a_key_without_access_to_the_compartment_sees_not_found(cloud_env, saved_model, tmp_path, monkeypatch):
    from emulator.auth import add_key
    from toolkit.testing.credentials import make_api_key

    limited = make_api_key(tmp_path, profile="LIMITED", region="us-phoenix-1", tenancy=cloud_env.key.tenancy)
    add_key(cloud_env.running.state.db, limited.tenancy, limited.user, limited.public_key_pem,
            compartments=["ocid1.compartment.oc1..aaaaaaaaelsewhere"])
    monkeypatch.setenv("OCI_CONFIG_FILE", str(limited.config_file))
    with pytest.raises(PromotionError, match="project .* does not exist, or profile 'LIMITED' cannot see it"):
        promote_model(saved_model.model_id, "LIMITED", endpoint=cloud_env.url,
                      compartment_id=cloud_env.compartment_id, project_id=cloud_env.project_id)


def test_cli_dry_run_prints_the_plan_as_json_and_exits_0(cloud_env, saved_model):
    from click.testing import CliRunner

    from toolkit.cli import cli

    result = CliRunner().invoke(cli, [
        "promote", saved_model.model_id, "--to", CLOUD_PROFILE, "--endpoint", cloud_env.url,
        "--compartment-id", cloud_env.compartment_id, "--project-id", cloud_env.project_id, "--dry-run", "--json",
    ])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert plan["dry_run"] and {s["name"]: s["action"] for s in plan["steps"]}["model"] == "would create"


def test_cli_reports_a_failure_on_stderr_with_exit_1(cloud_env, dockyard_emulator):
    from click.testing import CliRunner

    from toolkit.cli import cli

    result = CliRunner().invoke(cli, [
        "promote", "ocid1.datasciencemodel.oc1.iad.amaaaaaanothere", "--to", CLOUD_PROFILE,
        "--endpoint", cloud_env.url, "--compartment-id", cloud_env.compartment_id,
        "--project-id", cloud_env.project_id,
    ])
    assert result.exit_code == 1
    assert "step 'fetch'" in result.output and "NotAuthorizedOrNotFound" in result.output


def test_promote_with_deploy_then_predict_on_the_far_side(cloud_env, saved_model):
    import requests

    result, _ = _promote(saved_model.model_id, cloud_env, deploy=True)
    assert result.deployment_url and result.deployment_id
    response = requests.post(f"{result.deployment_url}/predict", json=[{"x": 3.0}], auth=cloud_env.key.signer(),
                             timeout=60)
    assert response.status_code == 200, response.text
    assert response.json() == {"prediction": [7.0]}
    unsigned = requests.post(f"{result.deployment_url}/predict", json=[{"x": 3.0}], timeout=60)
    assert unsigned.status_code == 401
    again, _ = _promote(saved_model.model_id, cloud_env, deploy=True)
    assert again.deployment_id == result.deployment_id


@pytest.mark.slow
def test_far_deployment_copies_the_local_deployments_configuration(cloud_env, saved_model):
    from oci.data_science import models as m

    from toolkit.catalog.session import connect
    from toolkit.promote import _deployment_details

    local = connect()
    record = local.ds.get_model(saved_model.model_id).data
    details = _deployment_details(None, saved_model.model_id, record.compartment_id, record.project_id)
    config = details.model_deployment_configuration_details.model_configuration_details
    config.bandwidth_mbps = 20
    config.instance_configuration.model_deployment_instance_shape_config_details = \
        m.ModelDeploymentInstanceShapeConfigDetails(ocpus=2, memory_in_gbs=32)
    details.display_name = "churn-endpoint"
    created = local.ds.create_model_deployment(details)
    local.wait_for_work_request(created.headers["opc-work-request-id"], 120)
    try:
        result, _ = _promote(saved_model.model_id, cloud_env, deploy=True)
        far = cloud_env.client().get_model_deployment(result.deployment_id).data
        far_config = far.model_deployment_configuration_details.model_configuration_details
        assert far.display_name == "churn-endpoint" and far_config.bandwidth_mbps == 20
        assert far_config.instance_configuration.model_deployment_instance_shape_config_details.ocpus == 2
        assert far_config.model_id == result.target_model_id
    finally:
        local.ds.delete_model_deployment(created.data.id)


def test_object_storage_route_uploads_through_a_bucket_and_removes_the_staged_object(cloud_env, saved_model):
    from oci.object_storage.models import CreateBucketDetails

    key = cloud_env.key
    storage = oci.object_storage.ObjectStorageClient(key.config(), signer=key.signer(), service_endpoint=cloud_env.url)
    namespace = storage.get_namespace().data
    try:
        storage.create_bucket(namespace, CreateBucketDetails(name="promotions", compartment_id=cloud_env.compartment_id))
    except oci.exceptions.ServiceError as exc:
        assert exc.status == 409
    result, _ = _promote(saved_model.model_id, cloud_env, bucket_uri=f"oci://promotions@{namespace}/models")
    assert {s.name: s.detail for s in result.steps}["artifact"].endswith("(object storage)")
    assert {s.name: s.action for s in result.steps}["digest"] == "match"
    names = [o.name for o in storage.list_objects(namespace, "promotions").data.objects]
    assert f"models/{result.target_model_id}.zip" not in names  # the catalog holds it now, as after save()


@pytest.mark.slow
def test_ads_workflow_locally_then_promote_and_predict_in_the_cloud(cloud_env, dockyard_emulator, tmp_path):
    """The user's path: SklearnModel prepare/save/deploy on the emulator, promote, predict on the far side."""
    import dataclasses

    import numpy as np
    from sklearn.linear_model import LinearRegression

    from toolkit import ModelDeployment, SklearnModel
    from toolkit.profiles import cloud_profile

    X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 2.0]])
    y = X[:, 0] * 3 + X[:, 1]
    model = SklearnModel(LinearRegression().fit(X, y), artifact_dir=str(tmp_path / "artifact"))
    model.prepare(X_sample=X, y_sample=y, force_overwrite=True)
    model.save(display_name="ads-flow")
    model.deploy(display_name="ads-flow-endpoint")
    try:
        local_prediction = model.predict(X[:2])["prediction"]
        result, _ = _promote(model.model_id, cloud_env, deploy=True)
        cloud = dataclasses.replace(cloud_profile(CLOUD_PROFILE), service_endpoint=cloud_env.url)
        far = ModelDeployment.from_id(result.deployment_id, auth=cloud)
        assert far.display_name == "ads-flow-endpoint"
        assert far.predict(data=X[:2])["prediction"] == pytest.approx(local_prediction)
    finally:
        model.delete_deployment()


def test_cli_dry_run_without_a_target_compartment_names_the_flag_before_fetching(cloud_env, saved_model, monkeypatch):
    from click.testing import CliRunner

    from toolkit.cli import cli

    monkeypatch.delenv("NB_SESSION_COMPARTMENT_OCID", raising=False)
    result = CliRunner().invoke(cli, ["promote", saved_model.model_id, "--to", CLOUD_PROFILE, "--endpoint",
                                      cloud_env.url, "--dry-run"])

    assert result.exit_code == 1
    assert "step 'target'" in result.output and "--compartment-id" in result.output
    assert "compartment_id" not in result.output
    assert "fetch" not in result.output  # the artifact was not downloaded first
    assert "Nothing is duplicated" not in result.output  # nothing was written: nothing to say about re-runs


def test_dry_run_checks_that_the_target_project_exists(cloud_env, saved_model):
    missing = cloud_env.project_id[:-6] + "zzzzzz"

    with pytest.raises(PromotionError, match=f"step 'target': the target project {missing} does not exist"):
        promote_model(saved_model.model_id, CLOUD_PROFILE, endpoint=cloud_env.url, dry_run=True,
                      compartment_id=cloud_env.compartment_id, project_id=missing)


def test_a_large_artifact_is_promoted_with_its_digests_checked_on_both_sides(cloud_env, dockyard_emulator, tmp_path):
    """An artifact over the upload spool's threshold: the local emulator computes its SHA-256 when
    promotion first asks for it, the cloud (signing enforced) reads the spooled body back to check
    the signature; both sides report the digest of the very bytes promoted."""
    import hashlib
    import os

    from emulator.store.upload_spool import THRESHOLD
    from toolkit.catalog.model_catalog import save_model

    model = LinearModel(tmp_path / "artifact")
    (tmp_path / "artifact" / "weights.bin").write_bytes(os.urandom(THRESHOLD + 4096))
    save_model(model, display_name="large-linear")
    result, _ = _promote(model.model_id, cloud_env)

    far = cloud_env.client()
    content = far.get_model_artifact_content(result.target_model_id)
    assert len(content.data.content) > THRESHOLD
    assert content.headers["opc-content-sha256"] == hashlib.sha256(content.data.content).hexdigest()
    assert result.artifact_sha256 == hashlib.sha256(content.data.content).hexdigest()
