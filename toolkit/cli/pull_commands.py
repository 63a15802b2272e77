"""``dockyard pull``: copy a model or a deployment from a cloud profile into the local emulator."""
from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    """Commands are added as they land (``pull``)."""
