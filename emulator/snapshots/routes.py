"""Dockyard-only snapshot routes (under ``/dockyard-api``, beside the reset), for an emulator serving
as a service (the emulator image in CI) where no one runs the CLI on its home:

- ``POST /dockyard-api/snapshots`` ``{"name": N}``: save the state as the named snapshot (201);
- ``GET /dockyard-api/snapshots``: the named snapshots; ``GET .../snapshots/N``: the file itself;
- ``DELETE /dockyard-api/snapshots/N``;
- ``POST /dockyard-api/snapshots/restore``: ``{"name": N}`` restores a named one; a body of type
  ``application/x-tar`` is a snapshot file to restore.

Like the reset they act on every compartment, so with signatures enforced only a key registered for
all compartments may call them (``emulator.auth.access``).
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, request, send_file

from emulator import private
from emulator.app import SNAPSHOTS_PATH
from emulator.errors import invalid, not_found
from emulator.snapshots import library
from emulator.snapshots.capture import save
from emulator.snapshots.restoration import restore
from emulator.snapshots.archive import SnapshotError
from emulator.state import current_state
from emulator.wire import parse_json

bp = Blueprint("dockyard_snapshots", __name__, url_prefix=SNAPSHOTS_PATH)
TAR_TYPE = "application/x-tar"
_CHUNK = 4 * 1024 * 1024


@bp.post("")
def save_snapshot() -> tuple[dict[str, Any], int]:
    name = _name_in_body()
    home = current_state().config.home
    path = _path(home, name)
    save(current_state(), path)
    return library.describe(path, name), 201


@bp.get("")
def list_snapshots() -> dict[str, Any]:
    return {"items": library.entries(current_state().config.home)}


@bp.get("/<name>")
def download_snapshot(name: str) -> Response:
    path = _existing(name)
    return send_file(path, mimetype=TAR_TYPE, as_attachment=True, download_name=path.name)


@bp.delete("/<name>")
def delete_snapshot(name: str) -> Response:
    _existing(name)
    library.delete(current_state().config.home, name)
    return Response(status=204)


@bp.post("/restore")
def restore_snapshot() -> dict[str, Any]:
    state = current_state()
    if request.mimetype == TAR_TYPE:
        with tempfile.NamedTemporaryFile(dir=private.make_dir(library.directory(state.config.home)),
                                         prefix=library.UPLOAD_STAGING, suffix=library.SUFFIX) as upload:
            while chunk := request.stream.read(_CHUNK):
                upload.write(chunk)
            upload.flush()
            manifest = _restore(state, Path(upload.name))
        return {"restored": "uploaded file", "formatVersion": manifest["formatVersion"],
                "records": manifest.get("records", {})}
    name = _name_in_body()
    manifest = _restore(state, _existing(name))
    return {"restored": name, "formatVersion": manifest["formatVersion"], "records": manifest.get("records", {})}


def _restore(state: Any, path: Path) -> dict[str, Any]:
    try:
        return restore(state, path)
    except SnapshotError as exc:
        raise invalid(str(exc)) from None


def _name_in_body() -> str:
    body = parse_json(request.get_data(cache=False) or b"{}")
    name = body.get("name") if isinstance(body, dict) else None
    if not isinstance(name, str):
        raise invalid('give the snapshot\'s name: {"name": "NAME"}')
    return name


def _path(home: Path, name: str) -> Path:
    try:
        return library.path_of(home, name)
    except SnapshotError as exc:
        raise invalid(str(exc)) from None


def _existing(name: str) -> Path:
    path = _path(current_state().config.home, name)
    if not path.is_file():
        raise not_found("snapshot", name)
    return path



