"""The stock ``oci`` CLI's whole ``data-science`` surface for the model catalog, deployments and work
requests runs against an emulator that checks its signatures (``--auth enforce``, process runtime).

The commands come from the CLI's own click tree (tests/clients/oci_cli_surface.py, run once in the
oci-cli venv); this test makes the resources they name, then checks each command's exit status and
that it printed JSON (deletes and downloads print nothing)."""
from __future__ import annotations

import io
import json
import subprocess
import zipfile
from pathlib import Path

import oci
import pytest

from emulator.auth import add_key
from emulator.config import EmulatorConfig
from emulator.server import start_in_background
from tests.deployment.artifacts import write_artifact
from toolkit.testing.credentials import make_api_key

M = oci.data_science.models
DRIVER = Path(__file__).parents[1] / "clients" / "oci_cli_surface.py"
CLI_PYTHON = Path(__file__).parents[2] / ".venv" / "oci-cli" / "bin" / "python"
COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaaclisurface"
TARGET = "ocid1.compartment.oc1..aaaaaaaaclisurfacemoved"
KMS_KEY, KMS_VERSION = "ocid1.key.oc1.iad.aaaaaaaaclisurface", "ocid1.keyversion.oc1.iad.aaaaaaaaclisurface"

# Commands out of scope, by group: the emulator serves the model catalog, deployments and work requests.
OUT_OF_SCOPE = ("compute-target", "compute-target-shape", "container", "ds-private-endpoint",
                "fast-launch-job-config", "job", "job-run", "job-shape", "ml-app", "ml-app-implementation",
                "ml-app-implementation-version", "ml-app-instance", "ml-app-instance-view", "notebook-session",
                "notebook-session-shape", "pipeline", "pipeline-run", "schedule")

# Commands that print no JSON on success: deletes and compartment moves (no body), downloads to --file
# ("Downloading file"), an empty list of work-request errors (nothing).
SILENT = ("delete", "change-compartment", "get-artifact-content", "get-model-custom-metadatum-artifact-content",
          "get-model-defined-metadatum-artifact-content", "get-model-group-artifact-content",
          "list-work-request-errors")

# In-scope commands the emulator does not answer with success here, and why.
EXPECTED_FAILURES: dict[str, str] = {
    "model restore-archived-model-artifact": "409 IncorrectState, as OCI answers for an artifact that is not archived; "
                                             "archival takes days of retention (tests/emulator/test_ds_retention.py)",
    "model-group create": "400 InvalidParameter: the CLI's base create sends only createType, compartmentId and "
                          "projectId, with no modelGroupDetails to create from; "
                          "create-model-group-create-model-group-details sends them, and passes",
    "model-deployment create-model-deployment-single-model-deployment-flex-configuration-details":
        "400 InvalidParameter: SINGLE_MODEL_FLEX deploys onto a managed compute cluster (the SDK's "
        "ModelDeployInfrastructureConfigurationDetails: MANAGED_COMPUTE_CLUSTER, a computeTargetId), and compute "
        "targets are out of scope",
    "model-deployment update-model-deployment-update-single-model-deployment-flex-configuration-details":
        "400 InvalidParameter: a deployment's type cannot change, and no SINGLE_MODEL_FLEX deployment can exist here "
        "(see the flex create)",
    "work-request cancel": "409 IncorrectState, as OCI answers for a finished work request (all of the test's "
                           "work requests have finished by then)",
}

pytestmark = [pytest.mark.skipif(not CLI_PYTHON.exists(), reason="the oci CLI venv is missing (make oci-cli)"),
              pytest.mark.slow]  # some ninety CLI processes, each importing the oci SDK: 20 s and more


def _zip(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(directory.iterdir()):
            archive.write(path, path.name)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def enforced(tmp_path_factory):
    running = start_in_background(EmulatorConfig(home=tmp_path_factory.mktemp("cli-surface"), auth_mode="enforce",
                                                 runtime="process"))
    yield running
    running.stop()


def _resources(key, url: str, work: Path) -> dict[str, str]:
    """What the commands name: a project, a model with an artifact, a group, a deployment, a bucket..."""
    kwargs = {"signer": key.signer(), "service_endpoint": url}
    ds = oci.data_science.DataScienceClient(key.config(), **kwargs)
    objects = oci.object_storage.ObjectStorageClient(key.config(), **kwargs)
    artifact = _zip(write_artifact(work / "artifact"))
    (work / "model.zip").write_bytes(artifact)
    (work / "readme.md").write_text("# cli\n")
    (work / "hyperparameters.json").write_text('{"C": 1.0}')

    project = ds.create_project(M.CreateProjectDetails(compartment_id=COMPARTMENT)).data.id
    model = ds.create_model(M.CreateModelDetails(compartment_id=COMPARTMENT, project_id=project)).data.id
    ds.create_model_artifact(model, artifact, content_disposition="attachment; filename=model.zip")
    by_reference = ds.create_model(M.CreateModelDetails(compartment_id=COMPARTMENT, project_id=project)).data.id
    version_set = ds.create_model_version_set(M.CreateModelVersionSetDetails(
        compartment_id=COMPARTMENT, project_id=project, name="cli-set")).data.id
    history = ds.create_model_group_version_history(M.CreateModelGroupVersionHistoryDetails(
        compartment_id=COMPARTMENT, project_id=project)).data.id
    group = ds.create_model_group(M.CreateModelGroupDetails(
        create_type="CREATE", compartment_id=COMPARTMENT, project_id=project,
        model_group_details=M.HomogeneousModelGroupDetails(), member_model_entries=M.MemberModelEntries(
            member_model_details=[M.MemberModelDetails(model_id=model, inference_key="only")]))).data.id
    # the MODEL_GROUP deployment's group, with a zipped artifact: the CLI's create-model-group-artifact sends the
    # text of its --model-group-artifact option as the body, so the group it uploads to cannot be deployed
    deployable_group = ds.create_model_group(M.CreateModelGroupDetails(
        create_type="CREATE", compartment_id=COMPARTMENT, project_id=project,
        model_group_details=M.HomogeneousModelGroupDetails(), member_model_entries=M.MemberModelEntries(
            member_model_details=[M.MemberModelDetails(model_id=model, inference_key="only")]))).data.id
    ds.create_model_group_artifact(deployable_group, artifact)
    signature = ds.create_model_artifact_signature(M.CreateModelArtifactSignatureDetails(
        compartment_id=COMPARTMENT, kms_key_id=KMS_KEY, kms_key_version_id=KMS_VERSION,
        signing_algorithm="SHA_256_RSA_PKCS_PSS"), model).data.id
    deployment = ds.create_model_deployment(M.CreateModelDeploymentDetails(
        compartment_id=COMPARTMENT, project_id=project,
        model_deployment_configuration_details=M.SingleModelDeploymentConfigurationDetails(
            model_configuration_details=M.ModelConfigurationDetails(
                model_id=model, instance_configuration=M.InstanceConfiguration(
                    instance_shape_name="VM.Standard.E4.Flex")))))
    oci.wait_until(ds, ds.get_model_deployment(deployment.data.id), "lifecycle_state", "ACTIVE", max_wait_seconds=120,
                   max_interval_seconds=1)

    namespace = objects.get_namespace().data
    objects.create_bucket(namespace, oci.object_storage.models.CreateBucketDetails(name="cli", compartment_id=COMPARTMENT))
    objects.put_object(namespace, "cli", "artifacts/model.zip", artifact)
    objects.put_object(namespace, "cli", "refs/score.py", b"def load_model():\n    return 1\n")
    return {
        "--compartment-id": COMPARTMENT, "--target-compartment-id": TARGET, "--project-id": project,
        "--model-id": model, "reference-model-id": by_reference, "--model-version-set-id": version_set,
        "--model-group-id": group, "deployable-model-group-id": deployable_group,
        "--model-group-version-history-id": history,
        "--artifact-signature-id": signature, "--model-deployment-id": deployment.data.id,
        "--work-request-id": deployment.headers["opc-work-request-id"],
        "--model-artifact-file": str(work / "model.zip"), "--model-group-artifact": str(work / "model.zip"),
        "--model-custom-metadatum-artifact": str(work / "readme.md"),
        "--model-defined-metadatum-artifact": str(work / "hyperparameters.json"),
        "--kms-key-id": KMS_KEY, "--kms-key-version-id": KMS_VERSION, "--signing-algorithm": "SHA_256_RSA_PKCS_PSS",
        "--name": "cli-made-set", "--create-type": "CREATE",
        "--model-artifact-references": json.dumps([{"modelArtifactReferenceType": "OSS", "namespace": namespace,
                                                    "bucketName": "cli", "prefix": "refs/"}]),
        "namespace": namespace, "bucket": "cli", "object": "artifacts/model.zip",
    }


def _run_cli_surface(enforced, tmp_path: Path) -> list[dict]:
    key = make_api_key(tmp_path / "key")
    add_key(enforced.state.db, key.tenancy, key.user, key.public_key_pem)
    settings = {"config_file": str(key.config_file), "profile": key.profile, "endpoint": enforced.url,
                "work_dir": str(tmp_path), "values": _resources(key, enforced.url, tmp_path)}
    (tmp_path / "settings.json").write_text(json.dumps(settings))
    env = {"SUPPRESS_LABEL_WARNING": "True", "OCI_CLI_SUPPRESS_FILE_PERMISSIONS_WARNING": "True", "HOME": str(tmp_path)}
    done = subprocess.run([str(CLI_PYTHON), str(DRIVER), str(tmp_path / "settings.json")], capture_output=True,
                          text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def _passed(result: dict) -> bool:
    verb = result["command"].split()[1]
    return result["exit"] == 0 and (result["json"] or verb.startswith(SILENT))


def test_every_in_scope_cli_command_runs_against_the_enforcing_emulator(enforced, tmp_path):
    results = _run_cli_surface(enforced, tmp_path)
    passing = [r["command"] for r in results if _passed(r)]
    failing = {r["command"]: f'exit {r["exit"]}: {r["error"] or r["output"]}'[:400] for r in results if not _passed(r)}
    print(f"oci CLI data-science: {len(passing)}/{len(results)} in-scope commands pass "
          f"({len(EXPECTED_FAILURES)} expected failures; groups out of scope: {', '.join(OUT_OF_SCOPE)})")
    for command, error in failing.items():
        print(f"  {command}: {EXPECTED_FAILURES.get(command, 'UNEXPECTED')} ({error[:300]!r})")
    assert len(results) >= 80, [r["command"] for r in results]
    assert {c: e for c, e in failing.items() if c not in EXPECTED_FAILURES} == {}
    assert [c for c in EXPECTED_FAILURES if c in passing] == [], "these pass now: take them off EXPECTED_FAILURES"
