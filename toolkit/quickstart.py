"""Quickstart (``python -m toolkit.quickstart`` / ``make quickstart``): the ADS workflow, offline.

Trains a small real scikit-learn model on the iris data set (shipped with scikit-learn, no
download), wraps it in ``SklearnModel``, prepares the artifact, verifies it in a fresh Python
process, introspects it, saves it to the local model catalog (the emulator, started in the
background on first use), deploys it (Docker when an engine and the base image are there, else a
local process; it says which and why), predicts through the deployment's endpoint and shows its
logs. The deployment is deleted at the end unless ``--keep-deployment``; the model stays in the
catalog. The closing lines are the next commands, spelled so that they work as printed in a new shell.
"""
from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console

DEFAULT_ARTIFACT_DIR = Path("artifacts") / "quickstart-sklearn"
NEXT_HEADER = "Next (these work as printed, in this shell or a new one):"

console = Console(soft_wrap=True)  # OCIDs and URLs stay on one line, for copy and paste


def train() -> tuple[Any, Any]:
    """A logistic regression on iris; returns (model, feature frame)."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True, as_frame=True)
    return LogisticRegression(max_iter=1000).fit(X, y), X


def wrap(estimator: Any, artifact_dir: Path):
    from toolkit import SklearnModel

    return SklearnModel(estimator=estimator, artifact_dir=str(artifact_dir))


def prepare(model: Any, X: Any) -> None:
    """Writes the artifact; ``force_overwrite`` because the quickstart reuses its own directory."""
    model.prepare(X_sample=X.sample(20, random_state=0), use_case_type="multinomial_classification",
                  force_overwrite=True)
    files = ", ".join(sorted(p.name for p in Path(model.artifact_dir).iterdir()))
    console.print(f"[bold]Prepared[/] {model.artifact_dir}: {files}")


def verify(model: Any, X: Any) -> dict:
    started = time.perf_counter()
    result = model.verify(X.iloc[[0, 60, 120]])
    console.print(f"[bold]Verified[/] in a fresh Python process ({time.perf_counter() - started:.2f} s): "
                  f"predictions {result['prediction']} for rows 0, 60, 120")
    return result


def introspect(model: Any):
    result = model.introspect()
    console.print(result)
    verdict = "[green]passed[/]" if result.passed else "[red]failed[/]"
    console.print(f"[bold]Introspection[/] {verdict}; results also in {Path(model.artifact_dir) / 'test_json_output.json'}")
    return result


def save(model: Any) -> str:
    from toolkit import settings

    model_id = model.save(display_name="quickstart-iris", description="Dockyard quickstart: iris logistic regression")
    console.print(f"[bold]Saved[/] to the local catalog ({settings.home()}): {model_id}")
    return model_id


def deploy(model: Any):
    started = time.perf_counter()
    deployment = model.deploy(display_name="quickstart-iris")
    console.print(f"[bold]Deployed[/] in {time.perf_counter() - started:.1f} s: {deployment.id}")
    console.print(f"  endpoint {deployment.url}/predict")
    if deployment.lifecycle_details:  # which runtime the emulator chose, and why
        console.print(f"  {deployment.lifecycle_details}", highlight=False)
    return deployment


def predict(model: Any, X: Any) -> dict:
    result = model.predict(X.iloc[[0, 60, 120]])
    console.print(f"[bold]Predicted[/] through the endpoint: {result['prediction']} for rows 0, 60, 120")
    return result


def show_logs(deployment: Any) -> None:
    """The access log of the predict call just made (the predict log has the server's own lines)."""
    for entry in deployment.logs(log_type="access")[-3:]:
        console.print(f"  {entry}", highlight=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifact-dir", type=Path, default=DEFAULT_ARTIFACT_DIR)
    parser.add_argument("--keep-deployment", action="store_true",
                        help="leave the deployment running (try `dockyard deployments list`, `dockyard predict`)")
    args = parser.parse_args(argv)

    estimator, X = train()
    model = wrap(estimator, args.artifact_dir)
    prepare(model, X)
    verified = verify(model, X)
    result = introspect(model)
    if not result.passed:
        return 1
    save(model)
    deployment = deploy(model)
    try:
        served = predict(model, X)
        show_logs(deployment)
        if served["prediction"] != verified["prediction"]:
            console.print("[red]The deployment's predictions differ from verify()'s[/]")
            return 1
    finally:
        keep_or_delete(deployment, args.keep_deployment)
    print_next_steps(deployment.model_deployment_id if args.keep_deployment else None)
    return 0


def keep_or_delete(deployment: Any, keep: bool) -> None:
    """The end of a quickstart: the deployment stays only when asked (--keep-deployment)."""
    if keep:
        console.print(f"Deployment kept: {deployment.model_deployment_id}")
    else:
        deployment.delete()
        console.print("[bold]Deleted[/] the deployment (the model stays in the catalog)")


def next_commands(deployment_id: str | None = None) -> list[str]:
    """Shell lines that continue from here in a new shell: put this installation's ``dockyard`` and
    Python on PATH, point at the same emulator home, then look at what the quickstart made."""
    from toolkit import settings

    bin_dir = Path(sys.executable).parent
    lines = []
    if shutil.which("dockyard") != str(bin_dir / "dockyard"):
        activate = bin_dir / "activate"
        lines.append(f"source {shlex.quote(_shown(activate))}" if activate.is_file()
                     else f"export PATH={shlex.quote(str(bin_dir))}:$PATH")
    for name in ("DOCKYARD_HOME", "DOCKYARD_ENDPOINT"):
        if os.environ.get(name):
            lines.append(f"export {name}={shlex.quote(os.environ[name])}")
    lines += ["dockyard models list", "dockyard deployments list"]
    if deployment_id:
        lines += [f"dockyard predict {deployment_id} --data '[[5.1, 3.5, 1.4, 0.2]]'",
                  f"dockyard deployments logs {deployment_id}"]
    if not settings.endpoint():  # the emulator this run started in the background
        lines.append("dockyard emulator stop")
    return lines


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when inside it (as a README would say it)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def print_next_steps(deployment_id: str | None) -> None:
    from toolkit import settings

    console.print(f"\n[bold]{NEXT_HEADER}[/]")
    for line in next_commands(deployment_id):
        console.print(f"  {line}", highlight=False, markup=False)
    running = "" if settings.endpoint() else "The emulator keeps running in the background until `dockyard emulator stop`. "
    console.print(f"{running}Python code using Dockyard (the docs' examples) runs with this environment's "
                  f"python ({sys.executable}).", highlight=False, markup=False)


if __name__ == "__main__":
    raise SystemExit(main())
