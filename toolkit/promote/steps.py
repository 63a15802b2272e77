"""``promote_model``: the steps of one promotion, in order (target, fetch, verify, find, version set,
model, provenance, artifact, digest, deploy), each recorded in the plan and reported as it runs.

The copy itself (fetch to digest) is ``toolkit.promote.transfer``'s, shared with pull; promotion adds
the target checks, verify() on the fetched bytes and the far-side deployment
(``toolkit.promote.deployment``).
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from toolkit.catalog.errors import CatalogError
from toolkit.catalog.session import CatalogSession, connect
from toolkit.promote.deployment import deployment_details, far_deployment, source_deployment
from toolkit.promote.digests import Source
from toolkit.promote.marker import PROMOTED
from toolkit.promote.result import Progress, PromotionError, PromotionResult
from toolkit.promote.transfer import Transfer, session_for


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
    target_session = session_for(to, endpoint, timeout)
    result = PromotionResult(model_id, target_session.profile.name, dry_run=dry_run)
    workdir = Path(tempfile.mkdtemp(prefix="dockyard-promote-"))
    try:
        _Promotion(source_session, target_session, result, report, workdir, dry_run, wait_seconds).run(
            model_id, compartment_id, project_id, model_version_set, deploy, bucket_uri, verify_data)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return result


class _Promotion(Transfer):
    """The steps of one promotion, in order: the shared transfer (``toolkit.promote.transfer``) with
    promotion's own checks around it (the target's compartment and project first, verify() on the
    fetched bytes, the far-side deployment)."""

    def __init__(self, src: CatalogSession, dst: CatalogSession, result: PromotionResult, report: Progress,
                 workdir: Path, dry_run: bool, wait_seconds: float) -> None:
        super().__init__(src, dst, result, report, workdir, dry_run, wait_seconds, marker=PROMOTED,
                         error=PromotionError)

    def run(self, model_id: str, compartment_id: str | None, project_id: str | None, version_set_name: str | None,
            deploy: bool, bucket_uri: str | None, verify_data: Any) -> None:
        # The target first: a missing compartment or project is an argument error, found before the
        # artifact is downloaded and verified.
        compartment = self.step("target", lambda: self.dst.compartment(compartment_id))
        project = self.step("target", lambda: self.destination_project(project_id, compartment))
        source = self.step("fetch", lambda: self.fetch(model_id))
        self.step("verify", lambda: self.verify(source, verify_data))
        target_id = self.copy_model(source, compartment, project, version_set_name, bucket_uri)
        if deploy:
            self.step("deploy", lambda: self.deploy(model_id, target_id, compartment, project))

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
            self.record("verify", "checked", "introspection passed; verify() skipped: no sample input "
                                              "(the artifact has no input schema; pass verify_data)")
            return
        verify(artifact_dir, data)
        self.record("verify", "checked", "introspection passed, verify() predicted")

    # -- 4. deployment -----------------------------------------------------------------------------
    def deploy(self, source_id: str, target_id: str | None, compartment: str, project: str | None) -> None:
        """A far-side deployment of the copy, configured like the source's (reused when one exists)."""
        if target_id:
            live = far_deployment(self.dst, target_id, compartment)
            if live is not None:
                self.set_deployment(live)
                self.record("deploy", "reuse", f"{live.id} ({live.lifecycle_state})")
                return
        template = source_deployment(self.src, source_id)
        if self.dry_run or not target_id:
            shape = "the source deployment's configuration" if template else "default configuration"
            self.record("deploy", "would create", shape)
            return
        deployment = self.create_deployment(deployment_details(template, target_id, compartment, project))
        self.record("deploy", "create", f"{deployment.id} at {deployment.model_deployment_url}")


def _one_row_frame(row: dict[str, Any]) -> Any:
    """A one-row DataFrame (the input a schema describes) from a synthetic row of the input schema."""
    import pandas as pd

    return pd.DataFrame([row])

