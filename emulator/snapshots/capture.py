"""Saving the emulator's state to a snapshot file while it serves.

Consistency without stopping: for the moment it takes to copy the database with SQLite's online
backup API and hard-link the blobs that copy names, this holds the database's write lock, so no API
call commits in between (they wait; readers never do: WAL). Blobs are immutable and only deleted
after the commit that drops their record, so every blob the copy names is still there to link.
The slow part, writing the tar, reads the copy and the links after the lock is released.
"""
from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from emulator import private
from emulator.auth.keys import local_profile
from emulator.snapshots import archive, library
from emulator.state import EmulatorState
from emulator.store.blobs import file_sha256


def save(state: EmulatorState, target: Path) -> dict[str, Any]:
    """Write the whole state (catalog, Object Storage, work requests, deployment records) to ``target``;
    returns the manifest. Configuration kept across resets (registered API keys) stays out."""
    staging = Path(tempfile.mkdtemp(prefix=library.SAVE_STAGING, dir=private.make_dir(library.directory(state.config.home))))
    try:
        database = staging / archive.DATABASE
        blob_files = _capture(state, database, private.make_dir(staging / archive.BLOB_DIR))
        blobs, records = _contents(database, state.kept_on_reset)
        blob_files = {sha: path for sha, path in blob_files.items() if sha in set(blobs.values())}
        sizes = {sha: path.stat().st_size for sha, path in blob_files.items()}
        extra = {"dockyardVersion": _version(), "region": state.config.region, "namespace": state.config.namespace,
                 "tenancy": (local_profile(state.config.home) or {}).get("tenancy")}
        manifest = archive.new_manifest(blobs, records, sizes, extra)
        archive.write(Path(target), manifest, database, blob_files)
        return manifest
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _capture(state: EmulatorState, database: Path, blob_dir: Path) -> dict[str, Path]:
    """Copy the database and link the blobs it names, with writers held off meanwhile: sha256 -> file."""
    private.create_file(database)
    with state.db.transaction():  # BEGIN IMMEDIATE: no commit until both are done
        source = sqlite3.connect(state.config.db_path)  # another connection: backup waits on our own lock
        target = sqlite3.connect(database)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            named = target.execute("SELECT DISTINCT json_extract(body, '$._blob.name'), "
                                   "json_extract(body, '$._blob.sha256') FROM resources "
                                   "WHERE json_extract(body, '$._blob.name') IS NOT NULL").fetchall()
        finally:
            source.close()
            target.close()
        files: dict[str, Path] = {}
        unhashed: dict[str, Path] = {}
        for name, sha256 in named:
            if not sha256:
                unhashed[name] = archive.link_or_copy(state.blobs.path(name), blob_dir / f"{name}.unhashed")
            elif sha256 not in files:
                files[sha256] = archive.link_or_copy(state.blobs.path(name), blob_dir / sha256)
    _hash_into_copy(database, unhashed, files)
    return files


def _hash_into_copy(database: Path, unhashed: dict[str, Path], files: dict[str, Path]) -> None:
    """Blobs stored without their SHA-256 (a large upload's is computed when first needed): hashed
    here, after the lock is released, and the digest written into the copy's records, so every blob
    of the snapshot is addressed by its own content."""
    if not unhashed:
        return
    conn = sqlite3.connect(database)
    try:
        for name, path in unhashed.items():
            sha256 = file_sha256(path)
            conn.execute("UPDATE resources SET body = json_set(body, '$._blob.sha256', ?) "
                         "WHERE json_extract(body, '$._blob.name') = ?", (sha256, name))
            if sha256 in files:
                path.unlink()
            else:
                files[sha256] = path.rename(path.with_name(sha256))
        conn.commit()
    finally:
        conn.close()


def _contents(database: Path, configuration_kinds: set[str]) -> tuple[dict[str, str], dict[str, int]]:
    """Drop the configuration kinds from the copy; then (blob name -> sha256, records per kind)."""
    conn = sqlite3.connect(database, isolation_level=None)
    try:
        kinds = sorted(configuration_kinds)
        conn.execute(f"DELETE FROM resources WHERE kind IN ({', '.join('?' * len(kinds))})", kinds)
        conn.execute("VACUUM")
        blobs = dict(conn.execute("SELECT json_extract(body, '$._blob.name'), json_extract(body, '$._blob.sha256') "
                                  "FROM resources WHERE json_extract(body, '$._blob.name') IS NOT NULL").fetchall())
        records = dict(conn.execute("SELECT kind, COUNT(*) FROM resources GROUP BY kind ORDER BY kind").fetchall())
    finally:
        conn.close()
    return blobs, records


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dockyard")
    except PackageNotFoundError:
        return "unknown"


__all__ = ["save"]
