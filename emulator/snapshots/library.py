"""Named snapshots, kept under the home (``<home>/snapshots/<name>.tar``), and how a NAME|FILE argument
is read: a name is a word (letters, digits, ``.``, ``_``, ``-``); anything with a ``/`` or ending in
``.tar`` is a file path."""
from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from emulator import private
from emulator.snapshots import archive
from emulator.snapshots.archive import SnapshotError

SUFFIX = ".tar"
# Working folders and files of a save, a restore and an uploaded restore, beside the named snapshots:
# removed when the operation ends, and at the next start of an emulator after a crash.
SAVE_STAGING, RESTORE_STAGING, UPLOAD_STAGING = ".snapshot-", ".restore-", ".upload-"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def directory(home: Path) -> Path:
    return Path(home) / "snapshots"


def remove_staging(home: Path) -> list[str]:
    """Remove what a save or restore killed mid-way left under ``<home>/snapshots``; returns the names.
    Only for a home no other process is using (an emulator that has it to itself at start)."""
    folder = directory(home)
    leftovers = [p for p in folder.iterdir() if p.name.startswith((SAVE_STAGING, RESTORE_STAGING, UPLOAD_STAGING))] \
        if folder.is_dir() else []
    for path in leftovers:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return [p.name for p in leftovers]


def is_file_argument(name_or_file: str) -> bool:
    return "/" in name_or_file or name_or_file.endswith(SUFFIX)


def resolve(home: Path, name_or_file: str) -> Path:
    """The snapshot file a NAME|FILE argument means."""
    return Path(name_or_file).expanduser() if is_file_argument(name_or_file) else path_of(home, name_or_file)


def path_of(home: Path, name: str) -> Path:
    """The file of the named snapshot ``name`` (which need not exist yet)."""
    if not _NAME.match(name or "") or name.endswith(SUFFIX):
        raise SnapshotError(f"{name!r} is not a snapshot name: use letters, digits, '.', '_' and '-' "
                            "(up to 100), or give a file path")
    return private.make_dir(directory(home)) / f"{name}{SUFFIX}"


def entries(home: Path) -> list[dict[str, Any]]:
    """The named snapshots, oldest first: name, path, size and what each manifest says."""
    found = sorted(directory(home).glob(f"*{SUFFIX}"), key=lambda p: (p.stat().st_mtime, p.name))
    return [describe(path, path.name[: -len(SUFFIX)]) for path in found if not path.name.startswith(".")]


def describe(path: Path, name: str | None = None) -> dict[str, Any]:
    """One snapshot in a few fields (an unreadable file says why instead of failing the listing)."""
    entry: dict[str, Any] = {"name": name, "path": str(path), "size": path.stat().st_size}
    try:
        manifest = archive.read_manifest(path)
    except SnapshotError as exc:
        return {**entry, "error": str(exc)}
    records = manifest.get("records") or {}
    return {**entry, "formatVersion": manifest.get("formatVersion"), "createdAt": manifest.get("createdAt"),
            "models": records.get("model", 0), "records": sum(records.values()),
            "blobs": len(set((manifest.get("blobs") or {}).values())), "blobBytes": manifest.get("bytes", 0)}


def delete(home: Path, name: str) -> bool:
    """Remove the named snapshot; False when there was none."""
    path = path_of(home, name)
    existed = path.is_file()
    path.unlink(missing_ok=True)
    return existed
