"""Durability and process management: a restart keeps everything; the detached daemon is found
again through ``<home>/emulator.json``."""
from __future__ import annotations

import os

import oci

from emulator import daemon
from emulator.config import EmulatorConfig

M = oci.data_science.models
COMPARTMENT = "ocid1.compartment.oc1..aaaarestart"


def test_restart_mid_test_keeps_everything(start_emulator, clients_for, tmp_path):
    home = tmp_path / "shared-home"
    first = start_emulator(home=home)
    ds = clients_for(first).ds
    project = ds.create_project(M.CreateProjectDetails(compartment_id=COMPARTMENT)).data
    version_set = ds.create_model_version_set(M.CreateModelVersionSetDetails(
        compartment_id=COMPARTMENT, project_id=project.id, name="vs")).data
    models = [ds.create_model(M.CreateModelDetails(compartment_id=COMPARTMENT, project_id=project.id,
                                                   display_name=f"m{i}", model_version_set_id=version_set.id)).data
              for i in range(5)]
    payload = os.urandom(100_000)
    ds.create_model_artifact(models[0].id, payload)
    ds.create_model_provenance(models[0].id, M.CreateModelProvenanceDetails(git_commit="abc"))
    page = ds.list_models(COMPARTMENT, limit=2)
    etag = ds.get_model(models[0].id).headers["etag"]
    first.stop()

    second = start_emulator(home=home)
    ds = clients_for(second).ds
    assert ds.get_model(models[0].id).headers["etag"] == etag
    assert ds.get_model_artifact_content(models[0].id).data.content == payload
    assert ds.get_model_provenance(models[0].id).data.git_commit == "abc"
    rest = ds.list_models(COMPARTMENT, limit=10, page=page.next_page).data  # old page tokens stay valid
    assert len(page.data) + len(rest) == 5
    sixth = ds.create_model(M.CreateModelDetails(compartment_id=COMPARTMENT, project_id=project.id,
                                                 model_version_set_id=version_set.id)).data
    assert sixth.version_id == 6


def test_detached_daemon_start_status_reuse_stop(tmp_path, credentials):
    home = tmp_path / "daemon-home"
    assert daemon.status(home) is None
    url = daemon.start_detached(EmulatorConfig(home=home))
    try:
        info = daemon.status(home)
        assert info and info["url"] == url and info["pid"] != os.getpid()
        assert url.startswith("http://127.0.0.1:")
        assert daemon.ensure_running(home) == url
        ds = oci.data_science.DataScienceClient(credentials.config, signer=credentials.signer, service_endpoint=url)
        assert ds.create_project(M.CreateProjectDetails(compartment_id=COMPARTMENT)).data.lifecycle_state == "ACTIVE"
    finally:
        assert daemon.stop(home) is True
    assert daemon.status(home) is None
    assert not (home / "emulator.json").exists()
    assert daemon.stop(home) is False


def test_stale_state_file_is_ignored(tmp_path):
    home = tmp_path / "stale"
    home.mkdir()
    (home / "emulator.json").write_text('{"pid": 999999, "url": "http://127.0.0.1:9"}')
    assert daemon.status(home) is None
