"""Promotion: copy a validated catalog model from one profile (the local emulator) to another (OCI).

The artifact that reaches the far side is byte-for-byte the one that was verified here: it is
downloaded once (streamed to a temp file), re-checked (introspection + ``verify()``), uploaded
from that same file, and its digest compared on the far side. The copy carries a custom metadata
item ``PromotedFrom`` = ``{"sourceModelId", "artifactSha256"}``; a later promotion of the same
artifact finds that copy and completes whatever is missing (provenance, artifact, deployment)
instead of creating a duplicate, so a run that failed midway is fixed by running it again.

Every call goes through the official ``oci`` SDK; the target is just another profile.

Not copied: defined tags (their namespaces belong to the source tenancy), metadatum artifacts
(files attached to metadata keys), and a deployment's subnet, private endpoint and log OCIDs.
"""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import oci
from oci.data_science import models as ds_models

from emulator.contracts.limits import DIRECT_UPLOAD_BYTES
from emulator.contracts.states import ACTIVE, LIVE_DEPLOYMENT_STATES
from toolkit import profiles
from toolkit.catalog.bucket_transfer import upload_via_bucket
from toolkit.catalog.errors import CatalogError
from toolkit.catalog.session import CatalogSession, connect, iter_records
from toolkit.catalog.version_set import find_by_name
from toolkit.catalog.wire import from_wire, to_wire
from toolkit.deployment.spec import ModelDeploymentCondaRuntime, ModelDeploymentInfrastructure
from toolkit.deployment.translate import create_details, create_details_like, deployed_model_id

PROMOTION_KEY = "PromotedFrom"
_CHUNK = 1024 * 1024

Progress = Callable[[str, str], None]


class PromotionError(CatalogError):
    """A promotion step failed; says which, why, and (once something was written) that re-running is safe."""

    def __init__(self, step: str, message: str, wrote: bool = True) -> None:
        self.step = step
        rerun = ("\nNothing is duplicated by running the same promotion again: finished steps are found and skipped."
                 if wrote else "")
        super().__init__(f"promotion failed at step '{step}': {message}{rerun}")


_READ_ONLY_STEPS = ("target", "fetch", "verify", "find")  # a failure there has written nothing


@dataclass
class Step:
    """One line of the plan: what a step did (or, in a dry run, would do)."""

    name: str
    action: str
    detail: str = ""

    def to_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


@dataclass
class PromotionResult:
    """What ``promote_model`` did; ``target_model_id`` is None in a dry run that would create one."""

    source_model_id: str
    target_profile: str
    artifact_sha256: str = ""
    target_model_id: str | None = None
    reused: bool = False
    version_set_id: str | None = None
    deployment_id: str | None = None
    deployment_url: str | None = None
    dry_run: bool = False
    steps: list[Step] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["steps"] = [s.to_dict() for s in self.steps]
        return data


@dataclass
class _Source:
    """Everything read from the source side, plus the downloaded artifact."""

    record: Any
    provenance: dict[str, Any]
    version_set: Any
    zip_path: Path
    sha256: str
    md5_b64: str
    size: int


def promote_model(
    model: Any,
    to: Any,
    *,
    source: Any = None,
    source_profile: str | None = None,
    compartment_id: str | None = None,
    project_id: str | None = None,
    model_version_set: str | None = None,
    deploy: bool = False,
    dry_run: bool = False,
    endpoint: str | None = None,
    bucket_uri: str | None = None,
    verify_data: Any = None,
    progress: Progress | None = None,
    timeout: float | tuple | None = None,
    wait_seconds: float = 600,
) -> PromotionResult:
    """Promote a catalog model (OCID, or a saved model object) to the profile ``to``.

    ``to`` is an OCI config profile name, an ADS-style auth dict or a ``ClientConfig``;
    ``endpoint`` overrides its service endpoint (a staging emulator). ``source``/``source_profile``
    pick where the model is (default: ``DOCKYARD_PROFILE``, i.e. the local emulator). The target
    compartment/project default to the target profile's; ``model_version_set`` names the version
    set on the far side (default: the source's), created there when missing. ``deploy`` also
    creates a deployment there from the source deployment's configuration. ``dry_run`` only reads.
    ``bucket_uri`` (``oci://bucket@namespace/prefix``) sends the artifact through Object Storage,
    which is required beyond 2 GiB.
    """
    model_id = model if isinstance(model, str) else getattr(model, "model_id", None)
    if not model_id:
        raise CatalogError("the model is not saved in the catalog (no model_id); save() it first")
    report = progress or (lambda step, message: None)
    source_session = connect(source if source is not None else getattr(model, "auth", None), source_profile, timeout)
    target_session = _target_session(to, endpoint, timeout)
    result = PromotionResult(model_id, target_session.profile.name, dry_run=dry_run)
    workdir = Path(tempfile.mkdtemp(prefix="dockyard-promote-"))
    try:
        _Promotion(source_session, target_session, result, report, workdir, dry_run, wait_seconds).run(
            model_id, compartment_id, project_id, model_version_set, deploy, bucket_uri, verify_data)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def _target_session(to: Any, endpoint: str | None, timeout: float | tuple | None) -> CatalogSession:
    if isinstance(to, str) and to == profiles.LOCAL and endpoint:
        config = profiles.local_profile(endpoint=endpoint)
    else:
        config = profiles.resolve(to)
        if endpoint:
            config = dataclasses.replace(config, service_endpoint=endpoint.rstrip("/"))
    return connect(config, None, timeout)


class _Promotion:
    """The steps of one promotion, in order; each reports progress and records itself in the plan."""

    def __init__(self, src: CatalogSession, dst: CatalogSession, result: PromotionResult, report: Progress,
                 workdir: Path, dry_run: bool, wait_seconds: float) -> None:
        self.src, self.dst, self.result = src, dst, result
        self.report, self.workdir, self.dry_run, self.wait_seconds = report, workdir, dry_run, wait_seconds

    def run(self, model_id: str, compartment_id: str | None, project_id: str | None, version_set_name: str | None,
            deploy: bool, bucket_uri: str | None, verify_data: Any) -> None:
        # The target first: a missing compartment or project is an argument error, found before the
        # artifact is downloaded and verified.
        compartment = self._step("target", lambda: self.dst.compartment(compartment_id))
        project = self._step("target", lambda: self._project(project_id, compartment))
        source = self._step("fetch", lambda: self.fetch(model_id))
        self._step("verify", lambda: self.verify(source, verify_data))
        existing = self._step("find", lambda: self.find_copy(source, compartment))
        version_set_id = self._step("version-set", lambda: self.version_set(source, version_set_name, compartment, project))
        target_id = existing.id if existing else self._step("model", lambda: self.create_model(source, compartment, project, version_set_id))
        self.result.target_model_id = target_id
        self._step("provenance", lambda: self.provenance(source, target_id))
        self._step("artifact", lambda: self.artifact(source, target_id, bucket_uri))
        self._step("digest", lambda: self.check_digest(source, target_id))
        if deploy:
            self._step("deploy", lambda: self.deploy(model_id, target_id, compartment, project))

    # -- plumbing ------------------------------------------------------------------------------
    def _step(self, name: str, action: Callable[[], Any]) -> Any:
        wrote = not self.dry_run and name not in _READ_ONLY_STEPS
        try:
            return action()
        except PromotionError:
            raise
        except oci.exceptions.ServiceError as exc:
            raise PromotionError(name, f"{exc.status} {exc.code}: {exc.message} ({exc.operation_name or ''} "
                                       f"{exc.request_endpoint or ''})", wrote) from exc
        except (CatalogError, OSError, ValueError) as exc:
            raise PromotionError(name, str(exc), wrote) from exc

    def _record(self, name: str, action: str, detail: str = "") -> None:
        self.result.steps.append(Step(name, action, detail))
        self.report(name, f"{action}{': ' + detail if detail else ''}")

    def _project(self, project_id: str | None, compartment: str) -> str | None:
        if self.dry_run and not (project_id or self.dst.profile.project_id) and self.dst.profile.is_local:
            return None  # the default project would be created; a dry run must not
        project = self.dst.project(project_id, compartment)
        try:
            found = self.dst.ds.get_project(project).data
        except oci.exceptions.ServiceError as exc:
            if exc.status != 404:
                raise
            raise CatalogError(f"the target project {project} does not exist, or profile "
                               f"{self.dst.profile.name!r} cannot see it") from None
        if found.lifecycle_state not in ("ACTIVE", None):
            raise CatalogError(f"the target project {project} is {found.lifecycle_state}, not ACTIVE")
        return project

    # -- 1. fetch and verify --------------------------------------------------------------------
    def fetch(self, model_id: str) -> _Source:
        """Read the source record and stream its artifact to a temp file, hashing as it lands."""
        record = self.src.ds.get_model(model_id).data
        if record.lifecycle_state not in (ACTIVE, None):
            raise CatalogError(f"source model {model_id} is {record.lifecycle_state}; only ACTIVE models are promoted")
        provenance = _provenance(self.src, model_id)
        version_set = (self.src.ds.get_model_version_set(record.model_version_set_id).data
                       if record.model_version_set_id else None)
        zip_path = self.workdir / "artifact.zip"
        response = self.src.ds.get_model_artifact_content(model_id)
        sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
        try:
            with open(zip_path, "wb") as out:
                for chunk in response.data.raw.stream(_CHUNK, decode_content=False):
                    out.write(chunk)
                    sha.update(chunk)
                    md5.update(chunk)
                    size += len(chunk)
        finally:
            response.data.close()
        source = _Source(record, provenance, version_set, zip_path, sha.hexdigest(),
                         base64.b64encode(md5.digest()).decode(), size)
        _check_against_headers(self.src.ds.head_model_artifact(model_id).headers, source, "source")
        self.result.artifact_sha256 = source.sha256
        self._record("fetch", "read", f"{record.display_name} ({size} bytes, sha256 {source.sha256[:12]}...)")
        return source

    def verify(self, source: _Source, data: Any) -> None:
        """Introspection and verify() on the very bytes that will be uploaded; refuse a failing artifact."""
        from toolkit.artifact.introspect import introspect
        from toolkit.artifact.schema import INPUT_SCHEMA_FILE, Schema, synthetic_row
        from toolkit.artifact.verify import verify
        from toolkit.artifact.archive import extract_fresh

        artifact_dir = extract_fresh(source.zip_path, self.workdir / "artifact")
        if data is None:
            schema = Schema.from_file(artifact_dir / INPUT_SCHEMA_FILE)
            row = synthetic_row(schema) if schema else None
            data = _one_row_frame(row) if row else None
        outcome = introspect(artifact_dir, sample=data)
        if not outcome.passed:
            reasons = "; ".join(f"{f.key}: {f.message}" + (f" (hint: {f.hint})" if f.hint else "")
                                for f in outcome.failures)
            raise CatalogError(f"the catalog artifact fails introspection, so it is not promoted: {reasons}")
        if data is None:
            self._record("verify", "checked", "introspection passed; verify() skipped: no sample input "
                                              "(the artifact has no input schema; pass verify_data)")
            return
        verify(artifact_dir, data)
        self._record("verify", "checked", "introspection passed, verify() predicted")

    # -- 2. find or create the far-side model ---------------------------------------------------------
    def find_copy(self, source: _Source, compartment: str) -> Any:
        """An earlier promotion of this very artifact in the target compartment, or None."""
        marker = _marker(source.record.id, source.sha256)
        candidates = iter_records(self.dst.ds.list_models, compartment, display_name=source.record.display_name,
                                  lifecycle_state=ACTIVE)
        for summary in candidates:
            record = self.dst.ds.get_model(summary.id).data
            if _promotion_of(record) == marker:
                self.result.reused = True
                self._record("find", "reuse", f"already promoted as {record.id}")
                return record
        self._record("find", "none", "no earlier promotion of this artifact")
        return None

    def version_set(self, source: _Source, name: str | None, compartment: str, project: str | None) -> str | None:
        """The far-side version set with the source's name (or ``name``), created when missing."""
        name = name or (source.version_set.name if source.version_set else None)
        if not name:
            self._record("version-set", "skip", "the source is in no version set")
            return None
        found = find_by_name(self.dst, compartment, name)
        if found is not None:
            self.result.version_set_id = found.id
            self._record("version-set", "reuse", f"{name} ({found.id})")
            return found.id
        if self.dry_run:
            self._record("version-set", "would create", name)
            return None
        description = source.version_set.description if source.version_set else None
        details = ds_models.CreateModelVersionSetDetails(
            compartment_id=compartment, project_id=project, name=name, description=description,
            freeform_tags=getattr(source.version_set, "freeform_tags", None))
        created = self.dst.ds.create_model_version_set(details).data
        self.result.version_set_id = created.id
        self._record("version-set", "create", f"{name} ({created.id})")
        return created.id

    def create_model(self, source: _Source, compartment: str, project: str | None, version_set_id: str | None) -> str | None:
        """The model record: same name, description, tags, metadata, schemas and version label."""
        record = source.record
        label = record.version_label if (version_set_id or self.dry_run) and record.model_version_set_id else None
        if self.dry_run:
            self._record("model", "would create", f"{record.display_name} in {compartment}")
            return None
        details = ds_models.CreateModelDetails(
            compartment_id=compartment,
            project_id=project,
            display_name=record.display_name,
            description=record.description,
            freeform_tags=record.freeform_tags or None,
            custom_metadata_list=_custom_metadata(record, source.sha256),
            defined_metadata_list=[_metadatum(m) for m in record.defined_metadata_list or []] or None,
            input_schema=record.input_schema,
            output_schema=record.output_schema,
            model_version_set_id=version_set_id,
            version_label=label,
        )
        created = self.dst.ds.create_model(details).data
        self._record("model", "create", created.id)
        return created.id

    def provenance(self, source: _Source, target_id: str | None) -> None:
        if not source.provenance:
            self._record("provenance", "skip", "the source has none")
            return
        if target_id and _provenance(self.dst, target_id):
            self._record("provenance", "exists")
            return
        if self.dry_run or not target_id:
            self._record("provenance", "would create")
            return
        self.dst.ds.create_model_provenance(target_id, from_wire(ds_models.CreateModelProvenanceDetails, source.provenance))
        self._record("provenance", "create")

    # -- 3. artifact and digest --------------------------------------------------------------------
    def artifact(self, source: _Source, target_id: str | None, bucket_uri: str | None) -> None:
        """Upload the verified zip unless the far side already holds it (streamed either way)."""
        if target_id and _artifact_headers(self.dst, target_id) is not None:
            self._record("artifact", "exists")
            return
        route = "object storage" if bucket_uri or source.size > DIRECT_UPLOAD_BYTES else "direct"
        if self.dry_run or not target_id:
            self._record("artifact", "would upload", f"{source.size} bytes ({route})")
            return
        if route == "direct":
            from toolkit.catalog.transfer import upload_artifact

            upload_artifact(self.dst.ds, target_id, source.zip_path)
        elif not bucket_uri:
            raise CatalogError(f"the artifact is {source.size} bytes, over the {DIRECT_UPLOAD_BYTES} byte limit "
                               "of a direct upload; pass bucket_uri='oci://bucket@namespace/prefix' (--bucket-uri)")
        else:  # the save path's own transfer: staged object, export work request, staged object removed
            upload_via_bucket(self.dst, target_id, source.zip_path, bucket_uri, timeout=self.wait_seconds)
        self._record("artifact", "upload", f"{source.size} bytes ({route})")

    def check_digest(self, source: _Source, target_id: str | None) -> None:
        """The far side's artifact must be the verified bytes: MD5 (OCI's header), else a re-download."""
        if self.dry_run and not target_id:
            self._record("digest", "would check", f"sha256 {source.sha256[:12]}...")
            return
        headers = _artifact_headers(self.dst, target_id)
        if headers is None:
            if self.dry_run:
                self._record("digest", "would check", f"sha256 {source.sha256[:12]}...")
                return
            raise CatalogError(f"the far side has no artifact for {target_id} after the upload")
        if headers.get("content-md5") or headers.get("opc-content-sha256"):
            _check_against_headers(headers, source, "far side")
            self._record("digest", "match", f"sha256 {source.sha256[:12]}...")
            return
        digest = _download_sha256(self.dst, target_id)
        if digest != source.sha256:
            raise CatalogError(f"the far side's artifact has sha256 {digest}, not {source.sha256}")
        self._record("digest", "match", f"sha256 {source.sha256[:12]}... (downloaded back)")

    # -- 4. deployment -----------------------------------------------------------------------------
    def deploy(self, source_id: str, target_id: str | None, compartment: str, project: str | None) -> None:
        """A far-side deployment of the copy, configured like the source's (reused when one exists)."""
        if target_id:
            live = self._far_deployment(target_id, compartment)
            if live is not None:
                self._set_deployment(live)
                self._record("deploy", "reuse", f"{live.id} ({live.lifecycle_state})")
                return
        template = self._source_deployment(source_id)
        if self.dry_run or not target_id:
            shape = "the source deployment's configuration" if template else "default configuration"
            self._record("deploy", "would create", shape)
            return
        details = _deployment_details(template, target_id, compartment, project)
        response = self.dst.ds.create_model_deployment(details)
        work_request = response.headers.get("opc-work-request-id")
        if work_request:
            self.dst.wait_for_work_request(work_request, self.wait_seconds)
        deployment = self.dst.ds.get_model_deployment(response.data.id).data
        if deployment.lifecycle_state != ACTIVE:
            raise CatalogError(f"the far-side deployment {deployment.id} is {deployment.lifecycle_state}, not ACTIVE")
        self._set_deployment(deployment)
        self._record("deploy", "create", f"{deployment.id} at {deployment.model_deployment_url}")

    def _set_deployment(self, deployment: Any) -> None:
        self.result.deployment_id = deployment.id
        self.result.deployment_url = deployment.model_deployment_url

    def _far_deployment(self, target_id: str, compartment: str) -> Any:
        summaries = iter_records(self.dst.ds.list_model_deployments, compartment)
        for summary in summaries:
            if summary.lifecycle_state in LIVE_DEPLOYMENT_STATES and deployed_model_id(summary) == target_id:
                return self.dst.ds.get_model_deployment(summary.id).data
        return None

    def _source_deployment(self, source_id: str) -> Any:
        from toolkit.catalog.model_catalog import deployments_using

        for deployment_id in deployments_using(self.src, source_id):
            deployment = self.src.ds.get_model_deployment(deployment_id).data
            if deployment.lifecycle_state == ACTIVE:
                return deployment
        return None


# -- helpers (no state) ----------------------------------------------------------------------------

def _one_row_frame(row: dict[str, Any]) -> Any:
    """A one-row DataFrame (the input a schema describes) from a synthetic row of the input schema."""
    import pandas as pd

    return pd.DataFrame([row])


def _marker(source_id: str, sha256: str) -> dict[str, str]:
    return {"sourceModelId": source_id, "artifactSha256": sha256}


def _promotion_of(record: Any) -> dict[str, str] | None:
    for item in record.custom_metadata_list or []:
        if item.key == PROMOTION_KEY:
            try:
                value = json.loads(item.value or "")
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def _metadatum(item: Any) -> ds_models.Metadata:
    return from_wire(ds_models.Metadata, to_wire(item))


def _custom_metadata(record: Any, sha256: str) -> list[ds_models.Metadata]:
    """The source's custom metadata with our promotion marker (replacing one from an earlier hop)."""
    items = [_metadatum(m) for m in record.custom_metadata_list or [] if m.key != PROMOTION_KEY]
    items.append(ds_models.Metadata(
        key=PROMOTION_KEY, value=json.dumps(_marker(record.id, sha256)), category="Other",
        description="Set by dockyard promote: the source model OCID and the artifact's SHA-256"))
    return items


def _provenance(session: CatalogSession, model_id: str) -> dict[str, Any]:
    from toolkit.catalog.model_catalog import get_provenance

    return {k: v for k, v in get_provenance(session, model_id).items() if v}


def _artifact_headers(session: CatalogSession, model_id: str) -> Mapping[str, str] | None:
    try:
        return session.ds.head_model_artifact(model_id).headers
    except oci.exceptions.ServiceError as exc:
        if exc.status == 404:
            return None
        raise


def _check_against_headers(headers: Mapping[str, str], source: _Source, side: str) -> None:
    """Compare the bytes we hold with the digests a service reports (content-md5, opc-content-sha256)."""
    md5 = headers.get("content-md5")
    sha = headers.get("opc-content-sha256")
    length = headers.get("content-length")
    if md5 and md5 != source.md5_b64:
        raise CatalogError(f"the {side} artifact's content-md5 is {md5}, the verified bytes' is {source.md5_b64}")
    if sha and sha.lower() != source.sha256:
        raise CatalogError(f"the {side} artifact's sha256 is {sha}, the verified bytes' is {source.sha256}")
    if length and length.isdigit() and int(length) != source.size:
        raise CatalogError(f"the {side} artifact is {length} bytes, the verified one {source.size}")


def _download_sha256(session: CatalogSession, model_id: str) -> str:
    sha = hashlib.sha256()
    response = session.ds.get_model_artifact_content(model_id)
    try:
        for chunk in response.data.raw.stream(_CHUNK, decode_content=False):
            sha.update(chunk)
    finally:
        response.data.close()
    return sha.hexdigest()


def _deployment_details(template: Any, target_id: str, compartment: str, project: str | None) -> Any:
    """CreateModelDeploymentDetails for the copy: the source deployment's configuration
    (``toolkit.deployment.translate.create_details_like``), or with no source deployment the builders'
    defaults, as ``model.deploy()`` with no arguments makes."""
    if template is not None:
        return create_details_like(template, target_id, compartment, project)
    return create_details(target_id, ModelDeploymentInfrastructure(), ModelDeploymentCondaRuntime(),
                          display_name=f"promoted-{target_id[-8:]}", compartment_id=compartment, project_id=project)
