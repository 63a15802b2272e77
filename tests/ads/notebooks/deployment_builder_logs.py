"""ModelDeployment's builder (infrastructure with access and predict log ids, conda runtime), predict,
then show_logs of both kinds.

Usage: deployment_builder_logs.py MODEL_ID LOG_GROUP_ID ACCESS_LOG_ID PREDICT_LOG_ID
"""
import json
import os
import sys

from toolkit import connect_ads

connect_ads()

from ads.model.deployment import (ModelDeployment, ModelDeploymentCondaRuntime,  # noqa: E402
                                  ModelDeploymentInfrastructure)
from sklearn.datasets import load_iris  # noqa: E402

model_id, log_group_id, access_log_id, predict_log_id = sys.argv[1:5]
X, _ = load_iris(return_X_y=True, as_frame=True)

infrastructure = (ModelDeploymentInfrastructure()
                  .with_project_id(os.environ["PROJECT_OCID"])
                  .with_compartment_id(os.environ["NB_SESSION_COMPARTMENT_OCID"])
                  .with_shape_name("VM.Standard.E4.Flex")
                  .with_shape_config_details(ocpus=1, memory_in_gbs=16)
                  .with_replica(1)
                  .with_bandwidth_mbps(10)
                  .with_access_log(log_group_id=log_group_id, log_id=access_log_id)
                  .with_predict_log(log_group_id=log_group_id, log_id=predict_log_id))
runtime = (ModelDeploymentCondaRuntime()
           .with_env({"WEB_CONCURRENCY": "1"})
           .with_model_uri(model_id))
deployment = (ModelDeployment()
              .with_display_name("iris-builder-md")
              .with_infrastructure(infrastructure)
              .with_runtime(runtime)
              .deploy(wait_for_completion=True, poll_interval=1, max_wait_time=1500))
prediction = deployment.predict(data={"data": X[:2].to_json(), "data_type": str(type(X))})
access = deployment.show_logs(log_type="access")
predict = deployment.show_logs(log_type="predict")

print("RESULT " + json.dumps({
    "state": deployment.state.name,
    "prediction": prediction,
    "log_details": deployment.infrastructure.to_dict()["spec"]["accessLog"],
    "access_messages": [str(m) for m in access["message"]],
    "predict_rows": len(predict),
    "deployment_id": deployment.model_deployment_id,
}))
