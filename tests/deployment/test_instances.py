"""Several instances behind one deployment URL, end to end on the process runtime: balancing,
ejection of a dead instance without losing a call, its replacement, and AUTOSCALING's threshold
rules scaling out and in (the session emulator runs policy durations 50 times faster)."""
from __future__ import annotations

import os
import signal
import threading
import time

import oci
import pytest
import requests
from oci.data_science import models as dsm

from emulator.model_deployment.service import service_of
from tests.deployment import helpers
from tests.deployment.artifacts import write_artifact
from tests.deployment.conftest import pointing_at
from toolkit.catalog.session import connect
from toolkit.deployment import ModelDeployment, deploy_model

PID_SCORE = '''
import os

def load_model():
    return None

def predict(data, model=load_model()):
    return {"pid": os.getpid()}
'''


@pytest.fixture(scope="module")
def pid_model_id(emulator, tmp_path_factory) -> str:
    with pointing_at(emulator):
        return helpers.save_to_catalog(write_artifact(tmp_path_factory.mktemp("pid"), PID_SCORE), "pid")


def _pids(url: str, calls: int) -> list[int]:
    session = requests.Session()
    return [session.post(f"{url}/predict", json={}, timeout=30).json()["pid"] for _ in range(calls)]


def _wait(check, timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_fixed_size_runs_n_instances_behind_the_one_url_and_balances_across_them(pid_model_id, emulator):
    deployment = deploy_model(pid_model_id, runtime="process", deployment_instance_count=3,
                              environment_variables={"WEB_CONCURRENCY": "1"})
    try:
        handles = service_of(emulator.app).instances(deployment.id)
        assert len(handles) == 3 and len({h.url for h in handles}) == 3
        assert deployment.record.model_deployment_system_data.current_instance_count == 3
        assert len(set(_pids(deployment.url, 12))) == 3  # every instance answers through the one URL
        api_port = f"{emulator.url}/{deployment.id}"  # the API port's route balances the same way
        assert len(set(_pids(api_port, 12))) == 3
    finally:
        deployment.delete()


def test_a_killed_instance_is_ejected_at_once_loses_no_call_and_is_replaced(pid_model_id, emulator):
    deployment = deploy_model(pid_model_id, runtime="process", deployment_instance_count=2,
                              environment_variables={"WEB_CONCURRENCY": "1"})
    service = service_of(emulator.app)
    try:
        _pids(deployment.url, 10)  # both instances hold pooled connections now
        victim, survivor = service.instances(deployment.id)
        os.killpg(int(victim.ref), signal.SIGKILL)
        _wait(lambda: not service.server_alive(victim), 10, "the instance to die")
        statuses = []
        session = requests.Session()
        for _ in range(40):  # sent right after the kill, before the monitor noticed: none may fail
            statuses.append(session.post(f"{deployment.url}/predict", json={}, timeout=30).status_code)
        assert statuses == [200] * 40
        _wait(lambda: len(service.instances(deployment.id)) == 2 and victim.ref not in
              [h.ref for h in service.instances(deployment.id)], 90, "a replacement instance")
        assert deployment.sync().lifecycle_state == "ACTIVE"
        assert deployment.record.model_deployment_system_data.current_instance_count == 2
        log = (emulator.state.config.home / "deployments" / deployment.id / "logs" / "deploy.jsonl").read_text()
        assert "stopped unexpectedly" in log and "replacement" in log
        assert len(set(_pids(deployment.url, 10))) == 2
    finally:
        deployment.delete()


def _autoscaling_details(model_id: str, scale_out: str, scale_in: str) -> dsm.CreateModelDeploymentDetails:
    session = connect()
    compartment = session.compartment(None)
    rule = dsm.CustomMetricExpressionRule(
        metric_expression_rule_type="CUSTOM_EXPRESSION",
        scale_out_configuration=dsm.CustomExpressionQueryScalingConfiguration(
            scaling_configuration_type="QUERY", query=scale_out, pending_duration="PT3M", instance_count_adjustment=1),
        scale_in_configuration=dsm.CustomExpressionQueryScalingConfiguration(
            scaling_configuration_type="QUERY", query=scale_in, pending_duration="PT3M", instance_count_adjustment=1))
    policy = dsm.AutoScalingPolicy(policy_type="AUTOSCALING", cool_down_in_seconds=300, is_enabled=True,
                                   auto_scaling_policies=[dsm.ThresholdBasedAutoScalingPolicyDetails(
                                       auto_scaling_policy_type="THRESHOLD", minimum_instance_count=1,
                                       maximum_instance_count=2, initial_instance_count=1, rules=[rule])])
    return dsm.CreateModelDeploymentDetails(
        compartment_id=compartment, project_id=session.project(None, compartment), display_name="autoscaled",
        freeform_tags={"dockyard-runtime": "process"},
        model_deployment_configuration_details=dsm.SingleModelDeploymentConfigurationDetails(
            deployment_type="SINGLE_MODEL", model_configuration_details=dsm.ModelConfigurationDetails(
                model_id=model_id, scaling_policy=policy,
                instance_configuration=dsm.InstanceConfiguration(instance_shape_name="VM.Standard.E4.Flex"))))


@pytest.mark.slow  # a load, then idleness, long enough for the policy to scale out and back in: 10 s and more
def test_autoscaling_scales_out_under_load_and_back_in_when_idle(pid_model_id, emulator):
    metric = 'PredictRequestCount[1m]{resourceId = "MODEL_DEPLOYMENT_OCID"}.grouping().sum()'
    session = connect()
    created = session.ds.create_model_deployment(_autoscaling_details(pid_model_id, f"{metric} > 10",
                                                                      f"{metric} < 1")).data
    deployment = ModelDeployment(created, session)
    service = service_of(emulator.app)
    try:
        assert helpers.wait_state(deployment, ("ACTIVE", "FAILED"), 60) == "ACTIVE"
        assert len(service.instances(deployment.id)) == 1
        stop = threading.Event()

        def load() -> None:
            calls = requests.Session()
            while not stop.is_set():
                calls.post(f"{deployment.url}/predict", json={}, timeout=30)
                time.sleep(0.01)

        thread = threading.Thread(target=load, daemon=True)
        thread.start()
        try:
            _wait(lambda: len(service.instances(deployment.id)) == 2, 60, "a scale-out")
        finally:
            stop.set()
            thread.join()
        _wait(lambda: deployment.sync().record.model_deployment_system_data.current_instance_count == 2, 30,
              "the record to say 2 instances")
        _wait(lambda: deployment.sync().record.model_deployment_system_data.current_instance_count == 1, 60,
              "a scale-in")
        assert len(service.instances(deployment.id)) == 1 and deployment.lifecycle_state == "ACTIVE"

        requests_ = session.ds.list_work_requests(session.compartment(None), resource_id=deployment.id).data
        updates = [w for w in requests_ if w.operation_type == "MODEL_DEPLOYMENT_UPDATE"]
        assert len(updates) == 2 and all(w.status == "SUCCEEDED" for w in updates)
        texts = ["\n".join(e.message for e in session.ds.list_work_request_logs(w.id).data) for w in updates]
        assert any("1 -> 2" in t and "PredictRequestCount" in t for t in texts)
        assert any("2 -> 1" in t for t in texts)
        log = (emulator.state.config.home / "deployments" / deployment.id / "logs" / "deploy.jsonl").read_text()
        assert "scaling out" in log and "scaling in" in log
    finally:
        deployment.delete()


@pytest.mark.parametrize("policy, field", [
    ({"policyType": "FIXED_SIZE", "instanceCount": 0}, "instanceCount"),
    ({"policyType": "AUTOSCALING", "coolDownInSeconds": 60, "autoScalingPolicies": []}, "coolDownInSeconds"),
    ({"policyType": "AUTOSCALING", "autoScalingPolicies": [{"autoScalingPolicyType": "THRESHOLD",
      "minimumInstanceCount": 3, "maximumInstanceCount": 2, "rules": []}]}, "minimumInstanceCount"),
    ({"policyType": "AUTOSCALING", "autoScalingPolicies": [{"autoScalingPolicyType": "THRESHOLD",
      "minimumInstanceCount": 1, "maximumInstanceCount": 2, "rules": [{
          "metricExpressionRuleType": "PREDEFINED_EXPRESSION", "metricType": "CPU_UTILIZATION",
          "scaleInConfiguration": {"threshold": 10, "pendingDuration": "PT1M"},
          "scaleOutConfiguration": {"threshold": 80}}]}]}, "pendingDuration"),
    ({"policyType": "AUTOSCALING", "autoScalingPolicies": [{"autoScalingPolicyType": "THRESHOLD",
      "minimumInstanceCount": 1, "maximumInstanceCount": 2, "rules": [{
          "metricExpressionRuleType": "CUSTOM_EXPRESSION",
          "scaleInConfiguration": {"query": "SomethingElse[1m].mean() < 1"},
          "scaleOutConfiguration": {"query": "CpuUtilization[1m].mean() > 1"}}]}]}, "query"),
])
def test_invalid_scaling_policies_are_400_naming_the_field(pid_model_id, emulator, policy, field):
    session = connect()
    compartment = session.compartment(None)
    body = {"compartmentId": compartment, "projectId": session.project(None, compartment),
            "modelDeploymentConfigurationDetails": {"deploymentType": "SINGLE_MODEL", "modelConfigurationDetails": {
                "modelId": pid_model_id, "scalingPolicy": policy,
                "instanceConfiguration": {"instanceShapeName": "VM.Standard.E4.Flex"}}}}
    response = requests.post(f"{emulator.url}/20190101/modelDeployments", json=body, timeout=30)
    assert response.status_code == 400 and response.json()["code"] == "InvalidParameter"
    assert field in response.json()["message"]


def test_the_sdk_reads_an_autoscaling_policy_back(pid_model_id, emulator):
    metric = 'CpuUtilization[1m]{resourceId = "MODEL_DEPLOYMENT_OCID"}.grouping().mean()'
    session = connect()
    details = _autoscaling_details(pid_model_id, f"{metric} > 90", f"{metric} < 5")
    created = session.ds.create_model_deployment(details).data
    deployment = ModelDeployment(created, session)
    try:
        helpers.wait_state(deployment, ("ACTIVE", "FAILED"), 60)
        policy = deployment.sync().record.model_deployment_configuration_details.model_configuration_details.scaling_policy
        assert isinstance(policy, oci.data_science.models.AutoScalingPolicy) and policy.cool_down_in_seconds == 300
        threshold = policy.auto_scaling_policies[0]
        assert (threshold.minimum_instance_count, threshold.maximum_instance_count) == (1, 2)
        assert threshold.rules[0].scale_out_configuration.query.endswith("> 90")
    finally:
        deployment.delete()
