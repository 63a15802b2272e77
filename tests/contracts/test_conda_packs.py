"""Which pip requirements an artifact's environment is built from (``runtime_yaml.environment``):
what the artifact lists itself, else the stand-in of the conda pack runtime.yaml names."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from emulator.contracts import conda_packs as contract
from emulator.contracts import runtime_yaml

GENERAL = next(p for p in contract.SERVICE_PACKS if p.slug == "generalml_p311_cpu_x86_64_v1")
PUBLISHED = "oci://conda-packs@ns/conda_environments/cpu/churn/1.0/churn_v1"


@pytest.fixture
def packs() -> contract.PackLookup:
    """A lookup over a dict of objects: the index, one published stand-in, one real (binary) pack."""
    manifest = contract.published_manifest("churn_v1", "churn", "1.0", "3.11", PUBLISHED)
    objects = {
        (contract.SERVICE_NAMESPACE, contract.SERVICE_BUCKET, contract.INDEX_OBJECT):
            ({}, json.dumps(contract.index_document()).encode()),
        contract.parse_uri(PUBLISHED): ({"manifest": json.dumps(manifest)}, b"# stand-in\nxgboost==2.1.0\n"),
        ("ns", "conda-packs", "conda_environments/cpu/real/1.0/real_v1"):
            ({"manifest": json.dumps({"slug": "real_v1", "type": "published"})}, b"\x1f\x8b binary"),
    }
    return contract.PackLookup(lambda ns, bucket, name: objects.get((ns, bucket, name)))


def _artifact(tmp_path: Path, conda: dict, ours: dict | None = None, requirements_txt: str | None = None) -> Path:
    deployment = {"INFERENCE_CONDA_ENV": conda, **({"INFERENCE_ENV": ours} if ours is not None else {})}
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "runtime.yaml").write_text(yaml.safe_dump({"MODEL_ARTIFACT_VERSION": "3.0",
                                                           "MODEL_DEPLOYMENT": deployment}))
    if requirements_txt is not None:
        (tmp_path / "requirements.txt").write_text(requirements_txt)
    return tmp_path


def test_an_ads_artifact_gets_its_service_packs_stand_in(tmp_path, packs):
    # ADS writes the path in the region's namespace; the index is matched by bucket and object name.
    path = GENERAL.path.replace(contract.SERVICE_NAMESPACE, "regionns")
    artifact = _artifact(tmp_path, {"INFERENCE_ENV_PATH": path, "INFERENCE_ENV_SLUG": GENERAL.slug,
                                    "INFERENCE_ENV_TYPE": "data_science", "INFERENCE_PYTHON_VERSION": "3.11"})
    assert runtime_yaml.environment(artifact, packs) == list(GENERAL.requirements)


def test_a_slug_without_a_path_is_looked_up_in_the_index(tmp_path, packs):
    artifact = _artifact(tmp_path, {"INFERENCE_ENV_SLUG": GENERAL.slug, "INFERENCE_ENV_TYPE": "data_science"})
    assert runtime_yaml.environment(artifact, packs) == list(GENERAL.requirements)


def test_a_published_stand_in_gives_its_requirements_file(tmp_path, packs):
    artifact = _artifact(tmp_path, {"INFERENCE_ENV_PATH": PUBLISHED, "INFERENCE_ENV_TYPE": "published"})
    assert runtime_yaml.environment(artifact, packs) == ["xgboost==2.1.0"]


def test_the_artifacts_own_requirements_win_over_its_pack(tmp_path, packs):
    conda = {"INFERENCE_ENV_PATH": PUBLISHED, "INFERENCE_ENV_TYPE": "published"}
    assert runtime_yaml.environment(_artifact(tmp_path / "a", conda, {"REQUIREMENTS": ["numpy==2.0"]}), packs) \
        == ["numpy==2.0"]
    assert runtime_yaml.environment(_artifact(tmp_path / "b", conda, requirements_txt="pandas\n"), packs) == ["pandas"]
    # Dockyard's own artifacts list even an empty set, and name a pack no Object Storage holds.
    dockyard = {"INFERENCE_ENV_PATH": "oci://dockyard@local/conda_environments/cpu/dockyard/3.11/dockyard_p311_cpu_v1"}
    assert runtime_yaml.environment(_artifact(tmp_path / "c", dockyard, {"REQUIREMENTS": []}, ""), packs) == []


def test_no_pack_and_no_requirements_is_an_empty_environment(tmp_path, packs):
    assert runtime_yaml.environment(_artifact(tmp_path, {"INFERENCE_PYTHON_VERSION": "3.11"}), packs) == []


@pytest.mark.parametrize("conda, message, hint", [
    ({"INFERENCE_ENV_PATH": "oci://conda-packs@ns/conda_environments/cpu/x/1.0/x_v1"}, "does not exist",
     "dockyard conda publish"),
    ({"INFERENCE_ENV_PATH": "oci://conda-packs@ns/conda_environments/cpu/real/1.0/real_v1"}, "cannot install",
     "stand-in"),
    ({"INFERENCE_ENV_SLUG": "nosuch_p311", "INFERENCE_ENV_TYPE": "data_science"}, "not a service pack",
     "dockyard conda list"),
    ({"INFERENCE_ENV_PATH": "/local/path/env"}, "not an oci://", "oci://bucket@namespace/path"),
])
def test_a_pack_that_cannot_be_built_is_an_error_saying_what_to_do(tmp_path, packs, conda, message, hint):
    with pytest.raises(contract.CondaPackError, match=message) as caught:
        runtime_yaml.environment(_artifact(tmp_path, conda), packs)
    assert hint in caught.value.hint
