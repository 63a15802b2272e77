"""Every Python example of the docs runs: one test per page, its blocks in order in one namespace.

A block marked ``<!-- skip: next "reason" -->`` is counted and not run; a page whose blocks need a
Docker engine is marked ``docker``; pages that deploy or train are marked ``slow``. A failing block
fails its page's test with the page and line of the block.
"""
from __future__ import annotations

from pathlib import Path
from unittest import SkipTest

import pytest

from tests.docs.conftest import PAGES, REPO, pages

#: Pages whose examples deploy through Docker (the process runtime is not what they show).
DOCKER_PAGES = {"docs/model-deploy-byoc.md"}
#: Pages whose examples take more than a few seconds (verify, deploy, train).
SLOW_PAGES = {"README.md", "docs/quick-start.md", "docs/model-artifact.md", "docs/model-schema.md",
              "docs/model-metadata.md", "docs/model-file-customization.md", "docs/model-version-set.md",
              "docs/model-deploy.md", "docs/model-deploy-byoc.md", "docs/model-load.md", "docs/testing.md",
              "docs/frameworks/generic.md", "docs/frameworks/sklearn.md", "docs/frameworks/xgboost.md",
              "docs/frameworks/lightgbm.md", "docs/frameworks/pytorch.md", "docs/metrics.md"}


def _runnable_pages() -> list:
    params = []
    for path in pages():
        name = path.relative_to(REPO).as_posix()
        if not any(True for _ in PAGES.parse(path)):
            continue
        marks = [pytest.mark.docker] if name in DOCKER_PAGES else []
        marks += [pytest.mark.slow] if name in SLOW_PAGES else []
        params.append(pytest.param(path, id=name, marks=marks))
    return params


def run_page(path: Path) -> tuple[int, list[str]]:
    """Run every example of ``path`` in order; (how many ran, the reasons of those marked not to run)."""
    ran, skipped = 0, []
    for example in PAGES.parse(path):
        try:
            example.evaluate()
        except SkipTest as skip:
            skipped.append(f"line {example.line}: {skip}")
            continue
        except Exception as error:
            raise AssertionError(f"{path.relative_to(REPO)}, the block at line {example.line} failed: "
                                 f"{type(error).__name__}: {error}") from error
        ran += example.region.evaluator is not None and _is_code(example)
    return ran, skipped


def _is_code(example) -> bool:
    return "source" in example.region.lexemes


@pytest.mark.parametrize("path", _runnable_pages())
def test_the_page_examples_run(path: Path, docs_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if path.relative_to(REPO).as_posix() in DOCKER_PAGES:
        monkeypatch.setenv("DOCKYARD_RUNTIME", "docker")
    run_page(path)
