"""The pytest plugin as an outside project meets it: Dockyard built into a wheel from this checkout,
installed in a fresh venv, and a suite in a folder outside the repository run there with no path to
the checkout, finding the plugin through its ``pytest11`` entry point alone.

``test_plugin.py`` runs the same user suite from the source tree, where every file is at hand; only
an installed wheel shows a package-data entry missing from ``pyproject.toml`` (score.py templates,
the service-pack list, the console's pages, the LLM corpus, the site hooks).

The venv (``wheel_python``, from ``wheel_venv.py``) holds only the wheel's Dockyard; its dependencies
are this venv's, linked, so nothing is downloaded.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.testing.test_plugin import USER_SUITE
from tests.testing.wheel_venv import OutsideRun, run_outside_pytest

pytestmark = pytest.mark.slow

PACKAGE_DATA_SUITE = '''
"""What an installed Dockyard reads from its package data, used as a project of its own would."""
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
import requests
from sklearn.linear_model import LinearRegression

SITE = Path(metadata.distribution("dockyard").locate_file(""))


@pytest.fixture(scope="session")
def dockyard_emulator_config():
    return {"runtime": "process"}          # deployments as local processes, no Docker


def test_dockyard_is_the_installed_wheel_in_this_venv():
    import emulator
    import toolkit
    import toolkit.testing.plugin

    assert SITE.is_relative_to(sys.prefix), (SITE, sys.prefix)
    for module in (toolkit, emulator, toolkit.testing.plugin):
        assert Path(module.__file__).is_relative_to(SITE), module.__file__


def test_a_model_prepared_from_the_templates_deploys_and_predicts(deployed_model):
    from toolkit import SklearnModel

    X = np.array([[0.0], [1.0], [2.0]])
    y = 2 * X[:, 0] + 1
    model = deployed_model(SklearnModel(LinearRegression().fit(X, y)), prepare={"X_sample": X, "y_sample": y})
    artifact = Path(model.artifact_dir)
    assert {"score.py", "runtime.yaml", ".model-ignore"} <= {p.name for p in artifact.iterdir()}
    assert model.predict(np.array([[4.0]]))["prediction"] == pytest.approx([9.0])


def test_the_emulator_lists_the_service_conda_packs(dockyard_emulator):
    index = requests.get(f"{dockyard_emulator.url}/n/id19sfcrra6z/b/service-conda-packs/o/service_pack/index.json")
    assert index.status_code == 200, index.text
    assert "generalml_p311_cpu_x86_64_v1" in {pack["slug"] for pack in index.json()["service_packs"]}


def test_the_console_serves_its_pages_and_static_files(dockyard_emulator):
    page = requests.get(f"{dockyard_emulator.url}/console/")
    assert page.status_code == 200 and "<html" in page.text.lower(), page.text[:500]
    for name in ("console.css", "console.js"):
        assert requests.get(f"{dockyard_emulator.url}/console/static/{name}").status_code == 200, name


def test_the_tiny_llm_corpus_ships_with_the_toolkit():
    from toolkit.tiny_llm import CORPUS

    assert len(CORPUS.read_text().split()) > 100


def test_the_site_hooks_arm_the_network_guard_in_child_processes(tmp_path):
    from toolkit.testing import network_guard

    probe = "import sys, sitecustomize; print(sitecustomize.__file__, '_dockyard_network_guard' in sys.modules)"
    env = network_guard.child_env(dict(os.environ), tmp_path / "guard.log")
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(SITE / "toolkit" / "site_hooks" / "sitecustomize.py"), "True"], out.stderr
'''


@pytest.fixture(scope="module")
def outside_project(wheel_python: Path, tmp_path_factory: pytest.TempPathFactory) -> OutsideRun:
    """Runs the outside project's suite (``test_user.py``, ``test_package_data.py``) with the venv's pytest."""
    project = tmp_path_factory.mktemp("outside-project")
    (project / "test_user.py").write_text(textwrap.dedent(USER_SUITE))
    (project / "test_package_data.py").write_text(textwrap.dedent(PACKAGE_DATA_SUITE))
    return run_outside_pytest(wheel_python, project, "-q")


def test_the_plugin_fixtures_work_from_the_installed_wheel(outside_project):
    user = outside_project.outcomes["test_user"]
    assert "failed" not in user, outside_project.output
    assert set(user.get("skipped", [])) <= {"test_needs_docker"}  # no Docker engine here
    assert len(user["passed"]) + len(user.get("skipped", [])) == 8, outside_project.output


def test_the_wheel_carries_every_package_data_file_the_toolkit_reads(outside_project):
    package_data = outside_project.outcomes["test_package_data"]
    assert "failed" not in package_data, outside_project.output
    assert len(package_data["passed"]) == 6, outside_project.output
