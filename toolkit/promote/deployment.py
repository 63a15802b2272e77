"""Promotion's deployment step: the source's live deployment as the template, the far side's live one
found again, and the CreateModelDeploymentDetails of the copy (``toolkit.deployment.translate``)."""
from __future__ import annotations

from typing import Any

from emulator.contracts.states import ACTIVE, LIVE_DEPLOYMENT_STATES
from toolkit.catalog.session import CatalogSession, iter_records
from toolkit.deployment.spec import ModelDeploymentCondaRuntime, ModelDeploymentInfrastructure
from toolkit.deployment.translate import create_details, create_details_like, deployed_model_id


def far_deployment(session: CatalogSession, target_id: str, compartment: str) -> Any:
    """A live deployment of ``target_id`` in ``compartment`` on the far side, or None."""
    summaries = iter_records(session.ds.list_model_deployments, compartment)
    for summary in summaries:
        if summary.lifecycle_state in LIVE_DEPLOYMENT_STATES and deployed_model_id(summary) == target_id:
            return session.ds.get_model_deployment(summary.id).data
    return None


def source_deployment(session: CatalogSession, source_id: str) -> Any:
    """The source model's ACTIVE deployment, whose configuration the copy's follows; or None."""
    from toolkit.catalog.model_catalog import deployments_using

    for deployment_id in deployments_using(session, source_id):
        deployment = session.ds.get_model_deployment(deployment_id).data
        if deployment.lifecycle_state == ACTIVE:
            return deployment
    return None


def deployment_details(template: Any, target_id: str, compartment: str, project: str | None) -> Any:
    """CreateModelDeploymentDetails for the copy: the source deployment's configuration
    (``toolkit.deployment.translate.create_details_like``), or with no source deployment the builders'
    defaults, as ``model.deploy()`` with no arguments makes."""
    if template is not None:
        return create_details_like(template, target_id, compartment, project)
    return create_details(target_id, ModelDeploymentInfrastructure(), ModelDeploymentCondaRuntime(),
                          display_name=f"promoted-{target_id[-8:]}", compartment_id=compartment, project_id=project)
