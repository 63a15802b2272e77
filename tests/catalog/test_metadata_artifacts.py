"""ADS's metadata-artifact methods of DataScienceModel against the emulator: an artifact attached to a
custom or a defined metadatum, from a local file, bytes or an oci:// object; read back, replaced, removed."""
from __future__ import annotations

import uuid

import oci
import pytest

from tests.catalog.test_ads_catalog_api import hand_written
from toolkit import DataScienceModel, ModelCustomMetadata, profiles
from toolkit.catalog.errors import CatalogError


def test_custom_and_defined_metadata_artifacts_round_trip(tmp_path, project_id):
    custom = ModelCustomMetadata()
    custom.add("readme", "see the artifact", category="Other")
    model = (DataScienceModel().with_project_id(project_id).with_custom_metadata_list(custom)
             .with_defined_metadata_list({"data": [{"key": "UseCaseType", "value": "regression"}]})
             .with_artifact(str(hand_written(tmp_path / "art"))).create())
    assert not model.if_model_custom_metadata_artifact_exist("readme")

    readme = tmp_path / "README.md"
    readme.write_text("# the model\n")
    created = model.create_custom_metadata_artifact("readme", str(readme))  # path_type "local", ADS's default
    assert created.status in ("200", "204") and created.headers
    assert model.if_model_custom_metadata_artifact_exist("readme")
    assert model.get_custom_metadata_artifact("readme", str(tmp_path / "out")) == b"# the model\n"
    assert (tmp_path / "out" / "readme").read_bytes() == b"# the model\n"
    with pytest.raises(FileExistsError, match="override"):
        model.get_custom_metadata_artifact("readme", str(tmp_path / "out"))

    model.update_custom_metadata_artifact("readme", b"# replaced\n", path_type="content")
    assert model.get_custom_metadata_artifact("readme", str(tmp_path / "out"), override=True) == b"# replaced\n"
    model.delete_custom_metadata_artifact("readme")
    assert not model.if_model_custom_metadata_artifact_exist("readme")

    storage = profiles.object_storage_client()
    namespace, name = storage.get_namespace().data, f"docs-{uuid.uuid4().hex[:8]}"
    storage.create_bucket(namespace, oci.object_storage.models.CreateBucketDetails(
        name=name, compartment_id=profiles.resolve().compartment_id))
    storage.put_object(namespace, name, "use-case.txt", b"regression, tabular")
    model.create_defined_metadata_artifact("UseCaseType", f"oci://{name}@{namespace}/use-case.txt", path_type="oss")
    assert model.get_defined_metadata_artifact("UseCaseType", str(tmp_path / "d")) == b"regression, tabular"
    model.update_defined_metadata_artifact("UseCaseType", b"v2", path_type="content")
    assert model.get_defined_metadata_artifact("UseCaseType", str(tmp_path / "d"), override=True) == b"v2"
    model.delete_defined_metadata_artifact("UseCaseType")

    with pytest.raises(CatalogError, match="bytes"):
        model.create_custom_metadata_artifact("readme", "not bytes", path_type="content")
    with pytest.raises(FileNotFoundError):
        model.create_custom_metadata_artifact("readme", str(tmp_path / "missing.md"))
    with pytest.raises(CatalogError, match="create"):
        DataScienceModel().create_custom_metadata_artifact("readme", b"x", path_type="content")
