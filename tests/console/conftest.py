"""Console test fixtures: one emulator per test module (process runtime, own home, 127.0.0.1 on an
ephemeral port) and the oci SDK wired to it through the toolkit's local profile."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from toolkit.testing.plugin import EmulatorHandle


def start(home: Path, **settings: Any) -> EmulatorHandle:
    from emulator.config import EmulatorConfig
    from emulator.server import start_in_background
    from toolkit import settings as toolkit_settings

    config = EmulatorConfig(home=home, host="127.0.0.1", port=0, runtime="process",
                            base_image=toolkit_settings.base_image(), **settings)
    running = start_in_background(config)
    return EmulatorHandle(url=running.url, home=home, running=running)


@pytest.fixture(scope="module")
def console_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorHandle]:
    handle = start(tmp_path_factory.mktemp("console-home"))
    try:
        yield handle
    finally:
        handle.running.stop()


@pytest.fixture
def browser_session(console_emulator: EmulatorHandle) -> requests.Session:
    """A cookie-keeping HTTP client, as a browser is."""
    session = requests.Session()
    session.headers["Accept"] = "text/html"
    return session


class Catalog:
    """Records made through the oci SDK, as any client would (the toolkit's local profile)."""

    def __init__(self, handle: EmulatorHandle) -> None:
        from toolkit.catalog.session import connect

        with handle.activate():
            self.session = connect()
            self.ds = self.session.ds
            self.compartment = self.session.compartment(None)

    def project(self, name: str) -> str:
        from oci.data_science.models import CreateProjectDetails

        return self.ds.create_project(CreateProjectDetails(compartment_id=self.compartment, display_name=name)).data.id

    def version_set(self, project_id: str, name: str) -> str:
        from oci.data_science.models import CreateModelVersionSetDetails

        return self.ds.create_model_version_set(CreateModelVersionSetDetails(
            compartment_id=self.compartment, project_id=project_id, name=name)).data.id

    def model(self, project_id: str, name: str, artifact: bytes | None = None, **fields: Any) -> str:
        from oci.data_science.models import CreateModelDetails

        model = self.ds.create_model(CreateModelDetails(compartment_id=self.compartment, project_id=project_id,
                                                        display_name=name, **fields)).data
        if artifact is not None:
            self.ds.create_model_artifact(model.id, artifact, content_disposition=f'attachment; filename="{model.id}.zip"')
        return model.id


@pytest.fixture(scope="module")
def catalog(console_emulator: EmulatorHandle) -> Catalog:
    return Catalog(console_emulator)


def zip_of(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def metadata(key: str, value: Any, **extra: Any) -> Any:
    from oci.data_science.models import Metadata

    return Metadata(key=key, value=value if isinstance(value, str) else json.dumps(value), **extra)
