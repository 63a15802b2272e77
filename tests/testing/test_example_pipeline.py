"""``examples/pipeline`` as its users run it: Dockyard installed from a wheel built from this checkout
and the example installed from its own wheel, in a fresh venv, its suite run in parallel
(``pytest -n 2``) from a folder holding only its tests and its pyproject.toml.

Its suite puts moto's ``mock_aws`` and Dockyard's ``mock_datascience`` and plugin fixtures in the
same tests, and has two xdist workers deploy at the same time; each leaves a record of what it
deployed and what its predict answered in the run's temp root, read here."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from emulator.image import source_root
from tests.testing.wheel_venv import OutsideRun, install_wheel, run_outside_pytest

pytestmark = pytest.mark.slow

EXAMPLE = source_root() / "examples" / "pipeline"
LEFT_OUT = shutil.ignore_patterns("__pycache__", "build", "*.egg-info", ".pytest_cache")


@pytest.fixture(scope="module")
def example_python(wheel_python: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``wheel_python``'s venv with the example installed from a wheel of its own (no index, no deps)."""
    work = tmp_path_factory.mktemp("example-wheel")
    shutil.copytree(EXAMPLE, work / "source", ignore=LEFT_OUT)  # the build writes beside the sources
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-index", "--no-build-isolation",
                    "--disable-pip-version-check", "-q", "-w", str(work / "dist"), str(work / "source")],
                   check=True, capture_output=True)
    (wheel,) = (work / "dist").glob("dockyard_example_pipeline-*.whl")
    install_wheel(wheel_python, wheel)
    return wheel_python


@pytest.fixture(scope="module")
def parallel_run(example_python: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[OutsideRun, Path]:
    """The example's suite with two xdist workers; returns the run and its temp root."""
    project = tmp_path_factory.mktemp("example-project")
    shutil.copy(EXAMPLE / "pyproject.toml", project)
    shutil.copytree(EXAMPLE / "tests", project / "tests", ignore=LEFT_OUT)  # the package comes from the venv
    temp_root = project / "tmp"
    run = run_outside_pytest(example_python, project, "-v", "-n", "2", f"--basetemp={temp_root}", timeout=540)
    return run, temp_root


def test_the_example_is_imported_from_the_venv(example_python):
    where = subprocess.run([str(example_python), "-c", "import training_pipeline; print(training_pipeline.__file__)"],
                           check=True, capture_output=True, text=True).stdout.strip()
    assert Path(where).is_relative_to(example_python.parent.parent), where


def test_the_examples_suite_passes_in_parallel_from_the_installed_wheel(parallel_run):
    run, _ = parallel_run
    failed = {name: tests["failed"] for name, tests in run.outcomes.items() if "failed" in tests}
    skipped = {name: tests["skipped"] for name, tests in run.outcomes.items() if "skipped" in tests}
    assert not failed and not skipped, run.output
    assert sum(len(tests["passed"]) for tests in run.outcomes.values()) == 8, run.output
    assert "[gw0]" in run.output and "[gw1]" in run.output, run.output


def test_two_workers_deployed_at_once_and_each_predict_got_its_own_answer(parallel_run):
    run, temp_root = parallel_run
    left, right = (json.loads((temp_root / f"{side}.predicted.json").read_text()) for side in ("left", "right"))
    assert left["worker"] != right["worker"] and {left["worker"], right["worker"]} <= {"gw0", "gw1"}, run.output
    assert left["emulator"] != right["emulator"] and left["deployment"] != right["deployment"]
    assert left["answer"] + right["answer"] == pytest.approx([9.0, 13.0])  # the slopes 2 and 3 at x = 4
