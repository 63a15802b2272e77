"""Where a deployment keeps its things under the emulator home, and how its model artifact gets there.

``<home>/deployments/<ocid>/artifact`` is the unpacked artifact (mounted read-only into the
container), ``logs/`` holds ``access.log`` (written by the gateway), ``predict.log`` and
``server.log`` (written by the model server) and ``deploy.jsonl`` (build and start output).
"""
from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path
from typing import Any, Callable

from emulator import private, unzip
from emulator.errors import OCIError, invalid
from emulator.state import EmulatorState

_append_lock = threading.Lock()


def deployment_dir(state: EmulatorState, deployment_id: str) -> Path:
    return _root(state) / deployment_id


def remove_all(state: EmulatorState) -> None:
    """Every deployment's files (unpacked artifacts, logs): gone, as on a new home."""
    shutil.rmtree(_root(state), ignore_errors=True)


def _root(state: EmulatorState) -> Path:
    return state.config.home / "deployments"


def log_dir(state: EmulatorState, deployment_id: str) -> Path:
    return private.make_dir(deployment_dir(state, deployment_id) / "logs")


def append_json_line(path: Path, entry: dict[str, Any]) -> None:
    """Append one JSON log entry; one write per line keeps concurrent writers from interleaving."""
    line = json.dumps(entry) + "\n"
    with _append_lock, private.open_file(path, "a", encoding="utf-8") as out:
        out.write(line)


def predict_log_note(state: EmulatorState, deployment_id: str, message: str) -> None:
    """Add an emulator note to the predict log, in the server's line format, so log search shows it in order."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()) + f",{int(time.time() * 1000) % 1000:03d}"
    with _append_lock, private.open_file(log_dir(state, deployment_id) / "predict.log", "a", encoding="utf-8") as out:
        out.write(f"{stamp} ERROR [dockyard] {message.rstrip()}\n")


def unpack_model_artifact(state: EmulatorState, model_id: str, deployment_id: str) -> Path:
    """Unzip the model's catalog artifact into the deployment's directory (streamed from the blob store)."""
    return unpack_once(state, deployment_id, lambda into: extract_model_artifact(state, model_id, into))


def unpack_once(state: EmulatorState, deployment_id: str, fill: Callable[[Path], None]) -> Path:
    """The deployment's ``artifact`` directory, filled by ``fill`` the first time.

    ``fill`` writes into ``artifact.tmp``, renamed into place only when complete; a refused or broken
    artifact leaves no ``artifact.tmp`` behind."""
    target = deployment_dir(state, deployment_id) / "artifact"
    if (target / ".unpacked").is_file():
        return target
    tmp = target.with_name("artifact.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        fill(tmp)
        (tmp / ".unpacked").write_text(str(time.time()))
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def extract_model_artifact(state: EmulatorState, model_id: str, into: Path) -> None:
    """Unzip a catalog model's artifact into ``into`` through ``emulator.unzip`` (zip-slip and zip-bomb
    guards, ``state.config.zip_limits``); a zip made around a folder is hoisted, as it loads."""
    try:
        _unpack(state, artifact_blob_name(state, model_id), into)
        unzip.hoist_artifact_root(into)
    except unzip.UnsafeZip as exc:
        raise OCIError(400, "InvalidParameter", f"the artifact of model {model_id} cannot be deployed: {exc.message}"
                       + (f". {exc.hint}" if exc.hint else "")) from None


def _unpack(state: EmulatorState, blob_name: str, target: Path) -> None:
    """Unzip the artifact, or for a model by reference copy the objects its description names."""
    from emulator.contracts import model_description
    from emulator.data_science import artifact_reference

    description = model_description.read(state.blobs.path(blob_name))
    if description is not None:
        artifact_reference.materialize(state, description, target)
        return
    with state.blobs.open(blob_name) as stream:
        unzip.extract(stream, target, state.config.zip_limits)


def artifact_blob_name(state: EmulatorState, model_id: str) -> str:
    """The blob holding a catalog model's artifact zip, as the artifacts module records it; 404 for an
    unknown model, 400 when it has no artifact."""
    from emulator.data_science import artifacts, models, retention

    retention.check_readable(models.get(state.db, model_id))
    record = state.db.get(artifacts.KIND, model_id)
    name = artifacts.blob_of(record).name if record is not None else None
    if not name or not state.blobs.exists(name):
        raise invalid(f"model {model_id} has no artifact to deploy; upload one first.")
    return name
