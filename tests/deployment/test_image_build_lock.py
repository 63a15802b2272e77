"""Two emulators on one Docker engine (two homes, or make test's two workers) build an environment image
one at a time: the build of a tag holds a host-wide lock, so neither removes the other's build
container as a leftover."""
from __future__ import annotations

import fcntl
import subprocess
import sys
import tempfile
from pathlib import Path

from emulator.runtimes.venv_image import host_build_lock

HOLD = """
import sys, time
from emulator.runtimes.venv_image import host_build_lock
with host_build_lock(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.readline()
"""


def _try_lock(key: str) -> bool:
    with open(Path(tempfile.gettempdir()) / "dockyard-image-builds" / f"{key}.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def test_another_process_building_the_same_tag_holds_it_until_done(tmp_path):
    key = f"test-{tmp_path.name}"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, key], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert not _try_lock(key)
        assert _try_lock(key + "-other")  # another tag builds meanwhile
    finally:
        holder.communicate("done\n", timeout=30)
    assert _try_lock(key)
    with host_build_lock(key):
        assert not _try_lock(key)
