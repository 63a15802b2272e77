"""ADS's ``ModelDeploymentInfrastructure.with_auto_scaling``: the builder sends the AUTOSCALING policy ADS
sends (one THRESHOLD policy, one predefined rule, ADS's defaults for what is left out), the emulator's
autoscaler acts on it, and a deployment of the catalog reads back as the same builder."""
from __future__ import annotations

import time

import pytest
from oci.data_science import models as dsm

from emulator.model_deployment.service import service_of
from toolkit import ModelDeployment, ModelDeploymentCondaRuntime, ModelDeploymentInfrastructure
from toolkit.deployment.spec import SpecError


def _wait(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow  # waits for the policy to scale out under load: 5 s and more
def test_with_auto_scaling_deploys_adss_autoscaling_policy_and_the_emulator_scales_on_it(emulator, sklearn_model_id):
    # every instance uses more than 0% of its shape's memory: the scale-out rule holds at once
    infrastructure = ModelDeploymentInfrastructure().with_auto_scaling(
        "MEMORY_UTILIZATION", maximum_instance_count=2, scale_in_threshold=0, scale_out_threshold=0)
    assert infrastructure.auto_scaling == {"scalingType": "memory_utilization", "maximumInstanceCount": 2,
                                           "scaleInThreshold": 0, "scaleOutThreshold": 0}
    deployment = ModelDeployment().with_display_name("autoscaled").with_infrastructure(infrastructure) \
        .with_runtime(ModelDeploymentCondaRuntime().with_model_uri(sklearn_model_id)).deploy(runtime="process")
    try:
        policy = deployment.record.model_deployment_configuration_details.model_configuration_details.scaling_policy
        assert isinstance(policy, dsm.AutoScalingPolicy) and policy.is_enabled is True
        assert policy.cool_down_in_seconds == 300  # ADS leaves it out; OCI's default
        threshold = policy.auto_scaling_policies[0]
        assert (threshold.minimum_instance_count, threshold.initial_instance_count,
                threshold.maximum_instance_count) == (1, 1, 2)  # ADS's defaults: minimum 1, initial = replica
        rule = threshold.rules[0]
        assert (rule.metric_expression_rule_type, rule.metric_type) == ("PREDEFINED_EXPRESSION", "MEMORY_UTILIZATION")
        assert (rule.scale_in_configuration.threshold, rule.scale_out_configuration.threshold) == (0, 0)

        _wait(lambda: len(service_of(emulator.app).instances(deployment.id)) == 2, 60, "the builder's scale-out")
        _wait(lambda: deployment.sync().record.model_deployment_system_data.current_instance_count == 2, 30,
              "the record to say 2 instances")

        read_back = ModelDeployment.from_id(deployment.id).infrastructure
        assert read_back.auto_scaling == {"scalingType": "memory_utilization", "minimumInstanceCount": 1,
                                          "maximumInstanceCount": 2, "initialInstanceCount": 1,
                                          "scaleInThreshold": 0, "scaleOutThreshold": 0,
                                          "coolDownInSeconds": 300, "isEnabled": True}
        assert "autoScaling" in read_back.to_yaml()
    finally:
        deployment.delete()


def test_with_auto_scaling_takes_adss_scaling_types_only():
    with pytest.raises(ValueError, match="cpu_utilization"):
        ModelDeploymentInfrastructure().with_auto_scaling("requests")
    with pytest.raises(SpecError):
        ModelDeploymentInfrastructure().with_auto_scaling(None)
    assert ModelDeploymentInfrastructure().auto_scaling == {}
    spec = ModelDeploymentInfrastructure.from_yaml(
        "kind: infrastructure\nspec:\n  autoScaling: {scalingType: cpu_utilization, maximumInstanceCount: 4}\n")
    assert spec.auto_scaling == {"scalingType": "cpu_utilization", "maximumInstanceCount": 4}
