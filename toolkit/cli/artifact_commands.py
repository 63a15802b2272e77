"""``dockyard prepare``, ``dockyard verify`` and ``dockyard introspect``: the artifact from a shell.

Exit status: 0 ok, 1 failure (a failing score.py, a failing check, a refused overwrite), 2 usage.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from toolkit.cli.common import (
    DATA_HELP, RAW_HELP, already_enveloped, handle_errors, json_option, print_json, read_data,
)

FRAMEWORKS = ("generic", "sklearn", "xgboost", "lightgbm", "pytorch")
TRAINING_SCRIPT_HELP = ("The script that trained the model, recorded as its provenance with the git state of its "
                        "repository (ADS: training_script_path). Default: none.")


def load_model_file(path: Path, framework: str) -> Any:
    """Read a trained model saved by the user's own code (pickle/joblib, or the framework's format).

    Pickle-based files run code when loaded: only load files you made or trust.
    """
    suffix = path.suffix.lower()
    if framework == "xgboost" and suffix in (".json", ".ubj"):
        import xgboost

        booster = xgboost.Booster()
        booster.load_model(str(path))
        return booster
    if framework == "lightgbm" and suffix == ".txt":
        import lightgbm

        return lightgbm.Booster(model_file=str(path))
    if suffix == ".joblib":  # whatever --framework says: the check that follows compares the two
        import joblib

        return joblib.load(path)
    if framework == "pytorch":
        import torch

        try:
            return torch.jit.load(str(path), map_location="cpu")
        except RuntimeError:
            return torch.load(str(path), map_location="cpu", weights_only=False)
    import cloudpickle

    with open(path, "rb") as f:
        return cloudpickle.load(f)


@click.command("prepare")
@click.argument("model_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--framework", "-f", type=click.Choice(FRAMEWORKS), required=True, help="The model's framework (flavor).")
@click.option("--artifact-dir", "-d", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--sample", "sample", help="X_sample for the schemas and checks: @file (.csv/.json/.npy) or JSON.")
@click.option("--requirement", "-r", "requirements", multiple=True, help="Extra pip requirement line (repeatable).")
@click.option("--inference-conda-env", help="oci:// path of the inference conda environment.")
@click.option("--ignore-conda-error", is_flag=True,
              help="Accept a conda environment slug whose oci:// path cannot be looked up offline (path left empty).")
@click.option("--python-version", "python_version", help="Inference Python version, e.g. 3.11.")
@click.option("--use-case-type", help="ADS UseCaseType, e.g. binary_classification.")
@click.option("--torchscript", is_flag=True, help="pytorch: store TorchScript instead of a state dict.")
@click.option("--training-script", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=TRAINING_SCRIPT_HELP)
@click.option("--force", is_flag=True, help="Overwrite a non-empty artifact directory.")
@handle_errors
def prepare_command(model_file: Path, framework: str, artifact_dir: Path, sample: str | None,
                    requirements: tuple[str, ...], inference_conda_env: str | None, python_version: str | None,
                    use_case_type: str | None, training_script: Path | None, torchscript: bool, force: bool,
                    ignore_conda_error: bool) -> None:
    """Prepare a model artifact from a trained model file (pickle/joblib or the framework's format).

    \b
    Example:
      dockyard prepare model.joblib -f sklearn -d ./artifact --sample @sample.csv
    """
    from toolkit.artifact.errors import ArtifactError
    from toolkit.model.flavor import model_class_for

    if torchscript and framework != "pytorch":
        raise click.UsageError("--torchscript is for -f pytorch models", ctx=click.get_current_context())
    try:
        estimator = load_model_file(model_file, framework)
    except Exception as exc:  # any loader's failure means the same to the user: not a model file of this kind
        raise ArtifactError(f"cannot load {model_file} as a {framework} model: {type(exc).__name__}: {exc}",
                            hint="save it with pickle/joblib or the framework's own format, and check --framework") from exc
    _check_framework(model_file, estimator, framework)
    model = model_class_for(framework)(estimator=estimator, artifact_dir=str(artifact_dir))
    kwargs: dict[str, Any] = {"use_torch_script": True} if torchscript else {}
    model.prepare(
        inference_conda_env=inference_conda_env,
        ignore_conda_error=ignore_conda_error,
        inference_python_version=python_version,
        X_sample=read_data(sample, "--sample") if sample else None,
        requirements=list(requirements) or None,
        use_case_type=use_case_type,
        training_script_path=str(training_script.resolve()) if training_script else None,
        force_overwrite=force,
        **kwargs,
    )
    files = ", ".join(sorted(p.name for p in Path(model.artifact_dir).iterdir()))
    click.echo(f"Prepared {model.artifact_dir}: {files}")


def _check_framework(model_file: Path, estimator: Any, framework: str) -> None:
    """Refuse, before anything is written, a model that --framework does not describe (it would pin the
    wrong package, or fail half-way through writing the artifact)."""
    from toolkit.artifact.errors import ArtifactError
    from toolkit.model.flavor import flavors_supporting, model_class_for

    if model_class_for(framework).flavor_class().supports(estimator):
        return
    kind = f"{type(estimator).__module__}.{type(estimator).__qualname__}"
    fitting = flavors_supporting(estimator)
    hint = (f"use -f {fitting[0]}" if fitting else "use -f generic (any object with .predict(), cloudpickled)")
    raise ArtifactError(f"{model_file} holds a {kind}, not a model of framework {framework}", hint=hint)


@click.command("verify")
@click.argument("artifact_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--data", required=True, help=DATA_HELP)
@click.option("--raw", is_flag=True, help=RAW_HELP)
@click.option("--timeout", type=float, default=600.0, show_default=True, help="Seconds to wait for score.py.")
@handle_errors
def verify_command(artifact_dir: Path, data: str, raw: bool, timeout: float) -> None:
    """Run the artifact's score.py in a fresh Python process on DATA and print the prediction (JSON).

    \b
    Example:
      dockyard verify ./artifact --data '[[5.1, 3.5, 1.4, 0.2]]'
    """
    from toolkit.artifact.verify import verify

    document = read_data(data)
    result = verify(artifact_dir, document, serialize=not raw and not already_enveloped(document), timeout=timeout)
    print_json(result, indent=None)


@click.command("introspect")
@click.argument("artifact_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@json_option("Print the results as JSON (test_json_output.json format).")
@handle_errors
def introspect_command(artifact_dir: Path, as_json: bool) -> None:
    """Check an artifact (every ADS check plus Dockyard's); exit 1 if a check fails.

    \b
    Example:
      dockyard introspect ./artifact --json
    """
    from toolkit.artifact.introspect import introspect

    result = introspect(artifact_dir)
    if as_json:
        print_json(result.to_dict())
    else:
        from rich.console import Console

        Console().print(result)
    sys.exit(0 if result.passed else 1)


def register(cli: click.Group) -> None:
    for command in (prepare_command, verify_command, introspect_command):
        cli.add_command(command)
