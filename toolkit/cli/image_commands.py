"""``dockyard emulator image``: build the ``dockyard/emulator`` container image (``make image``)."""
from __future__ import annotations

from typing import Callable

import click

from toolkit.cli.emulator_commands import emulator_group


@click.command("image")
@click.option("--tag", "-t", default="dockyard/emulator", show_default=True, help="Name of the image to build.")
@click.option("--base-image", default=None,
              help="Base Python image. Default: $DOCKYARD_BASE_IMAGE, else python:3.11-slim or the offline "
                   "dockyard/python:3.11-local, whichever the Docker engine has.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the image id.")
def image_command(tag: str, base_image: str | None, quiet: bool) -> None:
    """Build the emulator's container image from this checkout, offline.

    Dockyard and its dependencies are built as wheels here (from PyPI or pip's cache), then installed
    in the image without network. Run it as a CI service container:

    \b
    Example:
      dockyard emulator image
      docker run -d -p 127.0.0.1:8765:8765 -v dockyard-home:/data dockyard/emulator
      export DOCKYARD_ENDPOINT=http://127.0.0.1:8765
    """
    from emulator.image import build_image

    run_image_build(build_image, tag, base_image, quiet)


def run_image_build(build: Callable[..., str], tag: str, base_image: str | None, quiet: bool) -> None:
    """One way for the image commands to build: the build's lines as progress (or only the id with
    --quiet), and its failure as a CLI error instead of a traceback."""
    from emulator.image import ImageBuildError

    try:
        image_id = build(tag=tag, base_image=base_image, log=(lambda _line: None) if quiet else click.echo)
    except ImageBuildError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(image_id if quiet else f"built {tag} ({image_id})")


def register(cli: click.Group) -> None:
    emulator_group(cli).add_command(image_command)
