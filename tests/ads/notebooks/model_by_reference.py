"""ADS's models by reference: an SklearnModel prepared here, its files put in a versioned bucket,
DataScienceModel.create(model_by_reference=True) keeps them there; loading from the catalog and
download_artifact follow the description, and the loaded model deploys and predicts.

ADS 2.x's GenericModel.save(model_by_reference=True) hands its local artifact folder to the check
that wants an oci:// path and fails before any call, in OCI too: the notebook records that failure.

Usage: model_by_reference.py ARTIFACT_DIR LOAD_DIR DOWNLOAD_DIR
"""
import json
import os
import sys

from toolkit import connect_ads

connect_ads()

import oci  # noqa: E402
from ads.common.auth import default_signer  # noqa: E402
from ads.common.oci_client import OCIClientFactory  # noqa: E402
from ads.model.datascience_model import DataScienceModel  # noqa: E402
from ads.model.framework.sklearn_model import SklearnModel  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

artifact_dir, load_dir, download_dir = sys.argv[1:4]
X, y = load_iris(return_X_y=True, as_frame=True)
model = SklearnModel(estimator=LogisticRegression(max_iter=500).fit(X, y), artifact_dir=artifact_dir)
model.prepare(inference_conda_env="generalml_p311_cpu_x86_64_v1", X_sample=X[:5], y_sample=y[:5],
              force_overwrite=True)
try:
    model.save(display_name="iris-by-reference-save", model_by_reference=True)
    save_error = None
except Exception as exc:  # noqa: BLE001
    save_error = type(exc).__name__

storage = OCIClientFactory(**default_signer()).object_storage
namespace = storage.get_namespace().data
storage.create_bucket(namespace, oci.object_storage.models.CreateBucketDetails(
    name="iris-by-reference", compartment_id=os.environ["NB_SESSION_COMPARTMENT_OCID"], versioning="Enabled"))
for name in os.listdir(artifact_dir):
    if os.path.isfile(os.path.join(artifact_dir, name)):
        with open(os.path.join(artifact_dir, name), "rb") as body:
            storage.put_object(namespace, "iris-by-reference", f"iris/{name}", body)

created = (DataScienceModel()
           .with_display_name("iris-by-reference")
           .with_artifact(f"oci://iris-by-reference@{namespace}/iris/")
           .create(model_by_reference=True))
DataScienceModel.from_id(created.id).download_artifact(target_dir=download_dir, force_overwrite=True)
loaded = SklearnModel.from_model_catalog(created.id, artifact_dir=load_dir, force_overwrite=True)
deployment = loaded.deploy(display_name="iris-by-reference", poll_interval=1, max_wait_time=900)
prediction = loaded.predict(X[:3])
deployment.delete(wait_for_completion=True)



def files_under(folder):
    return sorted(os.path.relpath(os.path.join(root, name), folder) for root, _, names in os.walk(folder)
                  for name in names)


print("RESULT " + json.dumps({
    "save_error": save_error,
    "flag": created.custom_metadata_list.get("modelDescription").value,
    "downloaded_files": files_under(download_dir),
    "loaded_files": files_under(load_dir),
    "prediction": prediction,
    "expected": [int(v) for v in y[:3]],
}))
