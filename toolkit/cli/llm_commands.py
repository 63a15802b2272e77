"""``dockyard llm image``: build ``dockyard/llm:cpu``, the CPU LLM stand-in as a BYOC image (``make llm-image``)."""
from __future__ import annotations

import click


@click.group("llm")
def llm_group() -> None:
    """LLM deployments: the CPU stand-in for TGI and vLLM images.

    \b
    Example:
      dockyard llm image
    """


@llm_group.command("image")
@click.option("--tag", "-t", default="dockyard/llm:cpu", show_default=True, help="Name of the image to build.")
@click.option("--base-image", default=None,
              help="Base Python image. Default: $DOCKYARD_BASE_IMAGE, else python:3.11-slim or dockyard/python:3.11-local.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the image id.")
def image_command(tag: str, base_image: str | None, quiet: bool) -> None:
    """Build the CPU LLM stand-in's image offline (torch and transformers from a wheelhouse built here).

    \b
    Example:
      # build, then deploy it as a bring-your-own-container image with ADS's LLM variables
      dockyard llm image
      dockyard deploy MODEL_OCID --image dockyard/llm:cpu --server-port 8080 \\
        --env MODEL_DEPLOY_PREDICT_ENDPOINT=/generate \\
        --env PARAMS="--model /opt/ds/model/deployed_model"
    """
    from emulator.image.llm import build_image
    from toolkit.cli.image_commands import run_image_build

    run_image_build(build_image, tag, base_image, quiet)


def register(cli: click.Group) -> None:
    cli.add_command(llm_group)
