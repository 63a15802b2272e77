"""Each check catches its defect: fixtures/artifacts/<defect>/ is the valid artifact with one thing broken."""
from __future__ import annotations

import json

import pytest

from toolkit.artifact.introspect import CHECKS, HINTS, introspect

# defect directory -> (check that must fail, words its message must contain)
DEFECTS = {
    "syntax_error": ("score_syntax", "SyntaxError at line 26"),
    "missing_predict": ("score_predict", "predict() is not defined"),
    "missing_load_model": ("score_load_model", "load_model() is not defined"),
    "predict_first_arg_not_data": ("score_predict_data", "is 'features', not 'data'"),
    "predict_extra_arg_without_default": ("score_predict_arg", "without a default: threshold"),
    "wrong_runtime_version": ("runtime_version", "is '2.0', not '3.0'"),
    "bad_python_version": ("runtime_env_python", "INFERENCE_PYTHON_VERSION is '2.7'"),
    "empty_env_path": ("runtime_env_path", "INFERENCE_ENV_PATH is empty"),
    "env_path_not_oci": ("runtime_path_exist", "is not an oci://bucket@namespace/path URI"),
    "missing_model_file": ("model_file", "model.pkl is not in the artifact"),
    "missing_score_py": ("score_py", "score.py is not in"),
    "missing_runtime_yaml": ("runtime_yaml", "runtime.yaml is not in"),
    "requirement_not_installed": ("requirements", "dockyard-no-such-distribution is not installed"),
    "schema_mismatch": ("schema_prediction", "output_schema.json has 3 columns"),
}


def test_the_valid_fixture_passes_every_check(fixture_artifact):
    result = introspect(fixture_artifact("valid"))
    assert result.passed, result.failures
    assert [c.key for c in result.checks] == list(CHECKS)
    assert result["runtime_path_exist"].success is None
    assert result["runtime_path_exist"].message.startswith("WARNING: not tested offline")


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_each_check_catches_its_defect(fixture_artifact, defect):
    key, words = DEFECTS[defect]
    result = introspect(fixture_artifact(defect))
    assert not result.passed
    failure = next((f for f in result.failures if f.key == key), None)
    assert failure is not None, f"{key} did not fail; failures: {result.failures}"
    assert words in failure.message
    assert failure.hint == HINTS[key] and failure.hint


def test_results_are_written_in_the_ads_test_json_format(fixture_artifact):
    artifact = fixture_artifact("wrong_runtime_version")
    introspect(artifact)
    written = json.loads((artifact / "test_json_output.json").read_text())
    assert set(written) == set(CHECKS)
    assert written["runtime_version"] == {
        "category": "runtime.yaml", "description": CHECKS["runtime_version"][1],
        "error_msg": "MODEL_ARTIFACT_VERSION is '2.0', not '3.0'", "success": False,
    }


def test_checks_that_depend_on_a_missing_file_are_not_tested(fixture_artifact):
    result = introspect(fixture_artifact("missing_score_py"))
    assert result["score_syntax"].success is None and "score.py is missing" in result["score_syntax"].message


def test_result_renders_as_table_and_dataframe(fixture_artifact):
    from rich.console import Console

    result = introspect(fixture_artifact("empty_env_path"))
    frame = result.to_dataframe()
    row = frame[frame["Test key"] == "runtime_env_path"].iloc[0]
    assert row["Result"] == "Failed" and row["Hint"]
    console = Console(record=True, width=200)
    console.print(result)
    text = console.export_text()  # exporting clears the record
    assert "runtime_env_path" in text and "Failed" in text
