"""A snapshot is one moment of the emulator's whole state, even saved while writes go on, and restores
into a fresh home on its own (through the CLI, no emulator serving either home)."""
from __future__ import annotations

import threading
from pathlib import Path

import oci
import pytest
from click.testing import CliRunner

from emulator.snapshots import library, restore, save
from emulator.snapshots.archive import read_manifest
from tests.snapshots.conftest import all_models, clients_for, create_model, create_project, zipped
from toolkit.cli import cli

ROLLING = "rolling"  # an object overwritten on every round: each overwrite deletes the old blob


def _writer(clients, project_id: str, bucket: str, stop: threading.Event, artifacts: dict[int, bytes],
            errors: list[BaseException]) -> None:
    """Round i: model m-i, then its artifact, then the object rewritten to "v<i>", until stopped."""
    i = 0
    try:
        while not stop.is_set():
            artifacts[i] = zipped({"score.py": f"# model {i}\n".encode()})
            create_model(clients, project_id, f"m-{i:04d}", artifacts[i])
            clients.objects.put_object(clients.namespace, bucket, ROLLING, f"v{i}".encode())
            i += 1
    except BaseException as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)


def _check_one_moment(clients, artifacts: dict[int, bytes], bucket: str) -> int:
    """The restored state is a prefix of the writer's rounds, each part as that round left it."""
    models = {m.display_name: m for m in all_models(clients)}
    count = len(models)
    assert count and sorted(models) == [f"m-{i:04d}" for i in range(count)], "a gap: not one moment"
    without_artifact = []
    for i in range(count):
        model = models[f"m-{i:04d}"]
        try:
            content = clients.ds.get_model_artifact_content(model.id).data.content
        except oci.exceptions.ServiceError as exc:
            assert exc.status == 404
            without_artifact.append(i)
            continue
        assert content == artifacts[i]
    assert without_artifact in ([], [count - 1]), "only the newest model may lack its artifact"
    rolling = clients.objects.get_object(clients.namespace, bucket, ROLLING).data.content.decode()
    def version(i: int) -> str:
        return f"v{i}" if i >= 0 else "v-none"

    # round count-1 wrote its object only if its artifact is there
    expected = {version(count - 2)} if without_artifact else {version(count - 1), version(count - 2)}
    assert rolling in expected
    return count


@pytest.mark.slow
def test_a_snapshot_saved_under_concurrent_writes_is_one_moment(start_emulator, api_key, tmp_path):
    source = start_emulator("source")
    clients = clients_for(api_key, source)
    project_id = create_project(clients)
    bucket = "rounds"
    clients.objects.create_bucket(clients.namespace, oci.object_storage.models.CreateBucketDetails(
        name=bucket, compartment_id=clients.compartment))
    clients.objects.put_object(clients.namespace, bucket, ROLLING, b"v-none")
    stop, artifacts, errors = threading.Event(), {}, []
    writer = threading.Thread(target=_writer, args=(clients, project_id, bucket, stop, artifacts, errors))
    writer.start()
    snapshots = []
    try:
        while len(artifacts) < 3 and writer.is_alive():
            threading.Event().wait(0.05)
        for n in range(3):
            snapshots.append(tmp_path / f"during-{n}.tar")
            save(source.state, snapshots[-1])
    finally:
        stop.set()
        writer.join(60)
    assert not errors
    counts = []
    for n, snapshot in enumerate(snapshots):
        target = start_emulator(f"target-{n}")
        restore(target.state, snapshot)
        counts.append(_check_one_moment(clients_for(api_key, target), artifacts, bucket))
    assert counts == sorted(counts)
    assert read_manifest(snapshots[-1])["records"]["model"] == counts[-1]


@pytest.mark.slow
def test_a_snapshot_restores_into_a_fresh_home_through_the_cli(start_emulator, api_key, tmp_path):
    source = start_emulator("source")
    clients = clients_for(api_key, source)
    project_id = create_project(clients)
    artifact = zipped({"score.py": b"# the one\n", "runtime.yaml": b"MODEL_ARTIFACT_VERSION: '3.0'\n"})
    model_id = create_model(clients, project_id, "the-one", artifact)
    clients.objects.create_bucket(clients.namespace, oci.object_storage.models.CreateBucketDetails(
        name="data", compartment_id=clients.compartment))
    clients.objects.put_object(clients.namespace, "data", "train.csv", b"a,b\n1,2\n")
    deleted = create_project(clients, "to-delete")
    work_request_id = clients.ds.delete_project(deleted).headers["opc-work-request-id"]
    runner = CliRunner()
    file = tmp_path / "portable.tar"

    saved = runner.invoke(cli, ["emulator", "snapshot", "save", str(file), "--home", str(tmp_path / "source")])
    assert saved.exit_code == 0, saved.output
    fresh = tmp_path / "fresh"
    restored = runner.invoke(cli, ["emulator", "snapshot", "restore", str(file), "--home", str(fresh)])
    assert restored.exit_code == 0, restored.output

    target = clients_for(api_key, start_emulator("fresh"))
    assert [m.id for m in all_models(target)] == [model_id]
    assert target.ds.get_model_artifact_content(model_id).data.content == artifact
    assert target.objects.get_object(target.namespace, "data", "train.csv").data.content == b"a,b\n1,2\n"
    assert target.ds.get_work_request(work_request_id).data.operation_type == "PROJECT_DELETE"
    assert target.ds.get_project(deleted).data.lifecycle_state == "DELETED"


def test_large_artifacts_never_read_are_snapshotted_under_their_own_sha256(start_emulator, api_key, tmp_path):
    """A large upload's SHA-256 is computed when first needed: a snapshot taken before anyone read
    it hashes it, so each distinct content is stored once under its own digest and never merged."""
    import hashlib
    import os

    from emulator.store.upload_spool import THRESHOLD

    source = start_emulator("source")
    clients = clients_for(api_key, source)
    project_id = create_project(clients)
    first, second = os.urandom(THRESHOLD + 1), os.urandom(THRESHOLD + 2)
    ids = {create_model(clients, project_id, name, data): data
           for name, data in (("first", first), ("second", second), ("again", first))}
    manifest = save(source.state, tmp_path / "large.tar")
    artifact_digests = [sha for name, sha in manifest["blobs"].items() if name.startswith("artifact-")]
    assert sorted(artifact_digests) == sorted(hashlib.sha256(d).hexdigest() for d in (first, second, first))

    target = start_emulator("target")
    restore(target.state, tmp_path / "large.tar")
    restored = clients_for(api_key, target)
    for model_id, data in ids.items():
        content = restored.ds.get_model_artifact_content(model_id)
        assert content.data.content == data
        assert content.headers["opc-content-sha256"] == hashlib.sha256(data).hexdigest()


def test_named_snapshots_are_listed_restored_and_deleted_by_name(start_emulator, api_key, tmp_path):
    home = tmp_path / "home"
    running = start_emulator("home")
    clients = clients_for(api_key, running)
    create_model(clients, create_project(clients), "kept")
    runner = CliRunner()

    def dockyard(*args: str):
        result = runner.invoke(cli, ["emulator", "snapshot", *args, "--home", str(home)])
        assert result.exit_code == 0, result.output
        return result.output

    dockyard("save", "baseline")
    create_model(clients, clients.ds.list_projects(compartment_id=clients.compartment).data[0].id, "later")
    assert "baseline" in dockyard("list") and "1 model(s)" in dockyard("list")
    restore(running.state, Path(home) / "snapshots" / "baseline.tar")
    assert [m.display_name for m in all_models(clients)] == ["kept"]
    dockyard("delete", "baseline")
    assert "no snapshots" in dockyard("list")
    missing = runner.invoke(cli, ["emulator", "snapshot", "delete", "baseline", "--home", str(home)])
    assert missing.exit_code == 1 and "no snapshot named 'baseline'" in missing.output


def test_readers_are_served_while_a_save_holds_the_write_lock(start_emulator, api_key, tmp_path, monkeypatch):
    """While the database is copied and the blobs linked (writers held off), a list and a download answer."""
    from emulator.snapshots import archive

    running = start_emulator("source")
    clients = clients_for(api_key, running)
    artifact = zipped({"score.py": b"# read me\n"})
    model_id = create_model(clients, create_project(clients), "read-during-save", artifact)
    answers: list[object] = []
    link = archive.link_or_copy

    def link_while_reading(source, target):
        if not answers:  # the first blob linked under the lock: read from another thread now
            reader = threading.Thread(target=lambda: answers.extend(
                [[m.display_name for m in all_models(clients)], clients.ds.get_model_artifact_content(model_id).data.content]))
            reader.start()
            reader.join(20)
            assert not reader.is_alive(), "a reader waited for the save"
        return link(source, target)

    monkeypatch.setattr(archive, "link_or_copy", link_while_reading)
    save(running.state, tmp_path / "while-reading.tar")
    assert answers == [["read-during-save"], artifact]


def test_the_cli_does_not_restore_under_an_emulator_of_another_process(start_emulator, tmp_path):
    start_emulator("served")  # serves the home, and is no daemon the CLI could ask
    save_file = tmp_path / "any.tar"
    runner = CliRunner()
    assert runner.invoke(cli, ["emulator", "snapshot", "save", str(save_file), "--home", str(tmp_path / "served")]).exit_code == 0
    refused = runner.invoke(cli, ["emulator", "snapshot", "restore", str(save_file), "--home", str(tmp_path / "served")])
    assert refused.exit_code == 1 and "an emulator in another process serves" in refused.output


def _leave_staging(folder: Path, tag: str) -> set[str]:
    """What a save, a restore and an uploaded restore killed mid-way leave under <home>/snapshots."""
    (folder / f".snapshot-{tag}" / "blobs").mkdir(parents=True)
    (folder / f".snapshot-{tag}" / "blobs" / "ab").write_bytes(b"half a blob")
    (folder / f".restore-{tag}").mkdir()
    (folder / f".restore-{tag}" / "catalog.db").write_bytes(b"half a database")
    (folder / f".upload-{tag}.tar").write_bytes(b"half an upload")
    return {f".snapshot-{tag}", f".restore-{tag}", f".upload-{tag}.tar"}


def test_an_emulator_that_has_the_home_to_itself_removes_what_a_crashed_save_or_restore_left(start_emulator, tmp_path):
    running = start_emulator("home")
    save(running.state, tmp_path / "home" / "snapshots" / "kept.tar")
    running.stop()
    folder = tmp_path / "home" / "snapshots"
    _leave_staging(folder, "crashed")

    again = start_emulator("home")
    assert sorted(p.name for p in folder.iterdir()) == ["kept.tar"]  # the named snapshot stays

    in_progress = _leave_staging(folder, "live")  # as a save of the running emulator would be
    start_emulator("home")  # a second emulator on a served home leaves the first one's work alone
    assert in_progress <= {p.name for p in folder.iterdir()}
    assert [entry["name"] for entry in library.entries(again.state.config.home)] == ["kept"]
