"""Snapshots as test fixtures (loaded by the Dockyard pytest plugin).

Build a catalog once (fifty models, version sets, a deployment), save it with ``dockyard emulator
snapshot save ./tests/catalog.tar``, and start each test from it::

    @pytest.mark.dockyard_snapshot("catalog.tar")      # relative to the test file, or a NAME
    def test_lists_the_catalog(ds_client, oci_config):
        ...

The marker restores the snapshot into the session's ``dockyard_emulator`` before the test: the
emulator's reset plus a restore in the same process, no restart, the snapshot's ACTIVE deployments
serving again when the test starts. The ``dockyard_snapshot`` fixture does the same for a test that
asks for it (and restores more with ``dockyard_snapshot.restore(...)``); ``mock_datascience(snapshot=...)``
starts an in-process emulator from one.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

MARKER = "dockyard_snapshot"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}(snapshot): restore this snapshot (a file, relative to the test "
                                       "file or the rootdir, or a NAME under the emulator's home) into "
                                       "dockyard_emulator before the test")


def restore_into(state: Any, snapshot: str | os.PathLike[str]) -> dict[str, Any]:
    """Restore ``snapshot`` (a file path, or a NAME under the home) into an emulator's state; its manifest."""
    from emulator.snapshots import library, restore

    return restore(state, library.resolve(state.config.home, os.fspath(snapshot)))


@dataclass
class SnapshotFixture:
    """What ``dockyard_snapshot`` gives: the emulator, the manifest of the last snapshot restored, and
    ``restore`` / ``save`` to move between states inside a test."""

    emulator: Any
    base: Path
    rootdir: Path
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def compartment_id(self) -> str | None:
        """The tenancy the restored snapshot's ``local`` profile created things in (each home has its
        own: the session emulator's differs), to list them."""
        return self.manifest.get("tenancy")

    def restore(self, snapshot: str | os.PathLike[str]) -> dict[str, Any]:
        """Replace the emulator's state with ``snapshot``'s; returns its manifest."""
        self.manifest = restore_into(self.emulator.state, self.locate(snapshot))
        return self.manifest

    def save(self, target: str | os.PathLike[str]) -> Path:
        """Save the emulator's state now as ``target`` (a NAME under its home, or a file path)."""
        from emulator.snapshots import library, save

        path = library.resolve(self.emulator.home, os.fspath(target))
        save(self.emulator.state, path)
        return path

    def locate(self, snapshot: str | os.PathLike[str]) -> str | Path:
        """A relative file is looked for beside the test file, then under the rootdir; a NAME is left as is."""
        from emulator.snapshots import library

        text = os.fspath(snapshot)
        if not library.is_file_argument(text) or Path(text).expanduser().is_absolute():
            return text
        for base in (self.base, self.rootdir):
            if (base / text).is_file():
                return base / text
        raise FileNotFoundError(f"no snapshot {text!r} beside {self.base} or under {self.rootdir}")


@pytest.fixture
def dockyard_snapshot(request: pytest.FixtureRequest, dockyard_emulator: Any) -> SnapshotFixture:
    """The session's emulator, restored from the snapshot the test's ``dockyard_snapshot`` marker names
    (the nearest one: a test's own marker wins over its class's or module's); none restored without one."""
    fixture = SnapshotFixture(dockyard_emulator, Path(request.node.path).parent, Path(request.config.rootpath))
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        if len(marker.args) != 1:
            raise pytest.UsageError(f"@pytest.mark.{MARKER} takes one argument, the snapshot: {request.node.nodeid}")
        fixture.restore(marker.args[0])
    return fixture


@pytest.fixture(autouse=True)
def _dockyard_snapshot_marker(request: pytest.FixtureRequest) -> None:
    """A test marked ``dockyard_snapshot`` gets its snapshot restored even when it asks only for clients."""
    if request.node.get_closest_marker(MARKER) is not None:
        request.getfixturevalue("dockyard_snapshot")
