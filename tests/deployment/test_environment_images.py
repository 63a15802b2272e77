"""Environment images: the install runs in a container of the base image with the host's wheelhouse
mounted and no network, and the container is committed as the image. What a deployment relies on is
checked on the image a real engine built: one layer over the base, no wheels left inside, gunicorn as
the command, SIGQUIT to stop; a cached image is reused, and a failing install is reported with its
output and leaves neither an image nor a container."""
from __future__ import annotations

import docker
import pytest

from emulator.runtimes import docker as docker_runtime, venv_image
from emulator.runtimes.base import RuntimeFailure
from emulator.runtimes.docker import IMAGE_REPO, DockerRuntime

BASE = "dockyard/python:3.11-local"


def _runtime(home) -> DockerRuntime:
    return DockerRuntime(home, base_image=BASE)


def _build_containers(client) -> list:
    return client.containers.list(all=True, filters={"name": "dockyard-build-"})


def _remove_with_its_venv_image(client, tag: str) -> None:
    """An earlier run's images of this environment, so that the test watches both builds."""
    venv_tag = f"{IMAGE_REPO}:{client.images.get(tag).labels['dockyard.venv-key']}"
    client.images.remove(tag)
    client.images.remove(venv_tag)


@pytest.mark.docker
def test_the_image_is_the_venv_then_the_server_over_the_base_and_serves_with_gunicorn(tmp_path):
    client = docker.from_env()
    _remove_with_its_venv_image(client, _runtime(tmp_path / "first").ensure_image([], lambda line: None))
    lines: list[str] = []
    tag = _runtime(tmp_path / "home").ensure_image([], lines.append)
    image, base = client.images.get(tag), client.images.get(BASE)
    venv = client.images.get(f"{IMAGE_REPO}:{image.labels['dockyard.venv-key']}")
    config = image.attrs["Config"]
    assert len(venv.attrs["RootFS"]["Layers"]) == len(base.attrs["RootFS"]["Layers"]) + 1
    assert image.attrs["RootFS"]["Layers"][:-1] == venv.attrs["RootFS"]["Layers"]  # the server: one layer more
    assert config["StopSignal"] == "SIGQUIT" and config["WorkingDir"] == "/opt/ds/model/deployed_model"
    assert config["Cmd"][:3] == ["/opt/dockyard/venv/bin/python", "-m", "gunicorn"]
    assert config["Labels"]["dockyard.env-key"] == tag.split(":")[1]
    assert any(line.startswith("Successfully installed") for line in lines)  # pip's output reached the log
    files = client.containers.run(tag, ["sh", "-c", "find /tmp/dockyard -type f; python -c 'import flask, gunicorn'; "
                                        "ls /opt/dockyard/dockyard_inference/wsgi.py"],
                                  remove=True, network_mode="none").decode()
    assert files == "/opt/dockyard/dockyard_inference/wsgi.py\n"  # the wheelhouse was mounted, never copied in
    assert not _build_containers(client)

    again: list[str] = []
    assert _runtime(tmp_path / "home").ensure_image([], again.append) == tag
    assert any("cached" in line for line in again)


@pytest.mark.docker
def test_a_new_server_version_is_a_thin_layer_on_the_cached_venv(tmp_path, monkeypatch):
    """Editing the inference server rebuilds no environment: its new package is committed onto the venv
    image the last version used (a TensorFlow venv takes 80 s and more to install; this, a second or two)."""
    client = docker.from_env()
    tag = _runtime(tmp_path / "home").ensure_image([], lambda line: None)
    monkeypatch.setattr(docker_runtime, "source_hash", lambda: "a-newer-server")
    lines: list[str] = []
    newer = _runtime(tmp_path / "home").ensure_image([], lines.append)
    try:
        assert newer != tag
        assert not any(line.startswith(("Successfully installed", "Collecting", "Processing")) for line in lines)
        assert any("environment image" in line and "cached" in line for line in lines)
        old_layers, new_layers = (client.images.get(t).attrs["RootFS"]["Layers"] for t in (tag, newer))
        assert len(new_layers) == len(old_layers) and new_layers[:-1] == old_layers[:-1]  # the same venv beneath
    finally:
        client.images.remove(newer)


@pytest.mark.docker
def test_a_failing_install_reports_its_output_and_leaves_nothing(tmp_path, monkeypatch):
    def broken(package_name: str) -> str:
        return "echo installing; echo 'no space left' >&2; exit 3"

    for module in (docker_runtime, venv_image):  # the cache key's recipe and the build's script
        monkeypatch.setattr(module, "install_script", broken)
    client = docker.from_env()
    images_before = {image.id for image in client.images.list(IMAGE_REPO)}
    with pytest.raises(RuntimeFailure) as failure:
        _runtime(tmp_path / "home").ensure_image([], lambda line: None)
    assert "exited with 3" in str(failure.value)
    assert "no space left" in failure.value.log_tail
    assert {image.id for image in client.images.list(IMAGE_REPO)} == images_before
    assert not _build_containers(client)


def test_log_lines_are_whole_when_chunks_split_them():
    cafe = "caf\u00e9".encode()  # the last character is two bytes: a chunk may end between them
    chunks = [b"Collecting fla", b"sk\nInstalling ", cafe[:-1], cafe[-1:] + b"\n\n", b"done"]
    assert list(venv_image.log_lines(iter(chunks))) == ["Collecting flask", "Installing café", "done"]
