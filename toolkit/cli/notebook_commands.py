"""``dockyard notebook env``: the environment of an OCI notebook session, for the local emulator."""
from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.common import handle_errors, home_option, json_option, print_json


@click.group("notebook")
def notebook_group() -> None:
    """Run notebooks written for an OCI Data Science notebook session against the emulator.

    \b
    Example:
      eval "$(dockyard notebook env)"
    """


@notebook_group.command("env")
@home_option
@click.option("--endpoint", default=None,
              help="URL of a running emulator. Default: $DOCKYARD_ENDPOINT, else the home's (started if needed).")
@json_option("Print the variables as one JSON object.")
@handle_errors
def env_command(home: Path | None, endpoint: str | None, as_json: bool) -> None:
    """Print `export` lines for what OCI sets in a notebook session: NB_SESSION_OCID,
    NB_SESSION_COMPARTMENT_OCID, PROJECT_OCID, NB_REGION and the resource principal's
    OCI_RESOURCE_PRINCIPAL_* (version 2.2, token and key files under the home), plus
    OCI_ODSC_SERVICE_ENDPOINT, DOCKYARD_ENDPOINT and DOCKYARD_HOME, and DOCKYARD_CONNECT_ADS=session
    with Dockyard's start-up hook first on PYTHONPATH: a kernel started from that shell runs
    connect_ads(session=True) when the notebook imports ADS, so the notebook needs no Dockyard cell.

    The emulated session is created once and reused; each run writes a fresh token. Under
    `--auth enforce` the emulator accepts the token for the session's compartment.

    \b
    Example:
      eval "$(dockyard notebook env)"
      jupyter lab   # ads.set_auth(auth="resource_principal") now works offline
      dockyard notebook env --json
    """
    import shlex

    from toolkit.notebook_session import kernel_environment, session_environment

    variables = kernel_environment(session_environment(home=home, endpoint=endpoint))
    if as_json:
        print_json(variables)
        return
    for name, value in variables.items():
        click.echo(f"export {name}={shlex.quote(value)}")


def register(cli: click.Group) -> None:
    cli.add_command(notebook_group)
