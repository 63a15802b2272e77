"""The docs' Python examples run in the suite, against an emulator of this module's own.

``sybil`` parses every page (``docs/**/*.md`` and ``README.md``): fenced ``python`` blocks, the
``<!-- invisible-code-block: python -->`` checks a page hides from readers, and the
``<!-- skip: next "reason" -->`` marks of blocks that must not run here (each says why). A page's
blocks share one namespace and run in order, as a reader would type them.

Each page runs in a fresh working directory with the toolkit's local profile pointing at an emulator
on 127.0.0.1 (process runtime: deployments are local processes), so ``GenericModel.save()`` and
friends need no arguments, exactly as the pages write them.
"""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

import pytest
from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"

#: The one parser set of every page (python blocks, invisible checks, skip marks).
PAGES = Sybil(parsers=[PythonCodeBlockParser(), SkipParser()])


def pages() -> list[Path]:
    """Every page whose examples run: the site's pages and the README."""
    return sorted(DOCS.rglob("*.md")) + [REPO / "README.md"]


@pytest.fixture(scope="module")
def docs_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One emulator for the module's pages, home in a temp dir, deployments as local processes."""
    from emulator.config import EmulatorConfig
    from emulator.server import start_in_background

    home = tmp_path_factory.mktemp("docs-home")
    running = start_in_background(EmulatorConfig(home=home, host="127.0.0.1", port=0, runtime="process"))
    try:
        yield SimpleNamespace(url=running.url, home=home, state=running.state)
    finally:
        running.stop()


@pytest.fixture
def docs_env(docs_emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A reader's shell: a fresh working directory, the local profile on ``docs_emulator``."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOCKYARD_HOME", str(docs_emulator.home))
    monkeypatch.setenv("DOCKYARD_ENDPOINT", docs_emulator.url)
    monkeypatch.setenv("DOCKYARD_PROFILE", "local")
    monkeypatch.setenv("DOCKYARD_RUNTIME", "process")
    return tmp_path
