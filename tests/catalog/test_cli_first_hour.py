"""What a new user trips over in the CLI (issue 16): a model file of another framework, the training
script of a CLI save, metadata updates that lost the artifact's items, errors naming Python or REST
parameters instead of flags, OCIDs of the wrong kind, wrapped OCIDs, empty or missing table columns."""
from __future__ import annotations

import json
from pathlib import Path

import joblib
import pytest
from click.testing import CliRunner
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier

from toolkit.cli import cli

DEPLOYMENT_OCID = "ocid1.datasciencemodeldeployment.oc1.iad.amaaaaaathisisadeployment"
MODEL_OCID = "ocid1.datasciencemodel.oc1.iad.amaaaaaathisisamodel"


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.fixture(scope="module")
def forest_file(tmp_path_factory) -> tuple[Path, Path]:
    """A random forest saved with joblib, and a CSV sample of its input."""
    directory = tmp_path_factory.mktemp("forest")
    X, y = load_iris(return_X_y=True, as_frame=True)
    joblib.dump(RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y), directory / "rf.joblib")
    X.head(5).to_csv(directory / "sample.csv", index=False)
    return directory / "rf.joblib", directory / "sample.csv"


@pytest.fixture
def prepared(forest_file, tmp_path) -> Path:
    model_file, sample = forest_file
    result = run("prepare", str(model_file), "-f", "sklearn", "-d", str(tmp_path / "artifact"), "--sample", f"@{sample}")
    assert result.exit_code == 0, result.output
    return tmp_path / "artifact"


@pytest.mark.parametrize("framework", ["xgboost", "lightgbm", "pytorch"])
def test_prepare_refuses_a_model_of_another_framework_before_writing_anything(forest_file, tmp_path, framework):
    model_file, _ = forest_file

    result = run("prepare", str(model_file), "-f", framework, "-d", str(tmp_path / "artifact"))

    assert result.exit_code == 1
    assert f"holds a sklearn.ensemble._forest.RandomForestClassifier, not a model of framework {framework}" in result.output
    assert "Hint: use -f sklearn" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "artifact").exists()


def test_the_python_api_refuses_it_with_adss_words():
    from toolkit import XGBoostModel

    with pytest.raises(TypeError, match="is not supported in XGBoostModel"):
        XGBoostModel(estimator=RandomForestClassifier())


def test_a_cli_save_records_no_training_script_unless_told(catalog_env, prepared, tmp_path):
    script = tmp_path / "train.py"
    script.write_text("# trains the forest\n")

    plain = json.loads(run("models", "get", run("save", str(prepared)).output.strip(), "--json").output)
    told = run("save", str(prepared), "--training-script", str(script))
    recorded = json.loads(run("models", "get", told.output.strip(), "--json").output)

    assert "trainingScript" not in plain["provenance"]  # not the dockyard executable, not anything
    assert recorded["provenance"]["trainingScript"] == str(script.resolve())


def test_prepare_takes_the_training_script_too(forest_file, tmp_path):
    model_file, _ = forest_file
    script = tmp_path / "train.py"
    script.write_text("# trains the forest\n")

    result = run("prepare", str(model_file), "-f", "sklearn", "-d", str(tmp_path / "a"), "--training-script", str(script))

    assert result.exit_code == 0, result.output
    assert f"TRAINING_SCRIPT: {script.resolve()}" in (tmp_path / "a" / "runtime.yaml").read_text()


def test_models_update_metadata_merges_and_replacing_is_explicit(catalog_env, prepared):
    model_id = run("save", str(prepared)).output.strip()
    before = {m["key"]: m for m in json.loads(run("models", "get", model_id, "--json").output)["customMetadataList"]}

    merged = json.loads(run("models", "update", model_id, "--metadata", "owner=ana", "--metadata", "SlugName=mine",
                            "--json").output)["customMetadataList"]
    items = {m["key"]: m for m in merged}
    assert set(before) | {"owner"} == set(items)  # SlugName, ModelFileName, ModelArtifacts... kept
    assert items["SlugName"]["value"] == "mine" and items["SlugName"]["category"] == before["SlugName"]["category"]
    assert items["owner"]["category"] == "Other"

    replaced = json.loads(run("models", "update", model_id, "--metadata", "only=1", "--replace-metadata",
                              "--json").output)["customMetadataList"]
    assert [(m["key"], m["value"]) for m in replaced] == [("only", "1")]
    assert run("models", "update", model_id, "--replace-metadata").exit_code == 2


def test_errors_name_the_commands_flags_not_python_or_rest_parameters(catalog_env, prepared):
    (prepared / "score.py").write_text("nothing here\n")
    refused = run("save", str(prepared))
    assert refused.exit_code == 1
    assert "--ignore-introspection" in refused.output and "ignore_introspection" not in refused.output

    run("version-sets", "create", "kept")
    (prepared / "score.py").unlink()
    run("save", str(prepared), "--model-version-set", "kept", "--ignore-introspection")
    in_use = run("version-sets", "delete", "kept", "--yes")
    assert in_use.exit_code == 1
    assert "--delete-models" in in_use.output and "isDeleteRelatedModels" not in in_use.output


def test_a_cloud_profile_without_compartment_names_the_flag(catalog_env, tmp_path, monkeypatch):
    from toolkit.testing.credentials import make_api_key

    key = make_api_key(tmp_path, profile="PROD")
    monkeypatch.setenv("OCI_CONFIG_FILE", str(key.config_file))
    monkeypatch.delenv("NB_SESSION_COMPARTMENT_OCID", raising=False)

    result = run("deploy", MODEL_OCID, "--profile", "PROD")

    assert result.exit_code == 1
    assert "--compartment-id is required with profile 'PROD'" in result.output
    assert "compartment_id" not in result.output


def test_an_unknown_conda_slug_hint_names_prepares_flags(catalog_env, forest_file, tmp_path):
    model_file, _ = forest_file
    result = run("prepare", str(model_file), "-f", "sklearn", "-d", str(tmp_path / "c"),
                 "--inference-conda-env", "nosuch_p311_cpu_x86_64_v1")
    assert result.exit_code == 1
    assert "'nosuch_p311_cpu_x86_64_v1' is not a service pack" in result.output
    assert "--inference-conda-env" in result.output and "--ignore-conda-error" in result.output
    assert "ignore_conda_error" not in result.output


@pytest.mark.parametrize("args, said", [
    (["models", "get", DEPLOYMENT_OCID], "is a model deployment OCID, not a model OCID"),
    (["models", "delete", DEPLOYMENT_OCID, "--yes"], "is a model deployment OCID, not a model OCID"),
    (["deploy", DEPLOYMENT_OCID], "is a model deployment OCID, not a model OCID"),
    (["deployments", "get", MODEL_OCID], "is a model OCID, not a model deployment OCID"),
    (["deployments", "logs", MODEL_OCID], "is a model OCID, not a model deployment OCID"),
    (["predict", MODEL_OCID, "--data", "[1]"], "is a model OCID, not a model deployment OCID"),
    (["version-sets", "get", MODEL_OCID], "is a model OCID, not a model version set OCID"),
])
def test_an_ocid_of_the_wrong_kind_is_a_usage_error_that_says_what_it_is(catalog_env, args, said):
    result = run(*args)
    assert result.exit_code == 2
    assert said in result.output
    other = DEPLOYMENT_OCID if DEPLOYMENT_OCID in args else MODEL_OCID
    command = "dockyard deployments get" if other == DEPLOYMENT_OCID else "dockyard models get"
    assert f"Hint: `{command} {other}`" in result.output


def test_tables_keep_ocids_whole_in_a_narrow_terminal(catalog_env, prepared, monkeypatch):
    model_id = run("save", str(prepared), "--display-name", "a-model-with-a-rather-long-name").output.strip()
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich: behave as in a terminal...
    monkeypatch.setenv("COLUMNS", "60")     # ...of 60 columns

    listed = run("models", "list")
    shown = run("models", "get", model_id)

    assert model_id in listed.output and "a-model-with-a-rather-long-name" in listed.output
    assert model_id in shown.output


def test_models_get_shows_the_schemas_its_help_promises(catalog_env, prepared):
    model_id = run("save", str(prepared)).output.strip()

    shown = run("models", "get", model_id).output

    assert "Input schema" in shown and "petal width (cm)" in shown and "float64" in shown
    assert "Output schema" in shown


def test_version_sets_list_has_no_always_empty_column(catalog_env):
    run("version-sets", "create", "described", "--description", "a description a list cannot show")

    listed = run("version-sets", "list").output

    assert "Description" not in listed and "Created (UTC)" in listed and "described" in listed
    assert "a description a list cannot show" in run("version-sets", "get", "described").output
