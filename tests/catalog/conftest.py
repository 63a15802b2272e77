"""An emulator per test session on an ephemeral 127.0.0.1 port with its own home, and the local
profile pointed at it through DOCKYARD_ENDPOINT / DOCKYARD_HOME."""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator

import pytest


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from emulator.config import EmulatorConfig
    from emulator.server import start_in_background

    home = tmp_path_factory.mktemp("catalog-emulator-home")
    running = start_in_background(EmulatorConfig(home=home, host="127.0.0.1", port=0, runtime="process"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture()
def catalog_env(emulator: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Local profile -> the session emulator; client credentials in a per-test home."""
    home = tmp_path / "dockyard-home"
    monkeypatch.setenv("DOCKYARD_HOME", str(home))
    monkeypatch.setenv("DOCKYARD_ENDPOINT", emulator.url)  # type: ignore[attr-defined]
    monkeypatch.delenv("DOCKYARD_PROFILE", raising=False)
    return home


@pytest.fixture()
def project_id(catalog_env: Path) -> str:
    """A fresh project per test, so listings can be scoped to what the test created."""
    from oci.data_science.models import CreateProjectDetails

    from toolkit.catalog.session import connect

    session = connect()
    details = CreateProjectDetails(compartment_id=session.compartment(None), display_name=f"test-{uuid.uuid4().hex[:8]}")
    return session.ds.create_project(details).data.id
