"""The snapshot file carries a format version: a newer or unknown one, or one no migration reaches, is
refused with the reason and leaves the emulator as it was; an older one with migrations is migrated.
A file cut short, changed or not a snapshot at all is refused the same way."""
from __future__ import annotations

import io
import json
import sqlite3
import tarfile
from pathlib import Path
from typing import Any, Callable

import pytest

from emulator.config import EmulatorConfig
from emulator.server import start_in_background
from emulator.snapshots import SnapshotError, archive, restore, save
from tests.snapshots.conftest import all_models, clients_for, create_model, create_project, zipped
from toolkit.testing.credentials import ApiKey, make_api_key


def _rewrite(source: Path, target: Path, manifest: Callable[[dict[str, Any]], None] | None = None,
             blob: Callable[[bytes], bytes] | None = None, database: Callable[[Path], None] | None = None) -> Path:
    """A copy of a snapshot with its manifest, its blobs or its database changed."""
    with tarfile.open(source) as old, tarfile.open(target, "w") as new:
        for member in old.getmembers():
            data = old.extractfile(member).read()
            if member.name == archive.MANIFEST and manifest:
                document = json.loads(data)
                manifest(document)
                data = json.dumps(document).encode()
            elif member.name.startswith("blobs/") and blob:
                data = blob(data)
            elif member.name == archive.DATABASE and database:
                scratch = target.with_suffix(".db")
                scratch.write_bytes(data)
                database(scratch)
                data = scratch.read_bytes()
            member.size = len(data)
            new.addfile(member, io.BytesIO(data))
    return target


@pytest.fixture(scope="module")
def key(tmp_path_factory) -> ApiKey:
    return make_api_key(tmp_path_factory.mktemp("key"))


@pytest.fixture(scope="module")
def snapshot_file(tmp_path_factory, key) -> Path:
    """A snapshot of an emulator holding one model with an artifact (made once for the module)."""
    directory = tmp_path_factory.mktemp("format")
    source = start_in_background(EmulatorConfig(home=directory / "source"))
    try:
        clients = clients_for(key, source)
        create_model(clients, create_project(clients), "from-snapshot", zipped({"score.py": b"# s\n"}))
        save(source.state, directory / "snapshot.tar")
    finally:
        source.stop()
    return directory / "snapshot.tar"


@pytest.fixture
def snapshot_and_target(snapshot_file, start_emulator, key):
    """The snapshot, and a target emulator holding a model of its own (in the same key's tenancy)."""
    target = start_emulator("target")
    target_clients = clients_for(key, target)
    create_model(target_clients, create_project(target_clients), "target-own")
    return snapshot_file, target, target_clients


def _refused(target, clients, snapshot: Path, reason: str) -> None:
    with pytest.raises(SnapshotError, match=reason):
        restore(target.state, snapshot)
    assert [m.display_name for m in all_models(clients)] == ["target-own"], "a refused restore changed the state"


def test_a_newer_format_is_refused_with_the_reason(snapshot_and_target, tmp_path):
    snapshot, target, clients = snapshot_and_target
    newer = _rewrite(snapshot, tmp_path / "newer.tar", manifest=lambda m: m.update(formatVersion=archive.FORMAT_VERSION + 1))
    _refused(target, clients, newer, f"format {archive.FORMAT_VERSION + 1}, newer than this Dockyard reads")


def test_an_older_format_without_a_migration_is_refused_with_the_reason(snapshot_and_target, tmp_path):
    snapshot, target, clients = snapshot_and_target
    older = _rewrite(snapshot, tmp_path / "older.tar", manifest=lambda m: m.update(formatVersion=0))
    _refused(target, clients, older, "format 0, which this Dockyard cannot migrate")


def test_an_older_format_is_migrated_step_by_step(snapshot_and_target, monkeypatch):
    """With a format 2 that renamed a field, a format 1 snapshot goes through the 1 -> 2 migration."""
    snapshot, target, clients = snapshot_and_target
    steps = []

    def one_to_two(manifest: dict[str, Any], database: Path) -> dict[str, Any]:
        steps.append((manifest["formatVersion"], database.name))
        return {**manifest, "renamed": True}

    monkeypatch.setattr(archive, "FORMAT_VERSION", 2)
    monkeypatch.setitem(archive.MIGRATIONS, 1, one_to_two)
    manifest = restore(target.state, snapshot)
    assert steps == [(1, archive.DATABASE)]
    assert manifest["formatVersion"] == 2 and manifest["renamed"]
    assert [m.display_name for m in all_models(clients)] == ["from-snapshot"]


def test_a_changed_blob_is_refused(snapshot_and_target, tmp_path):
    snapshot, target, clients = snapshot_and_target
    changed = _rewrite(snapshot, tmp_path / "changed.tar", blob=lambda data: data[:-1] + bytes([data[-1] ^ 1]))
    _refused(target, clients, changed, "does not match its sha256")


def test_a_file_that_is_no_snapshot_is_refused(snapshot_and_target, tmp_path):
    _snapshot, target, clients = snapshot_and_target
    other = tmp_path / "other.tar"
    with tarfile.open(other, "w") as tar:
        tar.addfile(tarfile.TarInfo("README"), io.BytesIO(b""))
    _refused(target, clients, other, "not a Dockyard snapshot")
    (tmp_path / "text.tar").write_text("hello")
    _refused(target, clients, tmp_path / "text.tar", "is not a snapshot file")


def test_a_manifest_naming_paths_as_blobs_is_refused(snapshot_and_target, tmp_path):
    snapshot, target, clients = snapshot_and_target

    def escape(manifest: dict[str, Any]) -> None:
        manifest["blobs"]["../../outside"] = next(iter(manifest["blobs"].values()))

    crafted = _rewrite(snapshot, tmp_path / "crafted.tar", manifest=escape)
    _refused(target, clients, crafted, "not blob names")


def test_a_cut_short_file_is_refused(snapshot_and_target, tmp_path):
    snapshot, target, clients = snapshot_and_target
    data = snapshot.read_bytes()
    cut = tmp_path / "cut.tar"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(SnapshotError):
        restore(target.state, cut)
    assert [m.display_name for m in all_models(clients)] == ["target-own"]


def test_a_snapshot_without_a_table_of_this_version_gets_it(snapshot_and_target, tmp_path):
    """A snapshot saved before a service kept a table of its own (metrics) restores with that table."""
    snapshot, target, clients = snapshot_and_target

    def drop_metrics(database: Path) -> None:
        conn = sqlite3.connect(database)
        conn.executescript("DROP TABLE metric_points; DROP TABLE metric_rollup;")
        conn.close()

    older = _rewrite(snapshot, tmp_path / "before-metrics.tar", database=drop_metrics)
    restore(target.state, older)
    assert [m.display_name for m in all_models(clients)] == ["from-snapshot"]
    assert {"resources", "metric_points", "metric_rollup"} <= _tables(target.state.config.db_path)


def _tables(database: Path) -> set[str]:
    conn = sqlite3.connect(database)
    try:
        return {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()
