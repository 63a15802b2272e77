"""A published conda pack (registered with `dockyard conda publish`): prepare names it by its oci://
path, introspection checks the path exists (ADS asks Object Storage with ~/.oci/config's client),
and save() accepts the artifact.

Usage: published_pack.py ARTIFACT_DIR PACK_PATH
"""
import json
import sys

from toolkit import connect_ads

connect_ads()

from ads.model.generic_model import GenericModel  # noqa: E402


class Doubler:
    def predict(self, X):
        return [2 * x for x in X]


artifact_dir, pack_path = sys.argv[1:3]
model = GenericModel(estimator=Doubler(), artifact_dir=artifact_dir)
model.prepare(inference_conda_env=pack_path, force_overwrite=True)
introspection = model.introspect()
model_id = model.save(display_name="doubler")

print("RESULT " + json.dumps({
    "runtime_info": model.runtime_info.model_deployment.inference_conda_env.to_dict(),
    "introspection": {row["Test key"]: row["Result"] for _, row in introspection.iterrows()},
    "model_id": model_id,
}))
