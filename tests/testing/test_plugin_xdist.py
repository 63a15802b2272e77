"""The plugin under pytest-xdist and its ``dockyard_isolation`` option, as a user's suite meets them
(run in a subprocess with the plugin, as ``test_plugin.py`` does).

Two tests in two xdist groups run at the same time on two workers and wait for each other through
files: one fills its catalog, the other empties its own with ``clean_catalog``; the first must still
find what it made, on an emulator at another URL with another home."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import guarded
from tests.testing.test_plugin import REPO, _plugin_args

pytestmark = pytest.mark.slow

TWO_WORKERS_SUITE = '''
import json
import os
import time
from pathlib import Path

import oci
import pytest

SYNC = Path(os.environ["SYNC_DIR"])


def _wait_for(name):
    deadline = time.monotonic() + 90
    while not (SYNC / name).exists():
        assert time.monotonic() < deadline, f"the other worker never wrote {name}"
        time.sleep(0.05)
    return json.loads((SYNC / name).read_text())


def _say(name, emulator):
    (SYNC / name).write_text(json.dumps({"worker": emulator.worker, "url": emulator.url,
                                         "home": str(emulator.home)}))


@pytest.mark.xdist_group("fills")
def test_what_one_worker_made_survives_the_other_workers_clean_catalog(ds_client, oci_config, dockyard_emulator):
    details = oci.data_science.models.CreateProjectDetails(compartment_id=oci_config["tenancy"], display_name="mine")
    ds_client.create_project(details)
    _say("filled", dockyard_emulator)
    other = _wait_for("cleaned")
    assert other["worker"] != dockyard_emulator.worker
    assert other["url"] != dockyard_emulator.url and other["home"] != str(dockyard_emulator.home)
    assert [p.display_name for p in ds_client.list_projects(oci_config["tenancy"]).data] == ["mine"]


@pytest.mark.xdist_group("cleans")
def test_clean_catalog_empties_only_this_workers_emulator(request, ds_client, oci_config):
    _wait_for("filled")
    emulator = request.getfixturevalue("clean_catalog")
    assert ds_client.list_projects(oci_config["tenancy"]).data == []
    _say("cleaned", emulator)
'''

PER_TEST_SUITE = '''
import oci

SEEN = []


def test_first(dockyard_emulator, ds_client, oci_config):
    SEEN.append(dockyard_emulator.url)
    details = oci.data_science.models.CreateProjectDetails(compartment_id=oci_config["tenancy"], display_name="p")
    ds_client.create_project(details)


def test_second_gets_a_fresh_emulator(dockyard_emulator, ds_client, oci_config):
    assert SEEN and dockyard_emulator.url != SEEN[0]
    assert ds_client.list_projects(oci_config["tenancy"]).data == []
'''


def _run_suite(folder: Path, suite: str, *args: str, ini: str = "") -> subprocess.CompletedProcess[str]:
    (folder / "test_user.py").write_text(textwrap.dedent(suite))
    if ini:
        (folder / "pytest.ini").write_text(f"[pytest]\n{ini}\n")
    sync = folder / "sync"
    sync.mkdir()
    env = guarded({**os.environ, "PYTHONPATH": str(REPO), "DOCKYARD_REQUIRE_DOCKER": "0", "SYNC_DIR": str(sync)})
    for name in ("DOCKYARD_HOME", "DOCKYARD_ENDPOINT", "PYTEST_XDIST_WORKER"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "pytest", *_plugin_args(), "-q", "-p", "no:cacheprovider", *args],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=300)


def test_two_xdist_workers_have_emulators_of_their_own(tmp_path):
    result = _run_suite(tmp_path, TWO_WORKERS_SUITE, "-n", "2", "--dist", "loadgroup")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout, result.stdout


@pytest.mark.parametrize("how", ["command line", "ini file"])
def test_isolation_test_gives_each_test_a_fresh_emulator(tmp_path, how):
    if how == "command line":
        result = _run_suite(tmp_path, PER_TEST_SUITE, "--dockyard-isolation=test")
    else:
        result = _run_suite(tmp_path, PER_TEST_SUITE, ini="dockyard_isolation = test")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout, result.stdout


def test_by_default_the_tests_of_a_process_share_one_emulator(tmp_path):
    result = _run_suite(tmp_path, PER_TEST_SUITE)
    assert result.returncode == 1 and "1 failed, 1 passed" in result.stdout, result.stdout + result.stderr
    assert "dockyard_emulator.url != SEEN[0]" in result.stdout, result.stdout


def test_an_unknown_isolation_level_is_a_usage_error(tmp_path):
    result = _run_suite(tmp_path, PER_TEST_SUITE, ini="dockyard_isolation = compartment")
    assert result.returncode == 4, result.stdout + result.stderr
    assert "choose one of worker, test" in result.stdout + result.stderr
