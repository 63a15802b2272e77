"""Whether a process id still names a running process: shared by the daemon and the process runtime."""
from __future__ import annotations

import os
from pathlib import Path


def pid_running(pid: int) -> bool:
    """True while ``pid`` runs. A zombie (exited, not yet reaped by its parent) counts as gone, so a
    caller waiting for a child it started itself to stop does not wait out its whole timeout."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:  # no /proc (macOS): the signal said it exists
        return True
