"""The copy both directions share: one catalog model from a ``src`` session to a ``dst`` session.

Promotion (laptop -> OCI, ``toolkit.promote.steps``) and pull (OCI -> laptop, ``toolkit.promote.pulling``)
are this one transfer with the two sessions swapped: read the record, its provenance and version set
and stream the artifact once (hashed as it lands, checked against the source's digests), find an
earlier copy by this direction's marker, create the version set and the model record (metadata,
schemas, label) on the destination, its provenance, upload the same bytes and check the digest the
destination reports. Every step is recorded in the plan and reported as it runs; a dry run reads both
sides and writes nothing. Nothing here ever writes to ``src``.
"""
from __future__ import annotations

import dataclasses
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
from toolkit.promote.digests import Source, artifact_headers, check_against_headers, download, download_sha256
from toolkit.promote.marker import Marker, custom_metadata, marked_source, marker_value, metadatum
from toolkit.promote.result import READ_ONLY_STEPS, Progress, PromotionResult, Step, TransferError

MIB = 1024 * 1024
LARGE_ARTIFACT_BYTES = 64 * MIB  # from this size on, the download reports its progress every tenth


class Transfer:
    """The steps of one model's copy from ``src`` to ``dst``, each reporting progress and recording
    itself in the plan. ``marker`` names the direction (``PromotedFrom`` / ``PulledFrom``), ``error`` the
    exception a failed step raises, ``copy_defined_tags`` whether the destination may hold the source's
    defined tags (their namespaces belong to the source tenancy: not in OCI, yes in the emulator)."""

    def __init__(self, src: CatalogSession, dst: CatalogSession, result: PromotionResult, report: Progress,
                 workdir: Path, dry_run: bool, wait_seconds: float, *, marker: Marker,
                 error: type[TransferError], copy_defined_tags: bool = False) -> None:
        self.src, self.dst, self.result = src, dst, result
        self.report, self.workdir, self.dry_run, self.wait_seconds = report, workdir, dry_run, wait_seconds
        self.marker, self.error, self.copy_defined_tags = marker, error, copy_defined_tags

    def copy_model(self, source: Source, compartment: str, project: str | None, version_set_name: str | None,
                   bucket_uri: str | None) -> str | None:
        """find, version set, model, provenance, artifact, digest: the destination's copy of ``source``
        (its OCID; None in a dry run that would create it)."""
        existing = self.step("find", lambda: self.find_copy(source, compartment))
        version_set_id = self.step("version-set", lambda: self.version_set(source, version_set_name, compartment,
                                                                            project))
        target_id = existing.id if existing else self.step(
            "model", lambda: self.create_model(source, compartment, project, version_set_id))
        self.result.target_model_id = target_id
        self.step("provenance", lambda: self.provenance(source, target_id))
        self.step("artifact", lambda: self.artifact(source, target_id, bucket_uri))
        self.step("digest", lambda: self.check_digest(source, target_id))
        return target_id

    # -- plumbing ------------------------------------------------------------------------------
    def step(self, name: str, action: Callable[[], Any]) -> Any:
        """Run one step; any failure becomes ``self.error`` naming the step (and whether it wrote)."""
        wrote = not self.dry_run and name not in READ_ONLY_STEPS
        try:
            return action()
        except TransferError:
            raise
        except oci.exceptions.ServiceError as exc:
            raise self.error(name, f"{exc.status} {exc.code}: {exc.message} ({exc.operation_name or ''} "
                                   f"{exc.request_endpoint or ''})", wrote) from exc
        except (CatalogError, OSError, ValueError) as exc:
            raise self.error(name, str(exc), wrote) from exc

    def record(self, name: str, action: str, detail: str = "") -> None:
        self.result.steps.append(Step(name, action, detail))
        self.report(name, f"{action}{': ' + detail if detail else ''}")

    def destination_project(self, project_id: str | None, compartment: str) -> str | None:
        """The destination project (the argument, the profile's, or locally the default one), which must
        exist and be ACTIVE; in a dry run a local default project that does not exist yet stays None."""
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

    # -- 1. fetch --------------------------------------------------------------------------------
    def fetch(self, model_id: str) -> Source:
        """Read the source record and stream its artifact to a temp file, hashing as it lands."""
        from toolkit.catalog.transfer import progress_bar

        record = self.src.ds.get_model(model_id).data
        if record.lifecycle_state not in (ACTIVE, None):
            raise CatalogError(f"source model {model_id} is {record.lifecycle_state}; only ACTIVE models are copied")
        provenance = provenance_of(self.src, model_id)
        version_set = (self.src.ds.get_model_version_set(record.model_version_set_id).data
                       if record.model_version_set_id else None)
        size = _content_length(artifact_headers(self.src, model_id))
        milestones = self._milestones(size)
        with progress_bar("Downloading artifact", size) as bar:
            source = download(self.src, model_id, record, provenance, version_set, self.workdir / "artifact.zip",
                              advance=lambda n: (bar(n), milestones(n)))
        self.result.artifact_sha256 = source.sha256
        self.record("fetch", "read", f"{record.display_name} ({source.size} bytes, sha256 {source.sha256[:12]}...)")
        return source

    def _milestones(self, size: int | None) -> Callable[[int], None]:
        """A byte counter that reports each tenth of a large artifact's download (logs and --json
        runs see progress where no terminal shows the bar)."""
        if not size or size < LARGE_ARTIFACT_BYTES:
            return lambda n: None
        done, next_tenth = [0], [1]

        def advance(n: int) -> None:
            done[0] += n
            while next_tenth[0] <= 10 and done[0] * 10 >= size * next_tenth[0]:
                self.report("fetch", f"downloaded {done[0] / MIB:.1f} of {size / MIB:.1f} MiB ({next_tenth[0] * 10}%)")
                next_tenth[0] += 1

        return advance

    # -- 2. find or create the destination's model -------------------------------------------------
    def find_copy(self, source: Source, compartment: str) -> Any:
        """An earlier copy of this very artifact (this direction's marker) in ``compartment``, or the
        model the source was itself copied from, still on the destination with the same artifact; or None."""
        origin = self.origin(source)
        if origin is not None:
            self.result.reused = True
            self.record("find", "reuse", f"{origin.id} is the model this one was copied from")
            return origin
        marker = marker_value(source.record.id, source.sha256)
        candidates = iter_records(self.dst.ds.list_models, compartment, display_name=source.record.display_name,
                                  lifecycle_state=ACTIVE)
        for summary in candidates:
            record = self.dst.ds.get_model(summary.id).data
            if marked_source(record, self.marker.key) == marker:
                self.result.reused = True
                self.record("find", "reuse", f"already copied as {record.id}")
                return record
        self.record("find", "none", "no earlier copy of this artifact")
        return None

    def origin(self, source: Source) -> Any:
        """The destination's model that ``source`` was copied from (the other direction's marker), when it
        is still ACTIVE there and holds the same bytes; else None."""
        came_from = marked_source(source.record, self.marker.reverse_key)
        if not came_from or came_from.get("artifactSha256") != source.sha256:
            return None
        try:
            record = self.dst.ds.get_model(came_from.get("sourceModelId", "")).data
        except oci.exceptions.ServiceError as exc:
            if exc.status in (400, 404):
                return None
            raise
        headers = artifact_headers(self.dst, record.id) if record.lifecycle_state == ACTIVE else None
        if headers is None or (headers.get("opc-content-sha256") or "").lower() not in ("", source.sha256):
            return None
        return record

    def version_set(self, source: Source, name: str | None, compartment: str, project: str | None) -> str | None:
        """The destination's version set with the source's name (or ``name``), created when missing."""
        name = name or (source.version_set.name if source.version_set else None)
        if not name:
            self.record("version-set", "skip", "the source is in no version set")
            return None
        found = find_by_name(self.dst, compartment, name)
        if found is not None:
            self.result.version_set_id = found.id
            self.record("version-set", "reuse", f"{name} ({found.id})")
            return found.id
        if self.dry_run:
            self.record("version-set", "would create", name)
            return None
        description = source.version_set.description if source.version_set else None
        details = ds_models.CreateModelVersionSetDetails(
            compartment_id=compartment, project_id=project, name=name, description=description,
            freeform_tags=getattr(source.version_set, "freeform_tags", None),
            defined_tags=self._defined_tags(source.version_set))
        created = self.dst.ds.create_model_version_set(details).data
        self.result.version_set_id = created.id
        self.record("version-set", "create", f"{name} ({created.id})")
        return created.id

    def create_model(self, source: Source, compartment: str, project: str | None, version_set_id: str | None) -> str | None:
        """The model record: same name, description, tags, metadata, schemas and version label."""
        record = source.record
        label = record.version_label if (version_set_id or self.dry_run) and record.model_version_set_id else None
        if self.dry_run:
            self.record("model", "would create", f"{record.display_name} in {compartment}")
            return None
        details = ds_models.CreateModelDetails(
            compartment_id=compartment,
            project_id=project,
            display_name=record.display_name,
            description=record.description,
            freeform_tags=record.freeform_tags or None,
            defined_tags=self._defined_tags(record),
            custom_metadata_list=custom_metadata(record, source.sha256, self.marker),
            defined_metadata_list=[metadatum(m) for m in record.defined_metadata_list or []] or None,
            input_schema=record.input_schema,
            output_schema=record.output_schema,
            model_version_set_id=version_set_id,
            version_label=label,
        )
        try:
            created = self.dst.ds.create_model(details).data
        except oci.exceptions.ServiceError as exc:
            if exc.status == 409 and label and "label" in (exc.message or ""):
                raise CatalogError(f"{exc.message} (version label {label!r}): another model holds it in the "
                                   f"destination's version set; pass model_version_set='OTHER' (--model-version-set) "
                                   "to put the copy in another one") from exc
            raise
        self.record("model", "create", created.id)
        return created.id

    def _defined_tags(self, resource: Any) -> dict | None:
        return (getattr(resource, "defined_tags", None) or None) if self.copy_defined_tags else None

    def provenance(self, source: Source, target_id: str | None) -> None:
        if not source.provenance:
            self.record("provenance", "skip", "the source has none")
            return
        if target_id and provenance_of(self.dst, target_id):
            self.record("provenance", "exists")
            return
        if self.dry_run or not target_id:
            self.record("provenance", "would create")
            return
        self.dst.ds.create_model_provenance(target_id, from_wire(ds_models.CreateModelProvenanceDetails,
                                                                 source.provenance))
        self.record("provenance", "create")

    # -- 3. artifact and digest --------------------------------------------------------------------
    def artifact(self, source: Source, target_id: str | None, bucket_uri: str | None) -> None:
        """Upload the fetched zip unless the destination already holds it (streamed either way)."""
        if target_id and artifact_headers(self.dst, target_id) is not None:
            self.record("artifact", "exists")
            return
        route = "object storage" if bucket_uri or source.size > DIRECT_UPLOAD_BYTES else "direct"
        if self.dry_run or not target_id:
            self.record("artifact", "would upload", f"{source.size} bytes ({route})")
            return
        if route != "direct":
            bucket_uri = bucket_uri or self.staging_bucket()
        if route == "direct":
            from toolkit.catalog.transfer import upload_artifact

            upload_artifact(self.dst.ds, target_id, source.zip_path)
        elif not bucket_uri:
            raise CatalogError(f"the artifact is {source.size} bytes, over the {DIRECT_UPLOAD_BYTES} byte limit "
                               "of a direct upload; pass bucket_uri='oci://bucket@namespace/prefix' (--bucket-uri)")
        else:  # the save path's own transfer: staged object, export work request, staged object removed
            upload_via_bucket(self.dst, target_id, source.zip_path, bucket_uri, timeout=self.wait_seconds)
        self.record("artifact", "upload", f"{source.size} bytes ({route})")

    def staging_bucket(self) -> str | None:
        """Where an artifact over the direct-upload limit is staged when the caller named no bucket:
        nowhere by default (the caller must, on OCI); a pull stages it in the emulator's own storage."""
        return None

    def check_digest(self, source: Source, target_id: str | None) -> None:
        """The destination's artifact must be the fetched bytes: MD5 (OCI's header), else a re-download."""
        if self.dry_run and not target_id:
            self.record("digest", "would check", f"sha256 {source.sha256[:12]}...")
            return
        headers = artifact_headers(self.dst, target_id)
        if headers is None:
            if self.dry_run:
                self.record("digest", "would check", f"sha256 {source.sha256[:12]}...")
                return
            raise CatalogError(f"the destination has no artifact for {target_id} after the upload")
        if headers.get("content-md5") or headers.get("opc-content-sha256"):
            check_against_headers(headers, source, "destination")
            self.record("digest", "match", f"sha256 {source.sha256[:12]}...")
            return
        digest = download_sha256(self.dst, target_id)
        if digest != source.sha256:
            raise CatalogError(f"the destination's artifact has sha256 {digest}, not {source.sha256}")
        self.record("digest", "match", f"sha256 {source.sha256[:12]}... (downloaded back)")

    # -- 4. deployment ---------------------------------------------------------------------------
    def create_deployment(self, details: Any) -> Any:
        """Create a deployment on the destination and wait for it; it must end ACTIVE (the work
        request's own error, such as a BYOC image the engine lacks, is what the user reads otherwise)."""
        response = self.wait_for(self.dst.ds.create_model_deployment(details))
        deployment = self.dst.ds.get_model_deployment(response.data.id).data
        if deployment.lifecycle_state != ACTIVE:
            raise CatalogError(f"the deployment {deployment.id} is {deployment.lifecycle_state}, not ACTIVE"
                               + (f": {deployment.lifecycle_details}" if deployment.lifecycle_details else ""))
        self.set_deployment(deployment)
        return deployment

    def wait_for(self, response: Any) -> Any:
        """Wait for the destination's work request a create answered with (if any); returns the response."""
        work_request = response.headers.get("opc-work-request-id")
        if work_request:
            self.dst.wait_for_work_request(work_request, self.wait_seconds)
        return response

    def set_deployment(self, deployment: Any) -> None:
        self.result.deployment_id = deployment.id
        self.result.deployment_url = deployment.model_deployment_url


def session_for(profile: Any, endpoint: str | None, timeout: float | tuple | None) -> CatalogSession:
    """A session on ``profile`` (a name, an auth dict or a ``ClientConfig``), ``endpoint`` overriding its
    service endpoint (a staging emulator; with ``"local"``, that emulator instead of the default one)."""
    if isinstance(profile, str) and profile == profiles.LOCAL and endpoint:
        config = profiles.local_profile(endpoint=endpoint)
    else:
        config = profiles.resolve(profile)
        if endpoint:
            config = dataclasses.replace(config, service_endpoint=endpoint.rstrip("/"))
    return connect(config, None, timeout)


def provenance_of(session: CatalogSession, model_id: str) -> dict[str, Any]:
    """A model's provenance fields that are set (wire names), ``{}`` when it has none."""
    from toolkit.catalog.model_catalog import get_provenance

    return {k: v for k, v in get_provenance(session, model_id).items() if v}


def _content_length(headers: Any) -> int | None:
    length = (headers or {}).get("content-length")
    return int(length) if length and str(length).isdigit() else None
