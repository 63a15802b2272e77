"""What a model is and where it stands: ``print(model)`` and ``model.summary_status()``.

``print(model)`` is ADS's YAML summary (algorithm, artifact_dir with its files, framework,
model_deployment_id, model_id). ``summary_status()`` is ADS's table of the workflow's steps
(Step, Status, Details, Actions Needed), here read from what is actually there — the artifact's
files, the catalog OCID, the deployment's state — rather than from flags set along the way, so a
model loaded from an artifact or the catalog shows true statuses too.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from emulator.contracts.runtime_yaml import RUNTIME_FILE
from emulator.contracts.states import ACTIVE

DONE, AVAILABLE, NOT_AVAILABLE, NEEDS_ACTION = "Done", "Available", "Not Available", "Needs Action"
COLUMNS = ["Step", "Details", "Status", "Actions Needed"]


def artifact_files(artifact_dir: str) -> list[str]:
    """The artifact's files, relative and sorted (caches left out)."""
    root = Path(artifact_dir)
    if not root.is_dir():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts)


def to_yaml(model: Any) -> str:
    """ADS's printed summary of a model."""
    summary = {
        "artifact_dir": {model.artifact_dir: [artifact_files(model.artifact_dir)]},
        "framework": model.framework,
        "algorithm": model.algorithm,
        "model_id": model.model_id,
        "model_deployment_id": model.model_deployment_id,
    }
    return yaml.safe_dump(summary)


def summary_status(model: Any):
    """The status table, indexed by (Step, Status, Details) as ADS returns it."""
    import pandas as pd

    rows = [["initiate", "Initiated the model", DONE, ""]]
    rows += _prepare_rows(model)
    prepared = all(row[2] == DONE for row in rows)
    rows.append(["verify()", "Local tested .predict from score.py",
                 DONE if model._verified else (AVAILABLE if prepared else NOT_AVAILABLE), ""])
    introspected = model.metadata_taxonomy["ArtifactTestResults"].value is not None
    rows.append(["save()", "Conducted Introspect Test",
                 DONE if introspected else (AVAILABLE if prepared else NOT_AVAILABLE), ""])
    rows.append(["save()", "Uploaded artifact to model catalog",
                 DONE if model.model_id else (AVAILABLE if prepared else NOT_AVAILABLE), ""])
    state = _deployment_state(model)
    rows.append(["deploy()", "Deployed the model", state or (AVAILABLE if model.model_id else NOT_AVAILABLE), ""])
    rows.append(["predict()", "Called deployment predict endpoint",
                 DONE if model._predicted else (AVAILABLE if state == ACTIVE else NOT_AVAILABLE), ""])
    return pd.DataFrame(rows, columns=COLUMNS).set_index(["Step", "Status", "Details"])


def _prepare_rows(model: Any) -> list[list[str]]:
    root = Path(model.artifact_dir)
    name = model.model_file_name
    rows = [["prepare()", "Generated runtime.yaml", DONE if (root / RUNTIME_FILE).is_file() else AVAILABLE, ""],
            ["prepare()", "Generated score.py", DONE if (root / "score.py").is_file() else AVAILABLE, ""]]
    if name and not (root / name).exists():
        rows.append(["prepare()", "Serialized model", NEEDS_ACTION,
                     f"Model is not automatically serialized. Serialize the model as `{name}` and save it to "
                     f"{root}; then write load_model() in score.py."])
    elif name and _loader_is_manual(root) and not model._verified:
        rows.append(["prepare()", "Serialized model", NEEDS_ACTION,
                     f"score.py cannot load `{name}` yet: write its load_model() (serialize=False or your own "
                     "model_save_serializer)."])
    else:
        rows.append(["prepare()", "Serialized model", DONE if name else AVAILABLE, ""])
    rows.append(["prepare()", "Populated metadata(Custom, Taxonomy and Provenance)",
                 DONE if model.runtime_info is not None else AVAILABLE, ""])
    return rows


def _loader_is_manual(root: Path) -> bool:
    """score.py still has the placeholder loader prepare() writes when it did not save the model."""
    score = root / "score.py"
    return score.is_file() and "does not know how to load" in score.read_text(encoding="utf-8", errors="replace")


def _deployment_state(model: Any) -> str | None:
    deployment = model.model_deployment
    if deployment is None:
        return None
    try:
        return deployment.sync().lifecycle_state
    except Exception:  # noqa: BLE001 - a status table must not fail because the service is away
        return getattr(deployment, "lifecycle_state", None)
