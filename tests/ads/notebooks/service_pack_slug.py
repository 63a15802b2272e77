"""A notebook of the ADS 2.x era: prepare names a service pack by its slug, here a deprecated one
(Python 3.7) that OCI still lists. ADS resolves it through the service-pack index (get_service_packs)
and writes the pack's path and Python into runtime.yaml.

Usage: service_pack_slug.py ARTIFACT_DIR SLUG
"""
import json
import sys

from toolkit import connect_ads

connect_ads()

from ads.model.generic_model import GenericModel  # noqa: E402


class Doubler:
    def predict(self, X):
        return [2 * x for x in X]


artifact_dir, slug = sys.argv[1:3]
model = GenericModel(estimator=Doubler(), artifact_dir=artifact_dir)
model.prepare(inference_conda_env=slug, force_overwrite=True)

print("RESULT " + json.dumps({"runtime_info": model.runtime_info.model_deployment.inference_conda_env.to_dict()}))
