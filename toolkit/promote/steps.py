"""``promote_model``: the steps of one promotion, in order (target, fetch, verify, find, version set,
model, provenance, artifact, digest, deploy), each recorded in the plan and reported as it runs.

The bytes and their digests are ``toolkit.promote.digests``'s, the marker that finds an earlier copy
``toolkit.promote.marker``'s, the deployment's configuration ``toolkit.promote.deployment``'s.
"""
from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

import oci
from oci.data_science import models as ds_models

from emulator.contracts.limits import DIRECT_UPLOAD_BYTES
from emulator.contracts.states import ACTIVE
from toolkit import profiles
from toolkit.catalog.bucket_transfer import upload_via_bucket
from toolkit.catalog.errors import CatalogError
from toolkit.catalog.session import CatalogSession, connect, iter_records
from toolkit.catalog.version_set import find_by_name
from toolkit.catalog.wire import from_wire
from toolkit.promote.deployment import deployment_details, far_deployment, source_deployment
from toolkit.promote.digests import Source, artifact_headers, check_against_headers, download, download_sha256
from toolkit.promote.marker import custom_metadata, marker_value, metadatum, promotion_of
from toolkit.promote.result import READ_ONLY_STEPS, Progress, PromotionError, PromotionResult, Step


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
        wrote = not self.dry_run and name not in READ_ONLY_STEPS
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
    def fetch(self, model_id: str) -> Source:
        """Read the source record and stream its artifact to a temp file, hashing as it lands."""
        record = self.src.ds.get_model(model_id).data
        if record.lifecycle_state not in (ACTIVE, None):
            raise CatalogError(f"source model {model_id} is {record.lifecycle_state}; only ACTIVE models are promoted")
        provenance = _provenance(self.src, model_id)
        version_set = (self.src.ds.get_model_version_set(record.model_version_set_id).data
                       if record.model_version_set_id else None)
        source = download(self.src, model_id, record, provenance, version_set, self.workdir / "artifact.zip")
        self.result.artifact_sha256 = source.sha256
        self._record("fetch", "read", f"{record.display_name} ({source.size} bytes, sha256 {source.sha256[:12]}...)")
        return source

    def verify(self, source: Source, data: Any) -> None:
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
    def find_copy(self, source: Source, compartment: str) -> Any:
        """An earlier promotion of this very artifact in the target compartment, or None."""
        marker = marker_value(source.record.id, source.sha256)
        candidates = iter_records(self.dst.ds.list_models, compartment, display_name=source.record.display_name,
                                  lifecycle_state=ACTIVE)
        for summary in candidates:
            record = self.dst.ds.get_model(summary.id).data
            if promotion_of(record) == marker:
                self.result.reused = True
                self._record("find", "reuse", f"already promoted as {record.id}")
                return record
        self._record("find", "none", "no earlier promotion of this artifact")
        return None

    def version_set(self, source: Source, name: str | None, compartment: str, project: str | None) -> str | None:
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

    def create_model(self, source: Source, compartment: str, project: str | None, version_set_id: str | None) -> str | None:
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
            custom_metadata_list=custom_metadata(record, source.sha256),
            defined_metadata_list=[metadatum(m) for m in record.defined_metadata_list or []] or None,
            input_schema=record.input_schema,
            output_schema=record.output_schema,
            model_version_set_id=version_set_id,
            version_label=label,
        )
        created = self.dst.ds.create_model(details).data
        self._record("model", "create", created.id)
        return created.id

    def provenance(self, source: Source, target_id: str | None) -> None:
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
    def artifact(self, source: Source, target_id: str | None, bucket_uri: str | None) -> None:
        """Upload the verified zip unless the far side already holds it (streamed either way)."""
        if target_id and artifact_headers(self.dst, target_id) is not None:
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

    def check_digest(self, source: Source, target_id: str | None) -> None:
        """The far side's artifact must be the verified bytes: MD5 (OCI's header), else a re-download."""
        if self.dry_run and not target_id:
            self._record("digest", "would check", f"sha256 {source.sha256[:12]}...")
            return
        headers = artifact_headers(self.dst, target_id)
        if headers is None:
            if self.dry_run:
                self._record("digest", "would check", f"sha256 {source.sha256[:12]}...")
                return
            raise CatalogError(f"the far side has no artifact for {target_id} after the upload")
        if headers.get("content-md5") or headers.get("opc-content-sha256"):
            check_against_headers(headers, source, "far side")
            self._record("digest", "match", f"sha256 {source.sha256[:12]}...")
            return
        digest = download_sha256(self.dst, target_id)
        if digest != source.sha256:
            raise CatalogError(f"the far side's artifact has sha256 {digest}, not {source.sha256}")
        self._record("digest", "match", f"sha256 {source.sha256[:12]}... (downloaded back)")

    # -- 4. deployment -----------------------------------------------------------------------------
    def deploy(self, source_id: str, target_id: str | None, compartment: str, project: str | None) -> None:
        """A far-side deployment of the copy, configured like the source's (reused when one exists)."""
        if target_id:
            live = far_deployment(self.dst, target_id, compartment)
            if live is not None:
                self._set_deployment(live)
                self._record("deploy", "reuse", f"{live.id} ({live.lifecycle_state})")
                return
        template = source_deployment(self.src, source_id)
        if self.dry_run or not target_id:
            shape = "the source deployment's configuration" if template else "default configuration"
            self._record("deploy", "would create", shape)
            return
        details = deployment_details(template, target_id, compartment, project)
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


def _one_row_frame(row: dict[str, Any]) -> Any:
    """A one-row DataFrame (the input a schema describes) from a synthetic row of the input schema."""
    import pandas as pd

    return pd.DataFrame([row])


def _provenance(session: CatalogSession, model_id: str) -> dict[str, Any]:
    from toolkit.catalog.model_catalog import get_provenance

    return {k: v for k, v in get_provenance(session, model_id).items() if v}
