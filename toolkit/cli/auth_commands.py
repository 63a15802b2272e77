"""``dockyard emulator add-key``: register an API key with an emulator that enforces signing."""
from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.common import emulator_home, handle_errors, home_option, json_option, print_json
from toolkit.cli.emulator_commands import emulator_group


@click.command("add-key")
@click.option("--tenancy", required=True, help="Tenancy OCID of the key's user (the keyId's first part).")
@click.option("--user", "user_id", required=True, help="User OCID (the keyId's second part).")
@click.option("--public-key-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="PEM public key (a private key file is accepted; only its public half is stored).")
@click.option("--fingerprint", default=None, help="Checked against the key when given; computed otherwise.")
@click.option("--compartment", "compartments", multiple=True,
              help="Compartment OCID the user may reach (repeat; default: all). Others answer 404.")
@click.option("--read-only", is_flag=True,
              help="The user may only read: any call but GET/HEAD (searches excepted) answers 404, as OCI does.")
@home_option
@json_option("Print the stored key record as JSON.")
@handle_errors
def add_key_command(tenancy: str, user_id: str, public_key_file: Path, fingerprint: str | None,
                    compartments: tuple[str, ...], read_only: bool, home: Path | None, as_json: bool) -> None:
    """Let an API key sign requests to an emulator started with `--auth enforce`.

    Works while the emulator runs (the key store is its SQLite catalog).

    \b
    Example:
      dockyard emulator add-key --tenancy ocid1.tenancy.oc1..aaa --user ocid1.user.oc1..bbb \\
          --public-key-file ~/.oci/oci_api_key_public.pem --compartment ocid1.compartment.oc1..ccc
    """
    from emulator.auth import add_key_to_home

    # A bad key (emulator.auth.InvalidKey, a ValueError) is an expected failure: one line, exit 1.
    record = add_key_to_home(emulator_home(home), tenancy, user_id, public_key_file.read_bytes(),
                             fingerprint=fingerprint, compartments=compartments or None, read_only=read_only)
    if as_json:
        print_json({k: v for k, v in record.items() if k != "publicKey"})
        return
    scope = ", ".join(record["compartments"]).replace("*", "all compartments")
    scope += ", read-only" if record["readOnly"] else ""
    click.echo(f"added key {record['fingerprint']} for user {user_id} ({scope})")


def register(cli: click.Group) -> None:
    """Attach ``add-key`` to the ``emulator`` group."""
    emulator_group(cli).add_command(add_key_command)
