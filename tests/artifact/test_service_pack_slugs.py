"""Every slug of the service-pack index resolves through ``prepare(inference_conda_env=slug)``, as
ADS resolves it against OCI's index: deprecated packs too (runtime.yaml gets the pack's path, slug
and Python; only a deployment here refuses packs older than Python 3.10)."""
from __future__ import annotations

import pytest
import yaml

from emulator.contracts.conda_packs import SERVICE_PACKS, ServicePack
from toolkit import GenericModel


class Doubler:
    def predict(self, rows):
        return [2 * row for row in rows]


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> GenericModel:
    return GenericModel(estimator=Doubler(), artifact_dir=str(tmp_path_factory.mktemp("slugs") / "artifact"))


@pytest.mark.parametrize("pack", SERVICE_PACKS, ids=lambda pack: pack.slug)
def test_the_slug_becomes_the_packs_path_type_and_python(model, dockyard_emulator, pack: ServicePack):
    model.prepare(inference_conda_env=pack.slug, force_overwrite=True)
    with open(f"{model.artifact_dir}/runtime.yaml") as fh:
        conda = yaml.safe_load(fh)["MODEL_DEPLOYMENT"]["INFERENCE_CONDA_ENV"]
    assert conda == {"INFERENCE_ENV_PATH": pack.path, "INFERENCE_ENV_SLUG": pack.slug,
                     "INFERENCE_ENV_TYPE": "data_science", "INFERENCE_PYTHON_VERSION": pack.python}
