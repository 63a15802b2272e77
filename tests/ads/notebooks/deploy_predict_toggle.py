"""Deploy a saved model from its conda pack slug (the emulator builds the pack's environment in
Docker), predict, deactivate and activate, predict again.

Usage: deploy_predict_toggle.py MODEL_ID ARTIFACT_DIR
"""
import json
import sys

from toolkit import connect_ads

connect_ads()

from ads.model.framework.sklearn_model import SklearnModel  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402

model_id, artifact_dir = sys.argv[1:3]
X, y = load_iris(return_X_y=True, as_frame=True)

model = SklearnModel.from_model_catalog(model_id, artifact_dir=artifact_dir, force_overwrite=True)
deployment = model.deploy(display_name="iris-logreg-md", poll_interval=1, max_wait_time=1500)
states = [deployment.state.name]
first = model.predict(X[:3])
deployment.deactivate(poll_interval=1)
states.append(deployment.state.name)
deployment.activate(poll_interval=1)
states.append(deployment.state.name)
second = model.predict(X[:3])

print("RESULT " + json.dumps({
    "deployment_id": deployment.model_deployment_id,
    "url": deployment.url,
    "states": states,
    "first": first,
    "second": second,
    "expected": [int(v) for v in y[:3]],
}))
