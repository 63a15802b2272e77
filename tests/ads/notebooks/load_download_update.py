"""Loading a saved model back (GenericModel.from_model_catalog, DataScienceModel.download_artifact)
and updating its metadata.

Usage: load_download_update.py MODEL_ID LOAD_DIR DOWNLOAD_DIR
"""
import json
import os
import sys

from toolkit import connect_ads

connect_ads()

from ads.model.datascience_model import DataScienceModel  # noqa: E402
from ads.model.generic_model import GenericModel  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402

model_id, load_dir, download_dir = sys.argv[1:4]
X, _ = load_iris(return_X_y=True, as_frame=True)

loaded = GenericModel.from_model_catalog(model_id, artifact_dir=load_dir, force_overwrite=True)
prediction = loaded.verify(X[:2], auto_serialize_data=True)

DataScienceModel.from_id(model_id).download_artifact(target_dir=download_dir, force_overwrite=True)

loaded.metadata_custom.add(key="owner", value="fraud-team", category="Other", description="who answers for it",
                           replace=True)
loaded.update(display_name="iris-logreg-reviewed", description="reviewed")
after = DataScienceModel.from_id(model_id)

print("RESULT " + json.dumps({
    "loaded_files": sorted(os.listdir(load_dir)),
    "prediction": prediction,
    "downloaded_files": sorted(os.listdir(download_dir)),
    "display_name": after.display_name,
    "description": after.description,
    "owner": after.custom_metadata_list.get("owner").value,
}))
