"""kill -9 of a real emulator process in its crash windows: nothing half-written survives a restart.

- between an upload's blob rename and its catalog record (a test-only pause holds the emulator
  exactly there): the orphan blob is collected when the emulator starts again;
- a multipart upload killed while committing, and while a part's body is still arriving: the
  object does not exist, the parts that were recorded are listed, the upload can be finished.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import oci
import pytest
import requests

from emulator.store.blobs import PAUSE_ENV, SEED_PREFIX
from emulator.store.db import Database

M = oci.data_science.models
NS = "dockyard"


class EmulatorProcess:
    """``python -m emulator`` in a subprocess of its own, so it can really be killed."""

    def __init__(self, home: Path, env: dict[str, str] | None = None) -> None:
        (home / "emulator.json").unlink(missing_ok=True)
        self.home = home
        self.proc = subprocess.Popen([sys.executable, "-m", "emulator", "--home", str(home), "--port", "0",
                                      "--runtime", "process"],
                                     env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, cwd=Path(__file__).resolve().parents[2])
        deadline = time.monotonic() + 30
        while True:
            try:
                self.url = json.loads((home / "emulator.json").read_text())["url"]
                if requests.get(self.url + "/_dockyard/health", timeout=2).ok:
                    break
            except (OSError, ValueError, KeyError, requests.RequestException):
                pass
            assert self.proc.poll() is None and time.monotonic() < deadline, "the emulator did not start"
            time.sleep(0.1)

    def kill9(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


@pytest.fixture
def emulator_process(tmp_path: Path) -> Iterator[Callable[..., EmulatorProcess]]:
    started: list[EmulatorProcess] = []

    def start(**env: str) -> EmulatorProcess:
        started.append(EmulatorProcess(tmp_path / "home", env))
        return started[-1]

    yield start
    for process in started:
        process.stop()


def _clients(credentials, url: str) -> tuple:
    kwargs = {"signer": credentials.signer, "service_endpoint": url, "retry_strategy": oci.retry.NoneRetryStrategy(),
              "timeout": (5, 60)}
    return (oci.data_science.DataScienceClient(credentials.config, **kwargs),
            oci.object_storage.ObjectStorageClient(credentials.config, **kwargs))


def _ours(name: str) -> bool:
    """A blob this test made (not one the emulator seeds for itself: the service conda packs)."""
    return not name.startswith(SEED_PREFIX + "-")


def _blob_files(home: Path) -> list[str]:
    return sorted(p.name for p in (home / "blobs").glob("*/*") if p.parent.name != "tmp" and _ours(p.name))


def _blob_names_in_catalog(home: Path) -> set[str]:
    db = Database(home / "catalog.db")
    try:
        return {name for name in db.blob_names() if _ours(name)}
    finally:
        db.close()


def _in_background(call: Callable[[], object]) -> threading.Thread:
    """Run a call that will never get its answer (the emulator dies under it)."""
    def run() -> None:
        try:
            call()
        except Exception:  # noqa: BLE001 - the connection is cut by the kill
            pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _wait_for(path: Path, process: EmulatorProcess, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.proc.poll() is None and time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.05)


def test_kill_between_blob_rename_and_catalog_insert_leaves_an_orphan_collected_at_start(
        emulator_process, credentials, compartment, tmp_path):
    paused = tmp_path / "paused"
    first = emulator_process(**{PAUSE_ENV: f"1:{paused}"})
    ds, _ = _clients(credentials, first.url)
    project = ds.create_project(M.CreateProjectDetails(compartment_id=compartment)).data
    model = ds.create_model(M.CreateModelDetails(compartment_id=compartment, project_id=project.id)).data
    _in_background(lambda: ds.create_model_artifact(model.id, b"PK the artifact",
                                                    content_disposition='attachment; filename="a.zip"'))
    _wait_for(paused, first)
    first.kill9()

    home = first.home
    orphans = _blob_files(home)
    assert len(orphans) == 1 and orphans[0].startswith("artifact-")  # renamed into place...
    assert _blob_names_in_catalog(home) == set()  # ...but never recorded

    second = emulator_process()
    assert _blob_files(home) == []
    ds, _ = _clients(credentials, second.url)
    with pytest.raises(oci.exceptions.ServiceError) as info:
        ds.head_model_artifact(model.id)
    assert info.value.status == 404
    ds.create_model_artifact(model.id, b"PK the artifact, again", content_disposition='attachment; filename="a.zip"')
    assert ds.get_model_artifact_content(model.id).data.content == b"PK the artifact, again"
    assert set(_blob_files(home)) == _blob_names_in_catalog(home)


def test_multipart_upload_killed_while_committing_can_be_committed_after_restart(
        emulator_process, credentials, tmp_path):
    paused = tmp_path / "paused"
    first = emulator_process(**{PAUSE_ENV: f"3:{paused}"})  # part 1, part 2, then the joined object
    _, objects = _clients(credentials, first.url)
    upload = objects.create_multipart_upload(NS, "crash", oci.object_storage.models.CreateMultipartUploadDetails(
        object="model.zip")).data
    parts = [objects.upload_part(NS, "crash", "model.zip", upload.upload_id, n, data).headers["etag"]
             for n, data in ((1, b"A" * 1000), (2, b"B" * 1000))]
    commit = oci.object_storage.models.CommitMultipartUploadDetails(parts_to_commit=[
        oci.object_storage.models.CommitMultipartUploadPartDetails(part_num=n, etag=etag)
        for n, etag in enumerate(parts, start=1)])
    _in_background(lambda: objects.commit_multipart_upload(NS, "crash", "model.zip", upload.upload_id, commit))
    _wait_for(paused, first)
    first.kill9()
    assert len(_blob_files(first.home)) == 3  # two parts and the joined object, which no record names

    second = emulator_process()
    _, objects = _clients(credentials, second.url)
    assert len(_blob_files(second.home)) == 2
    with pytest.raises(oci.exceptions.ServiceError) as info:
        objects.get_object(NS, "crash", "model.zip")
    assert info.value.status == 404
    listed = objects.list_multipart_upload_parts(NS, "crash", "model.zip", upload.upload_id).data
    assert [(p.part_number, p.size) for p in listed] == [(1, 1000), (2, 1000)]
    objects.commit_multipart_upload(NS, "crash", "model.zip", upload.upload_id, commit)
    assert objects.get_object(NS, "crash", "model.zip").data.content == b"A" * 1000 + b"B" * 1000
    assert set(_blob_files(second.home)) == _blob_names_in_catalog(second.home)


def test_multipart_upload_killed_while_a_part_arrives_keeps_the_parts_before_it(
        emulator_process, credentials):
    first = emulator_process()
    _, objects = _clients(credentials, first.url)
    upload = objects.create_multipart_upload(NS, "crash", oci.object_storage.models.CreateMultipartUploadDetails(
        object="model.zip")).data
    objects.upload_part(NS, "crash", "model.zip", upload.upload_id, 1, b"A" * 1000)
    host, port = first.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as sock:  # part 2: 8 MiB announced, 1 MiB sent
        sock.sendall(f"PUT /n/{NS}/b/crash/u/model.zip?uploadId={upload.upload_id}&uploadPartNum=2 HTTP/1.1\r\n"
                     f"Host: {host}\r\nContent-Length: {8 * 1024 * 1024}\r\n\r\n".encode() + b"B" * (1024 * 1024))
        time.sleep(0.5)
        first.kill9()

    second = emulator_process()
    _, objects = _clients(credentials, second.url)
    listed = objects.list_multipart_upload_parts(NS, "crash", "model.zip", upload.upload_id).data
    assert [p.part_number for p in listed] == [1]
    assert len(_blob_files(second.home)) == 1 and not any((second.home / "blobs" / "tmp").iterdir())
    etag2 = objects.upload_part(NS, "crash", "model.zip", upload.upload_id, 2, b"B" * 1000).headers["etag"]
    commit = oci.object_storage.models.CommitMultipartUploadDetails(parts_to_commit=[
        oci.object_storage.models.CommitMultipartUploadPartDetails(part_num=1, etag=listed[0].etag),
        oci.object_storage.models.CommitMultipartUploadPartDetails(part_num=2, etag=etag2)])
    objects.commit_multipart_upload(NS, "crash", "model.zip", upload.upload_id, commit)
    assert objects.get_object(NS, "crash", "model.zip").data.content == b"A" * 1000 + b"B" * 1000


def test_a_second_emulator_on_a_served_home_collects_nothing(start_emulator, clients_for, compartment, tmp_path):
    """Only the emulator that has a home to itself collects orphans: another one on the same home
    (a test harness, a second process) could be between a rename and a record of its own."""
    home = tmp_path / "shared"
    first = start_emulator(home=home)
    clients_for(first).objects.put_object(NS, "shared", "o", b"bytes")
    stray = home / "blobs" / "ab" / "object-000000000000000000000000ab"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"a blob the first emulator is about to record")
    start_emulator(home=home)
    assert stray.exists()
