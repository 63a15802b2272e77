"""What the pytest plugin's fixtures cost a test: a ``clean_catalog`` reset and the first (and next)
``deployed_model``, beside starting a fresh emulator, measured through the plugin itself in one run.

Two pytest runs in this process over a generated suite, timed by a hook around each fixture's setup:

1. ``dockyard_isolation = worker`` (the default): one emulator for the run; the first test deploys a
   tiny scikit-learn model with ``deployed_model`` (process runtime: cold fork server), two more
   tests deploy again (warm), then N tests each fill the catalog (2 projects, 2 models with an
   artifact) and N tests each take ``clean_catalog`` (its setup is the reset).
2. ``dockyard_isolation = test``: N tests each get a fresh emulator (its setup is the start: app,
   SQLite store, server on a free port, throwaway key).

The reset is what a test pays to start empty; the fresh emulator is what it would pay instead.
Run from the repo root:

    python benchmarks/fixture_speed.py [--runs 5]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import textwrap
import time
from collections import defaultdict
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SUITE = '''
import json
import os
import time

import numpy as np
import oci
import pytest
from sklearn.linear_model import LinearRegression

from toolkit import SklearnModel

RUNS = int(os.environ["FIXTURE_SPEED_RUNS"])


@pytest.fixture(scope="session")
def dockyard_emulator_config():
    return {"runtime": "process"}


def _deploy(deployed_model, tmp_path, label):
    X = np.array([[0.0], [1.0], [2.0]])
    model = SklearnModel(LinearRegression().fit(X, 2 * X[:, 0] + 1), artifact_dir=str(tmp_path / "artifact"))
    start = time.perf_counter()
    deployed_model(model, prepare={"X_sample": X})
    seconds = time.perf_counter() - start
    assert model.predict(np.array([[4.0]]))["prediction"] == pytest.approx([9.0])
    with open(os.environ["FIXTURE_SPEED_OUT"], "a") as out:
        out.write(json.dumps({label: seconds}) + "\\n")


def test_0_first_deployed_model(deployed_model, tmp_path):
    _deploy(deployed_model, tmp_path, "deployed_model, first of the run")


@pytest.mark.parametrize("n", range(2))
def test_1_next_deployed_model(deployed_model, tmp_path, n):
    _deploy(deployed_model, tmp_path, "deployed_model, next")


@pytest.mark.parametrize("n", range(RUNS))
def test_2_fill_then_reset(ds_client, oci_config, request, n):
    compartment = oci_config["tenancy"]
    for i in range(2):
        project = ds_client.create_project(oci.data_science.models.CreateProjectDetails(
            compartment_id=compartment, display_name=f"p{i}")).data
        model = ds_client.create_model(oci.data_science.models.CreateModelDetails(
            compartment_id=compartment, project_id=project.id, display_name=f"m{i}")).data
        ds_client.create_model_artifact(model.id, b"x" * 4096, content_disposition="attachment; filename=a.zip")
    request.getfixturevalue("clean_catalog")
    assert ds_client.list_projects(compartment_id=compartment).data == []
'''

FRESH_SUITE = '''
import os

import pytest

RUNS = int(os.environ["FIXTURE_SPEED_RUNS"])


@pytest.mark.parametrize("n", range(RUNS))
def test_fresh_emulator(dockyard_emulator, n):
    assert dockyard_emulator.url.startswith("http://127.0.0.1:")
'''


class FixtureTimer:
    """A pytest plugin: wall seconds of each fixture's own setup (its dependencies are set up before)."""

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = defaultdict(list)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef: pytest.FixtureDef, request: pytest.FixtureRequest) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.seconds[fixturedef.argname].append(time.perf_counter() - start)


def _run(suite: str, folder: Path, *args: str) -> FixtureTimer:
    folder.mkdir()
    (folder / f"test_{folder.name}.py").write_text(textwrap.dedent(suite))
    timer = FixtureTimer()
    plugin_args = [] if _plugin_installed() else ["-p", "toolkit.testing.plugin"]
    code = pytest.main([*plugin_args, "-q", "-p", "no:cacheprovider", "--rootdir", str(folder),
                        "-c", os.devnull, str(folder), *args], plugins=[timer])
    if code != 0:
        raise SystemExit(f"the {folder.name} suite failed (pytest exit {code})")
    return timer


def _plugin_installed() -> bool:
    from importlib.metadata import entry_points

    return any(ep.value == "toolkit.testing.plugin" for ep in entry_points(group="pytest11"))


def _row(label: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return f"{label:<52} {len(ms):>4} {statistics.median(ms):>10.1f} {min(ms):>10.1f} {max(ms):>10.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="resets and fresh emulators measured (default 5)")
    args = parser.parse_args()
    for name in [n for n in os.environ if n.startswith("DOCKYARD_") and n != "DOCKYARD_BASE_IMAGE"]:
        os.environ.pop(name)
    with tempfile.TemporaryDirectory(prefix="fixture-speed-") as tmp:
        work = Path(tmp)
        deploys = work / "deploys.jsonl"
        os.environ.update(FIXTURE_SPEED_RUNS=str(args.runs), FIXTURE_SPEED_OUT=str(deploys))
        shared = _run(SUITE, work / "shared", "--dockyard-isolation=worker", f"--basetemp={work / 'bt1'}")
        fresh = _run(FRESH_SUITE, work / "fresh", "--dockyard-isolation=test", f"--basetemp={work / 'bt2'}")
        deployed: dict[str, list[float]] = defaultdict(list)
        for line in deploys.read_text().splitlines():
            for label, seconds in json.loads(line).items():
                deployed[label].append(seconds)
    print(f"\n{'fixture (ms)':<52} {'runs':>4} {'median':>10} {'min':>10} {'max':>10}")
    print(_row("clean_catalog (reset: 2 projects, 2 models)", shared.seconds["clean_catalog"]))
    for label, seconds in deployed.items():
        print(_row(label + " (process runtime)", seconds))
    print(_row("dockyard_emulator, fresh (isolation=test)", fresh.seconds["dockyard_emulator"]))
    print(_row("dockyard_emulator, the run's (isolation=worker)", shared.seconds["dockyard_emulator"]))


if __name__ == "__main__":
    main()
