"""The background emulator is never invisible: starting one says so and how to stop it, and a
second ``start`` that asks for something else (another port, the foreground) is an error naming the
running one. Real daemons, started and stopped through the CLI as a user would."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from emulator import daemon


def _dockyard(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKYARD_")}
    env.update(DOCKYARD_HOME=str(home), DOCKYARD_RUNTIME="process")
    return subprocess.run([sys.executable, "-m", "toolkit.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def home(tmp_path):
    home = tmp_path / "home"
    yield home
    daemon.stop(home)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_command_that_starts_the_emulator_says_so_and_how_to_stop_it(home):
    first = _dockyard(home, "models", "list")

    assert first.returncode == 0, first.stderr
    url = daemon.status(home)["url"]
    assert f"Started the Dockyard emulator in the background at {url}" in first.stderr
    assert "Stop it with: dockyard emulator stop" in first.stderr
    assert "Started" not in _dockyard(home, "models", "list").stderr  # only when it starts one

    stopped = _dockyard(home, "emulator", "stop")
    assert stopped.returncode == 0 and "stopped the emulator" in stopped.stdout
    assert daemon.status(home) is None


def test_start_on_another_port_while_one_runs_is_an_error_naming_the_running_one(home):
    port = _free_port()
    started = _dockyard(home, "emulator", "start", "--port", str(port), "--detach")
    assert started.returncode == 0, started.stderr
    assert f"export DOCKYARD_ENDPOINT=http://127.0.0.1:{port}" in started.stdout
    assert "stop it with: dockyard emulator stop" in started.stdout

    other = _free_port()
    conflict = _dockyard(home, "emulator", "start", "--port", str(other), "--detach")
    assert conflict.returncode == 1
    assert f"already serves {home} at http://127.0.0.1:{port}" in conflict.stderr
    assert f"not on port {other}" in conflict.stderr and "dockyard emulator stop" in conflict.stderr

    foreground = _dockyard(home, "emulator", "start")
    assert foreground.returncode == 1 and "already serves" in foreground.stderr

    again = _dockyard(home, "emulator", "start", "--port", str(port), "--detach")
    assert again.returncode == 0 and f"export DOCKYARD_ENDPOINT=http://127.0.0.1:{port}" in again.stdout


def test_base_image_without_root_or_debootstrap_says_what_it_needs(monkeypatch):
    from click.testing import CliRunner

    from toolkit.cli import cli

    monkeypatch.setattr("emulator.runtimes.base_image._is_root", lambda: False)
    result = CliRunner().invoke(cli, ["emulator", "base-image"])
    assert result.exit_code == 1
    assert "needs root" in result.output and "sudo " in result.output and "emulator base-image" in result.output
