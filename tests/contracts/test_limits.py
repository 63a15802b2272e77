"""The catalog's limits are one contract: prepare() refuses exactly what the emulator refuses.

The metadata is built the way prepare() builds it, checked by the toolkit, then sent through the
real ``oci`` SDK to the emulator: at the limit both accept, one character over both refuse.
"""
from __future__ import annotations

import oci
import pytest

from emulator.contracts import limits
from toolkit import mock_datascience
from toolkit.catalog.wire import from_wire
from toolkit.model.metadata import MetadataSizeError, ModelCustomMetadata, ModelTaxonomyMetadata, validate_size


def _metadata(notes_chars: int) -> tuple[ModelTaxonomyMetadata, ModelCustomMetadata]:
    taxonomy, custom = ModelTaxonomyMetadata(), ModelCustomMetadata()
    taxonomy.set("Framework", "scikit-learn")
    taxonomy.set("Hyperparameters", {"C": 1.0, "max_iter": 1000})
    custom.add("SlugName", "generalml_p311_cpu_x86_64_v1", "The conda pack", "Training Environment")
    for key in ("Notes", "MoreNotes"):
        custom.add(key, "é" * (notes_chars // 2) + "x" * (notes_chars - notes_chars // 2), "free text", "Other")
    return taxonomy, custom


def _largest_accepted() -> int:
    """The largest ``notes_chars`` whose metadata is within METADATA_BYTES (sizes grow with it)."""
    low, high = 0, limits.METADATA_VALUE_CHARS
    while low < high:
        middle = (low + high + 1) // 2
        taxonomy, custom = _metadata(middle)
        if limits.metadata_size(custom.to_wire(), taxonomy.to_wire()) <= limits.METADATA_BYTES:
            low = middle
        else:
            high = middle - 1
    return low


def _toolkit_accepts(taxonomy: ModelTaxonomyMetadata, custom: ModelCustomMetadata) -> bool:
    try:
        validate_size(taxonomy, custom)
    except MetadataSizeError:
        return False
    return True


def _emulator_accepts(m, taxonomy: ModelTaxonomyMetadata, custom: ModelCustomMetadata) -> bool:
    ds = oci.data_science.DataScienceClient(m.config, signer=m.signer)
    project = ds.create_project(oci.data_science.models.CreateProjectDetails(compartment_id=m.compartment_id)).data
    details = oci.data_science.models.CreateModelDetails(
        compartment_id=m.compartment_id, project_id=project.id,
        custom_metadata_list=[from_wire(oci.data_science.models.Metadata, item) for item in custom.to_wire()],
        defined_metadata_list=[from_wire(oci.data_science.models.Metadata, item) for item in taxonomy.to_wire()])
    try:
        ds.create_model(details)
    except oci.exceptions.ServiceError as exc:
        assert (exc.status, exc.code) == (400, "InvalidParameter"), exc.message
        return False
    return True


@pytest.mark.parametrize("over", [0, 1], ids=["at_the_limit", "one_character_over"])
def test_prepare_and_the_catalog_draw_the_metadata_line_at_the_same_byte(over):
    taxonomy, custom = _metadata(_largest_accepted() + over)
    with mock_datascience() as m:
        assert _toolkit_accepts(taxonomy, custom) == _emulator_accepts(m, taxonomy, custom) == (over == 0)


def test_metadata_is_measured_as_ads_measures_it():
    """ADS: each item's JSON (its ADS fields) in UTF-16, custom and taxonomy summed."""
    custom = [{"key": "k", "value": "v", "description": None, "category": "Other", "hasArtifact": False}]
    defined = [{"key": "Framework", "value": "xgboost", "hasArtifact": False}]
    expected = (len('{"key": "k", "value": "v", "description": null, "category": "Other", "has_artifact": false}'
                    .encode("utf-16"))
                + len('{"key": "Framework", "value": "xgboost", "has_artifact": false}'.encode("utf-16")))
    assert limits.metadata_size(custom, defined) == expected
