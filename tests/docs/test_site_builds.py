"""The docs site builds in strict mode: a warning, a broken link, a page left out of the nav or an
API name that no longer exists fails the suite, not only ``make docs``."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs.conftest import REPO


@pytest.mark.slow  # 2.5 s on an idle machine, 12 s on a loaded one
def test_mkdocs_builds_the_site_in_strict_mode(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
                          cwd=REPO, capture_output=True, text=True, timeout=300, env=_quiet_env())
    assert done.returncode == 0, done.stdout + done.stderr
    cli_page = (tmp_path / "site" / "cli" / "index.html").read_text(encoding="utf-8")
    assert "dockyard emulator start" in cli_page  # generated from the click tree
    differences = (tmp_path / "site" / "ads-differences" / "index.html").read_text(encoding="utf-8")
    assert "CONST_" in differences  # rendered from tests/parity/differences.yaml
    assert "fonts.googleapis.com" not in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")


def _quiet_env() -> dict[str, str]:
    import os

    return {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
