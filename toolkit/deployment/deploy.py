"""``deploy_model``: ADS's keyword way of deploying a saved model, and what ``GenericModel`` delegates to.

``GenericModel.deploy`` takes exactly ``deploy_model``'s parameters (its signature is derived from
this one), so ADS's deployment keywords are listed here once. Each keyword becomes a field of the
two builders (``toolkit.deployment.spec``), where the defaults live; a keyword left out, None, 0 or
empty (ADS's rule) stays unset there and takes the default. The SDK and the deployment handle are
imported when called, so that ``import toolkit.model.generic`` stays free of the ``oci`` SDK.
"""
from __future__ import annotations

from typing import Any

from toolkit.deployment.errors import DeploymentError
from toolkit.deployment.spec import (
    DEFAULT_POLL,
    DEFAULT_WAIT,
    ModelDeploymentCondaRuntime,
    ModelDeploymentContainerRuntime,
    ModelDeploymentInfrastructure,
    ModelDeploymentRuntime,
)

def deploy_model(model: Any, wait_for_completion: bool = True, display_name: str | None = None,
                 description: str | None = None, deployment_instance_shape: str | None = None,
                 deployment_instance_subnet_id: str | None = None,
                 deployment_instance_private_endpoint_id: str | None = None,
                 deployment_instance_count: int | None = None, deployment_bandwidth_mbps: int | None = None,
                 deployment_log_group_id: str | None = None, deployment_access_log_id: str | None = None,
                 deployment_predict_log_id: str | None = None, deployment_memory_in_gbs: float | None = None,
                 deployment_ocpus: float | None = None, deployment_image: str | None = None,
                 project_id: str | None = None, compartment_id: str | None = None,
                 max_wait_time: float = DEFAULT_WAIT, poll_interval: float = DEFAULT_POLL,
                 freeform_tags: dict[str, str] | None = None, defined_tags: dict | None = None,
                 image_digest: str | None = None, cmd: list[str] | None = None, entrypoint: list[str] | None = None,
                 server_port: int | None = None, health_check_port: int | None = None,
                 deployment_mode: str | None = None, environment_variables: dict[str, str] | None = None,
                 runtime: str | None = None, show_progress: bool | None = None, auth: Any = None,
                 profile: str | None = None) -> Any:
    """Deploy a saved model (a model object with ``model_id``, or a model OCID) and return the deployment.

    ADS's keyword names, in ADS's order. Shape, OCPUs, memory, instance count, bandwidth and
    deployment mode default to ``emulator.contracts.deployments``'s (applied by the builders).
    ``deployment_image`` makes it a bring-your-own-container deployment (with ``image_digest``,
    ``entrypoint``, ``cmd``, ``server_port``, ``health_check_port``). ``runtime`` picks the emulator's
    ``docker``/``process``/``auto`` runtime (ignored by OCI). With ``wait_for_completion`` the call
    returns once the deployment is ACTIVE, showing the build and start output, and raises
    WorkRequestFailedError with the server's last log lines if it FAILED.
    """
    from toolkit.catalog.session import connect
    from toolkit.deployment import create as creating
    from toolkit.deployment.handle import ModelDeployment

    model_id = model if isinstance(model, str) else getattr(model, "model_id", None)
    if not model_id:
        raise DeploymentError("the model is not in the catalog yet; call .save() before .deploy()")
    creating.emulator_tags(runtime)  # a bad setting fails before anything is started or sent
    session = connect(auth if auth is not None else getattr(model, "auth", None), profile)
    infrastructure = _infrastructure(
        compartment_id, project_id, deployment_instance_shape, deployment_ocpus, deployment_memory_in_gbs,
        deployment_instance_count, deployment_bandwidth_mbps, deployment_instance_subnet_id,
        deployment_instance_private_endpoint_id, deployment_log_group_id, deployment_access_log_id,
        deployment_predict_log_id)
    container = {"image_digest": image_digest, "entrypoint": entrypoint, "cmd": cmd, "server_port": server_port,
                 "health_check_port": health_check_port}
    spec_runtime = _runtime(deployment_image, container)
    spec_runtime.with_env(environment_variables or {}).with_deployment_mode(deployment_mode).with_model_uri(model_id)
    record = creating.create(session, model_id, display_name, description, freeform_tags, defined_tags, infrastructure,
                             spec_runtime, runtime, wait_for_completion, max_wait_time, poll_interval, show_progress)
    deployment = ModelDeployment(record, session)
    if not isinstance(model, str):
        model.model_deployment = deployment
    return deployment


def _infrastructure(compartment_id: str | None, project_id: str | None, shape: str | None, ocpus: float | None,
                    memory_in_gbs: float | None, instance_count: int | None, bandwidth_mbps: int | None,
                    subnet_id: str | None, private_endpoint_id: str | None, log_group_id: str | None,
                    access_log_id: str | None, predict_log_id: str | None) -> ModelDeploymentInfrastructure:
    """The infrastructure builder of deploy()'s keywords; a falsy one is left unset (ADS's ``or``)."""
    infrastructure = (ModelDeploymentInfrastructure()
                      .with_compartment_id(compartment_id).with_project_id(project_id)
                      .with_shape_name(shape or None)
                      .with_replica(instance_count or None).with_bandwidth_mbps(bandwidth_mbps or None)
                      .with_subnet_id(subnet_id).with_private_endpoint_id(private_endpoint_id))
    if ocpus or memory_in_gbs:
        infrastructure.with_shape_config_details(ocpus or None, memory_in_gbs or None)
    if log_group_id and access_log_id:
        infrastructure.with_access_log(log_group_id, access_log_id)
    if log_group_id and predict_log_id:
        infrastructure.with_predict_log(log_group_id, predict_log_id)
    return infrastructure


def _runtime(image: str | None, container: dict[str, Any]) -> ModelDeploymentRuntime:
    """A container runtime when an image is given; else the service's own (container keywords refused)."""
    if not image:
        if any(value is not None for value in container.values()):
            raise DeploymentError("image_digest, entrypoint, cmd, server_port and health_check_port belong to a "
                                  "container deployment: pass deployment_image too")
        return ModelDeploymentCondaRuntime()
    runtime = (ModelDeploymentContainerRuntime().with_image(image).with_image_digest(container["image_digest"])
               .with_server_port(container["server_port"]).with_health_check_port(container["health_check_port"]))
    if container["entrypoint"]:
        runtime.with_entrypoint(container["entrypoint"])
    if container["cmd"]:
        runtime.with_cmd(container["cmd"])
    return runtime


def load_model_from_deployment(cls: Any, model_deployment_id: str, artifact_dir: Any = None, auth: Any = None,
                               profile: str | None = None, **kwargs: Any) -> Any:
    """The model a deployment serves, loaded from the catalog, with ``model_deployment`` set."""
    from toolkit.deployment.handle import ModelDeployment

    deployment = ModelDeployment.from_id(model_deployment_id, auth=auth, profile=profile)
    model = cls.from_model_catalog(deployment.model_id, artifact_dir=artifact_dir, auth=auth, profile=profile,
                                   **kwargs)
    model.model_deployment = deployment
    return model


def predict_with_model(model: Any, data: Any = None, **kwargs: Any) -> Any:
    """``model.predict(data)``: through the model's deployment (ADS behaviour)."""
    deployment = getattr(model, "model_deployment", None)
    if deployment is None:
        raise DeploymentError("the model is not deployed; call .deploy() first (or .verify() to test locally)")
    return deployment.predict(data=data, **kwargs)
