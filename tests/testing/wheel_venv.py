"""A fresh venv with Dockyard installed from a wheel built from this checkout, for the tests that meet
Dockyard as an outside project does (``test_plugin_wheel.py``, ``test_example_pipeline.py``; the
session fixture ``wheel_python`` in this folder's conftest.py builds it once per test process).

The venv holds only the wheel's Dockyard; its dependencies are this venv's, linked into its
site-packages (Dockyard's own files there, an editable install's finder included, are left out), so
nothing is downloaded and the venv takes a second to make."""
from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest

from emulator.image import build_dockyard_wheel, source_root
from tests.conftest import guarded  # children under the suite's network guard


def _dockyard_entries(site: Path) -> set[str]:
    """The top-level names in ``site`` that belong to its own Dockyard install, editable or not (read from
    ``site`` itself: on this suite's path a checkout's ``dockyard.egg-info`` comes first)."""
    names = set()
    for dist in metadata.distributions(path=[str(site)]):
        if dist.metadata["Name"] == "dockyard":
            names |= {Path(f).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
    return names


def _link_dependencies(target_site: Path) -> None:
    """Make this venv's packages, all but Dockyard, importable in the venv of ``target_site``. Called after
    the wheel is installed there: pip must never meet a link (it would write through it into this venv)."""
    site = Path(sysconfig.get_paths()["purelib"])
    mine = _dockyard_entries(site) | {"__pycache__"}
    for entry in site.iterdir():
        if entry.name not in mine and not (target_site / entry.name).exists():
            (target_site / entry.name).symlink_to(entry)


def install_wheel(python: Path, wheel: Path) -> None:
    """``pip install`` one wheel into the venv of ``python``: no dependencies, no index (nothing downloaded)."""
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                    "--disable-pip-version-check", "-q", str(wheel)], check=True)


def make_wheel_venv(work: Path) -> Path:
    """The interpreter of a fresh venv under ``work`` with Dockyard installed from this checkout's wheel."""
    build_dockyard_wheel(source_root(), work / "dist", log=lambda line: None)
    (wheel,) = (work / "dist").glob("dockyard-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    install_wheel(python, wheel)
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    _link_dependencies(Path(purelib))
    return python


def junit_outcomes(report: Path) -> dict[str, dict[str, list[str]]]:
    """``{test file: {"passed" | "failed" | "skipped": [test names]}}`` from a JUnit XML report."""
    outcomes: dict[str, dict[str, list[str]]] = {}
    for case in ElementTree.parse(report).iter("testcase"):
        kinds = {child.tag for child in case} & {"failure", "error", "skipped"}
        kind = "skipped" if kinds == {"skipped"} else "failed" if kinds else "passed"
        outcomes.setdefault(case.get("classname", ""), {}).setdefault(kind, []).append(case.get("name", ""))
    return outcomes


@dataclass
class OutsideRun:
    """An outside project's pytest run: what it printed, and each test file's tests by outcome."""

    output: str
    outcomes: dict[str, dict[str, list[str]]]


def run_outside_pytest(python: Path, project: Path, *args: str, timeout: int = 300) -> OutsideRun:
    """``python -m pytest`` in ``project``, outside this repository, with none of this run's ``DOCKYARD_*``
    or ``PYTHON*`` settings and under the suite's network guard."""
    assert not project.resolve().is_relative_to(source_root())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKYARD_", "PYTHON"))}
    env = guarded({**env, "DOCKYARD_REQUIRE_DOCKER": "0"})
    result = subprocess.run(
        [str(python), "-m", "pytest", "-rA", "-p", "no:cacheprovider", "--junitxml=report.xml", *args],
        cwd=project, env=env, capture_output=True, text=True, timeout=timeout,
    )
    output = result.stdout + result.stderr
    if not (project / "report.xml").is_file():
        pytest.fail(f"the outside suite did not run:\n{output}", pytrace=False)
    return OutsideRun(output, junit_outcomes(project / "report.xml"))
