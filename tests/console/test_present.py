"""The pieces the console's pages are made of, on plain values: rows from schemas, recorded
introspection results, schema tables."""
from __future__ import annotations

import json

from emulator.console import present
from emulator.contracts.artifact_tests import HINTS, recorded_results
from emulator.inference.schema import sample_row


def test_a_sample_row_uses_the_schema_statistics_in_column_order():
    attributes = [
        {"name": "b", "feature_type": "Continuous", "order": 1, "domain": {"stats": {"mean": 2.5}}},
        {"name": "a", "feature_type": "Integer", "order": 0, "domain": {"stats": {"50%": 3.6}}},
        {"name": "c", "feature_type": "Boolean", "order": 2, "domain": {"stats": {"top": True}}},
    ]
    assert list(sample_row(attributes).items()) == [("a", 4), ("b", 2.5), ("c", True)]


def test_a_sample_row_reads_adss_statistics_names_and_in_constraints():
    """ADS names the median 'median' and writes '$x in [...]' for booleans and categories; a constraint that
    is not a literal list is skipped, never evaluated."""
    attributes = [
        {"name": "age", "feature_type": "Integer", "order": 0, "domain": {"stats": {"median": 41.2}}},
        {"name": "smoker", "feature_type": "Boolean", "order": 1,
         "domain": {"stats": {"count": 5}, "constraints": [{"expression": "$x in [False, True]"}]}},
        {"name": "city", "feature_type": "Category", "order": 2,
         "domain": {"stats": {"count": 5, "unique": 2},
                    "constraints": [{"expression": "$x in __import__('os').listdir('/')"},
                                    {"expression": "$x in ['Lyon', 'Oslo']", "language": "python"}]}},
    ]
    assert sample_row(attributes) == {"age": 41, "smoker": False, "city": "Lyon"}


def test_columns_without_statistics_get_placeholders_only_when_asked():
    attributes = [{"name": "n", "dtype": "int64", "feature_type": "Integer", "order": 0},
                  {"name": "x", "dtype": "float64", "feature_type": "Continuous", "order": 1},
                  {"name": "s", "dtype": "object", "feature_type": "String", "order": 2},
                  {"name": "f", "dtype": "bool", "feature_type": "Boolean", "order": 3}]
    assert sample_row(attributes) is None  # introspection: no plausible row, so no schema check
    assert sample_row(attributes, fill_unknown=True) == {"n": 0, "x": 0.0, "s": "", "f": False}


def test_recorded_results_carry_the_hint_of_each_failure():
    value = json.dumps({"score_predict": {"category": "score.py", "description": "d", "error_msg": "no predict",
                                          "success": False},
                        "runtime_path_exist": {"error_msg": "WARNING: offline", "success": None},
                        "custom_check": {"category": "ours", "description": "mine", "success": True}})
    results = {r.key: r for r in recorded_results([{"key": "ArtifactTestResults", "value": value}])}
    assert results["score_predict"].hint == HINTS["score_predict"] and results["score_predict"].status == "Failed"
    assert results["runtime_path_exist"].status == "Not tested" and results["runtime_path_exist"].hint == ""
    assert results["runtime_path_exist"].category == "conda_env"  # filled from the check list
    assert results["custom_check"].category == "ours" and results["custom_check"].status == "Passed"


def test_unreadable_recorded_results_are_no_results():
    assert recorded_results(None) is None
    assert recorded_results([{"key": "ArtifactTestResults", "value": "not json"}]) is None
    assert recorded_results([{"key": "ArtifactTestResults", "value": "[1, 2]"}]) is None


def test_a_schema_that_is_not_one_is_shown_raw_with_the_reason():
    assert present.schema_table(None) is None
    assert present.schema_table("{").problem.startswith("not JSON")
    assert present.schema_table('{"columns": []}').problem == "no 'schema' list of columns"
    table = present.schema_table(json.dumps({"version": "1.1", "schema": [
        {"name": "z", "order": 1}, {"name": "y", "order": 0, "domain": {"stats": {"mean": 1.23456, "top": None}}}]}))
    assert [c["name"] for c in table.columns] == ["y", "z"] and table.columns[0]["stats"] == "mean 1.235"
