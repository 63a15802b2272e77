"""``pull``: promotion's other direction. A model, or a deployment with its model, copied from a cloud
profile into the local emulator, so what runs in production can be stepped through on a laptop.

It is the same transfer as promotion (``toolkit.promote.transfer``) with the sessions swapped: the
record, taxonomy/custom metadata, defined tags, schemas, provenance, version set and label, and the
artifact streamed once and digest-checked on the local side; the copy carries a ``PulledFrom`` marker
that a later pull finds, so pulling again completes a copy instead of duplicating it. For a deployment
OCID it also reads the deployment's configuration (environment variables, instance count or
autoscaling policy, shape, BYOC image, ports, entrypoint, command) as the local copy's
``CreateModelDeploymentDetails``, and with ``deploy=True`` creates that deployment locally, tagged
``PulledFrom`` = the source deployment's OCID. Nothing is ever written to the source side: its clients
refuse any method but GET and HEAD before a request leaves.

A model group deployment brings its group: every member model pulled as above, then a local group over
the copies (type, custom metadata, base model, inference keys, label; tagged ``PulledFrom``) and the
group's own artifact (``toolkit.promote.groups``).

Not pulled, because they only exist in the source tenancy: a deployment's subnet, private endpoint and
log OCIDs; a group's version history; metadatum artifacts (files attached to metadata keys).
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import oci
from oci.object_storage.models import CreateBucketDetails

from emulator.contracts.states import LIVE_DEPLOYMENT_STATES
from toolkit import profiles
from toolkit.catalog.errors import CatalogError
from toolkit.catalog.session import CatalogSession, iter_records
from toolkit.catalog.wire import to_wire
from toolkit.deployment.translate import create_details_like, deployed_model_group_id, deployed_model_id
from toolkit.promote import groups
from toolkit.promote.marker import PULL_KEY, PULLED
from toolkit.promote.result import Progress, PullError, PullResult
from toolkit.promote.transfer import Transfer, session_for

READ_METHODS = ("GET", "HEAD")
STAGING_BUCKET = "dockyard-pull-staging"


def pull(
    ocid: str,
    source: Any,
    *,
    endpoint: str | None = None,
    target: Any = profiles.LOCAL,
    target_endpoint: str | None = None,
    compartment_id: str | None = None,
    project_id: str | None = None,
    model_version_set: str | None = None,
    deploy: bool = False,
    dry_run: bool = False,
    bucket_uri: str | None = None,
    progress: Progress | None = None,
    timeout: float | tuple | None = None,
    wait_seconds: float = 600,
) -> PullResult:
    """Pull a model (``ocid1.datasciencemodel...``) or a deployment (``ocid1.datasciencemodeldeployment...``)
    from the profile ``source`` into the local emulator.

    ``source`` is an OCI config profile name, an ADS-style auth dict or a ``ClientConfig``; ``endpoint``
    overrides its service endpoint. ``target`` (default ``"local"``, with ``target_endpoint`` naming an
    emulator other than the default one) receives the copy in ``compartment_id``/``project_id`` (default:
    its own). ``model_version_set`` names the local version set (default: the source's), created when
    missing. ``deploy`` (deployment OCIDs) recreates the deployment locally. ``dry_run`` only reads and
    returns the plan. Artifacts over 2 GiB are staged in the local Object Storage: in ``bucket_uri``, or
    by default in a ``dockyard-pull-staging`` bucket.
    """
    kind = _kind(ocid)
    report = progress or (lambda step, message: None)
    src = read_only(session_for(source, endpoint, timeout))
    dst = session_for(target, target_endpoint, timeout)
    result = PullResult(ocid, dst.profile.name, dry_run=dry_run, source_profile=src.profile.name)
    workdir = Path(tempfile.mkdtemp(prefix="dockyard-pull-"))
    try:
        _Pull(src, dst, result, report, workdir, dry_run, wait_seconds).run(
            kind, ocid, compartment_id, project_id, model_version_set, deploy, bucket_uri)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def read_only(session: CatalogSession) -> CatalogSession:
    """``session`` with clients that refuse every method but GET and HEAD before a request is sent:
    the guarantee that a pull never writes to the cloud does not rest on the steps' good behaviour."""
    clients = session.clients
    for client in (clients.data_science, clients.object_storage, clients.resource_search):
        _guard(client.base_client, session.profile.name)
    return session


def _guard(base_client: Any, profile_name: str) -> None:
    call_api = base_client.call_api

    def read_only_call(resource_path: str, method: str, *args: Any, **kwargs: Any) -> Any:
        if method.upper() not in READ_METHODS:
            raise CatalogError(f"pull never writes to the source profile {profile_name!r}; "
                               f"refused {method} {resource_path}")
        return call_api(resource_path, method, *args, **kwargs)

    base_client.call_api = read_only_call


def _kind(ocid: str) -> str:
    kind = ocid.split(".")[1] if ocid.startswith("ocid1.") and ocid.count(".") >= 4 else ""
    if kind not in ("datasciencemodel", "datasciencemodeldeployment"):
        raise CatalogError(f"{ocid!r} is neither a model OCID (ocid1.datasciencemodel...) nor a deployment OCID "
                           "(ocid1.datasciencemodeldeployment...)")
    return kind


class _Pull(Transfer):
    """The steps of one pull, in order: target, source (deployments), fetch, find, version set, model,
    provenance, artifact, digest, configuration (deployments), deploy (``deploy=True``)."""

    def __init__(self, src: CatalogSession, dst: CatalogSession, result: PullResult, report: Progress,
                 workdir: Path, dry_run: bool, wait_seconds: float) -> None:
        super().__init__(src, dst, result, report, workdir, dry_run, wait_seconds, marker=PULLED, error=PullError,
                         copy_defined_tags=True)
        self.result: PullResult = result

    def run(self, kind: str, ocid: str, compartment_id: str | None, project_id: str | None,
            version_set_name: str | None, deploy: bool, bucket_uri: str | None) -> None:
        if deploy and kind != "datasciencemodeldeployment":
            raise PullError("target", "deploy needs a deployment OCID (ocid1.datasciencemodeldeployment...); "
                                      "a model OCID has no configuration to recreate", wrote=False)
        compartment = self.step("target", lambda: self.dst.compartment(compartment_id))
        project = self.step("target", lambda: self.destination_project(project_id, compartment))
        if kind != "datasciencemodeldeployment":
            self.pull_model(ocid, compartment, project, version_set_name, bucket_uri)
            return
        deployment = self.step("source", lambda: self.read_deployment(ocid))
        group_id = deployed_model_group_id(deployment)
        if group_id:
            self.pull_group(group_id, compartment, project, version_set_name, bucket_uri)
        else:
            self.result.source_model_id = deployed_model_id(deployment)
            self.pull_model(self.result.source_model_id, compartment, project, version_set_name, bucket_uri)
        details = self.step("configuration", lambda: self.configuration(deployment, compartment, project))
        if deploy:
            self.step("deploy", lambda: self.deploy(deployment, details, compartment))

    def pull_model(self, model_id: str, compartment: str, project: str | None, version_set_name: str | None,
                   bucket_uri: str | None) -> str | None:
        source = self.step("fetch", lambda: self.fetch(model_id))
        return self.copy_model(source, compartment, project, version_set_name, bucket_uri)

    # -- a model group ---------------------------------------------------------------------------------
    def pull_group(self, group_id: str, compartment: str, project: str | None, version_set_name: str | None,
                   bucket_uri: str | None) -> None:
        """Every member model, then the group over their local copies, then the group's own artifact."""
        group = self.step("source", lambda: self.read_group(group_id))
        copies = {model_id: self.pull_model(model_id, compartment, project, version_set_name, bucket_uri)
                  for model_id, _ in groups.members(group)}
        self.result.member_copies = copies
        self.result.target_model_id = None  # the copy is the group; its members are member_copies
        target_group = self.step("model-group", lambda: self.copy_group(group, copies, compartment, project))
        if target_group and not self.dry_run:
            self.step("group-artifact", lambda: self.record("group-artifact", groups.copy_artifact(
                self.src, self.dst, group.id, target_group, self.workdir / "group-artifact.zip")))
        else:
            self.record("group-artifact", "would copy", "the source group's artifact, if it has one")

    def read_group(self, group_id: str) -> Any:
        group = self.src.ds.get_model_group(group_id).data
        self.result.source_model_group_id = group.id
        keys = ", ".join(key or model_id for model_id, key in groups.members(group))
        self.record("source", "read", f"model group {group.display_name} ({keys})")
        return group

    def copy_group(self, group: Any, copies: dict[str, str | None], compartment: str, project: str | None) -> str | None:
        """The local group over the members' copies: an earlier pull's, else a new one."""
        found = groups.find_copy(self.dst, compartment, group.id)
        if found is not None:
            self.result.target_model_group_id = found.id
            self.record("model-group", "reuse", found.id)
            return found.id
        if self.dry_run or not all(copies.values()):
            self.record("model-group", "would create", f"{group.display_name} ({len(copies)} members)")
            return None
        response = self.wait_for(self.dst.ds.create_model_group(groups.create_details(group, copies, compartment,
                                                                                      project)))
        self.result.target_model_group_id = response.data.id
        self.record("model-group", "create", response.data.id)
        return response.data.id

    def staging_bucket(self) -> str | None:
        """Artifacts over 2 GiB reach the local emulator through its Object Storage, as in OCI: a
        ``dockyard-pull-staging`` bucket in the local compartment, created when missing."""
        if not self.dst.profile.is_local:
            return None
        storage = self.dst.clients.object_storage
        namespace = storage.get_namespace().data
        try:
            storage.create_bucket(namespace, CreateBucketDetails(name=STAGING_BUCKET,
                                                                 compartment_id=self.dst.compartment(None)))
        except oci.exceptions.ServiceError as exc:
            if exc.status != 409:  # it exists: an earlier pull made it
                raise
        return f"oci://{STAGING_BUCKET}@{namespace}/pulls"

    # -- the deployment ------------------------------------------------------------------------------
    def read_deployment(self, deployment_id: str) -> Any:
        """The source deployment's record."""
        deployment = self.src.ds.get_model_deployment(deployment_id).data
        self.result.source_deployment_id = deployment.id
        serves = deployed_model_group_id(deployment) or deployed_model_id(deployment)
        self.record("source", "read", f"{deployment.display_name} ({deployment.lifecycle_state}), serving {serves}")
        return deployment

    def configuration(self, deployment: Any, compartment: str, project: str | None) -> Any:
        """The local copy's CreateModelDeploymentDetails: the source's configuration for the pulled model
        (or model group), minus what only exists in the source tenancy (``create_details_like``), tagged
        ``PulledFrom``."""
        details = create_details_like(deployment, self.result.target_model_id, compartment, project,
                                      model_group_id=self.result.target_model_group_id)
        details.freeform_tags = {**(details.freeform_tags or {}), PULL_KEY: deployment.id}
        self.result.deployment_configuration = to_wire(details)
        self.record("configuration", "read", _describe(details))
        return details

    def deploy(self, deployment: Any, details: Any, compartment: str) -> None:
        """A local deployment configured as the source's, reused when an earlier pull made one."""
        live = self.local_copy(deployment.id, compartment)
        if live is not None:
            self.set_deployment(live)
            self.record("deploy", "reuse", f"{live.id} ({live.lifecycle_state})")
            return
        if self.dry_run or not (self.result.target_model_id or self.result.target_model_group_id):
            self.record("deploy", "would create", details.display_name or "")
            return
        try:
            created = self.create_deployment(details)
        except CatalogError as exc:
            raise CatalogError(f"{exc}{_image_hint(details)}") from exc
        self.record("deploy", "create", f"{created.id} at {created.model_deployment_url}")

    def local_copy(self, source_deployment_id: str, compartment: str) -> Any:
        """A live local deployment an earlier pull of ``source_deployment_id`` created, or None."""
        for summary in iter_records(self.dst.ds.list_model_deployments, compartment):
            if summary.lifecycle_state in LIVE_DEPLOYMENT_STATES and (summary.freeform_tags or {}).get(PULL_KEY) == source_deployment_id:
                return self.dst.ds.get_model_deployment(summary.id).data
        return None


def _environment(details: Any) -> Any:
    return getattr(details.model_deployment_configuration_details, "environment_configuration_details", None)


def _describe(details: Any) -> str:
    """One line of the configuration: scaling, shape, and the container or conda environment."""
    configuration = details.model_deployment_configuration_details
    config = (getattr(configuration, "model_configuration_details", None)
              or configuration.infrastructure_configuration_details)  # a MODEL_GROUP deployment's
    policy = config.scaling_policy
    scaling = (f"{policy.instance_count} instance(s)" if getattr(policy, "instance_count", None)
               else f"{getattr(policy, 'policy_type', 'default')} scaling")
    shape = getattr(config.instance_configuration, "instance_shape_name", None) or "default shape"
    env = _environment(details)
    variables = len(getattr(env, "environment_variables", None) or {})
    image = getattr(env, "image", None)
    runtime = f"image {image}" if image else "conda runtime"
    return f"{scaling}, {shape}, {runtime}, {variables} environment variable(s)"


def _image_hint(details: Any) -> str:
    image = getattr(_environment(details), "image", None)
    if not image:
        return ""
    registry = image.split("/")[0] if "/" in image else "the registry"
    return (f"\nThe deployment runs the bring-your-own-container image {image}, which must be in the local Docker "
            f"engine: `docker login {registry}` and `docker pull {image}` (or build it), then run the pull again "
            "with --deploy.")
