"""prepare(): refuses to clobber, enforces the catalog's limits with clear errors, exposes wire metadata."""
from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from toolkit import GenericModel, SklearnModel
from toolkit.artifact.errors import ArtifactExistsError
from toolkit.artifact.schema import MAX_BYTES, fitted_schema, from_sample
from toolkit.model.metadata import MetadataSizeError


class Doubler:
    """A model of our own: anything with .predict() works with GenericModel."""

    def predict(self, X):
        return np.asarray(X).sum(axis=1) * 2


@pytest.fixture
def tree(iris_numpy):
    from sklearn.tree import DecisionTreeClassifier

    X, y = iris_numpy
    return DecisionTreeClassifier(max_depth=2).fit(X, y)


def test_prepare_refuses_to_overwrite_an_artifact(tree, tmp_path):
    SklearnModel(tree, artifact_dir=str(tmp_path / "a")).prepare()
    (tmp_path / "a" / "score.py").write_text("# my hand-edited score.py\n")
    with pytest.raises(ArtifactExistsError, match="not empty .*prepare\\(\\) does not overwrite") as caught:
        SklearnModel(tree, artifact_dir=str(tmp_path / "a")).prepare()
    assert "force_overwrite=True" in caught.value.hint
    assert (tmp_path / "a" / "score.py").read_text() == "# my hand-edited score.py\n"


def test_force_overwrite_replaces_it(tree, tmp_path):
    SklearnModel(tree, artifact_dir=str(tmp_path / "a")).prepare()
    (tmp_path / "a" / "score.py").write_text("# stale\n")
    SklearnModel(tree, artifact_dir=str(tmp_path / "a")).prepare(force_overwrite=True)
    assert "def predict(data" in (tmp_path / "a" / "score.py").read_text()


def test_generic_model_pickles_its_class_by_value_like_a_notebook_does():
    import sys

    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # what happens for classes in __main__
    try:
        model = GenericModel(Doubler())  # no artifact_dir: a fresh temporary one
        model.prepare()
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    assert model.verify([[1, 2], [3, 4]]) == {"prediction": [6, 14]}


def test_a_class_only_importable_in_the_callers_session_fails_verify(tmp_path):
    from toolkit.artifact.errors import VerificationError

    model = GenericModel(Doubler(), artifact_dir=str(tmp_path / "a")).prepare()  # pickled by reference
    with pytest.raises(VerificationError, match="No module named") as caught:
        model.verify([[1, 2]])
    assert caught.value.stage == "import"


def test_metadata_value_over_the_limit_is_a_clear_error(tree, tmp_path):
    model = SklearnModel(tree, artifact_dir=str(tmp_path / "a")).prepare()
    model.metadata_custom.add("Notes", "x" * 16001, category="Other")
    with pytest.raises(MetadataSizeError, match="'Notes' is 16001 characters; the catalog accepts at most 16000"):
        model.catalog_metadata()


def test_metadata_description_over_the_limit_is_a_clear_error(tree, tmp_path):
    model = SklearnModel(tree, artifact_dir=str(tmp_path / "a")).prepare()
    model.metadata_custom.add("Notes", "short", description="d" * 256, category="Other")
    with pytest.raises(MetadataSizeError, match="description of 'Notes' is 256 characters; .* at most 255"):
        model.catalog_metadata()


def test_metadata_total_over_the_limit_names_the_largest_value(tree, tmp_path):
    model = SklearnModel(tree, artifact_dir=str(tmp_path / "a")).prepare()
    for i in range(3):
        model.metadata_custom.add(f"Blob{i}", "y" * (15000 + i), category="Other")
    with pytest.raises(MetadataSizeError, match="custom and taxonomy metadata are \\d+ bytes together .*'Blob2'"):
        model.catalog_metadata()


def test_unknown_custom_category_is_refused(tree, tmp_path):
    model = SklearnModel(tree, artifact_dir=str(tmp_path / "a"))
    with pytest.raises(ValueError, match="Unknown category 'Misc'"):
        model.metadata_custom.add("Notes", "x", category="Misc")


def test_schema_above_2000_columns_is_skipped_with_a_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert from_sample(np.zeros((2, 2001))) is None
    assert "2001 columns" in str(caught[0].message) and "at most 2000" in str(caught[0].message)


def test_schema_over_32000_bytes_drops_statistics_first():
    sample = np.random.default_rng(0).normal(size=(5, 100))
    assert from_sample(sample).size_bytes() > MAX_BYTES
    schema = fitted_schema(sample, which="input")
    assert schema.size_bytes() <= MAX_BYTES and schema.attributes[0].domain.stats == {}


def test_schema_still_over_32000_bytes_is_a_clear_error(tree, tmp_path):
    from toolkit.artifact.errors import SchemaSizeError

    with pytest.raises(SchemaSizeError, match="input schema is \\d+ bytes even without statistics") as caught:
        fitted_schema(np.zeros((2, 300)), which="input")
    assert "fewer columns" in caught.value.hint


def test_catalog_metadata_is_wire_ready_and_restores(tree, iris_numpy, tmp_path):
    X, _ = iris_numpy
    model = SklearnModel(tree, artifact_dir=str(tmp_path / "a")).prepare(X_sample=X[:10])
    wire = model.catalog_metadata()
    assert set(wire) == {"definedMetadataList", "customMetadataList", "inputSchema", "outputSchema", "provenance"}
    assert all(isinstance(i["value"], str) for i in wire["definedMetadataList"] + wire["customMetadataList"])
    assert {"key": "Framework", "value": "scikit-learn"} in wire["definedMetadataList"]
    assert json.loads(wire["inputSchema"])["version"] == "1.1"
    assert set(wire["provenance"]) == {"repositoryUrl", "gitBranch", "gitCommit", "scriptDir", "trainingScript", "trainingId"}

    loaded = SklearnModel.from_model_artifact(model.artifact_dir)
    record = {"id": "ocid1.datasciencemodel.oc1.iad.x", **{k: v for k, v in wire.items() if k != "provenance"}}
    loaded.apply_catalog_metadata(record, {**wire["provenance"], "gitCommit": "abc123"})
    assert loaded.model_id == "ocid1.datasciencemodel.oc1.iad.x"
    assert loaded.metadata_taxonomy["Hyperparameters"].value == model.metadata_taxonomy["Hyperparameters"].value
    assert loaded.metadata_custom["ModelFileName"].value == "model.joblib"
    assert loaded.schema_input.to_dict() == model.schema_input.to_dict()
    assert loaded.metadata_provenance.git_commit == "abc123"


def test_provenance_comes_from_git(tree, tmp_path):
    model = SklearnModel(tree, artifact_dir=str(tmp_path / "a"))
    model.prepare(training_script_path=__file__)
    provenance = model.metadata_provenance
    assert provenance.git_commit and len(provenance.git_commit) == 40
    assert provenance.training_script_path == __file__ and provenance.is_dirty in (True, False)
