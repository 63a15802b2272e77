"""ADS's GenericModel.download_artifact, reload_runtime_info and reload against the emulator: a model
loaded from its catalog record only gets its artifact later, and edits to the artifact are read again."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.catalog.test_ads_catalog_api import hand_written
from toolkit import GenericModel
from toolkit.artifact.errors import RuntimeInfoError


@pytest.fixture()
def saved_model_id(tmp_path, project_id) -> str:
    model = GenericModel.from_model_artifact(str(hand_written(tmp_path / "saved")))
    return model.save(project_id=project_id, ignore_introspection=True, display_name="to-download")


def test_download_artifact_gives_a_record_only_model_its_artifact(saved_model_id, tmp_path):
    model = GenericModel.from_model_catalog(saved_model_id, download_artifact=False)
    assert model.runtime_info is None and not any(Path(model.artifact_dir).iterdir())

    assert model.download_artifact() is model  # into the model's own (empty) artifact_dir, as ADS
    assert json.loads((Path(model.artifact_dir) / "weights.dat").read_text()) == [1.0, 2.0]
    assert model.runtime_info.inference_env.path == "oci://b@ns/conda/x_v1"
    assert model.estimator is None  # nothing of the artifact runs, as in ADS
    assert model.verify([[1.0, 1.0]], auto_serialize_data=False) == {"prediction": [3.0]}

    with pytest.raises(FileExistsError, match="force"):
        model.download_artifact()
    elsewhere = tmp_path / "elsewhere"
    model.download_artifact(artifact_dir=str(elsewhere))
    assert model.artifact_dir == str(elsewhere.resolve()) and (elsewhere / "score.py").is_file()
    (elsewhere / "weights.dat").write_text("[0.0, 0.0]")
    model.download_artifact(artifact_dir=str(elsewhere), force_overwrite=True)
    assert json.loads((elsewhere / "weights.dat").read_text()) == [1.0, 2.0]

    with pytest.raises(ValueError, match="model_id"):
        GenericModel().download_artifact()


def test_reload_reads_an_edited_runtime_yaml_and_score_py_again(saved_model_id, tmp_path):
    model = GenericModel.from_model_catalog(saved_model_id, artifact_dir=str(tmp_path / "art"))
    runtime_file = Path(model.artifact_dir) / "runtime.yaml"
    runtime = yaml.safe_load(runtime_file.read_text())
    runtime["MODEL_DEPLOYMENT"]["INFERENCE_CONDA_ENV"]["INFERENCE_ENV_PATH"] = "oci://b@ns/conda/y_v2"
    runtime_file.write_text(yaml.safe_dump(runtime))

    model.reload_runtime_info()
    assert model.runtime_info.inference_env.path == "oci://b@ns/conda/y_v2"

    (Path(model.artifact_dir) / "weights.dat").write_text("[5.0, 6.0]")
    assert model.reload() is model
    assert model.estimator == [5.0, 6.0]  # score.py's load_model(), imported here as ADS does

    runtime_file.unlink()
    with pytest.raises(RuntimeInfoError):
        model.reload_runtime_info()
    model.ignore_conda_error = True
    model.reload_runtime_info()  # as ADS: the runtime info kept
    assert model.runtime_info.inference_env.path == "oci://b@ns/conda/y_v2"
