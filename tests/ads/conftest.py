"""ADS compatibility: unmodified ``oracle-ads`` code, run by ADS's own interpreter, against one emulator.

``oracle-ads`` pins its own ``oci`` SDK, so it lives in a venv of its own (``make ads``:
``.venv/ads``, Dockyard installed there with ``--no-deps``). Each notebook in ``notebooks/`` is run
with that interpreter as a subprocess, as a user's notebook would be: ``connect_ads()`` and then
ADS's classes only. It prints one line ``RESULT <json>`` for the test to check.

One emulator serves the whole module (deployments on Docker; the pack image is built once). The
environment a notebook session has in OCI (``NB_SESSION_COMPARTMENT_OCID``, ``PROJECT_OCID``) is set
for the subprocesses, as ADS reads it there.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

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

    def run(self, notebook: str, *args: str, timeout: float = 900) -> dict[str, Any]:
        """Run ``notebooks/<notebook>`` with ``args``; its RESULT line as a dict (fails with its output)."""
        command = [str(ads_python()), str(NOTEBOOKS / notebook), *args]
        proc = subprocess.run(command, env=self.env, cwd=self.workdir, capture_output=True, text=True,
                              timeout=timeout)
        lines = [line for line in proc.stdout.splitlines() if line.startswith(RESULT)]
        if proc.returncode != 0 or not lines:
            tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-60:])
            pytest.fail(f"{notebook} exited {proc.returncode} without a result:\n{tail}", pytrace=False)
        return json.loads(lines[-1][len(RESULT):])


@pytest.fixture(scope="module")
def ads(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdsSession]:
    from emulator.config import EmulatorConfig
    from emulator.server import start_in_background
    from toolkit import settings
    from toolkit.catalog.session import connect

    home = tmp_path_factory.mktemp("ads-home")
    running = start_in_background(EmulatorConfig(home=home, host="127.0.0.1", port=0, runtime="docker",
                                                 base_image=settings.base_image()))
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("DOCKYARD_HOME", str(home))
            mp.setenv("DOCKYARD_ENDPOINT", running.url)
            session = connect("local")
            compartment = session.compartment(None)
            project = session.default_project(compartment)
        workdir = tmp_path_factory.mktemp("ads-work")
        fake_home = workdir / "home"  # no ~/.oci/config: the notebook knows only what connect_ads() gives it
        fake_home.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKYARD_", "OCI_", "PYTHON"))}
        env.update({"DOCKYARD_HOME": str(home), "DOCKYARD_ENDPOINT": running.url, "HOME": str(fake_home),
                    "NB_SESSION_COMPARTMENT_OCID": compartment, "PROJECT_OCID": project,
                    "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"})
        yield AdsSession(running.url, home, env, workdir)
    finally:
        running.state.reset()  # stops every deployment container of this home
        running.stop()
