"""The emulator's home holds models and predict payloads: only its owner may read it. The home
and its directories are 0700, the catalog, blobs, logs and state files 0600, whatever the umask of
the process, for files created later too, and a home left looser by an older version is
tightened when an emulator starts on it."""
from __future__ import annotations

import os
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import oci

from emulator import daemon
from emulator.config import EmulatorConfig

M = oci.data_science.models


@contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def loose(home: Path) -> list[str]:
    """Everything under ``home`` (itself included) that someone else could read or enter."""
    paths = [home, *home.rglob("*")]
    return sorted(f"{oct(mode(p))} {p.relative_to(home.parent)}" for p in paths
                  if not p.is_symlink() and mode(p) & 0o077)


def _store_things(clients, compartment: str) -> str:
    """A project, a model with an artifact and a metadatum artifact, an object: every kind of file."""
    ds = clients.ds
    project = ds.create_project(M.CreateProjectDetails(compartment_id=compartment)).data
    model = ds.create_model(M.CreateModelDetails(compartment_id=compartment, project_id=project.id,
                                                 custom_metadata_list=[M.Metadata(key="readme", value="r")])).data
    ds.create_model_artifact(model.id, b"PK artifact bytes", content_disposition='attachment; filename="a.zip"')
    ds.create_model_custom_metadatum_artifact(model.id, "readme", b"readme bytes")
    clients.objects.put_object("dockyard", "private-bucket", "o.txt", b"object bytes")
    return model.id


def test_a_new_home_is_700_and_everything_in_it_600(start_emulator, clients_for, compartment, tmp_path):
    home = tmp_path / "new-home"
    with umask(0o022):
        running = start_emulator(home=home)
        _store_things(clients_for(running), compartment)
    assert mode(home) == 0o700
    assert {p.name for p in home.glob("catalog.db*")} >= {"catalog.db", "catalog.db-wal", "catalog.db-shm"}
    assert len(list((home / "blobs").rglob("*-*"))) >= 3  # artifact, metadatum, object
    assert loose(home) == []


def test_an_existing_home_is_tightened_at_start(start_emulator, clients_for, compartment, tmp_path):
    home = tmp_path / "old-home"
    first = start_emulator(home=home)
    _store_things(clients_for(first), compartment)
    first.stop()
    for path in [home, *home.rglob("*")]:  # what an older version left: 755 directories, 644 files
        path.chmod(0o755 if path.is_dir() else 0o644)
    assert loose(home)
    start_emulator(home=home)
    assert loose(home) == []


def test_the_daemon_log_and_state_file_are_600(tmp_path):
    home = tmp_path / "daemon-home"
    with umask(0o022):
        daemon.start_detached(EmulatorConfig(home=home, runtime="process"))
    try:
        assert (home / "emulator.log").is_file() and (home / "emulator.json").is_file()
        assert loose(home) == []
    finally:
        daemon.stop(home)


def test_deployment_logs_are_600(start_emulator, tmp_path):
    """The files a deployment writes (deploy.jsonl, access.log, predict.log, server.log): here
    through the writers themselves, end to end in tests/deployment/test_process_deployments.py."""
    from emulator.model_deployment import files
    from emulator.runtimes.docker import DockerRuntime

    home = tmp_path / "deploy-home"
    with umask(0o022):
        running = start_emulator(home=home)
        state = running.state
        files.append_json_line(files.log_dir(state, "ocid1.datasciencemodeldeployment.oc1..x") / "access.log", {"a": 1})
        files.predict_log_note(state, "ocid1.datasciencemodeldeployment.oc1..x", "note")

        class _Container:
            def logs(self) -> bytes:
                return b"server output\n"

        DockerRuntime._save_logs(_Container(), files.log_dir(state, "ocid1.datasciencemodeldeployment.oc1..x"))
    logs = home / "deployments" / "ocid1.datasciencemodeldeployment.oc1..x" / "logs"
    assert sorted(p.name for p in logs.iterdir()) == ["access.log", "predict.log", "server.log"]
    assert loose(home) == []
