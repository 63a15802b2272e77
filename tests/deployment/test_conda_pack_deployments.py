"""An artifact that names only a conda pack (as ADS writes them) deploys with the pack's environment:
the pip set standing in for it, built from the host wheelhouse (here in a venv of the process runtime)."""
from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest
import yaml

from emulator.model_deployment import files
from emulator.runtimes.wheelhouse import wheel_dirs
from tests.deployment import helpers
from toolkit.catalog.conda_packs import publish
from toolkit.catalog.errors import WorkRequestFailedError
from toolkit.deployment import ModelDeployment, deploy_model

TOML_SCORE = '''
import tomli_w  # not installed where the emulator runs: only the pack's venv has it

def load_model():
    return "toml"

def predict(data, model=load_model()):
    return {"prediction": tomli_w.dumps({"rows": data["data"]})}
'''


def _ads_artifact(directory: Path, pack_path: str, slug: str) -> Path:
    """An artifact as ADS prepares it: runtime.yaml names the pack, and no pip requirement is listed."""
    directory.mkdir(parents=True)
    (directory / "score.py").write_text(textwrap.dedent(TOML_SCORE))
    runtime = {"MODEL_ARTIFACT_VERSION": "3.0",
               "MODEL_DEPLOYMENT": {"INFERENCE_CONDA_ENV": {
                   "INFERENCE_ENV_PATH": pack_path, "INFERENCE_ENV_SLUG": slug, "INFERENCE_ENV_TYPE": "published",
                   "INFERENCE_PYTHON_VERSION": "3.11"}}}
    (directory / "runtime.yaml").write_text(yaml.safe_dump(runtime))
    return directory


@pytest.mark.slow
def test_a_published_pack_deploys_in_a_venv_built_from_the_wheelhouse(emulator, tmp_path):
    (tmp_path / "requirements.txt").write_text("tomli-w==1.0.0\n")
    pack = publish("toml_p311_cpu_v1", tmp_path / "requirements.txt")
    model_id = helpers.save_to_catalog(_ads_artifact(tmp_path / "artifact", pack.path, pack.slug), "toml")

    deployment = deploy_model(model_id, runtime="process")
    assert deployment.predict(json_input={"data": [1, 2]}) == {"prediction": "rows = [\n    1,\n    2,\n]\n"}
    deploy_log = (files.log_dir(emulator.state, deployment.id) / "deploy.jsonl").read_text()
    assert f"the stand-in of conda pack {pack.path}" in deploy_log and "venv built from the wheelhouse" in deploy_log
    wheelhouses = [p for p in wheel_dirs(emulator.state.config.home) if list(p.glob("tomli_w-1.0.0-*.whl"))]
    assert wheelhouses, "the pack's wheels come from the host-built wheelhouse"
    deployment.delete()


def test_a_pack_that_is_not_in_object_storage_fails_the_deployment_saying_how_to_publish_it(emulator, tmp_path):
    missing = "oci://conda-packs@dockyard/conda_environments/cpu/gone/1.0/gone_p311_cpu_v1"
    model_id = helpers.save_to_catalog(_ads_artifact(tmp_path / "artifact", missing, "gone_p311_cpu_v1"), "gone")
    with pytest.raises(WorkRequestFailedError, match="does not exist in Object Storage") as caught:
        deploy_model(model_id, runtime="process")
    assert "dockyard conda publish" in str(caught.value)


def test_a_pack_on_python_3_7_fails_the_deployment_at_once_saying_why_and_what_to_do(emulator, tmp_path):
    from emulator.contracts.conda_packs import SERVICE_PACKS

    old = next(pack for pack in SERVICE_PACKS if pack.slug == "dataexpl_p37_cpu_v3")
    artifact = _ads_artifact(tmp_path / "artifact", old.path, old.slug)
    model_id = helpers.save_to_catalog(artifact, "old-python")
    started = time.monotonic()
    with pytest.raises(WorkRequestFailedError) as caught:
        deploy_model(model_id, runtime="process", show_progress=False)
    assert time.monotonic() - started < 30  # no venv or image is built for it
    message = str(caught.value)
    assert "The conda pack dataexpl_p37_cpu_v3 is Python 3.7" in message and "Python 3.11" in message
    assert 'prepare(inference_conda_env="generalml_p311_cpu_x86_64_v1"' in message
    (deployment,) = [d for d in ModelDeployment.list() if d.model_id == model_id]
    deployment = deployment.sync()
    assert deployment.lifecycle_state == "FAILED"
    assert "dataexpl_p37_cpu_v3 is Python 3.7" in deployment.lifecycle_details
