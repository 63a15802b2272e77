"""ADS's "Register a model" quick start: prepare with a service conda pack slug, verify, introspect,
summary_status, then save into a model version set with a version label.

Usage: prepare_verify_save.py ARTIFACT_DIR VERSION_SET_NAME
"""
import json
import sys

from toolkit import connect_ads

connect_ads()

from ads.model.framework.sklearn_model import SklearnModel  # noqa: E402
from ads.model.model_version_set import ModelVersionSet  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

artifact_dir, set_name = sys.argv[1:3]
X, y = load_iris(return_X_y=True, as_frame=True)
estimator = LogisticRegression(max_iter=500).fit(X, y)

model = SklearnModel(estimator=estimator, artifact_dir=artifact_dir)
model.prepare(inference_conda_env="generalml_p311_cpu_x86_64_v1", X_sample=X[:5], y_sample=y[:5],
              force_overwrite=True)
verified = model.verify(X[:3])
introspection = model.introspect()
status = model.summary_status().reset_index()

version_set = ModelVersionSet(name=set_name, description="ADS compatibility").create()
model_id = model.save(display_name="iris-logreg", model_version_set=version_set, version_label="v1")
members = ModelVersionSet.from_name(set_name).models()

print("RESULT " + json.dumps({
    "runtime_info": model.runtime_info.model_deployment.inference_conda_env.to_dict(),
    "verify": verified,
    "introspection": {row["Test key"]: row["Result"] for _, row in introspection.iterrows()},
    "status": dict(zip(status["Step"], status["Status"])),
    "model_id": model_id,
    "version_set_id": version_set.id,
    "members": [{"id": m.id, "version_label": m.version_label, "version_id": m.version_id} for m in members],
}))
