"""The snapshot file: one uncompressed tar holding, in this order,

- ``manifest.json``: ``{"format": "dockyard-snapshot", "formatVersion": N, "createdAt", "dockyardVersion",
  "region", "namespace", "tenancy" (the saving home's local-profile tenancy: the compartment its
  ``local`` profile created things in), "records": {kind: count}, "blobs": {blob name: sha256}, "bytes"}``;
- ``catalog.db``: the SQLite database (rollback-journal mode, one file), as SQLite's online backup took it;
- ``blobs/<sha256>``: each distinct content once (artifacts are zips: compressing again gains nothing).

The manifest comes first so a reader refuses a format it does not know before reading a byte more.
Nothing else may be in the tar (no paths of the writer's choosing reach the disk), and every blob is
hashed on the way in and out: a file cut short or changed is refused, never half restored.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import time
from pathlib import Path
from typing import IO, Any, Callable

from emulator import private

FORMAT = "dockyard-snapshot"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE = "catalog.db"
BLOB_DIR = "blobs"
_BLOB_MEMBER = re.compile(r"^blobs/([0-9a-f]{64})$")
_BLOB_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 4 * 1024 * 1024
# Migrations from a format version to the next, applied in turn to an unpacked snapshot (its manifest
# and its database file): what lets an older snapshot restore into a newer Dockyard. Empty while
# format 1 is the only one written.
MIGRATIONS: dict[int, Callable[[dict[str, Any], Path], dict[str, Any]]] = {}


class SnapshotError(Exception):
    """A file that cannot be restored here, with the reason and what to do."""


def check_format(manifest: Any) -> int:
    """The format version of ``manifest`` when this Dockyard reads it (directly or by migrating);
    SnapshotError saying why not otherwise."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise SnapshotError("not a Dockyard snapshot (its manifest.json does not say format "
                            f"{FORMAT!r}); make one with: dockyard emulator snapshot save NAME")
    version = manifest.get("formatVersion")
    if not isinstance(version, int) or isinstance(version, bool):
        raise SnapshotError(f"the snapshot's formatVersion {version!r} is not a number")
    if version > FORMAT_VERSION:
        raise SnapshotError(f"the snapshot has format {version}, newer than this Dockyard reads (up to "
                            f"{FORMAT_VERSION}); restore it with the Dockyard that saved it "
                            f"({manifest.get('dockyardVersion', 'unknown version')}) or a newer one")
    missing = [v for v in range(version, FORMAT_VERSION) if v not in MIGRATIONS]
    if missing:
        raise SnapshotError(f"the snapshot has format {version}, which this Dockyard cannot migrate (no "
                            f"migration from format {missing[0]}; it reads format {FORMAT_VERSION}); "
                            "save it again with a Dockyard that reads it")
    return version


def migrate(manifest: dict[str, Any], database: Path) -> dict[str, Any]:
    """Bring an unpacked snapshot of an older format up to :data:`FORMAT_VERSION`, one step at a time."""
    version = check_format(manifest)
    while version < FORMAT_VERSION:
        manifest = MIGRATIONS[version](manifest, database)
        version += 1
        manifest["formatVersion"] = version
    return manifest


def new_manifest(blobs: dict[str, str], records: dict[str, int], sizes: dict[str, int],
                 extra: dict[str, Any]) -> dict[str, Any]:
    """What a snapshot says of itself; ``blobs`` maps each blob name to its sha256, ``sizes`` each sha256 to its size."""
    return {"format": FORMAT, "formatVersion": FORMAT_VERSION, "createdAt": _now(), **extra,
            "records": records, "blobs": blobs, "bytes": sum(sizes.values())}


def write(target: Path, manifest: dict[str, Any], database: Path, blob_files: dict[str, Path]) -> None:
    """Write the snapshot file atomically (temp file, fsync, rename): ``blob_files`` maps sha256 to a
    file with those bytes (checked while it is copied)."""
    with private.replaced_whole(target) as raw:
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT, copybufsize=_CHUNK) as tar:
            data = json.dumps(manifest, indent=1, sort_keys=True).encode()
            _add(tar, MANIFEST, io.BytesIO(data), len(data))
            with open(database, "rb") as db:
                _add(tar, DATABASE, db, database.stat().st_size)
            for sha256, path in sorted(blob_files.items()):
                with open(path, "rb") as blob:
                    checked = _Hashing(blob, sha256, f"blob {path.name}")
                    _add(tar, f"{BLOB_DIR}/{sha256}", checked, path.stat().st_size)
                    checked.verify()


def read_manifest(source: Path) -> dict[str, Any]:
    """The manifest of a snapshot file, without reading the rest."""
    with _open(source) as tar:
        return _manifest_of(tar, tar.next())


def unpack(source: Path, into: Path) -> dict[str, Any]:
    """Unpack a snapshot into ``into`` (``catalog.db``, ``blobs/<sha256>``), checking its format first and
    every blob's digest; returns the manifest, migrated to the current format."""
    blob_dir = private.make_dir(into / BLOB_DIR)
    with _open(source) as tar:
        manifest = _manifest_of(tar, tar.next())
        check_format(manifest)
        _check_blob_names(manifest)
        try:
            while (member := tar.next()) is not None:  # next(), not iteration: that starts over at the manifest
                _unpack_member(tar, member, into, blob_dir)
        except (tarfile.TarError, EOFError) as exc:
            raise SnapshotError(f"{source} is cut short or damaged ({exc})") from None
    if not (into / DATABASE).is_file():
        raise SnapshotError(f"{source} holds no {DATABASE}: the file is cut short")
    wanted = set((manifest.get("blobs") or {}).values())
    absent = sorted(wanted - {p.name for p in blob_dir.iterdir()})
    if absent:
        raise SnapshotError(f"{source} lacks {len(absent)} blob(s) its manifest names (first: {absent[0]}); "
                            "the file is cut short")
    return migrate(manifest, into / DATABASE)


def _check_blob_names(manifest: dict[str, Any]) -> None:
    """Blob names become file names under the store, digests file names here: refuse anything else."""
    blobs = manifest.get("blobs")
    if not isinstance(blobs, dict) or not all(
            isinstance(name, str) and _BLOB_NAME.match(name) and isinstance(sha, str) and _SHA256.match(sha)
            for name, sha in blobs.items()):
        raise SnapshotError("the snapshot's manifest names blobs that are not blob names and sha256 digests")


def _unpack_member(tar: tarfile.TarFile, member: tarfile.TarInfo, into: Path, blob_dir: Path) -> None:
    if not member.isfile():
        raise SnapshotError(f"unexpected entry {member.name!r} in the snapshot (not a file)")
    source = tar.extractfile(member)
    assert source is not None
    blob = _BLOB_MEMBER.match(member.name)
    if member.name == DATABASE:
        _copy(source, into / DATABASE)
    elif blob:
        checked = _Hashing(source, blob.group(1), member.name)
        _copy(checked, blob_dir / blob.group(1))
        checked.verify()
    else:
        raise SnapshotError(f"unexpected entry {member.name!r} in the snapshot")


def link_or_copy(source: Path, target: Path) -> Path:
    """A hard link (instant: blobs are immutable); a copy where the file system has none."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
    return target


def _open(source: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(source, mode="r:", copybufsize=_CHUNK)
    except FileNotFoundError:
        raise SnapshotError(f"no snapshot at {source}") from None
    except tarfile.TarError as exc:
        raise SnapshotError(f"{source} is not a snapshot file ({exc})") from None


def _manifest_of(tar: tarfile.TarFile, member: tarfile.TarInfo | None) -> dict[str, Any]:
    if member is None or member.name != MANIFEST or not member.isfile():
        raise SnapshotError(f"not a Dockyard snapshot: its first entry is not {MANIFEST}")
    handle = tar.extractfile(member)
    assert handle is not None
    try:
        return json.loads(handle.read(16 * 1024 * 1024))
    except (tarfile.TarError, EOFError) as exc:
        raise SnapshotError(f"the snapshot's {MANIFEST} is cut short ({exc})") from None
    except ValueError as exc:
        raise SnapshotError(f"the snapshot's {MANIFEST} is not JSON ({exc})") from None


def _add(tar: tarfile.TarFile, name: str, stream: IO[bytes] | "_Hashing", size: int) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(time.time()), 0o600
    tar.addfile(info, stream)  # type: ignore[arg-type]


def _copy(source: Any, target: Path) -> None:
    with private.open_file(target, "wb") as out:
        while chunk := source.read(_CHUNK):
            out.write(chunk)


class _Hashing:
    """A reader that hashes what passes through, to check a blob against the digest it is filed under."""

    def __init__(self, stream: Any, sha256: str, what: str) -> None:
        self._stream, self._expected, self._what = stream, sha256, what
        self._digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        self._digest.update(chunk)
        return chunk

    def verify(self) -> None:
        if self._digest.hexdigest() != self._expected:
            raise SnapshotError(f"{self._what} does not match its sha256 {self._expected}: the bytes changed")


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
