"""What code outside the runtimes may use of them: the one door the toolkit goes through.

``verify()`` runs score.py in a child of the same warm fork server the process runtime uses (so a
verify and a deployment load the model the same way), and the toolkit's requirement check looks in
the wheelhouses the image builder left. Those are these names; every other module of
``emulator.runtimes`` is internal to the emulator and may change shape without notice.
"""
from __future__ import annotations

from emulator.runtimes.forkserver import ForkServer, import_names, import_time_variables, server_for
from emulator.runtimes.wheelhouse import wheel_dirs

__all__ = ["ForkServer", "import_names", "import_time_variables", "server_for", "wheel_dirs"]
