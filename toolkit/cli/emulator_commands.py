"""``dockyard emulator start|stop|status``: run the local OCI Data Science emulator.

Foreground ``start`` serves until Ctrl-C (waitress, a real WSGI server); ``--detach`` starts it as
a background process recorded in ``<home>/emulator.json`` that ``stop`` and ``status`` find again.
"""
from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.common import emulator_home, home_option, json_option, print_json


@click.command("start")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port to listen on; 0 picks a free one.")
@home_option
@click.option("--detach", is_flag=True, help="Run in the background and return once it answers.")
@click.option("--auth", "--auth-mode", "auth_mode", type=click.Choice(["off", "enforce"]), default="off", show_default=True,
              help="'enforce' rejects requests not signed by a registered API key, as OCI does.")
@click.option("--runtime", type=click.Choice(["auto", "docker", "process"]), default=None,
              help="Deployment runtime. Default: $DOCKYARD_RUNTIME or auto.")
@click.option("--console-write", is_flag=True,
              help="With --auth enforce, let the console's token holder test-predict, activate and deactivate "
                   "(read-only otherwise).")
def start_command(host: str, port: int, home: Path | None, detach: bool, auth_mode: str, runtime: str | None,
                  console_write: bool) -> None:
    """Start the emulator (foreground until Ctrl-C, or --detach).

    \b
    Example:
      dockyard emulator start --detach --port 8765
      export DOCKYARD_ENDPOINT=http://127.0.0.1:8765
    """
    from emulator.config import EmulatorConfig

    config = EmulatorConfig(home=emulator_home(home), host=host, port=port, auth_mode=auth_mode,
                            console_write=console_write)
    if runtime:
        config.runtime = runtime
    if not detach:
        from emulator.server import serve

        _echo_local_profile(config.home)
        serve(config)
        return
    from emulator import daemon

    running = daemon.status(config.home)
    if running:
        click.echo(f"already running at {running['url']} (pid {running['pid']}, home {config.home})")
        return
    try:
        url = daemon.start_detached(config)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    from emulator.console import console_url

    click.echo(f"Dockyard emulator serving {config.home} at {url}")
    click.echo(f"  export DOCKYARD_ENDPOINT={url}")
    click.echo(f"  console: {console_url(config, url)}")
    _echo_local_profile(config.home)


def _echo_local_profile(home: Path) -> None:
    """Create the local profile's throwaway key now and say where it is, so other ``oci``-based
    tools (the ``oci`` CLI: ``--config-file``) can sign requests to this emulator right away."""
    from toolkit.profiles import ensure_local_credentials

    config_file = ensure_local_credentials(home)
    tenancy = next((line.split("=", 1)[1].strip() for line in config_file.read_text().splitlines()
                    if line.startswith("tenancy=")), "")
    click.echo(f"  oci config for this emulator: {config_file} (tenancy {tenancy})")


@click.command("stop")
@home_option
def stop_command(home: Path | None) -> None:
    """Stop the detached emulator serving HOME (a no-op when none runs).

    \b
    Example:
      dockyard emulator stop --home ./team-catalog
    """
    from emulator import daemon

    home_dir = emulator_home(home)
    if daemon.stop(home_dir):
        click.echo(f"stopped the emulator serving {home_dir}")
    else:
        click.echo(f"no emulator was running for {home_dir}")


@click.command("status")
@home_option
@json_option("Print {running, pid, url, home} as JSON.")
def status_command(home: Path | None, as_json: bool) -> None:
    """Say whether an emulator serves HOME and where (exit status 1 when none runs).

    \b
    Example:
      dockyard emulator status --json
    """
    from emulator import daemon

    home_dir = emulator_home(home)
    data = daemon.status(home_dir)
    if as_json:
        print_json({"running": bool(data), "home": str(home_dir), **(data or {})}, indent=None)
    elif data:
        click.echo(f"running at {data['url']} (pid {data['pid']}, home {home_dir})")
    else:
        click.echo(f"not running (home {home_dir})")
    if not data:
        raise SystemExit(1)


_GROUP_HELP = """Run and manage the local OCI Data Science emulator.

\b
Example:
  dockyard emulator start --detach
  dockyard emulator status
  dockyard emulator stop
"""


def emulator_group(cli: click.Group) -> click.Group:
    """The ``emulator`` group of ``cli``, created on first use; auth_commands adds ``add-key`` to it."""
    group = cli.commands.get("emulator")
    if not isinstance(group, click.Group):
        group = click.Group("emulator", help=_GROUP_HELP)
        cli.add_command(group)
    return group


def register(cli: click.Group) -> None:
    """Add ``start``, ``stop`` and ``status`` to the ``emulator`` group."""
    for command in (start_command, stop_command, status_command):
        emulator_group(cli).add_command(command)
