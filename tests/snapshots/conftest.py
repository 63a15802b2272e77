"""Snapshot test fixtures: emulators of one test (own homes, ephemeral ports) and SDK clients for them."""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import oci
import pytest

from emulator.config import EmulatorConfig
from emulator.server import RunningEmulator, start_in_background
from toolkit.testing.credentials import ApiKey, make_api_key


@dataclass
class Clients:
    """The SDK clients of one key, pointed at one emulator; ``compartment`` is the key's tenancy."""

    ds: Any
    objects: Any
    compartment: str
    namespace: str


@pytest.fixture
def start_emulator(tmp_path: Path) -> Iterator[Callable[..., RunningEmulator]]:
    """Start emulators of this test (home ``tmp_path/<name>``); all stopped afterwards."""
    started: list[RunningEmulator] = []

    def start(name: str, **settings: Any) -> RunningEmulator:
        running = start_in_background(EmulatorConfig(home=tmp_path / name, **settings))
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def api_key(tmp_path: Path) -> ApiKey:
    return make_api_key(tmp_path / "key")


def clients_for(key: ApiKey, running: RunningEmulator) -> Clients:
    kwargs = {"signer": key.signer(), "service_endpoint": running.url, "retry_strategy": oci.retry.NoneRetryStrategy()}
    objects = oci.object_storage.ObjectStorageClient(key.config(), **kwargs)
    return Clients(oci.data_science.DataScienceClient(key.config(), **kwargs), objects, key.tenancy,
                   objects.get_namespace().data)


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def create_model(clients: Clients, project_id: str, name: str, artifact: bytes | None = None) -> str:
    """A catalog model (with ``artifact`` as its zip when given); its OCID."""
    from oci.data_science.models import CreateModelDetails

    model = clients.ds.create_model(CreateModelDetails(compartment_id=clients.compartment, project_id=project_id,
                                                       display_name=name)).data
    if artifact is not None:
        clients.ds.create_model_artifact(model.id, artifact, content_disposition=f'attachment; filename="{name}.zip"')
    return model.id


def create_project(clients: Clients, name: str = "snapshots") -> str:
    from oci.data_science.models import CreateProjectDetails

    return clients.ds.create_project(CreateProjectDetails(compartment_id=clients.compartment, display_name=name)).data.id


def all_models(clients: Clients) -> list[Any]:
    return oci.pagination.list_call_get_all_results(clients.ds.list_models, compartment_id=clients.compartment).data
