"""Fixtures for the emulator's integration tests: a real emulator (waitress, 127.0.0.1, ephemeral
port, temp home) and the real ``oci`` SDK clients pointed at it, signed with a throwaway key."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import oci
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from emulator.config import EmulatorConfig
from emulator.server import RunningEmulator, start_in_background

TENANCY = "ocid1.tenancy.oc1..aaaaaaaadockyardtests"
USER = "ocid1.user.oc1..aaaaaaaadockyardtests"


@dataclass
class Credentials:
    """An OCI config dict and signer for a throwaway API key (the emulator accepts any signature)."""

    config: dict[str, Any]
    signer: oci.signer.Signer
    key_file: Path


@pytest.fixture(scope="session")
def credentials(tmp_path_factory: pytest.TempPathFactory) -> Credentials:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp_path_factory.mktemp("oci") / "key.pem"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    fingerprint = ":".join(["d0"] * 16)
    config = {"user": USER, "tenancy": TENANCY, "fingerprint": fingerprint, "key_file": str(key_file),
              "region": "us-ashburn-1"}
    return Credentials(config, oci.signer.Signer(TENANCY, USER, fingerprint, str(key_file)), key_file)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
    """One emulator for the session; tests isolate themselves by compartment."""
    running = start_in_background(EmulatorConfig(home=tmp_path_factory.mktemp("dockyard-home")))
    yield running
    running.stop()


@pytest.fixture
def start_emulator(tmp_path: Path) -> Iterator[Callable[..., RunningEmulator]]:
    """Factory for emulators of one test (own home unless given; custom limits); stopped afterwards."""
    started: list[RunningEmulator] = []

    def start(home: Path | None = None, **settings: Any) -> RunningEmulator:
        running = start_in_background(EmulatorConfig(home=home or tmp_path / "home", **settings))
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


class Clients:
    """The SDK clients a user would build, all pointed at one emulator."""

    def __init__(self, credentials: Credentials, url: str) -> None:
        kwargs = {"signer": credentials.signer, "service_endpoint": url,
                  "retry_strategy": oci.retry.NoneRetryStrategy()}
        self.url = url
        self.ds = oci.data_science.DataScienceClient(credentials.config, **kwargs)
        self.objects = oci.object_storage.ObjectStorageClient(credentials.config, **kwargs)
        self.search = oci.resource_search.ResourceSearchClient(credentials.config, **kwargs)


@pytest.fixture
def clients(credentials: Credentials, emulator: RunningEmulator) -> Clients:
    return Clients(credentials, emulator.url)


@pytest.fixture
def clients_for(credentials: Credentials) -> Callable[[RunningEmulator], Clients]:
    return lambda running: Clients(credentials, running.url)


@pytest.fixture
def ds(clients: Clients) -> oci.data_science.DataScienceClient:
    return clients.ds


@pytest.fixture
def compartment() -> str:
    """A compartment of this test alone, so listings see only its own records."""
    return f"ocid1.compartment.oc1..aaaa{uuid.uuid4().hex}"


@pytest.fixture
def project(ds: oci.data_science.DataScienceClient, compartment: str) -> oci.data_science.models.Project:
    details = oci.data_science.models.CreateProjectDetails(compartment_id=compartment, display_name="tests")
    return ds.create_project(details).data


@pytest.fixture
def make_model(ds: oci.data_science.DataScienceClient, compartment: str,
               project: oci.data_science.models.Project) -> Callable[..., oci.data_science.models.Model]:
    """Create a model in the test's project; keyword arguments go to CreateModelDetails."""

    def make(**fields: Any) -> oci.data_science.models.Model:
        details = oci.data_science.models.CreateModelDetails(compartment_id=compartment, project_id=project.id,
                                                             **fields)
        return ds.create_model(details).data

    return make


def _service_error(call: Callable[[], Any]) -> oci.exceptions.ServiceError:
    with pytest.raises(oci.exceptions.ServiceError) as info:
        call()
    return info.value


@pytest.fixture
def service_error() -> Callable[[Callable[[], Any]], oci.exceptions.ServiceError]:
    """``service_error(lambda: call())`` -> the ServiceError the call raises (fails when none)."""
    return _service_error
