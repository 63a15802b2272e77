"""Bring your own container: a ModelDeployment with ModelDeploymentContainerRuntime and a local image.

Usage: byoc.py MODEL_ID IMAGE
"""
import json
import os
import sys

from toolkit import connect_ads

connect_ads()

from ads.model.deployment import (ModelDeployment, ModelDeploymentContainerRuntime,  # noqa: E402
                                  ModelDeploymentInfrastructure)

model_id, image = sys.argv[1:3]
infrastructure = (ModelDeploymentInfrastructure()
                  .with_project_id(os.environ["PROJECT_OCID"])
                  .with_compartment_id(os.environ["NB_SESSION_COMPARTMENT_OCID"])
                  .with_shape_name("VM.Standard.E4.Flex")
                  .with_shape_config_details(ocpus=1, memory_in_gbs=16)
                  .with_replica(1)
                  .with_bandwidth_mbps(10))
runtime = (ModelDeploymentContainerRuntime()
           .with_image(image)
           .with_entrypoint(["python3"])
           .with_cmd(["/app/server.py"])
           .with_server_port(5000)
           .with_health_check_port(5001)
           .with_env({"GREETING": "hello from ADS", "SERVER_PORT": "5000", "HEALTH_PORT": "5001"})
           .with_model_uri(model_id))
deployment = (ModelDeployment()
              .with_display_name("byoc-md")
              .with_infrastructure(infrastructure)
              .with_runtime(runtime)
              .deploy(wait_for_completion=True, poll_interval=1))
prediction = deployment.predict(data={"x": [1, 2, 3]})
deployment.delete(wait_for_completion=True, poll_interval=1)

print("RESULT " + json.dumps({"prediction": prediction, "after_delete": deployment.state.name}))
