"""ADS's catalog API against the emulator: DataScienceModel (with_artifact from a folder, a zip or an
oci:// zip, create, list, from_id, download_artifact), experiment(), upload_artifact to a bucket,
loading without the artifact, save's bucket options, and ``dockyard save`` of a hand-written artifact."""
from __future__ import annotations

import json
import shutil
import textwrap
import uuid
import zipfile
from pathlib import Path

import oci
import pytest
import yaml
from click.testing import CliRunner

from toolkit import DataScienceModel, GenericModel, ModelCustomMetadata, Schema, experiment, profiles
from toolkit.catalog.bucket_transfer import BucketUri
from toolkit.catalog.errors import CatalogError
from toolkit.catalog.version_set import ModelVersionSetNotExists
from toolkit.cli import cli

SCORE = '''
import json, os

def load_model():
    with open(os.path.join(os.path.dirname(__file__), "weights.dat")) as f:
        return json.load(f)

def predict(data, model=load_model()):
    return {"prediction": [sum(w * x for w, x in zip(model, row)) for row in data]}
'''
RUNTIME = {"MODEL_ARTIFACT_VERSION": "3.0",
           "MODEL_DEPLOYMENT": {"INFERENCE_CONDA_ENV": {"INFERENCE_ENV_PATH": "oci://b@ns/conda/x_v1",
                                                        "INFERENCE_ENV_TYPE": "published",
                                                        "INFERENCE_PYTHON_VERSION": "3.11"}},
           "MODEL_PROVENANCE": {"TRAINING_CODE": {"ARTIFACT_DIRECTORY": ""}}}


def hand_written(folder: Path) -> Path:
    """An artifact as a person writes it: score.py loads weights.dat itself; runtime.yaml is ADS's."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "weights.dat").write_text(json.dumps([1.0, 2.0]))
    (folder / "score.py").write_text(textwrap.dedent(SCORE))
    (folder / "runtime.yaml").write_text(yaml.safe_dump(RUNTIME))
    return folder


def zipped(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    return target


@pytest.fixture()
def bucket(catalog_env: Path) -> BucketUri:
    storage = profiles.object_storage_client()
    namespace = storage.get_namespace().data
    name = f"models-{uuid.uuid4().hex[:8]}"
    storage.create_bucket(namespace, oci.object_storage.models.CreateBucketDetails(
        name=name, compartment_id=profiles.resolve().compartment_id))
    return BucketUri(name, namespace, "")


def _objects(bucket: BucketUri) -> list[str]:
    storage = profiles.object_storage_client()
    return [o.name for o in storage.list_objects(bucket.namespace, bucket.bucket).data.objects]


def test_datascience_model_from_a_folder_with_metadata_lists_and_downloads(tmp_path, project_id):
    custom = ModelCustomMetadata()
    custom.add("owner", "ml-team", category="Other")
    schema = Schema.from_dict({"schema": [{"dtype": "float64", "feature_type": "Continuous", "name": "x",
                                           "domain": {"values": "", "stats": {}, "constraints": []},
                                           "required": True, "description": "x"}]})
    model = (DataScienceModel().with_project_id(project_id).with_display_name("by-hand")
             .with_description("a folder").with_freeform_tags(team="ml").with_custom_metadata_list(custom)
             .with_defined_metadata_list({"data": [{"key": "UseCaseType", "value": "regression"}]})
             .with_input_schema(schema).with_artifact(str(hand_written(tmp_path / "art"))).create())
    assert model.id.startswith("ocid1.datasciencemodel.") and model.lifecycle_state == "ACTIVE"

    again = DataScienceModel.from_id(model.id)
    assert (again.display_name, again.description, again.freeform_tags) == ("by-hand", "a folder", {"team": "ml"})
    assert {"key": "owner", "value": "ml-team", "description": None, "category": "Other"} in again.custom_metadata_list
    assert model.id in [m.id for m in DataScienceModel.list(project_id=project_id)]
    target = model.download_artifact(str(tmp_path / "down"))
    assert (Path(target) / "weights.dat").read_text() == json.dumps([1.0, 2.0])
    assert GenericModel.from_model_catalog(model.id).verify([[1.0, 1.0]], auto_serialize_data=False) == \
        {"prediction": [3.0]}
    model.with_display_name("renamed").update()
    assert DataScienceModel.from_id(model.id).display_name == "renamed"
    assert model.delete().lifecycle_state == "DELETED"


def test_datascience_model_from_a_zip_and_from_an_oci_zip(tmp_path, project_id, bucket):
    archive = zipped(hand_written(tmp_path / "art"), tmp_path / "my_large_model.zip")
    from_zip = DataScienceModel().with_project_id(project_id).with_artifact(str(archive)).create()
    assert (Path(from_zip.download_artifact(str(tmp_path / "z"))) / "score.py").is_file()

    storage = profiles.object_storage_client()
    storage.put_object(bucket.namespace, bucket.bucket, "llm/my_large_model.zip", archive.read_bytes())
    uri = f"oci://{bucket.bucket}@{bucket.namespace}/llm/my_large_model.zip"
    with pytest.warns(UserWarning, match="bucket_uri` will be ignored"):  # ADS's: the oci:// zip is exported as it is
        kept = DataScienceModel().with_project_id(project_id).with_artifact(uri).create(
            remove_existing_artifact=False, overwrite_existing_artifact=False,
            bucket_uri=f"oci://{bucket.bucket}@{bucket.namespace}/elsewhere/")
    assert _objects(bucket) == ["llm/my_large_model.zip"]  # kept, as asked; nothing staged elsewhere
    assert (Path(kept.download_artifact(str(tmp_path / "o"))) / "weights.dat").is_file()
    DataScienceModel().with_project_id(project_id).with_artifact(uri).create()
    assert _objects(bucket) == []
    with pytest.raises(CatalogError, match="not a folder, a .zip"):
        DataScienceModel().with_artifact(str(tmp_path / "nothing")).create()
    with pytest.raises(CatalogError, match="cannot be a zip file or local directory"):
        DataScienceModel().with_artifact(str(archive)).create(model_by_reference=True)


def test_experiment_creates_once_and_saves_into_the_set(tmp_path, project_id):
    name = f"exp-{uuid.uuid4().hex[:6]}"
    with pytest.raises(ModelVersionSetNotExists):
        with experiment(name, create_if_not_exists=False):
            pass
    for run in range(2):  # the same code runs twice without a conflict
        with experiment(name, create_if_not_exists=True, project_id=project_id, description="runs") as mvs:
            model = GenericModel.from_model_artifact(str(hand_written(tmp_path / f"a{run}")))
            model.save(project_id=project_id, ignore_introspection=True)
    assert mvs.description == "runs" and len(mvs.models()) == 2


def test_load_without_the_artifact_and_upload_it_to_a_bucket(tmp_path, project_id, bucket):
    model = GenericModel.from_model_artifact(str(hand_written(tmp_path / "a")))
    model_id = model.save(project_id=project_id, ignore_introspection=True, display_name="light")
    record_only = GenericModel.from_model_catalog(model_id, download_artifact=False)
    assert record_only.estimator is None and record_only.model_id == model_id
    assert not any(Path(record_only.artifact_dir).iterdir())

    written = model.upload_artifact(f"oci://{bucket.bucket}@{bucket.namespace}/exports/")
    assert written.endswith(f"/exports/{model_id}.zip") and _objects(bucket) == [f"exports/{model_id}.zip"]
    with pytest.raises(CatalogError, match="force_overwrite=True"):
        model.upload_artifact(f"oci://{bucket.bucket}@{bucket.namespace}/exports/")

    with pytest.raises(CatalogError, match="overwrite_existing_artifact=False"):
        _stage_over_an_existing_object(bucket, model_id)


def _stage_over_an_existing_object(bucket: BucketUri, model_id: str) -> None:
    """save(bucket_uri=..., overwrite_existing_artifact=False) where the staged object already exists."""
    from toolkit.catalog import bucket_transfer
    from toolkit.catalog.session import connect

    storage = profiles.object_storage_client()
    storage.put_object(bucket.namespace, bucket.bucket, f"staging/{model_id}.zip", b"old")
    bucket_transfer.upload_via_bucket(connect(), model_id, Path("unused.zip"),
                                      f"oci://{bucket.bucket}@{bucket.namespace}/staging",
                                      overwrite_existing_artifact=False)


def test_dockyard_save_accepts_an_artifact_whose_score_py_loads_its_own_file(tmp_path, project_id):
    artifact = hand_written(tmp_path / "art")
    result = CliRunner().invoke(cli, ["save", str(artifact), "--display-name", "hand", "--project-id", project_id])
    assert result.exit_code == 0, result.output
    model_id = result.output.strip().splitlines()[-1]
    assert GenericModel.from_model_catalog(model_id).verify([[2.0, 0.0]], auto_serialize_data=False) == \
        {"prediction": [2.0]}
    shutil.rmtree(tmp_path / "art")


def test_datascience_model_retention_backup_and_restore(tmp_path, project_id):
    """ADS's with_retention_setting / with_backup_setting reach the catalog; an archived artifact
    (archive_after_days=0: archived as soon as it is saved) downloads again after restore_model()."""
    model = (DataScienceModel().with_project_id(project_id).with_artifact(str(hand_written(tmp_path / "art")))
             .with_retention_setting({"archive_after_days": 0, "customer_notification_type": "NONE"})
             .with_backup_setting(oci.data_science.models.BackupSetting(is_backup_enabled=True,
                                                                        backup_region="us-phoenix-1"))
             .create())
    again = DataScienceModel.from_id(model.id)
    assert again.retention_setting.archive_after_days == 0 and again.backup_setting.backup_region == "us-phoenix-1"
    assert again.retention_operation_details.archive_state == "SUCCEEDED"
    with pytest.raises(oci.exceptions.ServiceError) as archived:
        model.download_artifact(str(tmp_path / "down"))
    assert archived.value.status == 409
    with pytest.raises(ValueError, match="positive integer"):
        model.restore_model(0)
    model.restore_model(restore_model_for_hours_specified=2)
    assert "restored" in model.lifecycle_details
    assert (Path(model.download_artifact(str(tmp_path / "down"))) / "weights.dat").is_file()


def test_from_model_catalog_compartment_id_becomes_the_models_compartment_for_save(catalog_env, project_id, tmp_path):
    """ADS keeps from_model_catalog(compartment_id=) in the model's properties, where save() looks by default."""
    from toolkit.catalog.session import connect

    created = (DataScienceModel().with_project_id(project_id).with_display_name("source")
               .with_artifact(str(hand_written(tmp_path / "artifact"))).create())
    other = connect().compartment(None).replace("tenancy", "compartment") + "other"
    model = GenericModel.from_model_catalog(created.id, artifact_dir=str(tmp_path / "loaded"), compartment_id=other)
    assert model.properties.compartment_id == other
    saved = model.save(project_id=project_id, display_name="copy", ignore_introspection=True, reload=False)
    assert connect().ds.get_model(saved).data.compartment_id == other
