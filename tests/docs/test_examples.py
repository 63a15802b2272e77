"""Every Python example of the docs runs: one test per page, its blocks in order in one namespace.

A block marked ``<!-- skip: next "reason" -->`` is counted and not run; a page whose blocks need a
Docker engine is marked ``docker``; pages that verify, train or deploy are marked ``slow``. A failing block
fails its page's test with the page and line of the block.
"""
from __future__ import annotations

from pathlib import Path
from unittest import SkipTest

import pytest

from tests.docs.conftest import PAGES, REPO, pages

#: Pages whose examples deploy through Docker (the process runtime is not what they show).
DOCKER_PAGES = {"docs/model-deploy-byoc.md"}
#: Pages whose examples run in under ~3 s (nothing verified, trained at length or deployed); every other
#: page is marked ``slow``, so a new page that deploys is slow until measured otherwise.
FAST_PAGES = {"docs/ads-notebooks.md", "docs/llm.md", "docs/model-metadata.md", "docs/pull.md",
              "docs/frameworks/embedding-onnx.md", "docs/frameworks/huggingface.md", "docs/frameworks/spark.md",
              "docs/frameworks/tensorflow.md"}


def _runnable_pages() -> list:
    params = []
    for path in pages():
        name = path.relative_to(REPO).as_posix()
        if not any(True for _ in PAGES.parse(path)):
            continue
        marks = [pytest.mark.docker] if name in DOCKER_PAGES else []
        marks += [] if name in FAST_PAGES else [pytest.mark.slow]
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
        ran += not _is_skip_mark(example)
    return ran, skipped


def _is_skip_mark(example) -> bool:
    """A ``skip:`` directive itself (parsed as its action and reason), not a block of code."""
    return isinstance(example.parsed, tuple)


@pytest.mark.parametrize("path", _runnable_pages())
def test_the_page_examples_run(path: Path, docs_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if path.relative_to(REPO).as_posix() in DOCKER_PAGES:
        monkeypatch.setenv("DOCKYARD_RUNTIME", "docker")
    ran, skipped = run_page(path)
    assert ran or skipped
    print(f"{ran} blocks ran; marked not to run: {skipped or 'none'}")
