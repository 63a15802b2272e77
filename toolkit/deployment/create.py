"""Creating a deployment: the one path from the builders to the service, and its waiting.

``ModelDeployment.deploy()`` (builders, YAML, ``dockyard deploy -f``) and ``deploy_model`` (``model.deploy()``,
``dockyard deploy``) both end in ``create``: the profile's compartment and project fill what the
builders leave unset, the emulator's extras (``runtime=``, ``DOCKYARD_BASE_IMAGE``) become freeform
tags on the local profile, ``toolkit.deployment.translate`` makes the SDK's details, and the work
request is waited for with ADS's ``max_wait_time``/``poll_interval`` rules.
"""
from __future__ import annotations

import time
from typing import Any

from emulator.contracts.deployments import BASE_IMAGE_TAG, RUNTIME_TAG
from emulator.settings import check_runtime
from toolkit import settings
from toolkit.catalog.session import CatalogSession
from toolkit.deployment.spec import DEFAULT_WAIT, ModelDeploymentInfrastructure, ModelDeploymentRuntime, SpecError
from toolkit.deployment.translate import create_details

MODEL_OCID_PREFIX = "ocid1.datasciencemodel."


def create(session: CatalogSession, model_id: str | None, display_name: str | None, description: str | None,
           freeform_tags: dict | None, defined_tags: dict | None, infrastructure: ModelDeploymentInfrastructure,
           runtime: ModelDeploymentRuntime, emulator_runtime: str | None, wait: bool, max_wait_time: float,
           poll_interval: float, show_progress: bool | None) -> Any:
    """Create the deployment the builders describe; returns its record (the SDK's ``ModelDeployment``),
    ACTIVE when ``wait`` (WorkRequestFailedError with the server's last log lines if it FAILED)."""
    compartment = session.compartment(infrastructure.compartment_id)
    tags = dict(freeform_tags or {})
    if session.profile.is_local:
        tags.update(emulator_tags(emulator_runtime))
    name = display_name or f"deployment-{time.strftime('%Y%m%d-%H%M%S')}"
    details = create_details(model_id, infrastructure, runtime, display_name=name, description=description,
                             compartment_id=compartment, project_id=session.project(infrastructure.project_id, compartment),
                             freeform_tags=tags, defined_tags=defined_tags)
    response = session.ds.create_model_deployment(details)
    if not wait:
        return response.data
    wait_for(session, response, f"deploying {response.data.display_name}", max_wait_time, poll_interval, show_progress)
    return session.ds.get_model_deployment(response.data.id).data


def wait_for(session: CatalogSession, response: Any, title: str, max_wait_time: float, poll_interval: float | None,
             show_progress: bool | None) -> None:
    """Wait for the work request an operation's ``response`` names."""
    session.wait_for_work_request(response.headers["opc-work-request-id"], timeout(max_wait_time), title=title,
                                  show_progress=show_progress, poll_interval=poll(session, poll_interval))


def registered_model(runtime: ModelDeploymentRuntime, infrastructure: ModelDeploymentInfrastructure,
                     display_name: str | None, session: CatalogSession, auth: Any, profile: str | None) -> str | None:
    """The model OCID the runtime names, registering its artifact in the catalog first when it names
    a folder, zip or ``oci://`` zip instead (as ADS's deploy does); None when it names a model group
    (``with_model_group_id``: the group's deployment serves no single model, and ADS sends none)."""
    uri = runtime.model_uri
    if runtime.model_group_id:
        return None
    if not uri:
        raise SpecError("the runtime has no model: set with_model_uri(<model OCID or artifact path>) "
                        "(spec.runtime.spec.modelUri) or with_model_group_id(<model group OCID>)")
    if str(uri).startswith(MODEL_OCID_PREFIX):
        return str(uri)
    from toolkit.catalog.datascience_model import DataScienceModel

    compartment = session.compartment(infrastructure.compartment_id)
    model = (DataScienceModel()
             .with_compartment_id(compartment)
             .with_project_id(session.project(infrastructure.project_id, compartment))
             .with_display_name(display_name or "model")
             .with_artifact(str(uri)))
    model.create(bucket_uri=runtime.bucket_uri, overwrite_existing_artifact=runtime.overwrite_existing_artifact,
                 remove_existing_artifact=runtime.remove_existing_artifact, region=runtime.region,
                 auth=auth if auth is not None else runtime.auth, profile=profile, timeout=runtime.timeout)
    runtime.with_model_uri(model.id)
    return model.id


def emulator_tags(runtime: str | None) -> dict[str, str]:
    """The caller's runtime and base image (argument, else DOCKYARD_RUNTIME / DOCKYARD_BASE_IMAGE), as the
    freeform tags the emulator reads, so they count even when a background emulator started before they
    were set. Unset ones are left to the emulator. A bad runtime name fails here, before anything is sent."""
    tags = {}
    chosen = check_runtime(runtime, source="runtime") if runtime else settings.runtime()
    if chosen:
        tags[RUNTIME_TAG] = chosen
    if settings.base_image():
        tags[BASE_IMAGE_TAG] = settings.base_image()
    return tags


def timeout(max_wait_time: float) -> float:
    """ADS's rule: a negative max_wait_time waits for ever."""
    return float("inf") if max_wait_time is not None and max_wait_time < 0 else float(max_wait_time or DEFAULT_WAIT)


def poll(session: CatalogSession, poll_interval: float | None) -> float | None:
    """ADS's poll_interval against OCI; the local emulator is polled at the waiter's own fast pace."""
    return None if session.profile.is_local else poll_interval
