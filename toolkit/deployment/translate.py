"""The one translation between the deployment builders and the ``oci`` SDK's models.

To the SDK: ``create_details`` and ``update_details`` (``CreateModelDeploymentDetails``,
``UpdateModelDeploymentDetails``) from an infrastructure and a runtime builder; every way of
creating a deployment (``model.deploy()``, ``deploy_model``, the builders, YAML, ``dockyard
deploy``, promotion) ends here. From the SDK: ``infrastructure_of`` and ``runtime_of`` describe a
deployment of the catalog as builders, which is how ``ModelDeployment.to_yaml`` and ``update``
read it; ``create_details_like`` copies one deployment's configuration for another model
(promotion). The SDK's models own the REST shapes; nothing here writes a wire key by hand.
"""
from __future__ import annotations

from typing import Any

from oci.data_science.models import (
    AutoScalingPolicy,
    CategoryLogDetails,
    CreateModelDeploymentDetails,
    DefaultModelDeploymentEnvironmentConfigurationDetails,
    FixedSizeScalingPolicy,
    InstanceConfiguration,
    InstancePoolInfrastructureConfigurationDetails,
    LogDetails,
    ModelConfigurationDetails,
    ModelGroupConfigurationDetails,
    ModelGroupDeploymentConfigurationDetails,
    ModelDeploymentInstanceShapeConfigDetails,
    OcirModelDeploymentEnvironmentConfigurationDetails,
    PredefinedExpressionThresholdScalingConfiguration,
    PredefinedMetricExpressionRule,
    SingleModelDeploymentConfigurationDetails,
    ThresholdBasedAutoScalingPolicyDetails,
    UpdateDefaultModelDeploymentEnvironmentConfigurationDetails,
    UpdateInstancePoolInfrastructureConfigurationDetails,
    UpdateModelConfigurationDetails,
    UpdateModelDeploymentDetails,
    UpdateModelGroupConfigurationDetails,
    UpdateModelGroupDeploymentConfigurationDetails,
    UpdateOcirModelDeploymentEnvironmentConfigurationDetails,
    UpdateSingleModelDeploymentConfigurationDetails,
)

from emulator.contracts.deployments import DEFAULT_SERVER_PORT
from toolkit.deployment.errors import DeploymentError
from toolkit.deployment.spec import (
    ModelDeploymentCondaRuntime,
    ModelDeploymentContainerRuntime,
    ModelDeploymentInfrastructure,
    ModelDeploymentRuntime,
    SpecError,
)

WEB_CONCURRENCY = "WEB_CONCURRENCY"  # the environment variable the infrastructure's web_concurrency becomes
# ADS's defaults for what with_auto_scaling() leaves out (ModelDeployment._build_model_deployment_details)
AUTO_SCALING_DEFAULTS = {"minimumInstanceCount": 1, "maximumInstanceCount": 3, "scaleInThreshold": 30,
                         "scaleOutThreshold": 70, "isEnabled": True}


# ---------------------------------------------------------------------- builders -> SDK
def create_details(model_id: str | None, infrastructure: ModelDeploymentInfrastructure,
                   runtime: ModelDeploymentRuntime, *, display_name: str, compartment_id: str, project_id: str | None,
                   description: str | None = None, freeform_tags: dict | None = None,
                   defined_tags: dict | None = None) -> CreateModelDeploymentDetails:
    """The ``CreateModelDeploymentDetails`` of a deployment of ``model_id``, or of the runtime's model
    group (``with_model_group_id``: a MODEL_GROUP deployment, as ADS sends it), the builders describe."""
    if runtime.model_group_id:
        configuration: Any = ModelGroupDeploymentConfigurationDetails(
            deployment_type="MODEL_GROUP",
            model_group_configuration_details=ModelGroupConfigurationDetails(model_group_id=runtime.model_group_id),
            infrastructure_configuration_details=_instance_pool(InstancePoolInfrastructureConfigurationDetails,
                                                                infrastructure),
            environment_configuration_details=_environment(runtime, infrastructure, update=False))
    else:
        configuration = SingleModelDeploymentConfigurationDetails(
            deployment_type="SINGLE_MODEL",
            model_configuration_details=_model_configuration(ModelConfigurationDetails, model_id, infrastructure),
            environment_configuration_details=_environment(runtime, infrastructure, update=False))
    return CreateModelDeploymentDetails(
        display_name=display_name,
        description=description,
        compartment_id=compartment_id,
        project_id=project_id,
        model_deployment_configuration_details=configuration,
        category_log_details=_log_details(infrastructure),
        freeform_tags=freeform_tags or None,
        defined_tags=defined_tags,
    )


def update_details(display_name: str | None, description: str | None, freeform_tags: dict | None,
                   defined_tags: dict | None, infrastructure: ModelDeploymentInfrastructure,
                   runtime: ModelDeploymentRuntime, model_id: str | None, config_changed: bool) -> UpdateModelDeploymentDetails:
    """The ``UpdateModelDeploymentDetails`` of names and tags, and (``config_changed``) of the whole
    configuration the builders describe."""
    config = None
    if config_changed and runtime.model_group_id:
        config = UpdateModelGroupDeploymentConfigurationDetails(
            deployment_type="MODEL_GROUP",
            model_group_configuration_details=UpdateModelGroupConfigurationDetails(
                model_group_id=runtime.model_group_id),
            infrastructure_configuration_details=_instance_pool(UpdateInstancePoolInfrastructureConfigurationDetails,
                                                                infrastructure),
            environment_configuration_details=_environment(runtime, infrastructure, update=True))
    elif config_changed:
        config = UpdateSingleModelDeploymentConfigurationDetails(
            deployment_type="SINGLE_MODEL",
            model_configuration_details=_model_configuration(UpdateModelConfigurationDetails, model_id, infrastructure),
            environment_configuration_details=_environment(runtime, infrastructure, update=True))
    return UpdateModelDeploymentDetails(display_name=display_name, description=description,
                                        freeform_tags=freeform_tags, defined_tags=defined_tags,
                                        model_deployment_configuration_details=config,
                                        category_log_details=_log_details(infrastructure) if config_changed else None)


def _model_configuration(kind: type, model_id: str | None, infrastructure: ModelDeploymentInfrastructure) -> Any:
    return kind(model_id=model_id, bandwidth_mbps=infrastructure.bandwidth_mbps,
                instance_configuration=_instance_configuration(infrastructure),
                scaling_policy=_scaling_policy(infrastructure))


def _instance_pool(kind: type, infrastructure: ModelDeploymentInfrastructure) -> Any:
    """A MODEL_GROUP deployment's INSTANCE_POOL infrastructure: what a single model's configuration
    holds beside its model id (ADS's ``infrastructureConfigurationDetails``)."""
    return kind(infrastructure_type="INSTANCE_POOL", bandwidth_mbps=infrastructure.bandwidth_mbps,
                instance_configuration=_instance_configuration(infrastructure),
                scaling_policy=_scaling_policy(infrastructure))


def _instance_configuration(infrastructure: ModelDeploymentInfrastructure) -> InstanceConfiguration:
    shape = infrastructure.shape_config_details
    return InstanceConfiguration(
        instance_shape_name=infrastructure.shape_name,
        model_deployment_instance_shape_config_details=ModelDeploymentInstanceShapeConfigDetails(
            ocpus=shape["ocpus"], memory_in_gbs=shape["memoryInGBs"]),
        subnet_id=infrastructure.subnet_id, private_endpoint_id=infrastructure.private_endpoint_id)


def _scaling_policy(infrastructure: ModelDeploymentInfrastructure) -> FixedSizeScalingPolicy | AutoScalingPolicy:
    """FIXED_SIZE at ``replica``, or with ``with_auto_scaling`` the AUTOSCALING policy ADS sends: one
    THRESHOLD policy with one predefined rule on the chosen metric, ADS's defaults filling the rest."""
    if not infrastructure.auto_scaling:
        return FixedSizeScalingPolicy(policy_type="FIXED_SIZE", instance_count=infrastructure.replica)
    auto = {**AUTO_SCALING_DEFAULTS, "initialInstanceCount": infrastructure.replica, **infrastructure.auto_scaling}
    threshold = lambda value: PredefinedExpressionThresholdScalingConfiguration(  # noqa: E731
        scaling_configuration_type="THRESHOLD", threshold=value)
    rule = PredefinedMetricExpressionRule(
        metric_expression_rule_type="PREDEFINED_EXPRESSION", metric_type=auto["scalingType"].upper(),
        scale_in_configuration=threshold(auto["scaleInThreshold"]),
        scale_out_configuration=threshold(auto["scaleOutThreshold"]))
    return AutoScalingPolicy(
        policy_type="AUTOSCALING", is_enabled=auto["isEnabled"], cool_down_in_seconds=auto.get("coolDownInSeconds"),
        auto_scaling_policies=[ThresholdBasedAutoScalingPolicyDetails(
            auto_scaling_policy_type="THRESHOLD", minimum_instance_count=auto["minimumInstanceCount"],
            maximum_instance_count=auto["maximumInstanceCount"],
            initial_instance_count=auto["initialInstanceCount"], rules=[rule])])


def _environment(runtime: ModelDeploymentRuntime, infrastructure: ModelDeploymentInfrastructure, update: bool) -> Any:
    """The environment configuration: the runtime's env (plus ``WEB_CONCURRENCY`` from the
    infrastructure, as ADS sets it), and for a container its image, command and ports."""
    if runtime.deployment_mode != "HTTPS_ONLY":
        raise DeploymentError(f"deployment_mode {runtime.deployment_mode!r}: Dockyard serves HTTPS_ONLY deployments "
                              "(stream deployments are not emulated)")
    env = runtime.env
    if infrastructure.web_concurrency is not None:
        env.setdefault(WEB_CONCURRENCY, str(infrastructure.web_concurrency))
    if isinstance(runtime, ModelDeploymentContainerRuntime):
        if not runtime.image:
            raise SpecError("a container runtime needs an image (with_image / spec.runtime.spec.image)")
        port = runtime.server_port or DEFAULT_SERVER_PORT
        kind = UpdateOcirModelDeploymentEnvironmentConfigurationDetails if update \
            else OcirModelDeploymentEnvironmentConfigurationDetails
        return kind(environment_configuration_type="OCIR_CONTAINER", image=runtime.image,
                    image_digest=runtime.image_digest, entrypoint=runtime.entrypoint, cmd=runtime.cmd,
                    server_port=port, health_check_port=runtime.health_check_port or port,
                    environment_variables=env or None)
    kind = UpdateDefaultModelDeploymentEnvironmentConfigurationDetails if update \
        else DefaultModelDeploymentEnvironmentConfigurationDetails
    return kind(environment_configuration_type="DEFAULT", environment_variables=env or None)


def _log_details(infrastructure: ModelDeploymentInfrastructure) -> CategoryLogDetails | None:
    access, predict = infrastructure.access_log, infrastructure.predict_log
    if not access and not predict:
        return None
    as_details = lambda log: LogDetails(log_group_id=log["logGroupId"], log_id=log["logId"]) if log else None  # noqa: E731
    return CategoryLogDetails(access=as_details(access), predict=as_details(predict))


# ---------------------------------------------------------------------- SDK -> builders
def infrastructure_of(record: Any) -> ModelDeploymentInfrastructure:
    """The builder that describes a deployment of the catalog (its record in the SDK's shape)."""
    config = _serving_configuration(record)
    instance = config.instance_configuration
    shape = instance.model_deployment_instance_shape_config_details if instance else None
    infrastructure = (ModelDeploymentInfrastructure()
                      .with_compartment_id(record.compartment_id).with_project_id(record.project_id)
                      .with_shape_name(instance.instance_shape_name if instance else None)
                      .with_bandwidth_mbps(config.bandwidth_mbps)
                      .with_replica(getattr(config.scaling_policy, "instance_count", None))
                      .with_subnet_id(getattr(instance, "subnet_id", None))
                      .with_private_endpoint_id(getattr(instance, "private_endpoint_id", None)))
    if shape is not None:
        infrastructure.with_shape_config_details(shape.ocpus, shape.memory_in_gbs)
    auto_scaling = _auto_scaling_of(config.scaling_policy)
    if auto_scaling:
        infrastructure.with_auto_scaling(**auto_scaling)
    logs = getattr(record, "category_log_details", None)
    for kind, setter in (("access", infrastructure.with_access_log), ("predict", infrastructure.with_predict_log)):
        detail = getattr(logs, kind, None) if logs else None
        if detail is not None and detail.log_id:
            setter(detail.log_group_id, detail.log_id)
    env = _environment_of(record)
    if env is not None and (env.environment_variables or {}).get(WEB_CONCURRENCY):
        infrastructure.with_web_concurrency(int(env.environment_variables[WEB_CONCURRENCY]))
    return infrastructure


def _auto_scaling_of(policy: Any) -> dict[str, Any]:
    """``with_auto_scaling``'s arguments for an AUTOSCALING policy it can describe (one THRESHOLD policy
    whose first rule is predefined), else ``{}`` (``create_details_like`` copies any policy whole)."""
    details = (getattr(policy, "auto_scaling_policies", None) or [None])[0]
    rule = (getattr(details, "rules", None) or [None])[0]
    if getattr(policy, "policy_type", None) != "AUTOSCALING" or not isinstance(rule, PredefinedMetricExpressionRule):
        return {}
    return {"scaling_type": rule.metric_type.lower(), "minimum_instance_count": details.minimum_instance_count,
            "maximum_instance_count": details.maximum_instance_count,
            "initial_instance_count": details.initial_instance_count,
            "scale_in_threshold": getattr(rule.scale_in_configuration, "threshold", None),
            "scale_out_threshold": getattr(rule.scale_out_configuration, "threshold", None),
            "cool_down_in_seconds": policy.cool_down_in_seconds, "is_enabled": policy.is_enabled}


def runtime_of(record: Any) -> ModelDeploymentRuntime:
    """The runtime builder that describes a deployment of the catalog."""
    env = _environment_of(record)
    if env is not None and env.environment_configuration_type == "OCIR_CONTAINER":
        runtime: ModelDeploymentRuntime = (
            ModelDeploymentContainerRuntime().with_image(env.image).with_image_digest(env.image_digest)
            .with_server_port(env.server_port).with_health_check_port(env.health_check_port))
        if env.entrypoint:
            runtime.with_entrypoint(env.entrypoint)
        if env.cmd:
            runtime.with_cmd(env.cmd)
    else:
        runtime = ModelDeploymentCondaRuntime()
    variables = dict(getattr(env, "environment_variables", None) or {})
    variables.pop(WEB_CONCURRENCY, None)  # the infrastructure's web_concurrency
    runtime.with_env(variables).with_deployment_mode("HTTPS_ONLY")
    group_id = deployed_model_group_id(record)
    return runtime.with_model_group_id(group_id) if group_id else runtime.with_model_uri(deployed_model_id(record))


def _serving_configuration(record: Any) -> Any:
    """Where a deployment's shape, bandwidth and scaling policy live: a single model's
    ``model_configuration_details``, a MODEL_GROUP deployment's ``infrastructure_configuration_details``."""
    details = record.model_deployment_configuration_details
    return getattr(details, "model_configuration_details", None) or details.infrastructure_configuration_details


def _environment_of(record: Any) -> Any:
    return getattr(record.model_deployment_configuration_details, "environment_configuration_details", None)


def deployed_model_id(record: Any) -> str | None:
    """The model a deployment (or its summary) serves."""
    details = getattr(record, "model_deployment_configuration_details", None)
    return getattr(getattr(details, "model_configuration_details", None), "model_id", None)


def deployed_model_group_id(record: Any) -> str | None:
    """The model group a MODEL_GROUP deployment (or its summary) serves; None for a single model's."""
    details = getattr(record, "model_deployment_configuration_details", None)
    return getattr(getattr(details, "model_group_configuration_details", None), "model_group_id", None)


# ---------------------------------------------------------------------- SDK -> SDK
def create_details_like(template: Any, model_id: str | None, compartment_id: str,
                        project_id: str | None, model_group_id: str | None = None) -> CreateModelDeploymentDetails:
    """A deployment of ``model_id`` (or, for a MODEL_GROUP template, of ``model_group_id``) configured as
    ``template`` (a deployment's record) is: its shape, scaling policy, bandwidth and environment, as the
    SDK holds them (so nothing the builders do not know, such as an autoscaling policy, is lost), minus
    what only exists in the template's tenancy (subnets, private endpoints, log OCIDs, defined tags)."""
    configuration = template.model_deployment_configuration_details
    if deployed_model_group_id(template):
        configuration.model_group_configuration_details.model_group_id = model_group_id
    else:
        configuration.model_configuration_details.model_id = model_id
    instance = _serving_configuration(template).instance_configuration
    if instance is not None:
        instance.subnet_id = None
        if hasattr(instance, "private_endpoint_id"):
            instance.private_endpoint_id = None
    return CreateModelDeploymentDetails(
        display_name=template.display_name, description=template.description,
        compartment_id=compartment_id, project_id=project_id, freeform_tags=template.freeform_tags or None,
        model_deployment_configuration_details=configuration)
