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


@pytest.mark.docker
def test_the_image_is_one_layer_over_the_base_and_serves_with_gunicorn(tmp_path):
    client = docker.from_env()
    cached = _runtime(tmp_path / "first").ensure_image([], lambda line: None)
    client.images.remove(cached)  # an earlier run's: this test watches a build
    lines: list[str] = []
    tag = _runtime(tmp_path / "home").ensure_image([], lines.append)
    image, base = client.images.get(tag), client.images.get(BASE)
    config = image.attrs["Config"]
    assert len(image.attrs["RootFS"]["Layers"]) == len(base.attrs["RootFS"]["Layers"]) + 1
    assert config["StopSignal"] == "SIGQUIT" and config["WorkingDir"] == "/opt/ds/model/deployed_model"
    assert config["Cmd"][:3] == ["/opt/dockyard/venv/bin/python", "-m", "gunicorn"]
    assert config["Labels"]["dockyard.env-key"] == tag.split(":")[1]
    assert any(line.startswith("Successfully installed") for line in lines)  # pip's output reached the log
    files = client.containers.run(tag, ["sh", "-c", "find /tmp/dockyard -type f; python -c 'import flask, gunicorn'"],
                                  remove=True, network_mode="none").decode()
    assert files == ""  # the wheelhouse was mounted, never copied in (only the empty mount points remain)
    assert not _build_containers(client)

    again: list[str] = []
    assert _runtime(tmp_path / "home").ensure_image([], again.append) == tag
    assert any("cached" in line for line in again)


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
