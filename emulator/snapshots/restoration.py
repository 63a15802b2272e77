"""Restoring a snapshot file into an emulator's home, serving or not, empty or not.

The new state is built beside the old one (the file unpacked and checked in a staging directory
under the home), then swapped in: the snapshot's blobs are linked into the blob store under their
recorded names (new names beside the old ones, nothing overwritten), the database's whole content
is replaced in one transaction (SQLite's online backup into the live database, so readers see the
old catalog or the new one, never a mix), and only then do the blobs no record names any more go.
Services stop what they ran before and start what the new records say runs (``EmulatorState.restore``).
"""
from __future__ import annotations

import shutil
import sqlite3
import tempfile
import threading
from pathlib import Path
from typing import Any

from emulator import private
from emulator.snapshots import archive, library
from emulator.state import EmulatorState

_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_LOCK = threading.Lock()


def restore(state: EmulatorState, source: Path) -> dict[str, Any]:
    """Replace the emulator's state with the snapshot's; returns its manifest. The registered API keys
    (configuration, kept across resets) stay as they are here."""
    staging = Path(tempfile.mkdtemp(prefix=library.RESTORE_STAGING, dir=private.make_dir(library.directory(state.config.home))))
    try:
        manifest = archive.unpack(Path(source), staging)
        database = staging / archive.DATABASE
        with _one_at_a_time(state):
            _prepare(database, state)
            state.restore(lambda: _install(state, manifest, database, staging / archive.BLOB_DIR))
        return manifest
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _one_at_a_time(state: EmulatorState) -> threading.Lock:
    """Restores of one home in this process take turns (two at once would each remove the other's blobs)."""
    with _LOCKS_LOCK:
        return _LOCKS.setdefault(str(state.config.home.resolve()), threading.Lock())


def _prepare(database: Path, state: EmulatorState) -> None:
    """Give the unpacked database this version's tables and indexes and this home's configuration records."""
    kinds = sorted(state.kept_on_reset)
    conn = sqlite3.connect(database, isolation_level=None)
    try:
        conn.execute("BEGIN")
        for statement in _missing_schema(conn, state.config.db_path):
            conn.execute(statement)
        conn.execute(f"DELETE FROM resources WHERE kind IN ({', '.join('?' * len(kinds))})", kinds)
        for kind in kinds:
            conn.executemany("INSERT INTO resources (kind, id, compartment_id, name, state, time_created, body) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)", state.db.rows(kind))
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode=WAL")  # the live database's mode, which a backup into it must keep
    finally:
        conn.close()


def _missing_schema(staged: sqlite3.Connection, live_path: Path) -> list[str]:
    """The CREATE statements of the live database's tables and indexes that the staged one lacks: what
    services of this version keep beside the records (metrics), absent from an older snapshot."""
    query = "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND type IN ('table', 'index')"
    present = {name for _type, name, _sql in staged.execute(query)}
    live = sqlite3.connect(live_path)
    try:
        wanted = sorted(live.execute(query), key=lambda row: row[0] != "table")  # tables before their indexes
    finally:
        live.close()
    return [sql for _type, name, sql in wanted if name not in present]


def _install(state: EmulatorState, manifest: dict[str, Any], database: Path, blob_dir: Path) -> None:
    before = state.blobs.names()
    for name, sha256 in (manifest.get("blobs") or {}).items():
        target = state.blobs.path(name)
        if not target.exists():
            private.make_dir(target.parent)
            archive.link_or_copy(blob_dir / sha256, target)
    source = sqlite3.connect(database)
    live = sqlite3.connect(state.config.db_path, timeout=30)
    try:
        source.backup(live)  # the whole content, in one transaction of the live database
    finally:
        source.close()
        live.close()
    for name in before - state.db.blob_names():
        state.blobs.delete(name)
