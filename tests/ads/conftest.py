"""ADS compatibility: unmodified ``oracle-ads`` code, run by ADS's own interpreter, against one emulator.

``oracle-ads`` pins its own ``oci`` SDK, so it lives in a venv of its own (``make ads``:
``.venv/ads``, Dockyard installed there with ``--no-deps``). Each notebook in ``notebooks/`` is run
with that interpreter as a subprocess, as a user's notebook would be: ``connect_ads()`` and then
ADS's classes only. It prints one line ``RESULT <json>`` for the test to check.

One emulator serves a whole module: ``ads`` deploys on Docker (the pack image is built once),
``ads_process`` on the process runtime, for notebooks that need no Docker. Both check every request's
signature (``--auth enforce``), as OCI does: a notebook that signs wrongly fails. The environment a notebook
session has in OCI (``NB_SESSION_COMPARTMENT_OCID``, ``PROJECT_OCID``) is set for the subprocesses, as
ADS reads it there.

Every notebook runs under the network guard (``toolkit.testing.network_guard``): a connection to any
host off this machine fails the notebook at the call and fails the test, naming the host and the stack.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

from toolkit.testing import network_guard

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
RESULT = "RESULT "


def ads_python() -> Path:
    """The ADS venv's interpreter: ``$DOCKYARD_ADS_PYTHON`` or ``<this venv>/ads/bin/python``."""
    configured = os.environ.get("DOCKYARD_ADS_PYTHON")
    return Path(configured) if configured else Path(sys.prefix) / "ads" / "bin" / "python"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without the ADS venv these tests skip, except in CI (``DOCKYARD_REQUIRE_ADS=1``), where they fail."""
    if ads_python().is_file():
        return
    reason = f"no ADS venv at {ads_python()}: run `make ads` (or set DOCKYARD_ADS_PYTHON)"
    mine = [item for item in items if Path(str(item.fspath)).is_relative_to(Path(__file__).parent)]
    if mine and os.environ.get("DOCKYARD_REQUIRE_ADS") == "1":
        raise pytest.UsageError(f"DOCKYARD_REQUIRE_ADS=1 but {reason}")
    for item in mine:
        item.add_marker(pytest.mark.skip(reason=reason))


@dataclass
class AdsSession:
    """Runs notebooks with ADS's interpreter against the module's emulator."""

    url: str
    home: Path
    env: dict[str, str]
    workdir: Path

    def run(self, notebook: str, *args: str, timeout: float = 900, env: dict[str, str] | None = None) -> dict[str, Any]:
        """Run ``notebooks/<notebook>`` with ``args`` (and ``env`` instead of the session's) under the
        network guard; its RESULT line as a dict (fails with its output, or with every off-machine
        connection it tried)."""
        command = [str(ads_python()), str(NOTEBOOKS / notebook), *args]
        guard_log = self.workdir / "network-guard.log"
        _, start = network_guard.read_log(guard_log)
        proc = subprocess.run(command, env=network_guard.child_env(env or self.env, guard_log), cwd=self.workdir,
                              capture_output=True, text=True, timeout=timeout)
        left, _ = network_guard.read_log(guard_log, start)
        if left:
            pytest.fail(f"{notebook} tried to leave this machine:\n" + "\n".join(v.describe() for v in left),
                        pytrace=False)
        lines = [line for line in proc.stdout.splitlines() if line.startswith(RESULT)]
        if proc.returncode != 0 or not lines:
            tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-60:])
            pytest.fail(f"{notebook} exited {proc.returncode} without a result:\n{tail}", pytrace=False)
        return json.loads(lines[-1][len(RESULT):])


@pytest.fixture(scope="module")
def ads(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdsSession]:
    """The module's emulator, deploying on Docker and checking every request's signature."""
    with ads_session(tmp_path_factory, "docker") as session:
        yield session


@pytest.fixture(scope="module")
def ads_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdsSession]:
    """The module's emulator, deploying on the process runtime (no Docker engine needed) and checking
    every request's signature (``--auth enforce``), as OCI does."""
    with ads_session(tmp_path_factory, "process") as session:
        yield session


@dataclass(frozen=True)
class SigningEmulator:
    """An emulator that checks every request's signature, and the local profile's catalog session on it."""

    running: Any
    home: Path
    session: Any
    compartment: str
    project: str


@contextmanager
def signing_emulator(tmp_path_factory: pytest.TempPathFactory, runtime: str, name: str) -> Iterator[SigningEmulator]:
    """An emulator on ``runtime`` with its own home, enforcing request signing (``--auth enforce``), as
    OCI does; stopped, with every deployment of its home, on exit."""
    from emulator.config import EmulatorConfig
    from emulator.server import start_in_background
    from toolkit import settings
    from toolkit.catalog.session import connect

    home = tmp_path_factory.mktemp(name)
    running = start_in_background(EmulatorConfig(home=home, host="127.0.0.1", port=0, runtime=runtime,
                                                 auth_mode="enforce", base_image=settings.base_image()))
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("DOCKYARD_HOME", str(home))
            mp.setenv("DOCKYARD_ENDPOINT", running.url)
            session = connect("local")
            compartment = session.compartment(None)
            project = session.default_project(compartment)
        yield SigningEmulator(running, home, session, compartment, project)
    finally:
        running.state.reset()  # stops every deployment container of this home
        running.stop()


@contextmanager
def ads_session(tmp_path_factory: pytest.TempPathFactory, runtime: str) -> Iterator[AdsSession]:
    """An emulator on ``runtime`` enforcing request signing, and the environment its notebooks run in."""
    with signing_emulator(tmp_path_factory, runtime, "ads-home") as emulator:
        running, home, compartment, project = emulator.running, emulator.home, emulator.compartment, emulator.project
        workdir = tmp_path_factory.mktemp("ads-work")
        fake_home = workdir / "home"  # no ~/.oci/config: the notebook knows only what connect_ads() gives it
        fake_home.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKYARD_", "OCI_", "PYTHON"))}
        env.update({"DOCKYARD_HOME": str(home), "DOCKYARD_ENDPOINT": running.url, "HOME": str(fake_home),
                    "NB_SESSION_COMPARTMENT_OCID": compartment, "PROJECT_OCID": project,
                    "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"})
        yield AdsSession(running.url, home, env, workdir)
