"""GenericModel.from_model_deployment, then delete the model together with its deployments.

Usage: delete_with_deployment.py DEPLOYMENT_ID ARTIFACT_DIR
"""
import json
import os
import sys

from toolkit import connect_ads

connect_ads()

from ads.model.datascience_model import DataScienceModel  # noqa: E402
from ads.model.deployment import ModelDeployment  # noqa: E402
from ads.model.generic_model import GenericModel  # noqa: E402

deployment_id, artifact_dir = sys.argv[1:3]
model = GenericModel.from_model_deployment(deployment_id, artifact_dir=artifact_dir, force_overwrite=True)
files = sorted(os.listdir(artifact_dir))
model.delete(delete_associated_model_deployment=True)

print("RESULT " + json.dumps({
    "model_id": model.model_id,
    "files": files,
    "model_state": DataScienceModel.from_id(model.model_id).lifecycle_state,
    "deployment_state": ModelDeployment.from_id(deployment_id).state.name,
}))
