"""The ``dockyard`` command line. Each command group lives in its own module and registers here."""
from __future__ import annotations

import importlib

import click

# Modules that add commands to ``cli``; each defines ``register(cli: click.Group)``.
COMMAND_MODULES = (
    "toolkit.cli.artifact_commands",
    "toolkit.cli.emulator_commands",
    "toolkit.cli.snapshot_commands",
    "toolkit.cli.catalog_commands",
    "toolkit.cli.auth_commands",
    "toolkit.cli.promote_commands",
    "toolkit.cli.pull_commands",
    "toolkit.cli.deployment_commands",
    "toolkit.cli.image_commands",
    "toolkit.cli.conda_commands",
    "toolkit.cli.llm_commands",
    "toolkit.cli.notebook_commands",
)


class _Group(click.Group):
    """The top-level group: also answers to the singular of each resource group
    (``dockyard deployment logs``, as the OCI CLI's ``oci data-science model-deployment``),
    without listing the aliases twice in ``--help``."""

    ALIASES = {"deployment": "deployments", "model": "models", "version-set": "version-sets"}

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return super().get_command(ctx, self.ALIASES.get(cmd_name, cmd_name))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dockyard")
def cli() -> None:
    """Dockyard: the OCI Data Science model catalog and deployments, offline.

    \b
    Example:
      dockyard emulator start --detach
      dockyard models list
    """


def _register_commands() -> None:
    """Add every group's commands; a missing or renamed module is an error, never a silent gap."""
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(cli)


_register_commands()


def main() -> None:
    cli()
